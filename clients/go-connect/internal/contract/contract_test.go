package contract

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	_ "google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"teams-interop/clients/go-connect/internal/schema"
)

// These tests call grpc-go's own health service in-process (Health/Watch streams one status,
// then stays open, which the deadline and cancellation cases need), so they need no Teams
// server. They run after build.sh, which puts the .proto files where schema embeds them.

// echo sends request metadata keys starting with "x-echo-" back as headers and trailers.
func echo(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	in, _ := metadata.FromIncomingContext(ctx)
	out := metadata.MD{}
	for k, v := range in {
		if strings.HasPrefix(k, "x-echo-") {
			out[k] = v
		}
	}
	_ = grpc.SetHeader(ctx, out)
	_ = grpc.SetTrailer(ctx, out)
	return handler(ctx, req)
}

func startServer(t *testing.T, opts ...grpc.ServerOption) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(append(opts, grpc.UnaryInterceptor(echo))...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

func newExecutor(t *testing.T, target string) *Executor {
	t.Helper()
	s, err := schema.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &Executor{Schema: s, Target: target}
}

func TestExecute(t *testing.T) {
	e := newExecutor(t, startServer(t))
	tests := []struct {
		name, line string
		code       int
		responses  int
		error      string
	}{
		{"unary", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"extra":1}`, 0, 1, ""},
		{"gzip", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"compression":"gzip"}`, 0, 1, ""},
		{"not found", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{"service":"x"}]}`, 5, 0, ""},
		{"deadline", `{"id":"a","method":"grpc.health.v1.Health/Watch","requests":[{}],"timeout_ms":100}`, 4, 1, ""},
		{"cancel after one", `{"id":"a","method":"grpc.health.v1.Health/Watch","requests":[{}],"cancel_after_responses":1}`, 1, 1, ""},
		{"cancel at start", `{"id":"a","method":"grpc.health.v1.Health/Watch","requests":[{}],"cancel_after_responses":0}`, 1, 0, ""},
		{"path override", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"path":"/grpc.health.v1.Health/Nope"}`, 12, 0, ""},
		{"unreachable target", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"target":"127.0.0.1:1","timeout_ms":2000}`, 14, 0, ""},
		{"unknown method", `{"id":"a","method":"grpc.health.v1.Health/Nope","requests":[{}]}`, 0, 0, "unknown method"},
		{"unknown service", `{"id":"a","method":"No/Such","requests":[{}]}`, 0, 0, "unknown method"},
		{"bad request", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{"x":1}]}`, 0, 0, "not a valid"},
		{"two requests to unary", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{},{}]}`, 0, 0, "exactly one"},
		{"bad base64", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"metadata":{"k-bin":["*"]}}`, 0, 0, "base64"},
		{"zero timeout", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"timeout_ms":0}`, 0, 0, "positive"},
		{"fractional timeout", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"timeout_ms":1.5}`, 0, 0, "timeout_ms"},
		{"bad json", `{"id":"a","requests":{}}`, 0, 0, "bad case request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.Execute(context.Background(), []byte(tt.line))
			if res.ID != "a" {
				t.Errorf("id = %q, want a", res.ID)
			}
			if tt.error != "" {
				if !strings.Contains(res.Error, tt.error) || res.Status != nil {
					t.Fatalf("got error %q status %+v, want an error containing %q", res.Error, res.Status, tt.error)
				}
				return
			}
			if res.Error != "" || res.Status == nil || res.Status.Code != tt.code {
				t.Fatalf("got error %q status %+v, want code %d", res.Error, res.Status, tt.code)
			}
			if len(res.Responses) != tt.responses {
				t.Errorf("got %d responses %s, want %d", len(res.Responses), res.Responses, tt.responses)
			}
		})
	}
}

func TestBinaryMetadataRoundTrip(t *testing.T) {
	e := newExecutor(t, startServer(t))
	line := `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],` +
		`"metadata":{"x-echo-bin":["AAEC/w==",""],"x-echo-text":["a","b"]}}`
	res := e.Execute(context.Background(), []byte(line))
	want := map[string][]string{"x-echo-bin": {"AAEC/w==", ""}, "x-echo-text": {"a", "b"}}
	for _, got := range []map[string][]string{res.InitialMetadata, res.TrailingMetadata} {
		for k, v := range want {
			if strings.Join(got[k], ",") != strings.Join(v, ",") {
				t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
			}
		}
	}
}

// TestServeConcurrently checks that a slow case does not hold back the next one, that bad
// lines are answered as line-N, and that every line gets exactly one answer.
func TestServeConcurrently(t *testing.T) {
	e := newExecutor(t, startServer(t))
	in := strings.NewReader(
		`{"id":"slow","method":"grpc.health.v1.Health/Watch","requests":[{}],"timeout_ms":1000}` + "\n" +
			`{"id":"fast","method":"grpc.health.v1.Health/Check","requests":[{}]}` + "\n\nnot json\n[1]\n" +
			`{"id":"b","method":"grpc.health.v1.Health/Check","requests":[{}],"bench":{"calls":20,"concurrency":4}}`)
	var out bytes.Buffer
	if err := e.Serve(context.Background(), in, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	got := map[string]Result{}
	for _, l := range lines {
		var r Result
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("bad line %s", l)
		}
		got[r.ID] = r
	}
	for _, id := range []string{"slow", "fast", "line-4", "line-5", "b"} {
		if _, ok := got[id]; !ok {
			t.Errorf("no result for %s in:\n%s", id, out.String())
		}
	}
	if len(lines) != 5 {
		t.Errorf("got %d lines, want 5", len(lines))
	}
	if lines[len(lines)-1] != mustJSON(t, got["slow"]) {
		t.Errorf("the slow case should answer last:\n%s", out.String())
	}
	if b := got["b"].Bench; b == nil || b.Calls != 20 || b.Errors != 0 || b.LatencyMS["max"] < b.LatencyMS["p50"] {
		t.Errorf("bench = %+v", b)
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTLS calls a server whose certificate is for "teams.test" through 127.0.0.1, with and
// without a client certificate the server requires.
func TestTLS(t *testing.T) {
	ca, caKey, caPEM := newCA(t)
	serverCert := issue(t, ca, caKey, "teams.test")
	clientCert := issue(t, ca, caKey, "client")
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	creds := credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{serverCert.pair},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
	})
	e := newExecutor(t, startServer(t, grpc.Creds(creds)))
	tlsField := func(withClient bool) string {
		f := map[string]string{"ca_pem": caPEM, "server_name": "teams.test"}
		if withClient {
			f["client_cert_pem"], f["client_key_pem"] = clientCert.certPEM, clientCert.keyPEM
		}
		return mustJSON(t, f)
	}
	ok := e.Execute(context.Background(), []byte(`{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"tls":`+tlsField(true)+`}`))
	if ok.Status == nil || ok.Status.Code != 0 {
		t.Errorf("mutual TLS: %+v", ok)
	}
	refused := e.Execute(context.Background(), []byte(`{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"timeout_ms":3000,"tls":`+tlsField(false)+`}`))
	if refused.Status == nil || refused.Status.Code == 0 {
		t.Errorf("TLS without the client certificate should fail: %+v", refused)
	}
}

type issued struct {
	pair            tls.Certificate
	certPEM, keyPEM string
}

func newCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey, string) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, key, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func issue(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, name string) issued {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		DNSNames: []string{name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		KeyUsage:    x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	return issued{pair, certPEM, keyPEM}
}
