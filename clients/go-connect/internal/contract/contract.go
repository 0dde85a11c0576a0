// Package contract runs the interop harness's client contract v2 (clients/CONTRACT.md) on
// connect-go: case requests arrive as JSON lines, each runs in its own goroutine as soon as it
// is read, and each is answered with one JSON result line describing what the call observed.
// It judges nothing; the harness compares the languages.
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

	"teams-interop/clients/go-connect/internal/schema"
)

// Case is one case request line. Unknown fields are ignored (encoding/json's default), so the
// harness can grow the contract without breaking this client.
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

// TLS asks for a TLS connection: the one CA to trust, the name to verify (also the
// :authority), and a client certificate for mutual TLS.
type TLS struct {
	CAPEM         string `json:"ca_pem"`
	ServerName    string `json:"server_name"`
	ClientCertPEM string `json:"client_cert_pem"`
	ClientKeyPEM  string `json:"client_key_pem"`
}

// Bench asks for Calls calls of the case, at most Concurrency in flight.
type Bench struct {
	Calls       int `json:"calls"`
	Concurrency int `json:"concurrency"`
}

// Result is one result line: Status (with Responses), Error or Bench.
type Result struct {
	ID               string              `json:"id"`
	Status           *Status             `json:"status,omitempty"`
	Responses        []json.RawMessage   `json:"responses"`
	InitialMetadata  map[string][]string `json:"initial_metadata,omitempty"`
	TrailingMetadata map[string][]string `json:"trailing_metadata,omitempty"`
	Error            string              `json:"error,omitempty"`
	Bench            *BenchResult        `json:"bench,omitempty"`
}

// Status is a call's final gRPC status, the message exactly as connect-go reports it.
type Status struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Executor runs cases against a default target, sharing one HTTP/2 client per (target, tls).
type Executor struct {
	Schema *schema.Schema
	Target string
	conns  connections
}

// Serve starts each non-blank line read from in as its own goroutine and writes its result
// line to out, whole and flushed, as soon as it is done. At end of input it waits for the
// cases in flight and returns nil; only an I/O error on in or out ends it early.
func (e *Executor) Serve(ctx context.Context, in io.Reader, out io.Writer) error {
	var (
		mu       sync.Mutex
		writeErr error
		wg       sync.WaitGroup
	)
	write := func(res Result) {
		line, err := json.Marshal(res)
		if err == nil {
			line = append(line, '\n')
		}
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			_, err = out.Write(line)
		}
		if err != nil && writeErr == nil {
			writeErr = err
		}
	}
	r := bufio.NewReader(in)
	for n := 1; ; n++ {
		line, readErr := r.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			wg.Add(1)
			go func(n int, line []byte) {
				defer wg.Done()
				res := e.Execute(ctx, line)
				if res.ID == "" { // unparsable line: still answer, under the id that names it
					res.ID = fmt.Sprintf("line-%d", n)
				}
				write(res)
			}(n, line)
		}
		if readErr != nil {
			wg.Wait()
			if errors.Is(readErr, io.EOF) {
				readErr = nil
			}
			return errors.Join(readErr, writeErr)
		}
	}
}

// Execute runs the case in one JSON line. Anything that stops the call from being made at
// all becomes a Result with Error rather than a failure of the whole run.
func (e *Executor) Execute(ctx context.Context, line []byte) Result {
	c, err := parseCase(line)
	if err != nil {
		return errorResult(c.ID, err)
	}
	cl, err := e.prepare(c)
	if err != nil {
		return errorResult(c.ID, err)
	}
	var res Result
	if c.Bench != nil {
		res = Result{Responses: []json.RawMessage{}, Bench: cl.bench(ctx, c.Bench.Calls, c.Bench.Concurrency)}
	} else {
		res = cl.run(ctx)
	}
	res.ID = c.ID
	return res
}

// parseCase decodes a case line. On failure it still tries to recover the id, so the harness
// can attach the error to the right case.
func parseCase(line []byte) (Case, error) {
	var idOnly struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(line, &idOnly); err != nil || idOnly.ID == "" {
		return Case{}, errors.New("bad case request: not a JSON object with a string id")
	}
	var c Case
	if err := json.Unmarshal(line, &c); err != nil {
		return Case{ID: idOnly.ID}, fmt.Errorf("bad case request: %w", err)
	}
	return c, nil
}

func errorResult(id string, err error) Result {
	return Result{ID: id, Responses: []json.RawMessage{}, Error: err.Error()}
}
