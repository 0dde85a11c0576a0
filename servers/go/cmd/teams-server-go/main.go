// Command teams-server-go is the Teams server on grpc-go: the same service, health status and
// test hooks as the Python reference server (python_server/), so the interop matrix can run
// every client against either.
//
//	teams-server-go --host 127.0.0.1 --port 0 --test-hooks
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	_ "google.golang.org/grpc/encoding/gzip" // accept gzip requests; the compress-response hook sends it
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"

	"teams-interop/servers/go/gen/teamspb"
	"teams-interop/servers/go/internal/hooks"
	"teams-interop/servers/go/internal/teams"
)

const serviceName = "Teams"

func main() {
	host := flag.String("host", "[::]", "address to listen on")
	port := flag.Int("port", 50051, "port to listen on; 0 picks a free one")
	testHooks := flag.Bool("test-hooks", false, "let request metadata steer delays, echoes and statuses (interop tests only)")
	maxReceive := flag.Int("max-receive-message-bytes", 4<<20, "largest request message accepted")
	grace := flag.Duration("grace", 5*time.Second, "drain time on SIGTERM/SIGINT")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	if *port < 0 || *port > 65535 {
		log.Printf("--port must be between 0 and 65535, got %d", *port)
		os.Exit(2)
	}
	if err := run(*host, *port, *testHooks, *maxReceive, *grace); err != nil {
		log.Print(err)
		os.Exit(2)
	}
}

func run(host string, port int, testHooks bool, maxReceive int, grace time.Duration) error {
	address := net.JoinHostPort(strings.Trim(host, "[]"), fmt.Sprint(port))
	lis, err := net.Listen("tcp", address)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", address, err)
	}
	unary := []grpc.UnaryServerInterceptor{logUnary}
	stream := []grpc.StreamServerInterceptor{logStream}
	options := []grpc.ServerOption{grpc.MaxRecvMsgSize(maxReceive)}
	if testHooks {
		unary = append(unary, hooks.Unary)
		stream = append(stream, hooks.Stream)
		options = append(options, grpc.StatsHandler(hooks.EncodingRecorder{}))
	}
	options = append(options, grpc.ChainUnaryInterceptor(unary...), grpc.ChainStreamInterceptor(stream...))
	server := grpc.NewServer(options...)
	teamspb.RegisterTeamsServer(server, teams.Service{})
	healthServer := health.NewServer() // "" is SERVING from the start
	healthServer.SetServingStatus(serviceName, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(server, healthServer)
	reflection.Register(server)

	go drainOnSignal(server, healthServer, grace)
	suffix := ""
	if testHooks {
		suffix = " with test hooks"
	}
	log.Printf("teams-server listening on %s:%d%s", host, lis.Addr().(*net.TCPAddr).Port, suffix)
	if err := server.Serve(lis); err != nil {
		return err
	}
	log.Print("stopped")
	return nil
}

// drainOnSignal marks the server NOT_SERVING first, so load balancers watching the health
// service stop sending calls, then lets in-flight calls finish within the grace period.
func drainOnSignal(server *grpc.Server, healthServer *health.Server, grace time.Duration) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	log.Printf("shutting down: finishing in-flight calls (grace %s)", grace)
	healthServer.Shutdown()
	done := make(chan struct{})
	go func() {
		server.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		server.Stop()
	}
}

// logUnary and logStream log each call's method and metadata, as the Python server does;
// quoted, so binary values cannot break a log reader expecting UTF-8.
func logUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	logCall(ctx, info.FullMethod)
	return handler(ctx, req)
}

func logStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	logCall(ss.Context(), info.FullMethod)
	return handler(srv, ss)
}

func logCall(ctx context.Context, method string) {
	if !*logCalls {
		return
	}
	md, _ := metadata.FromIncomingContext(ctx)
	log.Printf("%s %q", method, map[string][]string(md)) // %q: -bin values are raw bytes
}
