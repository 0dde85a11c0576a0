'use strict';
// The contract executor (see clients/CONTRACT.md): runs one case request through a generic
// grpc.Client, using only the loaded method definitions, and reports what it observed.

const grpc = require('@grpc/grpc-js');
const { findMethod } = require('./definitions');
const { fromProto3Json, ProtoJsonError } = require('./proto-json');
const { channelSpec, CaseError } = require('./channels');

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// Requests are serialized up front (so that a bad one fails the case before anything is sent),
// then handed to grpc-js as they are.
const alreadySerialized = (buffer) => buffer;

/**
 * Parses and runs one stdin line (number `lineNumber`) on a client from `channels`; always
 * resolves to a result object, never rejects.
 */
async function runLine(channels, defaultTarget, definitions, line, lineNumber) {
  let id = `line-${lineNumber}`;
  try {
    let request;
    try {
      request = JSON.parse(line);
    } catch (err) {
      throw new CaseError(`cannot parse the case as JSON: ${err.message}`);
    }
    if (isObject(request) && typeof request.id === 'string' && request.id !== '') {
      id = request.id;
    }
    const plan = planCall(definitions, request);
    const client = channels.get(channelSpec(request, defaultTarget));
    if (plan.bench) {
      return { id, bench: await bench(client, plan) };
    }
    return { id, ...(await execute(client, plan)) };
  } catch (err) {
    if (!(err instanceof CaseError)) {
      console.error(`case ${id}:`, err);
    }
    return { id, error: err.message };
  }
}

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const isCount = (value, minimum) => Number.isInteger(value) && value >= minimum;

/** Validates a case request and turns it into everything a call needs. Throws CaseError. */
function planCall(definitions, request) {
  if (!isObject(request)) {
    throw new CaseError('a case must be a JSON object');
  }
  const { id, method, requests, metadata = {}, timeout_ms: timeoutMs, path } = request;
  const cancelAfter = request.cancel_after_responses;
  if (typeof id !== 'string' || id === '') {
    throw new CaseError('"id" must be a non-empty string');
  }
  if (typeof method !== 'string') {
    throw new CaseError('"method" must be a string "Service/Method"');
  }
  const found = findMethod(definitions, method);
  if (!found) {
    throw new CaseError(`unknown method ${method}`);
  }
  const { definition } = found;
  if (!Array.isArray(requests)) {
    throw new CaseError('"requests" must be a list of messages');
  }
  if (!definition.requestStream && requests.length !== 1) {
    throw new CaseError(`${method} takes exactly one request, got ${requests.length}`);
  }
  if (timeoutMs !== undefined && !isCount(timeoutMs, 1)) {
    throw new CaseError('"timeout_ms" must be a positive integer');
  }
  if (cancelAfter !== undefined && !isCount(cancelAfter, 0)) {
    throw new CaseError('"cancel_after_responses" must be a non-negative integer');
  }
  if (path !== undefined && !(typeof path === 'string' && path.startsWith('/'))) {
    throw new CaseError('"path" must be a string starting with "/"');
  }
  const { bench: benchRequest } = request;
  if (benchRequest !== undefined
      && !(isObject(benchRequest) && isCount(benchRequest.calls, 1) && isCount(benchRequest.concurrency, 1))) {
    throw new CaseError('"bench" must be {"calls": >= 1, "concurrency": >= 1}');
  }
  return {
    bench: benchRequest,
    definition,
    path: path ?? definition.path,
    messages: requests.map((message, i) => serialize(found, message, i)),
    metadata: toMetadata(metadata),
    timeoutMs,
    cancelAfter,
  };
}

/** Encodes one request message given in proto3 JSON. Throws CaseError. */
function serialize({ definition, requestType }, message, index) {
  try {
    return definition.requestSerialize(fromProto3Json(requestType, message, `requests[${index}]`));
  } catch (err) {
    const problem = err instanceof ProtoJsonError ? err.message : `requests[${index}]: ${err.message}`;
    throw new CaseError(problem);
  }
}

/** Builds grpc-js Metadata from `{key: [values]}`; `-bin` values are base64 in the case. */
function toMetadata(json) {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new CaseError('"metadata" must be an object of lists');
  }
  const metadata = new grpc.Metadata();
  for (const [key, values] of Object.entries(json)) {
    if (!Array.isArray(values) || !values.every((value) => typeof value === 'string')) {
      throw new CaseError(`metadata ${key}: values must be a list of strings`);
    }
    for (const value of values) {
      const binary = key.endsWith('-bin');
      if (binary && !BASE64.test(value)) {
        throw new CaseError(`metadata ${key}: ${JSON.stringify(value)} is not padded base64`);
      }
      try {
        metadata.add(key, binary ? Buffer.from(value, 'base64') : value);
      } catch (err) {
        throw new CaseError(`metadata ${key}: ${err.message}`);
      }
    }
  }
  return metadata;
}

/** grpc-js Metadata → `{key: [values]}`, Buffers (the `-bin` values) base64-encoded. */
function metadataToJson(metadata) {
  const json = {};
  for (const [key, values] of Object.entries(metadata?.toJSON() ?? {})) {
    json[key] = values.map((value) => (Buffer.isBuffer(value) ? value.toString('base64') : value));
  }
  return json;
}

/**
 * Starts the call with the make*Request that fits the method's kind and resolves once its final
 * status has arrived (and, for response streams, every message has been read).
 */
function execute(client, { definition, path, messages, metadata, timeoutMs, cancelAfter }) {
  return new Promise((resolve) => {
    const { requestStream, responseStream, responseDeserialize } = definition;
    const options = timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs };
    const responses = [];
    let initialMetadata = {};
    let status;
    let callbackError; // unary responses: the callback may report what the status event does not
    let drained = !responseStream;
    let call;

    const finish = () => {
      if (!status || !drained) {
        return;
      }
      const { code, details } = callbackError ?? status;
      resolve({
        status: { code, message: details },
        responses,
        initial_metadata: initialMetadata,
        trailing_metadata: metadataToJson(status.metadata),
      });
    };
    const onResponse = (message) => {
      if (responses.length === cancelAfter) {
        return; // cancelled: a message grpc-js had already buffered is not read
      }
      responses.push(message);
      if (responses.length === cancelAfter) {
        call.cancel();
      }
    };
    const onUnaryResponse = (err, message) => {
      if (err) {
        callbackError = err;
      } else {
        onResponse(message);
      }
    };

    const common = [path, alreadySerialized, responseDeserialize];
    if (!requestStream && !responseStream) {
      call = client.makeUnaryRequest(...common, messages[0], metadata, options, onUnaryResponse);
    } else if (!requestStream) {
      call = client.makeServerStreamRequest(...common, messages[0], metadata, options);
    } else if (!responseStream) {
      call = client.makeClientStreamRequest(...common, metadata, options, onUnaryResponse);
    } else {
      call = client.makeBidiStreamRequest(...common, metadata, options);
    }

    call.on('metadata', (headers) => {
      initialMetadata = metadataToJson(headers);
    });
    call.on('status', (finalStatus) => {
      status = finalStatus;
      finish();
    });
    // Streams also emit a non-OK status as 'error'; the 'status' event reports it.
    call.on('error', () => {});
    if (responseStream) {
      call.on('data', onResponse);
      call.on('end', () => {
        drained = true;
        finish();
      });
    }

    if (cancelAfter === 0) {
      call.cancel();
    }
    if (requestStream) {
      // Half-close even a cancelled call: grpc-js keeps the connection referenced (and the
      // process alive after client.close()) for a request stream that was never ended.
      for (const message of cancelAfter === 0 ? [] : messages) {
        call.write(message);
      }
      call.end();
    }
  });
}

/** Makes `calls` calls of the plan, `concurrency` at a time; counts and latency percentiles. */
async function bench(client, plan) {
  const { calls, concurrency } = plan.bench;
  const latencies = [];
  const statuses = new Array(calls);
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      const index = next++;
      const started = performance.now();
      statuses[index] = (await execute(client, plan)).status;
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, worker));
  const errors = statuses.filter((status) => status.code !== 0);
  return {
    calls,
    errors: errors.length,
    wall_ms: performance.now() - started,
    latency_ms: percentiles(latencies),
    ...(errors.length ? { first_error: errors[0] } : {}),
  };
}

/** Nearest-rank percentiles, the same definition in every reference client. */
function percentiles(latencies) {
  const sorted = latencies.length ? [...latencies].sort((a, b) => a - b) : [0];
  const rank = (p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
  return { p50: rank(50), p90: rank(90), p99: rank(99), max: sorted[sorted.length - 1] };
}

module.exports = { runLine, planCall, percentiles };
