package hooks

import (
	"context"

	"google.golang.org/grpc/stats"
)

// grpc-go keeps the request's grpc-encoding out of the incoming metadata; only a stats handler
// sees it (stats.InHeader.Compression). EncodingRecorder stores it in the call's context, where
// the x-teams-report-encoding hook reads it.
type EncodingRecorder struct{}

type encodingKey struct{}

type encoding struct{ name string }

func (EncodingRecorder) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, encodingKey{}, &encoding{})
}

func (EncodingRecorder) HandleRPC(ctx context.Context, s stats.RPCStats) {
	if in, ok := s.(*stats.InHeader); ok {
		if e, ok := ctx.Value(encodingKey{}).(*encoding); ok {
			e.name = in.Compression
		}
	}
}

func (EncodingRecorder) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (EncodingRecorder) HandleConn(context.Context, stats.ConnStats) {}

// RequestEncoding is the grpc-encoding the call's request messages arrived with, "identity"
// when they were not compressed.
func RequestEncoding(ctx context.Context) string {
	if e, ok := ctx.Value(encodingKey{}).(*encoding); ok && e.name != "" {
		return e.name
	}
	return "identity"
}
