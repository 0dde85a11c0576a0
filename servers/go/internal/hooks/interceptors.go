package hooks

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
)

// Unary applies the hooks to a unary call: begin, pause, the service, then the forced status
// (which replaces the response, as in the Python server).
func Unary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	h := parse(md)
	if err := h.begin(ctx); err != nil {
		return nil, err
	}
	defer h.report(ctx)
	if err := h.pause(ctx); err != nil {
		return nil, err
	}
	resp, err := handler(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := h.finish(); err != nil {
		return nil, err
	}
	return resp, nil
}

// Stream applies the hooks to a streaming call. A client-streaming call has one response and
// pauses once before the service runs, like a unary one; a server-streaming or bidirectional
// call pauses before each response message.
func Stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx := ss.Context()
	md, _ := metadata.FromIncomingContext(ctx)
	h := parse(md)
	if err := h.begin(ctx); err != nil {
		return err
	}
	defer h.report(ctx)
	if info.IsServerStream {
		ss = &pausingStream{ServerStream: ss, hooks: h}
	} else if err := h.pause(ctx); err != nil {
		return err
	} else if h.status != codes.OK {
		ss = withheldResponse{ss}
	}
	if err := handler(srv, ss); err != nil {
		return err
	}
	return h.finish()
}

// withheldResponse keeps a client-streaming call's one response off the wire when a forced
// status replaces it: SendAndClose would send it before the status (the Python server never
// sends it, and a client may report a message that came with an error status: gRPC C++'s does).
type withheldResponse struct{ grpc.ServerStream }

func (withheldResponse) SendMsg(any) error { return nil }

type pausingStream struct {
	grpc.ServerStream
	hooks hooks
}

func (s *pausingStream) SendMsg(m any) error {
	if err := s.hooks.pause(s.Context()); err != nil {
		return err
	}
	return s.ServerStream.SendMsg(m)
}
