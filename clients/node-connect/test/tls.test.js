'use strict';
// TLS, mutual TLS and gzip against in-process connect-node servers (gRPC protocol over HTTP/2),
// with certificates the openssl command makes (skipped, saying so, without it).

const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http2 = require('node:http2');
const os = require('node:os');
const path = require('node:path');
const { Readable, PassThrough } = require('node:stream');
const { connectNodeAdapter } = require('@connectrpc/connect-node');
const { loadRegistry } = require('../lib/descriptors');
const { serveContract } = require('../lib/contract');

const registry = loadRegistry();

function opensslAvailable() {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function makeCertificates(dir) {
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=Test CA');
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:teams.test\n');
  for (const name of ['server', 'client']) {
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.pem`, '-days', '1', '-extfile', 'san.ext');
  }
  const read = (file) => fs.readFileSync(path.join(dir, file), 'utf8');
  return { ca: read('ca.pem'), serverCert: read('server.pem'), serverKey: read('server.key'),
    clientCert: read('client.pem'), clientKey: read('client.key') };
}

// Reports the request's grpc-encoding in a trailer, so the test sees what was sent.
const teams = {
  async getTeam({ city }, context) {
    context.responseTrailer.set('x-request-encoding', context.requestHeader.get('grpc-encoding') ?? 'identity');
    return { city, nickname: 'Testers' };
  },
};

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${server.address().port}`;
}

async function runLines(lines) {
  const output = new PassThrough();
  const chunks = [];
  output.on('data', (chunk) => chunks.push(chunk));
  await serveContract(registry, 'unused:1', Readable.from([lines.join('\n') + '\n']), output);
  const results = Buffer.concat(chunks).toString().trim().split('\n').map((line) => JSON.parse(line));
  return Object.fromEntries(results.map((result) => [result.id, result]));
}

test('tls, mutual tls and gzip requests', { skip: !opensslAvailable() && 'needs the openssl command' }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'teams-tls-'));
  const pem = makeCertificates(dir);
  const handler = connectNodeAdapter({ routes: (router) => router.service(registry.getService('Teams'), teams) });
  const servers = {
    tls: http2.createSecureServer({ key: pem.serverKey, cert: pem.serverCert }, handler),
    mtls: http2.createSecureServer({ key: pem.serverKey, cert: pem.serverCert, ca: pem.ca, requestCert: true,
      rejectUnauthorized: true }, handler),
    plain: http2.createServer(handler),
  };
  try {
    const targets = {};
    for (const [name, server] of Object.entries(servers)) {
      targets[name] = await listen(server);
    }
    const tls = { ca_pem: pem.ca, server_name: 'teams.test' };
    const client = { client_cert_pem: pem.clientCert, client_key_pem: pem.clientKey };
    const line = (id, extra) =>
      JSON.stringify({ id, method: 'Teams/GetTeam', requests: [{ city: 'A' }], timeout_ms: 5000, ...extra });
    const results = await runLines([
      line('tls', { target: targets.tls, tls }),
      line('wrong_name', { target: targets.tls, tls: { ...tls, server_name: 'other.test' } }),
      line('mtls', { target: targets.mtls, tls: { ...tls, ...client } }),
      line('mtls_without_cert', { target: targets.mtls, tls }),
      line('gzip', { target: targets.plain, compression: 'gzip' }),
      line('identity', { target: targets.plain }),
    ]);
    assert.deepEqual(results.tls.responses, [{ city: 'A', nickname: 'Testers' }]);
    assert.notEqual(results.wrong_name.status.code, 0);
    assert.match(results.wrong_name.status.message, /altnames/);
    assert.deepEqual(results.mtls.responses, [{ city: 'A', nickname: 'Testers' }]);
    assert.notEqual(results.mtls_without_cert.status.code, 0);
    assert.deepEqual(results.gzip.trailing_metadata['x-request-encoding'], ['gzip']);
    assert.deepEqual(results.identity.trailing_metadata['x-request-encoding'], ['identity']);
  } finally {
    Object.values(servers).forEach((server) => server.close());
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
