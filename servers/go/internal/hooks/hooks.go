// Package hooks holds server behaviours only the interop catalogue needs, steered by request
// metadata, exactly as python_server/teams_server/hooks.py implements them (the harness judges
// both servers by the same expectations, so even error messages match).
//
// They are installed only by `teams-server-go --test-hooks`; without the flag the server never
// looks at these keys. Keeping them in interceptors leaves the service what production runs.
package hooks

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

const (
	delayKey          = "x-teams-delay-ms"
	echoInitialKey    = "x-teams-echo-initial"
	echoTrailingKey   = "x-teams-echo-trailing"
	statusCodeKey     = "x-teams-status-code"
	statusMessageKey  = "x-teams-status-message-bin"
	compressKey       = "x-teams-compress-response"
	reportEncodingKey = "x-teams-report-encoding"
	requestEncoding   = "x-teams-request-encoding"
)

// hooks is what one call's metadata asks of the server.
type hooks struct {
	delay          time.Duration
	initial        metadata.MD
	trailing       metadata.MD
	status         codes.Code // codes.OK: no forced status
	message        string
	compress       string
	reportEncoding bool
	problems       []string
}

func parse(md metadata.MD) hooks {
	h := hooks{initial: metadata.MD{}, trailing: metadata.MD{}}
	last := func(key string) (string, bool) { // Python's dict(items): the last value wins
		if v := md.Get(key); len(v) > 0 {
			return v[len(v)-1], true
		}
		return "", false
	}
	if text, ok := last(delayKey); ok {
		h.delay = time.Duration(h.number(text, delayKey)) * time.Millisecond
	}
	if text, ok := last(statusCodeKey); ok {
		n := h.number(text, statusCodeKey)
		if n < 1 || n > 16 {
			h.problems = append(h.problems, fmt.Sprintf("%s must be a non-zero gRPC status code, got %s", statusCodeKey, pyRepr(text)))
		} else {
			h.status = codes.Code(n)
		}
	}
	if raw, ok := last(statusMessageKey); ok {
		h.message = decodeUTF8(raw)
	}
	if value, ok := last(compressKey); ok {
		switch value {
		case "gzip", "deflate", "identity":
			h.compress = value
		default:
			h.problems = append(h.problems, fmt.Sprintf("%s must be one of ['deflate', 'gzip', 'identity'], got %s", compressKey, pyRepr(value)))
		}
	}
	_, h.reportEncoding = last(reportEncodingKey)
	for key, values := range md {
		switch {
		case strings.HasPrefix(key, echoInitialKey):
			h.initial[key] = values
		case strings.HasPrefix(key, echoTrailingKey):
			h.trailing[key] = values
		}
	}
	return h
}

var pyInt = regexp.MustCompile(`^[+-]?[0-9]+(_[0-9]+)*$`)

// number parses text as Python's int() does, recording a problem (and returning 0) otherwise.
func (h *hooks) number(text, key string) int {
	trimmed := strings.TrimSpace(text)
	if pyInt.MatchString(trimmed) {
		if n, err := strconv.Atoi(strings.ReplaceAll(trimmed, "_", "")); err == nil {
			return n
		}
	}
	h.problems = append(h.problems, fmt.Sprintf("%s must be an integer, got %s", key, pyRepr(text)))
	return 0
}

// begin rejects malformed hooks, then sends what must go out before any response.
func (h hooks) begin(ctx context.Context) error {
	if len(h.problems) > 0 {
		return status.Error(codes.InvalidArgument, strings.Join(h.problems, "; "))
	}
	if h.compress != "" {
		if err := grpc.SetSendCompressor(ctx, h.compress); err != nil {
			return err
		}
	}
	if len(h.initial) > 0 {
		if err := grpc.SendHeader(ctx, h.initial); err != nil {
			return err
		}
	}
	if len(h.trailing) > 0 {
		return grpc.SetTrailer(ctx, h.trailing)
	}
	return nil
}

// report adds the request encoding to the trailing metadata, once the call's handler has
// returned: a streaming call's first request arrives after begin.
func (h hooks) report(ctx context.Context) {
	if h.reportEncoding {
		_ = grpc.SetTrailer(ctx, metadata.Pairs(requestEncoding, RequestEncoding(ctx)))
	}
}

// pause waits the delay, but no longer than the call lives (deadline or cancellation).
//
// A delay that would outlast the deadline ends a moment before it, with DEADLINE_EXCEEDED:
// when the deadline itself passes, grpc-go's transport resets the stream with
// RST_STREAM(CANCEL) (gRPC core sends a DEADLINE_EXCEEDED status instead), and a client whose
// own deadline timer runs a little late then reports CANCELLED (grpc-js does, under load).
// The catalogue's deadline cases test the client's deadline, not that race.
func (h hooks) pause(ctx context.Context) error {
	if h.delay <= 0 {
		return nil
	}
	wait, ended := h.delay, codes.Canceled
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline)-deadlineMargin < wait {
		wait, ended = max(time.Until(deadline)-deadlineMargin, 0), codes.DeadlineExceeded
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		if ended == codes.DeadlineExceeded {
			return status.Error(ended, "call ended during the test delay")
		}
		return nil
	case <-ctx.Done():
		return status.Error(status.FromContextError(ctx.Err()).Code(), "call ended during the test delay")
	}
}

// deadlineMargin is how long before the deadline a delay gives up (see pause).
const deadlineMargin = 20 * time.Millisecond

// finish ends the call with the forced status, if any.
func (h hooks) finish() error {
	if h.status != codes.OK {
		return status.Error(h.status, h.message)
	}
	return nil
}

// decodeUTF8 is Python's bytes.decode("utf-8", errors="replace"): each bad byte becomes U+FFFD.
func decodeUTF8(raw string) string {
	if utf8.ValidString(raw) {
		return raw
	}
	var b strings.Builder
	for len(raw) > 0 {
		r, size := utf8.DecodeRuneInString(raw)
		b.WriteRune(r) // utf8.RuneError is U+FFFD
		raw = raw[size:]
	}
	return b.String()
}
