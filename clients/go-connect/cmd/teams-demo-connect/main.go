// Command teams-demo-connect is the tutorial's demo client on connect-go (see package demo).
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"teams-interop/clients/go-connect/internal/demo"
)

func main() {
	target := flag.String("target", defaultTarget(), "server address, host:port (env TEAMS_TARGET)")
	flag.Parse()
	log.SetPrefix("teams-demo-connect: ")
	log.SetFlags(0)
	if err := demo.Run(context.Background(), *target); err != nil {
		log.Fatal(err)
	}
}

func defaultTarget() string {
	if t := os.Getenv("TEAMS_TARGET"); t != "" {
		return t
	}
	return "localhost:50051"
}
