'use strict';
// The schema registry: gen/descriptors.binpb (teams.proto + grpc.health.v1, compiled at build time
// by scripts/build-descriptors.js) read into @bufbuild/protobuf's FileRegistry. Every RPC is a
// DescMethod found here by name, so a new RPC in teams.proto needs no change in the client.

const fs = require('node:fs');
const path = require('node:path');
const { createFileRegistry, fromBinary } = require('@bufbuild/protobuf');
const { FileDescriptorSetSchema } = require('@bufbuild/protobuf/wkt');

const DESCRIPTORS = path.join(__dirname, '..', 'gen', 'descriptors.binpb');

function loadRegistry(file = DESCRIPTORS) {
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, fs.readFileSync(file)));
}

/** "Service/Method" (full proto names, e.g. "grpc.health.v1.Health/Check") → DescMethod or undefined. */
function findMethod(registry, name) {
  const slash = name.indexOf('/');
  const service = slash > 0 ? registry.getService(name.slice(0, slash)) : undefined;
  return service?.methods.find((method) => method.name === name.slice(slash + 1));
}

/**
 * The same method, sent to another HTTP/2 path: connect builds the URL from parent.typeName and
 * name, so a shallow copy with both replaced keeps the kind and message types.
 */
function atPath(method, httpPath) {
  const slash = httpPath.lastIndexOf('/');
  return {
    ...method,
    name: httpPath.slice(slash + 1),
    parent: { ...method.parent, typeName: httpPath.slice(1, Math.max(slash, 1)) },
  };
}

module.exports = { loadRegistry, findMethod, atPath };
