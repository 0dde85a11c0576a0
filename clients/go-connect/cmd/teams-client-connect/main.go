// Command teams-client-connect is the connect-go client of the Teams service. With --contract
// it executes the interop harness's cases from stdin (clients/CONTRACT.md, package contract);
// without, it is the tutorial's demo, like teams-demo-connect.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"teams-interop/clients/go-connect/internal/contract"
	"teams-interop/clients/go-connect/internal/demo"
	"teams-interop/clients/go-connect/internal/schema"
)

func main() {
	contractMode := flag.Bool("contract", false, "execute contract cases read as JSON lines from stdin")
	target := flag.String("target", defaultTarget(), "server address, host:port (env TEAMS_TARGET)")
	flag.Parse()
	log.SetPrefix("teams-client-connect: ")
	log.SetFlags(0)
	ctx := context.Background()
	if !*contractMode {
		if err := demo.Run(ctx, *target); err != nil {
			log.Fatal(err)
		}
		return
	}
	s, err := schema.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	executor := &contract.Executor{Schema: s, Target: *target}
	if err := executor.Serve(ctx, os.Stdin, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// defaultTarget lets a container's plain `docker run` point the demo at a server.
func defaultTarget() string {
	if t := os.Getenv("TEAMS_TARGET"); t != "" {
		return t
	}
	return "localhost:50051"
}
