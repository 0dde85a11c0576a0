#!/bin/sh
# Builds bin/teams-client-connect and bin/teams-demo-connect. No protoc and no generated code:
# the .proto files are copied next to internal/schema, embedded in the binaries, and parsed
# with protocompile when they start (messages are dynamicpb).
#
# TEAMS_PROTO_DIR names the proto directory (default: ../../proto next to this script).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
proto_dir=$(cd "${TEAMS_PROTO_DIR:-$here/../../proto}" && pwd)
cd "$here"

# Never download another Go toolchain: build with the one on PATH (1.23 or newer).
export GOTOOLCHAIN=local
export CGO_ENABLED=0

rm -rf internal/schema/proto
mkdir -p internal/schema/proto
cp "$proto_dir"/*.proto internal/schema/proto/

go build -trimpath -o bin/ ./cmd/teams-client-connect ./cmd/teams-demo-connect
