'use strict';
// The contract loop (clients/CONTRACT.md): stdin is read continuously and every case starts as
// soon as its line is read; each result is one stdout write, in whatever order cases finish. At
// end of input the cases in flight are awaited and the HTTP/2 sessions closed.

const readline = require('node:readline');
const { planCase, CaseError } = require('./plan');
const { Transports } = require('./transports');
const { runCall } = require('./call');
const { runBench } = require('./bench');

async function serveContract(registry, target, input = process.stdin, output = process.stdout) {
  const transports = new Transports();
  transports.warmUp({ target, tls: null, compression: null });
  const inFlight = new Set();
  let lineNumber = 0;
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') {
      continue;
    }
    const task = executeLine(registry, transports, target, line, lineNumber).then((result) => {
      output.write(`${JSON.stringify(result)}\n`);
    });
    inFlight.add(task);
    task.finally(() => inFlight.delete(task));
  }
  await Promise.all(inFlight);
  transports.closeAll();
}

/** One line → one result object; never rejects. */
async function executeLine(registry, transports, target, line, lineNumber) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (err) {
    return { id: `line-${lineNumber}`, error: `request is not JSON: ${err.message}` };
  }
  if (request === null || typeof request !== 'object' || typeof request.id !== 'string' || !request.id) {
    return { id: `line-${lineNumber}`, error: 'a case must be a JSON object with a string "id"' };
  }
  try {
    const plan = planCase(registry, request, target);
    const transport = transports.get(plan.channel);
    return { id: request.id, ...(await (plan.bench ? runBench : runCall)(transport, plan)) };
  } catch (err) {
    if (!(err instanceof CaseError)) {
      console.error(`case ${request.id}:`, err); // a bug of ours: logged, answered, never a crash
    }
    return { id: request.id, error: err.message };
  }
}

module.exports = { serveContract, executeLine };
