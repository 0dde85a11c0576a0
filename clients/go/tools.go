//go:build tools

// Package tools pins the protoc plugins in go.mod, so build.sh compiles the exact
// protoc-gen-go and protoc-gen-go-grpc versions the runtime libraries expect. A build tag
// (rather than a go.mod tool directive) keeps this working with Go 1.23.
package tools

import (
	_ "google.golang.org/grpc/cmd/protoc-gen-go-grpc"
	_ "google.golang.org/protobuf/cmd/protoc-gen-go"
)
