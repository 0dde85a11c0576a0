#!/usr/bin/env node
'use strict';
// teams-server-node: the Teams server on @grpc/grpc-js, with the command line of
// clients/SERVER-CONTRACT.md.
//
//   teams-server-node --host 127.0.0.1 --port 0 --test-hooks   # "listening on HOST:PORT" on stderr

const { parseArgs } = require('node:util');
const { version: GRPC_JS_VERSION } = require('@grpc/grpc-js/package.json');

const security = require('../lib/security');
const { createServer, DEFAULT_MAX_RECEIVE_BYTES } = require('../lib/server');

const USAGE = `usage: teams-server-node [--host H] [--port P] [--test-hooks]
    [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE]] [--require-token FILE]
    [--max-receive-message-bytes N] [--drain-seconds S] [--grace-seconds S]`;

function log(message) {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
}

function fail(message, code = 2) {
  process.stderr.write(`teams-server-node: ${message}\n`);
  process.exit(code);
}

function integer(text, flag, min, max) {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    fail(`${flag} must be an integer between ${min} and ${max}, got ${JSON.stringify(text)}\n${USAGE}`);
  }
  return n;
}

function parse(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        host: { type: 'string', default: '[::]' },
        port: { type: 'string', default: '50051' },
        'test-hooks': { type: 'boolean', default: false },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-client-ca': { type: 'string' },
        'require-token': { type: 'string' },
        'max-receive-message-bytes': { type: 'string', default: String(DEFAULT_MAX_RECEIVE_BYTES) },
        'grace-seconds': { type: 'string', default: '5' },
        'drain-seconds': { type: 'string', default: '3' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    fail(`${error.message}\n${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const seconds = (flag) => {
    const n = Number(values[flag]);
    if (values[flag].trim() === '' || !(n >= 0)) {
      fail(`--${flag} must be a number >= 0, got ${JSON.stringify(values[flag])}`);
    }
    return n * 1000;
  };
  return {
    host: values.host,
    port: integer(values.port, '--port', 0, 65535),
    testHooks: values['test-hooks'],
    tlsCert: values['tls-cert'],
    tlsKey: values['tls-key'],
    tlsClientCa: values['tls-client-ca'],
    tokenFile: values['require-token'],
    maxReceiveBytes: integer(values['max-receive-message-bytes'], '--max-receive-message-bytes', 1, 2 ** 31 - 1),
    drainMs: seconds('drain-seconds'),
    graceMs: seconds('grace-seconds'),
  };
}

/**
 * SIGTERM (or SIGINT) drains: health NOT_SERVING for load balancers to see while calls are still
 * answered for the drain period; then no new calls, and calls in flight get the grace period
 * before the process exits. A second signal skips the drain; one more stops at once.
 */
function stopOnSignals(server, health, services, { drainMs, graceMs }) {
  let signals = 0;
  let skipDrain = () => {};
  const stop = () => {
    log('stopping: finishing in-flight calls');
    const late = setTimeout(() => {
      log('grace over: stopping');
      server.forceShutdown();
      process.exit(0);
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(late);
      log('stopped');
      process.exit(0);
    });
  };
  const onSignal = (signal) => {
    signals += 1;
    if (signals === 1) {
      for (const name of services) {
        health.setStatus(name, 'NOT_SERVING');
      }
      log(`${signal}: draining, NOT_SERVING, still answering for ${drainMs / 1000}s (grace ${graceMs / 1000}s)`);
      const timer = setTimeout(stop, drainMs);
      skipDrain = () => {
        clearTimeout(timer);
        stop();
      };
    } else if (signals === 2) {
      log(`second ${signal}: skipping the drain`);
      skipDrain();
    } else {
      log(`${signal} again: stopping now`);
      server.forceShutdown();
      process.exit(0);
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function main() {
  const options = parse(process.argv.slice(2));
  let credentials;
  let token;
  let assembled;
  try {
    credentials = security.credentials(options);
    token = options.tokenFile === undefined ? undefined : security.readToken(options.tokenFile);
    assembled = createServer({ ...options, token, log });
  } catch (error) {
    fail(error.message);
  }
  const { server, health, services } = assembled;
  const address = `${options.host}:${options.port}`;
  server.bindAsync(address, credentials, (error, port) => {
    if (error) {
      fail(`cannot listen on ${address}: ${error.message}`);
    }
    stopOnSignals(server, health, services, options);
    const notes = [options.tlsCert ? ' (TLS)' : '', options.testHooks ? ' with test hooks' : ''];
    log(`teams-server-node (grpc-js ${GRPC_JS_VERSION}) listening on ${options.host}:${port}${notes.join('')}`);
  });
}

main();
