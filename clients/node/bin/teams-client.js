#!/usr/bin/env node
'use strict';
// teams-client: the tutorial's demo client, or with --contract the interop contract executor
// (clients/CONTRACT.md): case requests as JSON lines on stdin, one result line each on stdout.

const readline = require('node:readline');
const { parseArgs } = require('node:util');
const grpc = require('@grpc/grpc-js');
const { loadDefinitions } = require('../lib/definitions');
const { runLine } = require('../lib/contract');
const { Channels } = require('../lib/channels');

const USAGE = 'usage: teams-client [--target host:port] [--contract]';
const DEMO_CITIES = ['Chicago', 'Philadelphia', 'Miami'];

/** Demo: GetTeam for each demo city through the Teams stub built from the proto. */
async function demo({ packageDefinition }, target) {
  const { Teams } = grpc.loadPackageDefinition(packageDefinition);
  const client = new Teams(target, grpc.credentials.createInsecure());
  const getTeam = (request) =>
    new Promise((resolve, reject) => {
      client.getTeam(request, (err, response) => (err ? reject(err) : resolve(response)));
    });
  try {
    for (const city of DEMO_CITIES) {
      const team = await getTeam({ city });
      console.log(`Teams client received: ${team.city} ${team.nickname}`);
    }
  } finally {
    client.close();
  }
}

/**
 * Contract: start each case as soon as its line is read and write its result line when it ends
 * (one write per line, so lines never interleave); return once stdin has ended and every case
 * has been answered.
 */
async function contract(definitions, target) {
  const channels = new Channels();
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const running = [];
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber += 1;
      if (line.trim() === '') {
        continue;
      }
      running.push(
        runLine(channels, target, definitions, line, lineNumber).then((result) => {
          process.stdout.write(`${JSON.stringify(result)}\n`);
        }),
      );
    }
    await Promise.all(running);
  } finally {
    channels.close();
  }
  // Every result is written. Should grpc-js still hold a socket open, do not hang the harness:
  // this timer does not itself keep the process alive.
  setTimeout(() => {
    console.error('teams-client: exiting although grpc-js still holds open handles');
    process.exit();
  }, 2000).unref();
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
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const definitions = loadDefinitions();
  await (values.contract ? contract : demo)(definitions, values.target);
}

main().catch((err) => {
  console.error(`teams-client: ${err.message}`);
  process.exitCode = 1;
});
