// Package schema parses the Teams .proto files when the client starts, with protocompile (pure
// Go, no protoc and no generated code), so every RPC they define is callable by name with
// dynamic messages. build.sh copies proto/*.proto next to this file, where go:embed bakes them
// into the binary. The standard health service comes from grpc-go's compiled-in descriptor.
package schema

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/bufbuild/protocompile"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/reflect/protoreflect"
)

//go:embed proto/*.proto
var protos embed.FS

// Schema finds the methods of every service the client knows.
type Schema struct {
	files []protoreflect.FileDescriptor
}

// Load compiles the embedded .proto files.
func Load(ctx context.Context) (*Schema, error) {
	names, err := fs.Glob(protos, "proto/*.proto")
	if err != nil {
		return nil, err
	}
	for i := range names {
		names[i] = strings.TrimPrefix(names[i], "proto/")
	}
	compiler := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: func(path string) (io.ReadCloser, error) { return protos.Open("proto/" + path) },
		}),
	}
	compiled, err := compiler.Compile(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("compiling the embedded .proto files: %w", err)
	}
	s := &Schema{files: []protoreflect.FileDescriptor{healthpb.File_grpc_health_v1_health_proto}}
	for _, f := range compiled {
		s.files = append(s.files, f)
	}
	return s, nil
}

// Method looks up "package.Service/Method" (e.g. "Teams/GetTeam", "grpc.health.v1.Health/Check").
func (s *Schema) Method(name string) (protoreflect.MethodDescriptor, error) {
	service, method, ok := strings.Cut(name, "/")
	if !ok || method == "" || strings.Contains(method, "/") {
		return nil, fmt.Errorf("bad method %q: want Service/Method", name)
	}
	for _, f := range s.files {
		d := f.Services().ByName(protoreflect.FullName(service).Name())
		if d == nil || d.FullName() != protoreflect.FullName(service) {
			continue
		}
		if m := d.Methods().ByName(protoreflect.Name(method)); m != nil {
			return m, nil
		}
		return nil, fmt.Errorf("unknown method %q: service %q has no method %q", name, service, method)
	}
	return nil, fmt.Errorf("unknown method %q: no service %q in the .proto files", name, service)
}
