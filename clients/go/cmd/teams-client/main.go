// Command teams-client is the Go client of the Teams service.
//
// Without --contract it is the tutorial's demo: three GetTeam calls through the generated
// stub. With --contract it executes the interop harness's cases from stdin (see
// clients/CONTRACT.md and package contract).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	// Linked in for its descriptors: the contract executor finds grpc.health.v1.Health
	// by name in the registry this import fills.
	_ "google.golang.org/grpc/health/grpc_health_v1"

	"teams-interop/clients/go/gen/teamspb"
	"teams-interop/clients/go/internal/contract"
)

func main() {
	contractMode := flag.Bool("contract", false, "execute contract cases read as JSON lines from stdin")
	target := flag.String("target", defaultTarget(), "server address, host:port (env TEAMS_TARGET)")
	flag.Parse()
	log.SetPrefix("teams-client: ")
	log.SetFlags(0)
	if err := run(*target, *contractMode); err != nil {
		log.Fatal(err)
	}
}

// defaultTarget lets a container's plain `docker run` point the demo at a server without
// overriding the command.
func defaultTarget() string {
	if t := os.Getenv("TEAMS_TARGET"); t != "" {
		return t
	}
	return "localhost:50051"
}

// run executes the contract (its connections are made per case target), or opens one
// plaintext connection for the demo.
func run(target string, contractMode bool) error {
	if contractMode {
		return contract.Serve(context.Background(), contract.NewConns(target), os.Stdin, os.Stdout)
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	return demo(conn)
}

// demo is the tutorial's client, written the way an application would use the stub.
func demo(conn *grpc.ClientConn) error {
	client := teamspb.NewTeamsClient(conn)
	for _, city := range []string{"Chicago", "Philadelphia", "Miami"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := client.GetTeam(ctx, &teamspb.TeamRequest{City: city})
		cancel()
		if err != nil {
			return fmt.Errorf("GetTeam(%s): %w", city, err)
		}
		fmt.Printf("Teams client received: %s %s\n", resp.GetCity(), resp.GetNickname())
	}
	return nil
}
