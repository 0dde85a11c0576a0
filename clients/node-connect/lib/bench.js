'use strict';
// The `bench` request: the same call `calls` times, at most `concurrency` in flight. Each call is
// a full runCall timed from its start to its final status; percentiles are nearest-rank.

const { runCall } = require('./call');

async function runBench(transport, plan) {
  const { calls, concurrency } = plan.bench;
  const latencies = [];
  const errors = [];
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      next += 1;
      const started = process.hrtime.bigint();
      const { status } = await runCall(transport, plan);
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (status.code !== 0) {
        errors.push(status);
      }
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, calls) }, worker));
  const bench = {
    calls: latencies.length,
    errors: errors.length,
    wall_ms: round(Number(process.hrtime.bigint() - started) / 1e6),
    latency_ms: summary(latencies),
  };
  if (errors.length) {
    bench.first_error = errors[0];
  }
  return { bench };
}

function summary(latencies) {
  const ordered = [...latencies].sort((a, b) => a - b);
  const rank = (p) => (ordered.length ? round(ordered[Math.max(0, Math.ceil(p * ordered.length) - 1)]) : 0);
  return { p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: rank(1) };
}

const round = (ms) => Math.round(ms * 1000) / 1000;

module.exports = { runBench, summary };
