'use strict';
// Assembles the server: Teams (from proto/teams.proto, loaded at start), health, reflection,
// the call log, the token gate and, with --test-hooks, the hooks.

const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { HealthImplementation, protoPath: HEALTH_PROTO } = require('grpc-health-check');
const { ReflectionService } = require('@grpc/reflection');

const hooks = require('./hooks');
const security = require('./security');
const service = require('./service');

const SERVICE_NAME = 'Teams';
const DEFAULT_MAX_RECEIVE_BYTES = 4 * 1024 * 1024; // gRPC's own default, stated so it can change

/** The proto directory: $TEAMS_PROTO_DIR, else the repository's proto/. */
function protoDir() {
  return path.resolve(process.env.TEAMS_PROTO_DIR || path.join(__dirname, '..', '..', '..', 'proto'));
}

/** teams.proto and grpc.health.v1, parsed now: nothing is generated ahead of time. */
function loadDefinitions(dir = protoDir()) {
  return protoLoader.loadSync([path.join(dir, 'teams.proto'), HEALTH_PROTO], {
    includeDirs: [dir],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
}

/** Logs each call's method and metadata on stderr (-bin values base64, the token hidden). */
function logInterceptor(log) {
  return (methodDescriptor, call) =>
    new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            const shown = {};
            for (const key of Object.keys(metadata.getMap())) {
              shown[key] = key === 'authorization'
                ? ['<redacted>']
                : metadata.get(key).map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : v));
            }
            log(`${methodDescriptor.path} ${JSON.stringify(shown)}`);
            nextMetadata(metadata);
          },
        });
      },
    });
}

/**
 * grpc-js words every OK status "OK"; gRPC core and grpc-go send none, and the contract's OK has
 * an empty message, so an OK status leaves this server without one.
 */
function okWithoutMessage(_methodDescriptor, call) {
  return new grpc.ServerInterceptingCall(call, {
    sendStatus(status, next) {
      next(status.code === grpc.status.OK ? { ...status, details: '' } : status);
    },
  });
}

/**
 * A grpc.Server with every service added, and its health implementation (so that a drain can
 * turn it NOT_SERVING). Options: testHooks, token (or undefined), maxReceiveBytes, log.
 */
function createServer({ testHooks = false, token, maxReceiveBytes = DEFAULT_MAX_RECEIVE_BYTES, log }) {
  const interceptors = [okWithoutMessage, logInterceptor(log)];
  if (token !== undefined) {
    interceptors.push(security.tokenInterceptor(token));
  }
  if (testHooks) {
    interceptors.push(hooks.interceptor);
  }
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxReceiveBytes,
    interceptors,
  });
  const definitions = loadDefinitions();
  server.addService(definitions[SERVICE_NAME], service.implementation);
  const health = new HealthImplementation({ '': 'SERVING', [SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);
  new ReflectionService(definitions).addToServer(server);
  return { server, health, services: ['', SERVICE_NAME] };
}

module.exports = { createServer, loadDefinitions, DEFAULT_MAX_RECEIVE_BYTES };
