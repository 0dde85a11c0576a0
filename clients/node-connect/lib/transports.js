'use strict';
// One connect gRPC transport (and its HTTP/2 session manager) per distinct (target, tls,
// compression), reused across cases; closeAll() aborts the sessions at the end of input.
//
// TLS is node:http2's own: nodeOptions `ca` (the only CA trusted), `servername` (SNI and the
// name the certificate must match) and, for mutual TLS, `cert`/`key`. Compression is connect's
// compressionGzip: `sendCompression` (with compressMinBytes 0, so every request message is
// compressed, not only those over connect's default 1 KiB); gzip and brotli responses are always
// accepted (connect-node's default acceptCompression).

const { createGrpcTransport, compressionGzip, Http2SessionManager } = require('@connectrpc/connect-node');

class Transports {
  constructor() {
    this.entries = new Map();
  }

  get(channel) {
    return this.entry(channel).transport;
  }

  /**
   * Opens the HTTP/2 session to a target now instead of in its first call, so that the first
   * cases' deadlines do not also pay for the connection (errors surface in the calls).
   */
  warmUp(channel) {
    try {
      this.entry(channel).sessionManager.connect();
    } catch {
      // a bad target: every case that uses it reports the problem itself
    }
  }

  entry({ target, tls, compression }) {
    const key = JSON.stringify([target, tls, compression]);
    if (!this.entries.has(key)) {
      const baseUrl = `${tls ? 'https' : 'http'}://${target}`;
      const nodeOptions = tls ? tlsOptions(tls) : {};
      const sessionManager = new Http2SessionManager(baseUrl, {}, nodeOptions);
      const transport = createGrpcTransport({
        baseUrl,
        sessionManager,
        ...(compression === 'gzip' ? { sendCompression: compressionGzip, compressMinBytes: 0 } : {}),
      });
      this.entries.set(key, { transport, sessionManager });
    }
    return this.entries.get(key);
  }

  closeAll() {
    for (const { sessionManager } of this.entries.values()) {
      sessionManager.abort();
    }
    this.entries.clear();
  }
}

function tlsOptions({ ca, serverName, cert, key }) {
  return {
    ca,
    ...(serverName === undefined ? {} : { servername: serverName }),
    ...(cert === undefined ? {} : { cert, key }),
    ALPNProtocols: ['h2'],
  };
}

module.exports = { Transports };
