'use strict';
// Line parsing and case validation of the contract executor (node --test); no server needed:
// every case here fails before a call is made.

const test = require('node:test');
const assert = require('node:assert/strict');
const { loadDefinitions } = require('../lib/definitions');
const { runLine, percentiles } = require('../lib/contract');
const { Channels, channelSpec } = require('../lib/channels');

const definitions = loadDefinitions();
const GET_TEAM = { id: 'a', method: 'Teams/GetTeam', requests: [{ city: 'Chicago' }], timeout_ms: 1000 };

async function answer(line) {
  const channels = new Channels();
  try {
    return await runLine(channels, '127.0.0.1:1', definitions, line, 7);
  } finally {
    channels.close();
  }
}

test('a line that is not a case is answered under line-N', async () => {
  for (const line of ['{not json', '[1, 2]', '{"method": "Teams/GetTeam"}', '{"id": 5}', '"text"']) {
    const result = await answer(line);
    assert.equal(result.id, 'line-7', line);
    assert.ok(result.error, line);
  }
});

test('a case that cannot be run is an error under its id', async () => {
  for (const changes of [
    { method: 'Teams/Nope' },
    { requests: [{ city: 'x', extra: 1 }] },
    { requests: [{ city: 5 }] },
    { requests: [{}, {}] },
    { metadata: { 'k-bin': ['*'] } },
    { timeout_ms: 0 },
    { timeout_ms: -5 },
    { timeout_ms: 'fast' },
    { compression: 'zstd' },
    { tls: { server_name: 'x' } },
    { bench: { calls: 0, concurrency: 1 } },
  ]) {
    const result = await answer(JSON.stringify({ ...GET_TEAM, ...changes }));
    assert.equal(result.id, 'a');
    assert.ok(result.error, JSON.stringify(changes));
    assert.equal(result.status, undefined);
  }
});

test('channel spec: default target, tls fields, compression', () => {
  const spec = channelSpec({ ...GET_TEAM, tls: { ca_pem: 'PEM' }, compression: 'gzip' }, 'h:1');
  assert.equal(spec.target, 'h:1');
  assert.equal(spec.tls.ca_pem, 'PEM');
  assert.equal(channelSpec({ target: 'o:2' }, 'h:1').target, 'o:2');
});

test('nearest-rank percentiles', () => {
  const latencies = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.deepEqual(percentiles(latencies), { p50: 50, p90: 90, p99: 99, max: 100 });
  assert.deepEqual(percentiles([]), { p50: 0, p90: 0, p99: 0, max: 0 });
});
