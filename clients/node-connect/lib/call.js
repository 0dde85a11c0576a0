'use strict';
// Runs one planned call through connect's transport and reports what it observed.
//
// Every kind goes through transport.stream(), as connect's own createClient does for the three
// streaming kinds: the response's `header` and `trailer` stay apart, where a failed
// transport.unary() only offers ConnectError.metadata, headers and trailers merged into one.
// For unary-response methods the rules of connect's unary call are applied here: no message is
// reported with an error status, and a wrong message count is connect's protocol error.

const { ConnectError, Code } = require('@connectrpc/connect');
const { toJson } = require('@bufbuild/protobuf');

async function runCall(transport, plan) {
  const { method, messages, headers, timeoutMs, cancelAfter, serverStreaming } = plan;
  const controller = new AbortController();
  const responses = [];
  let response;
  let status = { code: 0, message: '' };
  let trailersOnly = new Headers();
  try {
    const call = transport.stream(method, controller.signal, timeoutMs, headers, requestStream(messages));
    if (cancelAfter === 0) {
      controller.abort();
    }
    response = await call;
    for await (const message of response.message) {
      if (responses.length === cancelAfter) {
        continue; // cancelled: wait for the stream to report it, read no more messages
      }
      responses.push(message);
      if (responses.length === cancelAfter) {
        controller.abort();
      }
    }
  } catch (err) {
    const error = ConnectError.from(err);
    status = { code: error.code, message: error.rawMessage };
    if (!response) {
      trailersOnly = error.metadata; // no response headers: a Trailers-Only response, if any
    }
  }
  if (!serverStreaming) {
    status = unaryStatus(status, responses);
  }
  return {
    status,
    responses: responses.map((message) => toJson(method.output, message)),
    initial_metadata: headersToJson(response?.header),
    trailing_metadata: headersToJson(response ? response.trailer : trailersOnly),
  };
}

/** connect's unary rules: exactly one message with OK, none reported with an error. */
function unaryStatus(status, responses) {
  if (status.code !== 0) {
    responses.length = 0;
  } else if (responses.length !== 1) {
    const problem = responses.length ? 'received extra output message' : 'missing output message';
    responses.length = 0;
    return { code: Code.Unimplemented, message: `protocol error: ${problem} for unary method` };
  }
  return status;
}

async function* requestStream(messages) {
  yield* messages;
}

/**
 * fetch Headers → `{key: [values]}`. Headers joins repeated values with ", "; the harness splits
 * ASCII ones, `-bin` values are split here and re-encoded as padded base64.
 */
function headersToJson(headers) {
  const json = {};
  headers?.forEach((value, key) => {
    json[key] = key.endsWith('-bin')
      ? value.split(',').map((part) => Buffer.from(part.trim(), 'base64').toString('base64'))
      : [value];
  });
  return json;
}

module.exports = { runCall, headersToJson };
