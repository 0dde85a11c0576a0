#!/usr/bin/env node
'use strict';
// teams-client (connect-es): the tutorial's demo client, or with --contract the interop contract
// executor (clients/CONTRACT.md): case requests as JSON lines on stdin, one result line each.

const { parseArgs } = require('node:util');
const { createClient } = require('@connectrpc/connect');
const { createGrpcTransport } = require('@connectrpc/connect-node');
const { loadRegistry } = require('../lib/descriptors');
const { serveContract } = require('../lib/contract');

const USAGE = 'usage: teams-client [--target host:port] [--contract]';
const DEMO_CITIES = ['Chicago', 'Philadelphia', 'Miami'];

/** Demo: GetTeam for each demo city through a connect client of the Teams service. */
async function demo(registry, target) {
  const teams = createClient(registry.getService('Teams'), createGrpcTransport({ baseUrl: `http://${target}` }));
  for (const city of DEMO_CITIES) {
    const team = await teams.getTeam({ city });
    console.log(`Teams client received: ${team.city} ${team.nickname}`);
  }
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        target: { type: 'string', default: 'localhost:50051' },
        contract: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    console.error(`teams-client: ${err.message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const registry = loadRegistry();
  await (values.contract ? serveContract : demo)(registry, values.target);
  return 0;
}

// Exit once stdout is flushed: an HTTP/2 session connect still holds must not keep us running.
main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (err) => {
    console.error(`teams-client: ${err.message}`);
    process.exit(1);
  },
);
