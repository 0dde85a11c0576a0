#!/bin/sh
# Builds the Ruby client's only generated input: a descriptor set of $TEAMS_PROTO_DIR/teams.proto
# (with its imports) in gen/, which the executor loads into the protobuf descriptor pool at start.
# Any protoc will do (natively the harness puts grpcio-tools' on PATH); nothing is committed.
set -eu
cd "$(dirname "$0")"
proto_dir=${TEAMS_PROTO_DIR:-../../proto}
rm -rf gen && mkdir gen
protoc --include_imports --descriptor_set_out=gen/teams.binpb -I"$proto_dir" "$proto_dir/teams.proto"
