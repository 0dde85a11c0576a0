'use strict';
// Loads the service definitions at startup: proto/teams.proto plus the standard health.proto
// shipped by the grpc-health-check package. Nothing is generated ahead of time.

const fs = require('node:fs');
const path = require('node:path');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

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

/**
 * Parses teams.proto and grpc.health.v1 once, and returns both views of them:
 * `packageDefinition`, proto-loader's method definitions (path, streaming kind, serializers) that
 * grpc-js calls with, and `root`, the protobufjs reflection the requests are read against.
 */
function loadDefinitions(dir = protoDir()) {
  const root = new protobuf.Root();
  // Imports are looked up in the proto directory first (as proto-loader's includeDirs does).
  const resolveDefault = root.resolvePath;
  root.resolvePath = (origin, target) => {
    const inProtoDir = path.join(dir, target);
    return path.isAbsolute(target) || !fs.existsSync(inProtoDir)
      ? resolveDefault(origin, target)
      : inProtoDir;
  };
  root.loadSync([path.join(dir, 'teams.proto'), HEALTH_PROTO], { keepCase: LOADER_OPTIONS.keepCase });
  root.resolveAll();
  return { root, packageDefinition: protoLoader.fromJSON(root.toJSON(), LOADER_OPTIONS) };
}

/**
 * Looks up "Service/Method" (full proto names, e.g. "grpc.health.v1.Health/Check"). Returns its
 * proto-loader method definition and its protobufjs request type, or undefined when unknown.
 */
function findMethod({ root, packageDefinition }, name) {
  const slash = name.lastIndexOf('/');
  const serviceName = name.slice(0, slash);
  const methodName = name.slice(slash + 1);
  if (slash < 1 || !Object.hasOwn(packageDefinition, serviceName)) {
    return undefined;
  }
  const service = packageDefinition[serviceName];
  const definition = Object.hasOwn(service, methodName) ? service[methodName] : undefined;
  // Message and enum definitions live in the same namespace; only methods have a path.
  if (typeof definition?.path !== 'string') {
    return undefined;
  }
  const requestType = root.lookupService(serviceName).methods[methodName].resolvedRequestType;
  return { definition, requestType };
}

module.exports = { loadDefinitions, findMethod };
