package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// call is a case checked and decoded up front, so that everything that can be wrong with
// the request itself is reported as an error before any traffic is sent.
type call struct {
	method      protoreflect.MethodDescriptor
	path        string
	requests    []proto.Message
	md          metadata.MD
	timeout     time.Duration // 0: no deadline
	cancelAfter int           // -1: never cancel
}

// prepare resolves the case's method in the generated descriptors and decodes its requests
// and metadata.
func prepare(c Case) (*call, error) {
	m, err := findMethod(c.Method)
	if err != nil {
		return nil, err
	}
	cl := &call{method: m, path: c.Path, cancelAfter: -1}
	if cl.path == "" {
		cl.path = "/" + c.Method
	}
	if cl.requests, err = decodeRequests(m, c.Requests); err != nil {
		return nil, err
	}
	if cl.md, err = decodeMetadata(c.Metadata); err != nil {
		return nil, err
	}
	if c.TimeoutMS != nil {
		if *c.TimeoutMS <= 0 {
			return nil, fmt.Errorf("timeout_ms must be positive, got %d", *c.TimeoutMS)
		}
		cl.timeout = time.Duration(*c.TimeoutMS) * time.Millisecond
	}
	if c.Requests == nil {
		return nil, errors.New(`"requests" must be a list of messages`)
	}
	if c.Compression != "" && c.Compression != "gzip" {
		return nil, fmt.Errorf("unknown compression %q: only gzip", c.Compression)
	}
	if c.TLS != nil && c.TLS.CAPEM == "" {
		return nil, errors.New("tls needs ca_pem")
	}
	if c.Bench != nil && (c.Bench.Calls < 1 || c.Bench.Concurrency < 1) {
		return nil, fmt.Errorf("bench needs calls >= 1 and concurrency >= 1, got %+v", *c.Bench)
	}
	if c.CancelAfterResponses != nil {
		if *c.CancelAfterResponses < 0 {
			return nil, fmt.Errorf("cancel_after_responses must not be negative, got %d", *c.CancelAfterResponses)
		}
		cl.cancelAfter = *c.CancelAfterResponses
	}
	return cl, nil
}

// findMethod looks up "package.Service/Method" among every file descriptor registered by
// the generated code linked into this binary.
func findMethod(name string) (protoreflect.MethodDescriptor, error) {
	i := strings.LastIndex(name, "/")
	if i < 0 {
		return nil, fmt.Errorf("bad method %q: want Service/Method", name)
	}
	svcName, methodName := name[:i], name[i+1:]
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svcName))
	if err != nil {
		return nil, fmt.Errorf("unknown method %q: no service %q in the generated code", name, svcName)
	}
	svc, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("unknown method %q: %q is not a service", name, svcName)
	}
	m := svc.Methods().ByName(protoreflect.Name(methodName))
	if m == nil {
		return nil, fmt.Errorf("unknown method %q: service %q has no method %q", name, svcName, methodName)
	}
	return m, nil
}

// decodeRequests parses the proto3 JSON requests into the method's input type. Only
// client-streaming methods may send other than exactly one message; grpc-go would refuse a
// second one anyway, with an error that would look like the server's.
func decodeRequests(m protoreflect.MethodDescriptor, raw []json.RawMessage) ([]proto.Message, error) {
	if !m.IsStreamingClient() && len(raw) != 1 {
		return nil, fmt.Errorf("%s takes exactly one request, got %d", m.FullName(), len(raw))
	}
	msgs := make([]proto.Message, len(raw))
	for i, r := range raw {
		msgs[i] = newMessage(m.Input())
		if err := protojson.Unmarshal(r, msgs[i]); err != nil {
			return nil, fmt.Errorf("request %d is not a valid %s: %w", i, m.Input().FullName(), err)
		}
	}
	return msgs, nil
}

// newMessage prefers the generated Go type and falls back to a dynamic message, which
// serialises identically, for a type that has a descriptor but no registered Go type.
func newMessage(d protoreflect.MessageDescriptor) proto.Message {
	if mt, err := protoregistry.GlobalTypes.FindMessageByName(d.FullName()); err == nil {
		return mt.New().Interface()
	}
	return dynamicpb.NewMessage(d)
}

// run makes the call. Every kind of RPC goes through the same streaming code path; the
// StreamDesc flags tell grpc-go how many messages each side may send.
func (cl *call) run(ctx context.Context, conn grpc.ClientConnInterface) Result {
	ctx, cancel := cl.context(ctx)
	defer cancel()
	desc := &grpc.StreamDesc{
		StreamName:    string(cl.method.Name()),
		ServerStreams: cl.method.IsStreamingServer(),
		ClientStreams: cl.method.IsStreamingClient(),
	}
	stream, err := conn.NewStream(ctx, desc, cl.path)
	if err != nil {
		return Result{Status: statusOf(err), Responses: []json.RawMessage{}}
	}
	if cl.cancelAfter == 0 {
		cancel()
	}
	responses := []json.RawMessage{}
	if err = cl.send(stream); err == nil {
		responses, err = cl.receive(stream, cancel)
	}
	return Result{
		Status:           statusOf(err),
		Responses:        responses,
		InitialMetadata:  headerOf(stream),
		TrailingMetadata: encodeMetadata(stream.Trailer()),
	}
}

// context starts the call's clock: the deadline counts from here, just before the stream
// is opened.
func (cl *call) context(parent context.Context) (context.Context, context.CancelFunc) {
	ctx := metadata.NewOutgoingContext(parent, cl.md)
	if cl.timeout > 0 {
		return context.WithTimeout(ctx, cl.timeout)
	}
	return context.WithCancel(ctx)
}

// send writes every request in order, then half-closes. io.EOF from SendMsg means the call
// already ended; its real status is what the next RecvMsg returns.
func (cl *call) send(stream grpc.ClientStream) error {
	for _, req := range cl.requests {
		err := stream.SendMsg(req)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	return stream.CloseSend()
}

// receive collects responses until the stream ends and returns the ending error (nil for
// OK). After it cancels the call, it keeps reading only to learn the final status: grpc-go
// may still hand over messages that were buffered before the cancel, and reporting those
// would make the result depend on timing.
func (cl *call) receive(stream grpc.ClientStream, cancel context.CancelFunc) ([]json.RawMessage, error) {
	responses := []json.RawMessage{}
	cancelled := cl.cancelAfter == 0
	for {
		msg := newMessage(cl.method.Output())
		err := stream.RecvMsg(msg)
		if errors.Is(err, io.EOF) {
			return responses, nil
		}
		if err != nil {
			return responses, err
		}
		if cancelled {
			continue
		}
		b, err := protojson.Marshal(msg)
		if err != nil {
			return responses, fmt.Errorf("teams-client: cannot render response as JSON: %w", err)
		}
		responses = append(responses, b)
		if !cl.method.IsStreamingServer() {
			return responses, nil // grpc-go has already checked that nothing followed it
		}
		if len(responses) == cl.cancelAfter {
			cancel()
			cancelled = true
		}
	}
}

// headerOf returns the response headers, or none when the call never got any (for example a
// trailers-only error response, or a call cancelled before the server answered).
func headerOf(stream grpc.ClientStream) map[string][]string {
	md, err := stream.Header()
	if err != nil {
		return nil
	}
	return encodeMetadata(md)
}

// statusOf turns a call's ending error into its gRPC status. Context errors that grpc-go
// did not wrap map to CANCELLED and DEADLINE_EXCEEDED; anything else is UNKNOWN.
func statusOf(err error) *Status {
	s, ok := status.FromError(err)
	if !ok {
		s = status.FromContextError(err)
	}
	return &Status{Code: int(s.Code()), Message: s.Message()}
}
