'use strict';
// The executor's own tests: bad input, and the contract loop against an in-process connect-node
// server (gRPC protocol over h2c) implementing Teams from the same registry. No Teams server needed.

const test = require('node:test');
const assert = require('node:assert/strict');
const http2 = require('node:http2');
const { Readable, PassThrough } = require('node:stream');
const { ConnectError, Code } = require('@connectrpc/connect');
const { connectNodeAdapter } = require('@connectrpc/connect-node');
const { loadRegistry } = require('../lib/descriptors');
const { serveContract } = require('../lib/contract');
const { planCase, CaseError } = require('../lib/plan');
const { summary } = require('../lib/bench');

const registry = loadRegistry();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const teams = {
  async getTeam({ city }, context) {
    if (city === 'slow') {
      await sleep(400);
    }
    if (!city) {
      throw new ConnectError('city must not be empty', Code.InvalidArgument);
    }
    context.responseHeader.set('x-echo', 'a');
    context.responseTrailer.set('x-done', 'yes');
    return { city, nickname: 'Testers' };
  },
  async *listTeams() {
    for (const city of ['A', 'B', 'C']) {
      yield { city };
      await sleep(600);
    }
  },
  async summarizeTeams(requests) {
    const nicknames = [];
    for await (const { city } of requests) {
      nicknames.push(city);
    }
    return { cities: nicknames.length, nicknames };
  },
  async *getTeams(requests) {
    for await (const { city } of requests) {
      yield { city };
    }
  },
};

async function withServer(fn) {
  const handler = connectNodeAdapter({ routes: (router) => router.service(registry.getService('Teams'), teams) });
  const server = http2.createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn(`127.0.0.1:${server.address().port}`);
  } finally {
    server.close();
  }
}

/** Runs the contract loop over `lines`; returns the results in output order. */
async function runLines(target, lines) {
  const output = new PassThrough();
  const chunks = [];
  output.on('data', (chunk) => chunks.push(chunk));
  await serveContract(registry, target, Readable.from([lines.join('\n') + '\n']), output);
  return Buffer.concat(chunks).toString().trim().split('\n').map((line) => JSON.parse(line));
}

const get = (id, city) => JSON.stringify({ id, method: 'Teams/GetTeam', requests: [{ city }] });

test('rejects what it cannot run', () => {
  const base = { method: 'Teams/GetTeam', requests: [{ city: 'x' }] };
  for (const bad of [
    { method: 'Teams/Nope' },
    { requests: [{ city: 'x', extra: 1 }] },
    { requests: [] },
    { metadata: { 'k-bin': ['not base64!'] } },
    { timeout_ms: 0 },
    { cancel_after_responses: -1 },
    { path: 'no-slash' },
    { tls: { server_name: 'x' } },
    { bench: { calls: 0, concurrency: 1 } },
  ]) {
    assert.throws(() => planCase(registry, { ...base, ...bad }, 'h:1'), CaseError, JSON.stringify(bad));
  }
  const plan = planCase(registry, { method: 'Teams/ListTeams', requests: [{ city_prefix: 'S' }] }, 'h:1');
  assert.equal(plan.messages[0].cityPrefix, 'S');
});

test('latency percentiles are nearest-rank', () => {
  const latencies = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.deepEqual(summary(latencies), { p50: 50, p90: 90, p99: 99, max: 100 });
});

test('cases run concurrently and every line is answered', () =>
  withServer(async (target) => {
    const results = await runLines(target, [get('slow', 'slow'), 'not json', '', get('fast', 'Chicago'), get('bad', '')]);
    assert.equal(results.at(-1).id, 'slow'); // started first, answered last: nothing waited for it
    const byId = Object.fromEntries(results.map((result) => [result.id, result]));
    assert.ok(byId['line-2'].error);
    assert.deepEqual(byId.fast.responses, [{ city: 'Chicago', nickname: 'Testers' }]);
    assert.deepEqual(byId.fast.initial_metadata['x-echo'], ['a']);
    assert.deepEqual(byId.fast.trailing_metadata['x-done'], ['yes']);
    assert.deepEqual(byId.bad.status, { code: 3, message: 'city must not be empty' });
  }));

test('streams, cancellation, deadline, path override and bench', () =>
  withServer(async (target) => {
    const results = await runLines(target, [
      JSON.stringify({ id: 'sum', method: 'Teams/SummarizeTeams', requests: [{ city: 'A' }, { city: 'B' }] }),
      JSON.stringify({ id: 'bidi', method: 'Teams/GetTeams', requests: [{ city: 'A' }, { city: 'B' }] }),
      JSON.stringify({ id: 'cancel', method: 'Teams/ListTeams', requests: [{}], cancel_after_responses: 1 }),
      JSON.stringify({ id: 'late', method: 'Teams/ListTeams', requests: [{}], timeout_ms: 400 }),
      JSON.stringify({ id: 'path', method: 'Teams/GetTeam', requests: [{}], path: '/Teams/Nope' }),
      JSON.stringify({ id: 'bench', method: 'Teams/GetTeam', requests: [{ city: 'x' }], bench: { calls: 20, concurrency: 4 } }),
    ]);
    const byId = Object.fromEntries(results.map((result) => [result.id, result]));
    assert.deepEqual(byId.sum.responses, [{ cities: 2, nicknames: ['A', 'B'] }]);
    assert.deepEqual(byId.bidi.responses, [{ city: 'A' }, { city: 'B' }]);
    assert.equal(byId.cancel.status.code, 1);
    assert.deepEqual(byId.cancel.responses, [{ city: 'A' }]);
    assert.equal(byId.late.status.code, 4);
    assert.deepEqual(byId.late.responses, [{ city: 'A' }]);
    assert.equal(byId.path.status.code, 12);
    assert.equal(byId.bench.bench.calls, 20);
    assert.equal(byId.bench.bench.errors, 0);
  }));
