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
	"sync"
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
	Target               string              `json:"target"`
	TLS                  *TLS                `json:"tls"`
	Compression          string              `json:"compression"`
	Bench                *Bench              `json:"bench"`
}

// TLS is a case's `tls` object: the CA to trust, the name to verify (and send as SNI and
// :authority), and for mutual TLS the client's certificate and key, all PEM text.
type TLS struct {
	CAPEM         string `json:"ca_pem"`
	ServerName    string `json:"server_name"`
	ClientCertPEM string `json:"client_cert_pem"`
	ClientKeyPEM  string `json:"client_key_pem"`
}

// Bench asks for Calls calls of the case, at most Concurrency at a time.
type Bench struct {
	Calls       int `json:"calls"`
	Concurrency int `json:"concurrency"`
}

// Result is one result line. Either Status, Error or Bench is set; Responses is always an
// array, so the harness never has to tell a missing list from an empty one.
type Result struct {
	ID               string              `json:"id"`
	Status           *Status             `json:"status,omitempty"`
	Responses        []json.RawMessage   `json:"responses"`
	InitialMetadata  map[string][]string `json:"initial_metadata,omitempty"`
	TrailingMetadata map[string][]string `json:"trailing_metadata,omitempty"`
	Error            string              `json:"error,omitempty"`
	Bench            *BenchResult        `json:"bench,omitempty"`
}

// Status is a call's final gRPC status, the message exactly as grpc-go reports it.
type Status struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Serve starts a goroutine for every non-blank line read from in, as soon as it is read,
// and writes each result as one whole line on out. At end of input it waits for the cases
// in flight, closes the connections and returns nil; only an I/O error ends it early.
func Serve(ctx context.Context, conns *Conns, in io.Reader, out io.Writer) error {
	r := bufio.NewReader(in)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		writeErr error
	)
	write := func(res Result) {
		line, err := json.Marshal(res)
		if err != nil {
			line, _ = json.Marshal(errorResult(res.ID, err))
		}
		mu.Lock()
		defer mu.Unlock()
		if _, err := out.Write(append(line, '\n')); err != nil && writeErr == nil {
			writeErr = err
		}
	}
	defer conns.Close()
	defer wg.Wait()
	for n := 1; ; n++ {
		line, readErr := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			wg.Add(1)
			go func(n int, line []byte) {
				defer wg.Done()
				write(Execute(ctx, conns, line, n))
			}(n, line)
		}
		if errors.Is(readErr, io.EOF) {
			wg.Wait()
			mu.Lock()
			defer mu.Unlock()
			return writeErr
		}
		if readErr != nil {
			return readErr
		}
	}
}

// Execute runs the case in one JSON line, line number n of stdin. Anything that stops the
// call from being made at all (bad JSON, unknown method, a request that does not fit its
// type) becomes a Result with Error rather than a failure of the whole run.
func Execute(ctx context.Context, conns *Conns, line []byte, n int) Result {
	c, err := parseCase(line)
	if c.ID == "" {
		return errorResult(fmt.Sprintf("line-%d", n), err)
	}
	if err != nil {
		return errorResult(c.ID, err)
	}
	call, err := prepare(c)
	if err != nil {
		return errorResult(c.ID, err)
	}
	conn, err := conns.Get(c)
	if err != nil {
		return errorResult(c.ID, err)
	}
	var res Result
	if c.Bench != nil {
		res = Result{Bench: call.bench(ctx, conn, *c.Bench), Responses: []json.RawMessage{}}
	} else {
		res = call.run(ctx, conn)
	}
	res.ID = c.ID
	return res
}

// parseCase decodes a case line. On failure it still tries to recover the id, so the
// harness can attach the error to the right case; an empty id means the line has none.
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
		return c, errors.New("bad case request: no string id")
	}
	return c, nil
}

func errorResult(id string, err error) Result {
	return Result{ID: id, Responses: []json.RawMessage{}, Error: err.Error()}
}
