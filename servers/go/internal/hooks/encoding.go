package hooks

import (
	"context"
	"sync"

	"google.golang.org/grpc/stats"
)

// The x-teams-report-encoding hook reports how the first request message really arrived, as
// the Python server measures it on the wire bytes: a client may announce gzip (grpc-encoding)
// and still send a message uncompressed when compressing would not shrink it, and that message
// arrived as identity. grpc-go keeps grpc-encoding out of the incoming metadata and decompresses
// before any handler runs; only a stats handler sees both: stats.InHeader.Compression (the
// announced encoding) and, for each message, stats.InPayload's CompressedLength (the bytes on
// the wire) and Length (once inflated), which are equal for a message sent uncompressed.
// EncodingRecorder stores that in the call's context, where the hook reads it.
type EncodingRecorder struct{}

type encodingKey struct{}

type encoding struct {
	mu        sync.Mutex
	announced string
	first     string // the first message's encoding, once one arrived
}

func (EncodingRecorder) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, encodingKey{}, &encoding{})
}

func (EncodingRecorder) HandleRPC(ctx context.Context, s stats.RPCStats) {
	e, ok := ctx.Value(encodingKey{}).(*encoding)
	if !ok {
		return
	}
	switch s := s.(type) {
	case *stats.InHeader:
		e.mu.Lock()
		e.announced = s.Compression
		e.mu.Unlock()
	case *stats.InPayload:
		e.mu.Lock()
		if e.first == "" {
			e.first = "identity"
			if e.announced != "" && e.announced != "identity" && s.CompressedLength != s.Length {
				e.first = e.announced
			}
		}
		e.mu.Unlock()
	}
}

func (EncodingRecorder) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (EncodingRecorder) HandleConn(context.Context, stats.ConnStats) {}

// RequestEncoding is the encoding the call's first request message arrived with: "identity"
// when it was not compressed, or when no message has arrived.
func RequestEncoding(ctx context.Context) string {
	if e, ok := ctx.Value(encodingKey{}).(*encoding); ok {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.first != "" {
			return e.first
		}
	}
	return "identity"
}
