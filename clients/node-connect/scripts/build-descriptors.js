#!/usr/bin/env node
'use strict';
// Build step: compiles proto/teams.proto and the standard grpc/health/v1/health.proto (the file
// shipped by the pinned grpc-health-check package) into one binary FileDescriptorSet,
// gen/descriptors.binpb, with `buf build` from the pinned @bufbuild/buf npm package (a native
// binary per platform): no protoc needed. The client builds its registry from that file at start.

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const protoDir = path.resolve(process.env.TEAMS_PROTO_DIR || path.join(root, '..', '..', 'proto'));
const healthProto = require.resolve('grpc-health-check/proto/health/v1/health.proto');
const output = path.join(root, 'gen', 'descriptors.binpb');

// One directory holding both files at their import paths is buf's input (a module without a
// buf.yaml); nothing of it is kept.
const input = fs.mkdtempSync(path.join(os.tmpdir(), 'teams-protos-'));
try {
  fs.cpSync(protoDir, input, { recursive: true, filter: (p) => !p.endsWith('.yaml') });
  fs.mkdirSync(path.join(input, 'grpc', 'health', 'v1'), { recursive: true });
  fs.copyFileSync(healthProto, path.join(input, 'grpc', 'health', 'v1', 'health.proto'));
  fs.mkdirSync(path.dirname(output), { recursive: true });
  execFileSync(require.resolve('@bufbuild/buf/bin/buf'), ['build', input, '-o', output], {
    stdio: 'inherit',
  });
} finally {
  fs.rmSync(input, { recursive: true, force: true });
}
console.log(`wrote ${path.relative(process.cwd(), output)}`);
