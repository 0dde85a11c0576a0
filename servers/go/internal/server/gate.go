package server

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// teamsPrefix marks the calls the gate guards: health and reflection need no token and are
// never counted, as in the Python server (python_server/teams_server/gate.py).
const teamsPrefix = "/Teams/"

// Unauthenticated is the Python server's message for a Teams call without the bearer token.
const Unauthenticated = "missing or wrong bearer token"

// gate logs, authenticates and admits calls: the Python server's Gate interceptor.
type gate struct {
	log      *Logger
	redactor *Redactor
	expected []byte // "Bearer <token>", nil: no token required
	limit    int64
	inFlight atomic.Int64
	idle     time.Duration // 0: streams may stay silent for ever
}

func (g *gate) admit(ctx context.Context, method string) (release func(), err error) {
	if g.log.Enabled(Debug) {
		md, _ := metadata.FromIncomingContext(ctx)
		g.log.Call(g.redactor, method, md)
	}
	if !strings.HasPrefix(method, teamsPrefix) {
		return func() {}, nil
	}
	if g.expected != nil && !g.authorized(ctx) {
		return nil, status.Error(codes.Unauthenticated, Unauthenticated)
	}
	if g.inFlight.Add(1) > g.limit {
		g.inFlight.Add(-1)
		return nil, status.Errorf(codes.ResourceExhausted, "too many concurrent calls (limit %d); retry later", g.limit)
	}
	return func() { g.inFlight.Add(-1) }, nil
}

// authorized compares the call's first authorization value with the expected one in constant
// time (Python: hmac.compare_digest on the first "authorization" entry).
func (g *gate) authorized(ctx context.Context) bool {
	md, _ := metadata.FromIncomingContext(ctx)
	values := md.Get("authorization")
	return len(values) > 0 && subtle.ConstantTimeCompare([]byte(values[0]), g.expected) == 1
}

func (g *gate) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	release, err := g.admit(ctx, info.FullMethod)
	if err != nil {
		return nil, err
	}
	defer release()
	return handler(ctx, req)
}

func (g *gate) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	release, err := g.admit(ss.Context(), info.FullMethod)
	if err != nil {
		return err
	}
	defer release()
	if g.idle <= 0 || !strings.HasPrefix(info.FullMethod, teamsPrefix) {
		return handler(srv, ss)
	}
	return watchIdle(srv, ss, handler, g.idle)
}

// watchIdle ends a stream that sent and received nothing for idle with DEADLINE_EXCEEDED and
// the Python server's message (--stream-idle-timeout). A handler blocked reading cannot be
// interrupted, so it runs in its own goroutine; once the call has ended its read fails and it
// returns.
func watchIdle(srv any, ss grpc.ServerStream, handler grpc.StreamHandler, idle time.Duration) error {
	watched := &activeStream{ServerStream: ss}
	watched.touch()
	done := make(chan error, 1)
	go func() { done <- handler(srv, watched) }()
	timer := time.NewTimer(idle)
	defer timer.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-timer.C:
			silent := time.Since(time.Unix(0, watched.last.Load()))
			if silent >= idle {
				return status.Error(codes.DeadlineExceeded, fmt.Sprintf("stream idle for %gs: nothing sent or received", idle.Seconds()))
			}
			timer.Reset(idle - silent)
		}
	}
}

type activeStream struct {
	grpc.ServerStream
	last atomic.Int64 // unix nanoseconds of the last message either way
}

func (s *activeStream) touch() { s.last.Store(time.Now().UnixNano()) }

func (s *activeStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil {
		s.touch()
	}
	return err
}

func (s *activeStream) SendMsg(m any) error {
	err := s.ServerStream.SendMsg(m)
	if err == nil {
		s.touch()
	}
	return err
}
