'use strict';
// Transport security and the bearer token: --tls-cert/--tls-key (TLS only), --tls-client-ca
// (mutual TLS) and --require-token (Teams calls only; health and reflection stay open, since
// load balancers probe them without credentials).

const crypto = require('node:crypto');
const fs = require('node:fs');
const grpc = require('@grpc/grpc-js');

const TEAMS_PREFIX = '/Teams/';
const WRONG_TOKEN = 'missing or wrong bearer token';

/** Server credentials for the flags: insecure, TLS, or TLS requiring a client certificate. */
function credentials({ tlsCert, tlsKey, tlsClientCa }) {
  if (!tlsCert && !tlsKey) {
    if (tlsClientCa) {
      throw new Error('--tls-client-ca needs --tls-cert and --tls-key');
    }
    return grpc.ServerCredentials.createInsecure();
  }
  if (!tlsCert || !tlsKey) {
    throw new Error('--tls-cert and --tls-key go together');
  }
  const pair = { cert_chain: fs.readFileSync(tlsCert), private_key: fs.readFileSync(tlsKey) };
  const clientCa = tlsClientCa ? fs.readFileSync(tlsClientCa) : null;
  return grpc.ServerCredentials.createSsl(clientCa, [pair], clientCa !== null);
}

/** The token in `file`, stripped; an empty file is a mistake, never "no token needed". */
function readToken(file) {
  const token = fs.readFileSync(file, 'utf8').trim();
  if (!token) {
    throw new Error(`--require-token ${file}: the file is empty`);
  }
  return token;
}

/**
 * A server interceptor that ends Teams calls without `authorization: Bearer <token>`
 * UNAUTHENTICATED before the handler (or any test hook) runs.
 */
function tokenInterceptor(token) {
  const expected = Buffer.from(`Bearer ${token}`);
  const authorized = (metadata) => {
    const given = metadata.get('authorization');
    if (given.length !== 1) {
      return false;
    }
    const bytes = Buffer.from(String(given[0]));
    return bytes.length === expected.length && crypto.timingSafeEqual(bytes, expected);
  };
  return (methodDescriptor, call) => {
    if (!methodDescriptor.path.startsWith(TEAMS_PREFIX)) {
      return call;
    }
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            if (authorized(metadata)) {
              nextMetadata(metadata);
            } else {
              call.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: WRONG_TOKEN });
            }
          },
        });
      },
    });
  };
}

module.exports = { credentials, readToken, tokenInterceptor, WRONG_TOKEN };
