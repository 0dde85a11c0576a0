'use strict';
// One grpc.Client per distinct (target, tls, compression) of the cases, made on first use and
// shared by every case that asks for the same one; all are closed when the run ends.

const grpc = require('@grpc/grpc-js');

const GZIP = 2; // grpc-js' CompressionAlgorithms.gzip, for 'grpc.default_compression_algorithm'
const TLS_FIELDS = ['ca_pem', 'server_name', 'client_cert_pem', 'client_key_pem'];

/** A case that cannot be run at all; answered with `error`, never with a gRPC status. */
class CaseError extends Error {}

/** Checks a case's `target`, `tls` and `compression`; returns the key of its channel. */
function channelSpec(request, defaultTarget) {
  const { target = defaultTarget, tls, compression } = request;
  if (typeof target !== 'string' || target === '') {
    throw new CaseError('"target" must be a non-empty string host:port');
  }
  if (tls !== undefined) {
    if (tls === null || typeof tls !== 'object' || typeof tls.ca_pem !== 'string') {
      throw new CaseError('"tls" must be an object with a string "ca_pem"');
    }
    if (TLS_FIELDS.some((f) => tls[f] !== undefined && typeof tls[f] !== 'string')) {
      throw new CaseError(`"tls" fields ${TLS_FIELDS.join(', ')} must be strings`);
    }
    if ((tls.client_cert_pem === undefined) !== (tls.client_key_pem === undefined)) {
      throw new CaseError('"tls" needs both client_cert_pem and client_key_pem, or neither');
    }
  }
  if (compression !== undefined && compression !== 'gzip') {
    throw new CaseError(`"compression" must be "gzip", got ${JSON.stringify(compression)}`);
  }
  return { target, tls: tls && Object.fromEntries(TLS_FIELDS.map((f) => [f, tls[f]])), compression };
}

class Channels {
  constructor() {
    this.clients = new Map();
  }

  /** The grpc.Client for a channel spec, made on first use. */
  get(spec) {
    const key = JSON.stringify(spec);
    if (!this.clients.has(key)) {
      this.clients.set(key, makeClient(spec));
    }
    return this.clients.get(key);
  }

  close() {
    for (const client of this.clients.values()) {
      client.close();
    }
    this.clients.clear();
  }
}

function makeClient({ target, tls, compression }) {
  const options = compression === 'gzip' ? { 'grpc.default_compression_algorithm': GZIP } : {};
  if (!tls) {
    return new grpc.Client(target, grpc.credentials.createInsecure(), options);
  }
  const pem = (text) => (text === undefined ? null : Buffer.from(text));
  const credentials = grpc.credentials.createSsl(
    pem(tls.ca_pem),
    pem(tls.client_key_pem),
    pem(tls.client_cert_pem),
  );
  if (tls.server_name) {
    // The name the certificate must match, also the SNI and the :authority of every call.
    options['grpc.ssl_target_name_override'] = tls.server_name;
    options['grpc.default_authority'] = tls.server_name;
  }
  return new grpc.Client(target, credentials, options);
}

module.exports = { Channels, channelSpec, CaseError };
