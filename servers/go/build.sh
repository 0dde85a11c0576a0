#!/bin/sh
# Builds bin/teams-server-go. The Go stubs are generated here from proto/, never committed,
# without protoc: tools/genstubs parses the .proto files with protocompile (pure Go) and feeds
# them to protoc-gen-go and protoc-gen-go-grpc, both compiled from the versions go.mod pins.
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

go build -o bin/ ./tools/genstubs google.golang.org/protobuf/cmd/protoc-gen-go \
	google.golang.org/grpc/cmd/protoc-gen-go-grpc

# The .proto files have no go_package option (and should not need one): an M option maps
# each to the one Go package gen/teamspb instead.
go_opt=paths=source_relative
files=
for f in "$proto_dir"/*.proto; do
	name=${f##*/}
	go_opt="$go_opt,M$name=$module/gen/teamspb"
	files="$files $name"
done

rm -rf gen/teamspb
mkdir -p gen/teamspb
# shellcheck disable=SC2086 # $files is a list of plain file names
bin/genstubs -I "$proto_dir" -out gen/teamspb \
	-plugin go=bin/protoc-gen-go -opt "go=$go_opt" \
	-plugin go-grpc=bin/protoc-gen-go-grpc -opt "go-grpc=$go_opt" \
	$files

go build -o bin/teams-server-go ./cmd/teams-server-go
