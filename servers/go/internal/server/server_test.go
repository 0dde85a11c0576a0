package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"teams-interop/servers/go/gen/teamspb"
)

// pki writes a CA, a server certificate for teams.test and 127.0.0.1, a client certificate
// and a token into dir, as interop_tests' pki.make_pki does for the harness.
func pki(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	write := func(name, kind string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("ca.crt", "CERTIFICATE", caDER)
	leaf := func(name string, serial int64, usage x509.ExtKeyUsage) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		template := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			DNSNames: []string{"teams.test"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		}
		der, err := x509.CreateCertificate(rand.Reader, template, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
		write(name+".crt", "CERTIFICATE", der)
		write(name+".key", "PRIVATE KEY", keyDER)
	}
	leaf("server", 2, x509.ExtKeyUsageServerAuth)
	leaf("client", 3, x509.ExtKeyUsageClientAuth)
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// serve starts a server with the options on a free loopback port; it stops with the test.
func serve(t *testing.T, o Options) (string, *bytes.Buffer) {
	t.Helper()
	var log bytes.Buffer
	o.Host, o.Port = "127.0.0.1", 0
	o.Log = &Logger{Level: Debug, out: &log}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve() }()
	t.Cleanup(s.GRPC.Stop)
	return fmt.Sprintf("127.0.0.1:%d", s.Port), &log
}

func dial(t *testing.T, target string, creds credentials.TransportCredentials) *grpc.ClientConn {
	t.Helper()
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func tlsCreds(t *testing.T, dir string, client bool) credentials.TransportCredentials {
	t.Helper()
	pool := x509.NewCertPool()
	ca, _ := os.ReadFile(filepath.Join(dir, "ca.crt"))
	pool.AppendCertsFromPEM(ca)
	config := &tls.Config{RootCAs: pool, ServerName: "teams.test"}
	if client {
		pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key"))
		if err != nil {
			t.Fatal(err)
		}
		config.Certificates = []tls.Certificate{pair}
	}
	return credentials.NewTLS(config)
}

func getTeam(conn *grpc.ClientConn, md ...string) (*teamspb.TeamResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, md...)
	return teamspb.NewTeamsClient(conn).GetTeam(ctx, &teamspb.TeamRequest{City: "Chicago"})
}

func TestTLS(t *testing.T) {
	dir := pki(t)
	o := Defaults()
	o.TLSCert, o.TLSKey = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	target, _ := serve(t, o)
	if r, err := getTeam(dial(t, target, tlsCreds(t, dir, false))); err != nil || r.Nickname != "Jackals" {
		t.Errorf("over TLS: %v %v", r, err)
	}
	if _, err := getTeam(dial(t, target, nil)); err == nil {
		t.Error("plaintext to a TLS server: want a failure")
	}
}

func TestMutualTLS(t *testing.T) {
	dir := pki(t)
	o := Defaults()
	o.TLSCert, o.TLSKey = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	o.TLSClientCA = filepath.Join(dir, "ca.crt")
	target, _ := serve(t, o)
	if r, err := getTeam(dial(t, target, tlsCreds(t, dir, true))); err != nil || r.Nickname != "Jackals" {
		t.Errorf("with a client certificate: %v %v", r, err)
	}
	if _, err := getTeam(dial(t, target, tlsCreds(t, dir, false))); err == nil {
		t.Error("without a client certificate: want a refusal")
	}
}

func TestToken(t *testing.T) {
	dir := pki(t)
	o := Defaults()
	o.TokenFile = filepath.Join(dir, "token")
	o.TestHooks = true
	target, log := serve(t, o)
	conn := dial(t, target, nil)
	if r, err := getTeam(conn, "authorization", "Bearer s3cret"); err != nil || r.Nickname != "Jackals" {
		t.Errorf("valid token: %v %v", r, err)
	}
	for _, md := range [][]string{nil, {"authorization", "Bearer wrong"}, {"authorization", "s3cret"}} {
		_, err := getTeam(conn, md...)
		if s := status.Convert(err); s.Code() != codes.Unauthenticated || s.Message() != Unauthenticated {
			t.Errorf("%v: %v, want UNAUTHENTICATED %q", md, err, Unauthenticated)
		}
	}
	// Health needs no token: load balancers probe it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: ServiceName})
	if err != nil || r.Status != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health without a token: %v %v", r, err)
	}
	if strings.Contains(log.String(), "s3cret") || !strings.Contains(log.String(), `"authorization":"<redacted>"`) {
		t.Errorf("the call log shows the token:\n%s", log)
	}
}

func TestEmptyTokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	_ = os.WriteFile(path, []byte(" \n"), 0o600)
	if _, err := ReadToken(path); err == nil || !strings.HasSuffix(err.Error(), "the file is empty") {
		t.Errorf("ReadToken of an empty file: %v", err)
	}
}

func TestCredentialFlags(t *testing.T) {
	for _, o := range []Options{{TLSCert: "a"}, {TLSKey: "b"}, {TLSClientCA: "c"}} {
		if _, err := Credentials(o); err == nil {
			t.Errorf("%+v: want an error", o)
		}
	}
}

func TestStreamIdle(t *testing.T) {
	o := Defaults()
	o.StreamIdle = 200 * time.Millisecond
	target, _ := serve(t, o)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := teamspb.NewTeamsClient(dial(t, target, nil)).GetTeams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = stream.Recv() // never sends: the server ends the stream
	if s := status.Convert(err); s.Code() != codes.DeadlineExceeded || s.Message() != "stream idle for 0.2s: nothing sent or received" {
		t.Errorf("idle stream: %v", err)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	o := Defaults()
	o.MaxConcurrentCalls = 1
	target, _ := serve(t, o)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn := dial(t, target, nil)
	open, err := teamspb.NewTeamsClient(conn).GetTeams(ctx) // holds the only slot
	if err != nil {
		t.Fatal(err)
	}
	if err := open.Send(&teamspb.TeamRequest{City: "Chicago"}); err != nil {
		t.Fatal(err)
	}
	if _, err := open.Recv(); err != nil {
		t.Fatal(err)
	}
	_, err = getTeam(conn)
	if s := status.Convert(err); s.Code() != codes.ResourceExhausted || s.Message() != "too many concurrent calls (limit 1); retry later" {
		t.Errorf("past the limit: %v", err)
	}
}

func TestRedactor(t *testing.T) {
	r, _ := NewRedactor([]string{"session"})
	for _, tt := range [][3]string{
		{"authorization", "Bearer x", "<redacted>"},
		{"x-session-id", "abc", "<redacted>"},
		{"trace-bin", "\x00\x01\x02", "<3 bytes>"},
		{"x-long", strings.Repeat("é", 300), strings.Repeat("é", 256) + "...<300 chars>"},
		{"x-plain", "value", "value"},
	} {
		if got := r.Value(tt[0], tt[1]); got != tt[2] {
			t.Errorf("Value(%q) = %q, want %q", tt[0], got, tt[2])
		}
	}
}

// payloads counts the response messages a client receives, even those its stub discards.
type payloads struct{ n atomic.Int32 }

func (p *payloads) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (p *payloads) HandleRPC(_ context.Context, s stats.RPCStats) {
	if _, ok := s.(*stats.InPayload); ok {
		p.n.Add(1)
	}
}
func (p *payloads) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (p *payloads) HandleConn(context.Context, stats.ConnStats)                       {}

// A forced status replaces a client-streaming call's response: it never reaches the wire, as
// with the Python server (gRPC C++'s client reports a message that came with an error).
func TestForcedStatusWithholdsTheResponse(t *testing.T) {
	o := Defaults()
	o.TestHooks = true
	target, _ := serve(t, o)
	counter := &payloads{}
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithStatsHandler(counter))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "x-teams-status-code", "11", "x-teams-status-message-bin", "too many")
	stream, err := teamspb.NewTeamsClient(conn).SummarizeTeams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = stream.Send(&teamspb.TeamRequest{City: "Chicago"})
	_, err = stream.CloseAndRecv()
	if s := status.Convert(err); s.Code() != codes.OutOfRange || s.Message() != "too many" {
		t.Errorf("forced status: %v", err)
	}
	if n := counter.n.Load(); n != 0 {
		t.Errorf("%d response message(s) sent with the forced status, want none", n)
	}
}
