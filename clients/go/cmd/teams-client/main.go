// Command teams-client is the Go client's contract executor: it executes the interop harness's
// cases read as JSON lines from stdin (see clients/CONTRACT.md and package contract). It is
// generic over the descriptors the generated code registers, so it names no RPC or field: the
// tutorial's demo is cmd/teams-demo, a build target of its own.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	// Linked in for their descriptors: the executor finds every RPC by name in the registry
	// these imports fill.
	_ "google.golang.org/grpc/health/grpc_health_v1"

	_ "teams-interop/clients/go/gen/teamspb"
	"teams-interop/clients/go/internal/contract"
)

func main() {
	contractMode := flag.Bool("contract", false, "execute contract cases read as JSON lines from stdin")
	target := flag.String("target", "localhost:50051", "the server's default address, host:port")
	flag.Parse()
	log.SetPrefix("teams-client: ")
	log.SetFlags(0)
	if !*contractMode {
		log.Fatal("this is the contract executor: run it with --contract (the tutorial's demo is teams-demo)")
	}
	if err := contract.Serve(context.Background(), contract.NewConns(*target), os.Stdin, os.Stdout); err != nil {
		log.Fatal(err)
	}
}
