#!/bin/sh
# Builds bin/teams-client. The Go stubs are generated here from proto/, never committed, by
# protoc (the harness puts grpcio-tools' on PATH; the Dockerfile installs Debian's) plus protoc-gen-go and protoc-gen-go-grpc compiled from the versions that
# go.mod pins (see tools.go), so generated code and runtime libraries always match.
#
# TEAMS_PROTO_DIR names the proto directory (default: ../../proto next to this script).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
proto_dir=$(cd "${TEAMS_PROTO_DIR:-$here/../../proto}" && pwd)
cd "$here"

# Never download another Go toolchain: build with the one on PATH (1.23 or newer).
export GOTOOLCHAIN=local
export CGO_ENABLED=0
module=$(go list -m)

go build -o bin/ google.golang.org/protobuf/cmd/protoc-gen-go \
	google.golang.org/grpc/cmd/protoc-gen-go-grpc

# The .proto files have no go_package option (and should not need one): an M flag maps each
# to the one Go package gen/teamspb instead. Every file in proto/ goes in, so the contract
# executor can reach any RPC they define.
set --
for f in "$proto_dir"/*.proto; do
	name=${f##*/}
	set -- "$@" "--go_opt=M$name=$module/gen/teamspb" "--go-grpc_opt=M$name=$module/gen/teamspb"
done

rm -rf gen/teamspb
mkdir -p gen/teamspb
protoc -I "$proto_dir" \
	--plugin=protoc-gen-go=bin/protoc-gen-go \
	--plugin=protoc-gen-go-grpc=bin/protoc-gen-go-grpc \
	--go_out=gen/teamspb --go_opt=paths=source_relative \
	--go-grpc_out=gen/teamspb --go-grpc_opt=paths=source_relative \
	"$@" "$proto_dir"/*.proto

go build -o bin/teams-client ./cmd/teams-client
