// Command genstubs is protoc without protoc: it compiles .proto files with protocompile (pure
// Go) and runs ordinary protoc plugins (protoc-gen-go, protoc-gen-go-grpc) on the result, so a
// build needs nothing but the Go toolchain.
//
//	genstubs -I proto -out gen/teamspb -plugin go=bin/protoc-gen-go -opt go=paths=source_relative teams.proto
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

type pairs map[string]string

func (p pairs) String() string { return fmt.Sprint(map[string]string(p)) }
func (p pairs) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want NAME=VALUE, got %q", v)
	}
	if p[name] != "" {
		value = p[name] + "," + value
	}
	p[name] = value
	return nil
}

func main() {
	importPath := flag.String("I", ".", "directory the .proto files are relative to")
	out := flag.String("out", ".", "directory the generated files are written under")
	plugins, opts := pairs{}, pairs{}
	flag.Var(plugins, "plugin", "NAME=PATH of a protoc plugin binary (repeatable)")
	flag.Var(opts, "opt", "NAME=OPTION passed to plugin NAME (repeatable, joined with commas)")
	flag.Parse()
	if err := run(*importPath, *out, plugins, opts, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "genstubs:", err)
		os.Exit(1)
	}
}

func run(importPath, out string, plugins, opts pairs, files []string) error {
	compiler := protocompile.Compiler{
		Resolver:       protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: []string{importPath}}),
		SourceInfoMode: protocompile.SourceInfoStandard,
	}
	compiled, err := compiler.Compile(context.Background(), files...)
	if err != nil {
		return err
	}
	req := &pluginpb.CodeGeneratorRequest{FileToGenerate: files}
	seen := map[string]bool{}
	for _, f := range compiled {
		req.ProtoFile = appendWithDeps(req.ProtoFile, f, seen)
	}
	for name, path := range plugins {
		req.Parameter = proto.String(opts[name])
		if err := generate(path, req, out); err != nil {
			return fmt.Errorf("plugin %s: %w", name, err)
		}
	}
	return nil
}

// appendWithDeps lists a file after everything it imports, as protoc's plugin protocol requires.
func appendWithDeps(list []*descriptorpb.FileDescriptorProto, f protoreflect.FileDescriptor, seen map[string]bool) []*descriptorpb.FileDescriptorProto {
	if seen[f.Path()] {
		return list
	}
	seen[f.Path()] = true
	for i := 0; i < f.Imports().Len(); i++ {
		list = appendWithDeps(list, f.Imports().Get(i).FileDescriptor, seen)
	}
	return append(list, protodesc.ToFileDescriptorProto(f))
}

func generate(plugin string, req *pluginpb.CodeGeneratorRequest, out string) error {
	in, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	var stdout bytes.Buffer
	cmd := exec.Command(plugin)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(in), &stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return err
	}
	var resp pluginpb.CodeGeneratorResponse
	if err := proto.Unmarshal(stdout.Bytes(), &resp); err != nil {
		return err
	}
	if resp.Error != nil {
		return errors.New(resp.GetError())
	}
	for _, f := range resp.File {
		path := filepath.Join(out, f.GetName())
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(f.GetContent()), 0o644); err != nil {
			return err
		}
	}
	return nil
}
