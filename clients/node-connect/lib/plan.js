'use strict';
// Turns one case request (clients/CONTRACT.md) into a plan: the DescMethod, the request messages
// (proto3 JSON read strictly by @bufbuild/protobuf's fromJson), the request headers and the
// call options. Anything wrong throws CaseError, answered with an `error` result.

const { X509Certificate, createPrivateKey } = require('node:crypto');
const { fromJson } = require('@bufbuild/protobuf');
const { findMethod, atPath } = require('./descriptors');

class CaseError extends Error {}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const isInt = (value, min) => Number.isInteger(value) && value >= min;

function planCase(registry, request, defaultTarget) {
  const { method: name, requests, metadata = {}, path } = request;
  if (typeof name !== 'string') {
    throw new CaseError('"method" must be a string "Service/Method"');
  }
  const method = findMethod(registry, name);
  if (!method) {
    throw new CaseError(`unknown method ${name}`);
  }
  if (!Array.isArray(requests)) {
    throw new CaseError('"requests" must be a list of messages');
  }
  const clientStreaming = method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming';
  if (!clientStreaming && requests.length !== 1) {
    throw new CaseError(`${name} takes exactly one request, got ${requests.length}`);
  }
  if (path !== undefined && !(typeof path === 'string' && path.startsWith('/'))) {
    throw new CaseError('"path" must be a string starting with "/"');
  }
  const timeoutMs = optionalInt(request, 'timeout_ms', 1);
  const cancelAfter = optionalInt(request, 'cancel_after_responses', 0);
  const target = request.target ?? defaultTarget;
  if (typeof target !== 'string' || !/^.+:\d+$/.test(target)) {
    throw new CaseError(`"target" must be host:port, got ${JSON.stringify(target)}`);
  }
  if (request.compression !== undefined && request.compression !== 'gzip') {
    throw new CaseError(`unsupported compression ${JSON.stringify(request.compression)}`);
  }
  return {
    method: path === undefined ? method : atPath(method, path),
    serverStreaming: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
    messages: requests.map((json, i) => readMessage(method.input, json, i)),
    headers: toHeaders(metadata),
    timeoutMs,
    cancelAfter,
    channel: { target, tls: readTls(request.tls), compression: request.compression ?? null },
    bench: readBench(request.bench),
  };
}

function readMessage(schema, json, index) {
  if (!isObject(json)) {
    throw new CaseError(`requests[${index}] must be a JSON object`);
  }
  try {
    return fromJson(schema, json); // strict: an unknown field is an error
  } catch (err) {
    throw new CaseError(`requests[${index}]: ${err.message}`);
  }
}

/** `{key: [values]}` → fetch Headers; `-bin` values must be padded base64 (sent as such). */
function toHeaders(metadata) {
  if (!isObject(metadata)) {
    throw new CaseError('"metadata" must be an object of lists');
  }
  const headers = new Headers();
  for (const [key, values] of Object.entries(metadata)) {
    if (!Array.isArray(values) || !values.every((value) => typeof value === 'string')) {
      throw new CaseError(`metadata ${key}: values must be a list of strings`);
    }
    const binary = key.endsWith('-bin');
    const bad = binary && values.find((value) => !BASE64.test(value));
    if (bad !== undefined && bad !== false) {
      throw new CaseError(`metadata ${key}: ${JSON.stringify(bad)} is not padded base64`);
    }
    try {
      for (const value of binary && values.length ? [values.join(',')] : values) {
        headers.append(key, value);
      }
    } catch (err) {
      throw new CaseError(`metadata ${key}: ${err.message}`);
    }
  }
  return headers;
}

function readTls(tls) {
  if (tls === undefined || tls === null) {
    return null;
  }
  if (!isObject(tls) || typeof tls.ca_pem !== 'string') {
    throw new CaseError('"tls" must be an object with a "ca_pem" string');
  }
  const { ca_pem: ca, server_name: serverName, client_cert_pem: cert, client_key_pem: key } = tls;
  if ([serverName, cert, key].some((value) => value !== undefined && typeof value !== 'string')) {
    throw new CaseError('"tls" fields must be strings');
  }
  if ((cert === undefined) !== (key === undefined)) {
    throw new CaseError('"tls" needs both client_cert_pem and client_key_pem, or neither');
  }
  try {
    // node:tls would only fail at the handshake; a bad PEM is the case's fault, not a status.
    [ca, cert].filter((pem) => pem !== undefined).forEach((pem) => new X509Certificate(pem));
    if (key !== undefined) {
      createPrivateKey(key);
    }
  } catch (err) {
    throw new CaseError(`tls: ${err.message}`);
  }
  return { ca, serverName, cert, key };
}

function readBench(bench) {
  if (bench === undefined || bench === null) {
    return null;
  }
  if (!isObject(bench) || !isInt(bench.calls, 1) || !isInt(bench.concurrency, 1)) {
    throw new CaseError('"bench" must be {"calls": n >= 1, "concurrency": n >= 1}');
  }
  return { calls: bench.calls, concurrency: bench.concurrency };
}

function optionalInt(object, name, min) {
  const value = object[name];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!isInt(value, min)) {
    throw new CaseError(`"${name}" must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

module.exports = { planCase, CaseError };
