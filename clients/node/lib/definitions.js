'use strict';
// Loads the service definitions at startup: proto/teams.proto plus the standard health.proto
// shipped by the grpc-health-check package. Nothing is generated ahead of time.

const path = require('node:path');
const protoLoader = require('@grpc/proto-loader');

// Message objects come out close to proto3 JSON: lowerCamelCase names, 64-bit integers as
// strings, enums by name, bytes as base64, unset fields omitted.
const LOADER_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  bytes: String,
  defaults: false,
  oneofs: true,
};

const HEALTH_PROTO = require.resolve('grpc-health-check/proto/health/v1/health.proto');

/** The proto directory: $TEAMS_PROTO_DIR, else the repository's proto/ (../../proto from the package). */
function protoDir() {
  return path.resolve(process.env.TEAMS_PROTO_DIR || path.join(__dirname, '..', '..', '..', 'proto'));
}

/** Returns the proto-loader package definition of teams.proto and grpc.health.v1. */
function loadDefinitions(dir = protoDir()) {
  return protoLoader.loadSync([path.join(dir, 'teams.proto'), HEALTH_PROTO], {
    ...LOADER_OPTIONS,
    includeDirs: [dir],
  });
}

/**
 * Looks up "Service/Method" (full proto names, e.g. "grpc.health.v1.Health/Check") and returns
 * its method definition, or undefined when there is no such method.
 */
function findMethod(packageDefinition, name) {
  const slash = name.lastIndexOf('/');
  const serviceName = name.slice(0, slash);
  const methodName = name.slice(slash + 1);
  if (slash < 1 || !Object.hasOwn(packageDefinition, serviceName)) {
    return undefined;
  }
  const service = packageDefinition[serviceName];
  const method = Object.hasOwn(service, methodName) ? service[methodName] : undefined;
  // Message and enum definitions live in the same namespace; only methods have a path.
  return typeof method?.path === 'string' ? method : undefined;
}

module.exports = { LOADER_OPTIONS, loadDefinitions, findMethod, protoDir };
