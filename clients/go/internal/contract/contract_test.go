package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"sort"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
)

// These tests use only grpc-go's own health service, so they run without the generated
// Teams stubs. Health/Watch streams one status and then stays open, which is what the
// deadline and cancellation cases need.

// echoMetadata sends request metadata keys starting with "x-echo-" back as headers and
// trailers of a unary call, the way the Teams server's test hooks do.
func echoMetadata(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	in, _ := metadata.FromIncomingContext(ctx)
	echo := metadata.MD{}
	for k, v := range in {
		if strings.HasPrefix(k, "x-echo-") {
			echo[k] = v
		}
	}
	if err := grpc.SetHeader(ctx, echo); err != nil {
		return nil, err
	}
	if err := grpc.SetTrailer(ctx, echo); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func startServer(t *testing.T) *Conns {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(echoMetadata))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conns := NewConns(lis.Addr().String())
	t.Cleanup(conns.Close)
	return conns
}

func TestExecute(t *testing.T) {
	conn := startServer(t)
	tests := []struct {
		name      string
		line      string
		code      int
		responses int
		error     string
	}{
		{"unary", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"extra":1}`, 0, 1, ""},
		{"deadline", `{"id":"a","method":"grpc.health.v1.Health/Watch","requests":[{}],"timeout_ms":100}`, 4, 1, ""},
		{"cancel after one", `{"id":"a","method":"grpc.health.v1.Health/Watch","requests":[{}],"cancel_after_responses":1}`, 1, 1, ""},
		{"cancel at start", `{"id":"a","method":"grpc.health.v1.Health/Watch","requests":[{}],"cancel_after_responses":0}`, 1, 0, ""},
		{"path override", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"path":"/grpc.health.v1.Health/Nope"}`, 12, 0, ""},
		{"unknown method", `{"id":"a","method":"grpc.health.v1.Health/Nope","requests":[{}]}`, 0, 0, "unknown method"},
		{"unknown service", `{"id":"a","method":"No/Such","requests":[{}]}`, 0, 0, "unknown method"},
		{"bad request", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{"x":1}]}`, 0, 0, "not a valid"},
		{"two requests to unary", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{},{}]}`, 0, 0, "exactly one"},
		{"bad base64", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"metadata":{"k-bin":["*"]}}`, 0, 0, "base64"},
		{"bad json", `{"id":"a","requests":{}}`, 0, 0, "bad case request"},
		{"timeout zero", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"timeout_ms":0}`, 0, 0, "timeout_ms"},
		{"timeout negative", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"timeout_ms":-1}`, 0, 0, "timeout_ms"},
		{"timeout string", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"timeout_ms":"fast"}`, 0, 0, "bad case request"},
		{"wrong field type", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{"service":5}]}`, 0, 0, "not a valid"},
		{"bad compression", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"compression":"br"}`, 0, 0, "compression"},
		{"gzip", `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],"compression":"gzip"}`, 0, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Execute(context.Background(), conn, []byte(tt.line), 1)
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
	conn := startServer(t)
	line := `{"id":"a","method":"grpc.health.v1.Health/Check","requests":[{}],
		"metadata":{"x-echo-bin":["AAEC/w==",""],"x-echo-text":["a","b"]}}`
	res := Execute(context.Background(), conn, []byte(strings.ReplaceAll(line, "\n", "")), 1)
	want := map[string][]string{"x-echo-bin": {"AAEC/w==", ""}, "x-echo-text": {"a", "b"}}
	for _, got := range []map[string][]string{res.InitialMetadata, res.TrailingMetadata} {
		for k, v := range want {
			if strings.Join(got[k], ",") != strings.Join(v, ",") {
				t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
			}
		}
	}
	if got := string(res.Responses[0]); got != `{"status":"SERVING"}` {
		t.Errorf("response = %s", got)
	}
}

func TestServeAnswersEveryLine(t *testing.T) {
	conn := startServer(t)
	in := strings.NewReader("{\"id\":\"x\",\"method\":\"grpc.health.v1.Health/Check\",\"requests\":[{}]}\n\nnot json\n" +
		`{"id":"y","method":"nope"}`) // no final newline
	var out bytes.Buffer
	if err := Serve(context.Background(), conn, in, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	sort.Strings(lines)
	wantIDs := []string{"line-3", "x", "y"}
	if len(lines) != len(wantIDs) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(wantIDs), out.String())
	}
	for i, l := range lines {
		var r Result
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.ID != wantIDs[i] {
			t.Errorf("line %d = %s, want id %q", i, l, wantIDs[i])
		}
	}
}

func TestBadLinesAnswerUnderLineNumber(t *testing.T) {
	for _, line := range []string{`{not json`, `[1,2]`, `{"method":"x"}`, `{"id":5}`, `"text"`} {
		if res := Execute(context.Background(), NewConns("127.0.0.1:1"), []byte(line), 7); res.ID != "line-7" || res.Error == "" {
			t.Errorf("%s: got %+v, want an error under line-7", line, res)
		}
	}
}

func TestBench(t *testing.T) {
	conns := startServer(t)
	res := Execute(context.Background(), conns, []byte(`{"id":"b","method":"grpc.health.v1.Health/Check","requests":[{}],"bench":{"calls":20,"concurrency":4}}`), 1)
	if res.Bench == nil || res.Bench.Calls != 20 || res.Bench.Errors != 0 || res.Bench.LatencyMS["max"] <= 0 {
		t.Fatalf("got %+v", res)
	}
}
