// Package contract runs the interop harness's client contract (clients/CONTRACT.md): case
// requests arrive as JSON lines, and each is answered with one JSON result line describing
// exactly what the call observed. It judges nothing; the harness compares the languages.
//
// The executor is generic over the protobuf descriptors linked into the binary, so adding an
// RPC to the proto needs no change here: a rebuild regenerates the stubs and the new method
// is found by name at run time.
package contract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"google.golang.org/grpc"
)

// Case is one case request line. Unknown fields are ignored (encoding/json's default), so
// the harness can grow the contract without breaking this client.
type Case struct {
	ID                   string              `json:"id"`
	Method               string              `json:"method"`
	Requests             []json.RawMessage   `json:"requests"`
	Metadata             map[string][]string `json:"metadata"`
	TimeoutMS            *int64              `json:"timeout_ms"`
	CancelAfterResponses *int                `json:"cancel_after_responses"`
	Path                 string              `json:"path"`
}

// Result is one result line. Either Status or Error is set; Responses is always an array,
// so the harness never has to tell a missing list from an empty one.
type Result struct {
	ID               string              `json:"id"`
	Status           *Status             `json:"status,omitempty"`
	Responses        []json.RawMessage   `json:"responses"`
	InitialMetadata  map[string][]string `json:"initial_metadata,omitempty"`
	TrailingMetadata map[string][]string `json:"trailing_metadata,omitempty"`
	Error            string              `json:"error,omitempty"`
}

// Status is a call's final gRPC status, the message exactly as grpc-go reports it.
type Status struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Serve answers every non-blank line read from in with one result line on out, flushed at
// once so the harness can stream, and returns nil at end of input. Cases run one at a time;
// only an I/O error on in or out ends it early.
func Serve(ctx context.Context, conn grpc.ClientConnInterface, in io.Reader, out io.Writer) error {
	r := bufio.NewReader(in)
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w) // Encode ends each value with a newline
	enc.SetEscapeHTML(false)
	for n := 1; ; n++ {
		line, readErr := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			res := Execute(ctx, conn, line)
			if res.ID == "" { // unparsable line: still answer, under an id that names it
				res.ID = fmt.Sprintf("<stdin line %d>", n)
			}
			if err := enc.Encode(res); err != nil {
				return err
			}
			if err := w.Flush(); err != nil {
				return err
			}
		}
		if errors.Is(readErr, io.EOF) {
			return nil
		}
		if readErr != nil {
			return readErr
		}
	}
}

// Execute runs the case in one JSON line. Anything that stops the call from being made at
// all (bad JSON, unknown method, a request that does not fit its type) becomes a Result with
// Error rather than a failure of the whole run.
func Execute(ctx context.Context, conn grpc.ClientConnInterface, line []byte) Result {
	c, err := parseCase(line)
	if err != nil {
		return errorResult(c.ID, err)
	}
	call, err := prepare(c)
	if err != nil {
		return errorResult(c.ID, err)
	}
	res := call.run(ctx, conn)
	res.ID = c.ID
	return res
}

// parseCase decodes a case line. On failure it still tries to recover the id, so the
// harness can attach the error to the right case.
func parseCase(line []byte) (Case, error) {
	var c Case
	if err := json.Unmarshal(line, &c); err != nil {
		var idOnly struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(line, &idOnly)
		return Case{ID: idOnly.ID}, fmt.Errorf("bad case request: %w", err)
	}
	if c.ID == "" {
		return c, errors.New("bad case request: missing id")
	}
	return c, nil
}

func errorResult(id string, err error) Result {
	return Result{ID: id, Responses: []json.RawMessage{}, Error: err.Error()}
}
