package hooks

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

// The expected messages are what python_server/teams_server/hooks.py answers for the same
// metadata, so both servers give every client the same INVALID_ARGUMENT.
func TestParseProblems(t *testing.T) {
	tests := []struct {
		md   metadata.MD
		want []string
	}{
		{metadata.Pairs("x-teams-delay-ms", "abc"), []string{"x-teams-delay-ms must be an integer, got 'abc'"}},
		{metadata.Pairs("x-teams-status-code", "0"), []string{"x-teams-status-code must be a non-zero gRPC status code, got '0'"}},
		{metadata.Pairs("x-teams-status-code", "17"), []string{"x-teams-status-code must be a non-zero gRPC status code, got '17'"}},
		{metadata.Pairs("x-teams-status-code", "it's"), []string{
			`x-teams-status-code must be an integer, got "it's"`,
			`x-teams-status-code must be a non-zero gRPC status code, got "it's"`,
		}},
		{metadata.Pairs("x-teams-delay-ms", " 1_0 "), nil},
		{metadata.Pairs("x-teams-compress-response", "br"), []string{"x-teams-compress-response must be one of ['deflate', 'gzip', 'identity'], got 'br'"}},
		{metadata.Pairs("x-teams-compress-response", "deflate"), nil},
	}
	for _, tt := range tests {
		h := parse(tt.md)
		if len(h.problems) != len(tt.want) {
			t.Errorf("%v: problems %q, want %q", tt.md, h.problems, tt.want)
			continue
		}
		for i := range tt.want {
			if h.problems[i] != tt.want[i] {
				t.Errorf("%v: problem %q, want %q", tt.md, h.problems[i], tt.want[i])
			}
		}
	}
}

func TestParse(t *testing.T) {
	md := metadata.Pairs(
		"x-teams-delay-ms", "5", "x-teams-delay-ms", "10", // the last value wins, as in Python's dict()
		"x-teams-status-code", "9", "x-teams-status-message-bin", "season \xffover",
		"x-teams-echo-initial-a", "1", "x-teams-echo-trailing-bin", "\x00\x01",
	)
	h := parse(md)
	if h.delay != 10*time.Millisecond || h.status != codes.FailedPrecondition || h.message != "season \ufffdover" {
		t.Errorf("parse = %+v", h)
	}
	if len(h.initial["x-teams-echo-initial-a"]) != 1 || h.trailing["x-teams-echo-trailing-bin"][0] != "\x00\x01" {
		t.Errorf("echo: initial %v trailing %v", h.initial, h.trailing)
	}
}

func TestPyRepr(t *testing.T) {
	for in, want := range map[string]string{
		"abc": `'abc'`, `a'b`: `"a'b"`, `a'b"c`: `'a\'b"c'`, "a\tb\x01": `'a\tb\x01'`, `back\slash`: `'back\\slash'`,
	} {
		if got := pyRepr(in); got != want {
			t.Errorf("pyRepr(%q) = %s, want %s", in, got, want)
		}
	}
}
