//go:build tools

// Package tools pins the protoc plugins build.sh compiles, so go.mod decides their versions
// and the generated code always matches the runtime libraries.
package tools

import (
	_ "google.golang.org/grpc/cmd/protoc-gen-go-grpc"
	_ "google.golang.org/protobuf/cmd/protoc-gen-go"
)
