// Package server assembles the Teams server on grpc-go with the Python reference server's
// behaviour and command-line contract (python_server/teams_server/server.py): Teams, health and
// reflection; TLS and mutual TLS; a bearer token for Teams calls; a fail-fast limit on Teams
// calls in flight; a stream idle timeout; keepalive; a redacted call log at DEBUG; test hooks.
package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	_ "google.golang.org/grpc/encoding/gzip" // accept gzip requests; the compress-response hook sends it
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	"teams-interop/servers/go/gen/teamspb"
	"teams-interop/servers/go/internal/hooks"
	"teams-interop/servers/go/internal/teams"
)

// ServiceName is the Teams service's name in the health service.
const ServiceName = "Teams"

// Options are the server's settings; the zero value of a duration turns its feature off.
type Options struct {
	Host                        string
	Port                        int
	TestHooks                   bool
	MaxReceiveMessageBytes      int
	MaxConcurrentCalls          int
	KeepaliveTime               time.Duration
	KeepaliveTimeout            time.Duration
	KeepalivePermitWithoutCalls bool
	MaxConnectionIdle           time.Duration
	MaxConnectionAge            time.Duration
	MaxConnectionAgeGrace       time.Duration
	StreamIdle                  time.Duration
	Reflection                  bool
	TLSCert, TLSKey             string
	TLSClientCA                 string
	TokenFile                   string
	Redact                      []string
	Grace                       time.Duration
	Log                         *Logger
}

// Defaults are the Python server's defaults.
func Defaults() Options {
	return Options{
		Host:                   "[::]",
		Port:                   50051,
		MaxReceiveMessageBytes: 4 << 20,
		MaxConcurrentCalls:     256,
		KeepaliveTime:          60 * time.Second,
		KeepaliveTimeout:       20 * time.Second,
		MaxConnectionIdle:      300 * time.Second,
		MaxConnectionAgeGrace:  30 * time.Second,
		StreamIdle:             300 * time.Second,
		Reflection:             true,
		Grace:                  5 * time.Second,
	}
}

// Summary is the settings line logged at start-up, as the Python server logs it.
func (o Options) Summary() string {
	s := func(d time.Duration) string {
		if d <= 0 {
			return "off"
		}
		return fmt.Sprintf("%gs", d.Seconds())
	}
	tls := "off"
	if o.TLSCert != "" {
		tls = "on"
		if o.TLSClientCA != "" {
			tls = "mTLS"
		}
	}
	token := "off"
	if o.TokenFile != "" {
		token = "required"
	}
	return fmt.Sprintf("max_concurrent_calls=%d keepalive_time=%s keepalive_timeout=%s "+
		"keepalive_permit_without_calls=%t max_connection_idle=%s max_connection_age=%s stream_idle=%s "+
		"max_receive_message_bytes=%d grace=%gs tls=%s token=%s reflection=%t",
		o.MaxConcurrentCalls, s(o.KeepaliveTime), s(o.KeepaliveTimeout), o.KeepalivePermitWithoutCalls,
		s(o.MaxConnectionIdle), s(o.MaxConnectionAge), s(o.StreamIdle), o.MaxReceiveMessageBytes,
		o.Grace.Seconds(), tls, token, o.Reflection)
}

// Server is a listening Teams server and the health status it reports.
type Server struct {
	Options Options
	GRPC    *grpc.Server
	Health  *health.Server
	Port    int
	lis     net.Listener
}

// ReadToken reads a --require-token file: its content, stripped, must not be empty.
func ReadToken(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--require-token %s: %w", path, err)
	}
	token := strings.TrimSpace(string(raw))
	if token == "" {
		return "", fmt.Errorf("--require-token %s: the file is empty", path)
	}
	return token, nil
}

// Credentials are the TLS credentials the flags ask for, nil for plaintext.
func Credentials(o Options) (credentials.TransportCredentials, error) {
	if o.TLSCert == "" && o.TLSKey == "" {
		if o.TLSClientCA != "" {
			return nil, errors.New("--tls-client-ca needs --tls-cert and --tls-key")
		}
		return nil, nil
	}
	if o.TLSCert == "" || o.TLSKey == "" {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	pair, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert %s / --tls-key %s: %w", o.TLSCert, o.TLSKey, err)
	}
	config := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if o.TLSClientCA != "" {
		pem, err := os.ReadFile(o.TLSClientCA)
		if err != nil {
			return nil, fmt.Errorf("--tls-client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-client-ca %s: no PEM certificate in it", o.TLSClientCA)
		}
		config.ClientCAs, config.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return credentials.NewTLS(config), nil
}

// New listens and assembles the server; Serve then answers.
func New(o Options) (*Server, error) {
	if o.Log == nil {
		o.Log = NewLogger(Info, false)
	}
	g := &gate{log: o.Log, limit: int64(o.MaxConcurrentCalls), idle: o.StreamIdle}
	var err error
	if g.redactor, err = NewRedactor(o.Redact); err != nil {
		return nil, err
	}
	if o.TokenFile != "" {
		token, err := ReadToken(o.TokenFile)
		if err != nil {
			return nil, err
		}
		g.expected = []byte("Bearer " + token)
	}
	creds, err := Credentials(o)
	if err != nil {
		return nil, err
	}

	unary := []grpc.UnaryServerInterceptor{g.unary}
	stream := []grpc.StreamServerInterceptor{g.stream}
	options := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(o.MaxReceiveMessageBytes),
		grpc.KeepaliveParams(keepalive.ServerParameters{
			Time:                  forever(o.KeepaliveTime),
			Timeout:               forever(o.KeepaliveTimeout),
			MaxConnectionIdle:     forever(o.MaxConnectionIdle),
			MaxConnectionAge:      forever(o.MaxConnectionAge),
			MaxConnectionAgeGrace: forever(o.MaxConnectionAgeGrace),
		}),
		// Accept client pings as often as our own keepalive would send them, with or without
		// calls, as gRPC core does with the Python server's settings (grpc-go's default refuses
		// pings more often than every 5 minutes).
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime:             min(forever(o.KeepaliveTime), 10*time.Second),
			PermitWithoutStream: true,
		}),
	}
	if creds != nil {
		options = append(options, grpc.Creds(creds))
	}
	if o.TestHooks {
		unary = append(unary, hooks.Unary)
		stream = append(stream, hooks.Stream)
		options = append(options, grpc.StatsHandler(hooks.EncodingRecorder{}))
	}
	options = append(options, grpc.ChainUnaryInterceptor(unary...), grpc.ChainStreamInterceptor(stream...))

	address := net.JoinHostPort(strings.Trim(o.Host, "[]"), fmt.Sprint(o.Port))
	lis, err := net.Listen("tcp", address)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s:%d: %w", o.Host, o.Port, err)
	}
	s := &Server{Options: o, GRPC: grpc.NewServer(options...), Health: health.NewServer(), lis: lis}
	s.Port = lis.Addr().(*net.TCPAddr).Port
	teamspb.RegisterTeamsServer(s.GRPC, teams.Service{})
	healthpb.RegisterHealthServer(s.GRPC, s.Health) // "" is SERVING from the start
	s.Health.SetServingStatus(ServiceName, healthpb.HealthCheckResponse_SERVING)
	if o.Reflection {
		reflection.Register(s.GRPC)
	}
	return s, nil
}

// forever is grpc-go's "never" for a duration the flags turn off with 0.
func forever(d time.Duration) time.Duration {
	if d <= 0 {
		return time.Duration(1<<63 - 1)
	}
	return d
}

// Serve logs the settings and the listening line the harness waits for, then answers until
// Stop.
func (s *Server) Serve() error {
	notes := ""
	if s.Options.TLSCert != "" {
		notes += " (TLS)"
	}
	if s.Options.TestHooks {
		notes += " with test hooks"
	}
	s.Options.Log.Printf(Info, "settings: %s", s.Options.Summary())
	s.Options.Log.Printf(Info, "teams-server listening on %s:%d%s", s.Options.Host, s.Port, notes)
	return s.GRPC.Serve(s.lis)
}

// Drain marks the server NOT_SERVING, so load balancers watching the health service stop
// sending calls, while it keeps answering.
func (s *Server) Drain() { s.Health.Shutdown() }

// Stop lets in-flight calls finish within the grace period, or until now is closed, then ends
// the rest.
func (s *Server) Stop(now <-chan struct{}) {
	s.Options.Log.Printf(Info, "shutting down: finishing in-flight calls (grace %.1fs)", s.Options.Grace.Seconds())
	s.Health.Shutdown()
	done := make(chan struct{})
	go func() {
		s.GRPC.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(s.Options.Grace):
		s.GRPC.Stop()
	case <-now:
		s.GRPC.Stop()
	}
	<-done
}
