// Command teams-demo is the tutorial's client in Go: three GetTeam calls through the generated
// stub, printed as the tutorial prints them. It names RPCs and fields in its source, so it is a
// build target of its own ([demo] in client.toml): a proto change that breaks it is a source
// finding of `interop compat`, never a reason the wire check cannot run.
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

	"teams-interop/clients/go/gen/teamspb"
)

func main() {
	target := flag.String("target", defaultTarget(), "server address, host:port (env TEAMS_TARGET)")
	flag.Parse()
	log.SetPrefix("teams-demo: ")
	log.SetFlags(0)
	conn, err := grpc.NewClient(*target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	if err := demo(conn); err != nil {
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
