package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// receiveLimit is grpc-go's and grpc-core's default; connect-go has none unless told.
const receiveLimit = 4 << 20

// call is a case checked and decoded up front, so that everything that can be wrong with the
// request itself is reported as an error before any traffic is sent.
type call struct {
	method      protoreflect.MethodDescriptor
	client      *connect.Client[dynamicpb.Message, dynamicpb.Message]
	requests    []*dynamicpb.Message
	header      http.Header
	timeout     time.Duration
	cancelAfter int // -1: never cancel
}

func (e *Executor) prepare(c Case) (*call, error) {
	m, err := e.Schema.Method(c.Method)
	if err != nil {
		return nil, err
	}
	cl := &call{method: m, cancelAfter: -1}
	if cl.requests, err = decodeRequests(m, c.Requests); err != nil {
		return nil, err
	}
	if cl.header, err = decodeMetadata(c.Metadata); err != nil {
		return nil, err
	}
	if c.TimeoutMS != nil {
		if *c.TimeoutMS <= 0 {
			return nil, fmt.Errorf("timeout_ms must be a positive integer, got %d", *c.TimeoutMS)
		}
		cl.timeout = time.Duration(*c.TimeoutMS) * time.Millisecond
	}
	if c.CancelAfterResponses != nil {
		if *c.CancelAfterResponses < 0 {
			return nil, fmt.Errorf("cancel_after_responses must not be negative, got %d", *c.CancelAfterResponses)
		}
		cl.cancelAfter = *c.CancelAfterResponses
	}
	if c.Compression != "" && c.Compression != "gzip" {
		return nil, fmt.Errorf("compression %q is not supported (only gzip)", c.Compression)
	}
	if c.Bench != nil && (c.Bench.Calls < 1 || c.Bench.Concurrency < 1) {
		return nil, fmt.Errorf("bench needs calls and concurrency of at least 1, got %+v", *c.Bench)
	}
	target := c.Target
	if target == "" {
		target = e.Target
	}
	httpClient, baseURL, err := e.conns.get(target, c.TLS)
	if err != nil {
		return nil, err
	}
	path := c.Path
	if path == "" {
		path = "/" + c.Method
	}
	options := []connect.ClientOption{
		connect.WithGRPC(),
		connect.WithSchema(m),
		connect.WithResponseInitializer(initResponse),
		connect.WithReadMaxBytes(receiveLimit),
	}
	if c.Compression == "gzip" {
		options = append(options, connect.WithSendGzip())
	}
	cl.client = connect.NewClient[dynamicpb.Message, dynamicpb.Message](httpClient, baseURL+path, options...)
	return cl, nil
}

// initResponse gives each response the method's output type; connect-go documents this
// pattern for dynamic messages.
func initResponse(spec connect.Spec, msg any) error {
	m, ok := spec.Schema.(protoreflect.MethodDescriptor)
	d, isDynamic := msg.(*dynamicpb.Message)
	if !ok || !isDynamic {
		return fmt.Errorf("teams-client-connect: no schema for %s", spec.Procedure)
	}
	*d = *dynamicpb.NewMessage(m.Output())
	return nil
}

// decodeRequests parses the proto3 JSON requests into the method's input type. Only
// client-streaming methods may send other than exactly one message.
func decodeRequests(m protoreflect.MethodDescriptor, raw []json.RawMessage) ([]*dynamicpb.Message, error) {
	if !m.IsStreamingClient() && len(raw) != 1 {
		return nil, fmt.Errorf("%s takes exactly one request, got %d", m.FullName(), len(raw))
	}
	msgs := make([]*dynamicpb.Message, len(raw))
	for i, r := range raw {
		msgs[i] = dynamicpb.NewMessage(m.Input())
		if err := protojson.Unmarshal(r, msgs[i]); err != nil {
			return nil, fmt.Errorf("request %d is not a valid %s: %w", i, m.Input().FullName(), err)
		}
	}
	return msgs, nil
}

// run makes one call. Every kind of RPC goes through connect-go's bidirectional stream API,
// the only one that keeps response headers and trailers apart on an error (CallUnary merges
// them into the error's metadata); over the gRPC protocol the wire is the same for all four
// kinds. What the typed APIs check for unary responses is checked here in their words.
func (cl *call) run(parent context.Context) Result {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	if cl.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, cl.timeout)
		defer cancel()
	}
	stream := cl.client.CallBidiStream(ctx)
	for key, values := range cl.header {
		stream.RequestHeader()[key] = values
	}
	if cl.cancelAfter == 0 {
		cancel()
	}
	sendErr := cl.send(stream)
	responses, err := cl.receive(stream, cancel)
	if err == nil {
		err = sendErr
	}
	if err != nil && !cl.method.IsStreamingServer() {
		// A unary response exists only with an OK status (connect-go's CallUnary and every
		// gRPC library drop a message that a failing status follows).
		responses = []json.RawMessage{}
	}
	_ = stream.CloseResponse()
	initial := stream.ResponseHeader()
	if initial.Get("Grpc-Status") != "" {
		initial = nil // a trailers-only response: what it carried is trailing metadata
	}
	status := statusOf(err)
	if status.Code == int(connect.CodeCanceled) && cl.cancelAfter < 0 && atDeadline(ctx) {
		// A server resets the stream (RST_STREAM CANCEL) when the deadline it was sent passes,
		// racing our own timer: a cancel we did not ask for, at the deadline, is the deadline,
		// as grpc-go reports it.
		status = &Status{Code: int(connect.CodeDeadlineExceeded), Message: status.Message}
	}
	return Result{
		Status:           status,
		Responses:        responses,
		InitialMetadata:  encodeMetadata(initial),
		TrailingMetadata: encodeMetadata(stream.ResponseTrailer()),
	}
}

// send writes every request in order, then half-closes. An error wrapping io.EOF means the
// server already ended the call; its real status is what Receive returns.
//
// An empty stream first sends the headers alone (Send(nil)), so the half-close is an empty
// DATA frame, as grpc-go, grpc-java and gRPC core clients send it. Otherwise net/http ends
// the stream on the HEADERS frame, and grpc-go servers before 1.84 never deliver that
// half-close to the handler, whose Recv then hangs until the deadline
// (https://github.com/grpc/grpc-go/issues/2867, fixed by grpc/grpc-go#9391).
func (cl *call) send(stream *connect.BidiStreamForClient[dynamicpb.Message, dynamicpb.Message]) error {
	if len(cl.requests) == 0 {
		if err := stream.Send(nil); err != nil && !errors.Is(err, io.EOF) {
			_ = stream.CloseRequest()
			return err
		}
	}
	for _, req := range cl.requests {
		if err := stream.Send(req); err != nil {
			_ = stream.CloseRequest()
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
	return stream.CloseRequest()
}

// receive collects responses until the stream ends and returns the ending error (nil for OK).
// After it cancels the call it keeps reading only to learn the final status, never reporting
// messages that were buffered before the cancel.
func (cl *call) receive(stream *connect.BidiStreamForClient[dynamicpb.Message, dynamicpb.Message], cancel context.CancelFunc) ([]json.RawMessage, error) {
	responses := []json.RawMessage{}
	cancelled := cl.cancelAfter == 0
	for {
		msg, err := stream.Receive()
		if errors.Is(err, io.EOF) {
			if !cl.method.IsStreamingServer() && len(responses) == 0 && !cancelled {
				return responses, connect.NewError(connect.CodeUnimplemented, errors.New("unary response has zero messages"))
			}
			return responses, nil
		}
		if err != nil {
			return responses, err
		}
		if cancelled {
			continue
		}
		if !cl.method.IsStreamingServer() && len(responses) == 1 {
			return responses, connect.NewError(connect.CodeUnimplemented, fmt.Errorf("unary stream has multiple messages"))
		}
		b, err := protojson.Marshal(msg)
		if err != nil {
			return responses, fmt.Errorf("teams-client-connect: cannot render response as JSON: %w", err)
		}
		responses = append(responses, b)
		if len(responses) == cl.cancelAfter {
			cancel()
			cancelled = true
		}
	}
}

// atDeadline: the call's deadline has passed or is about to (the server's clock, counting from
// the grpc-timeout it received, may fire a few milliseconds before ours).
func atDeadline(ctx context.Context) bool {
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) < 50*time.Millisecond
}

// statusOf turns a call's ending error into its gRPC status. connect.CodeOf maps context
// errors to CANCELLED and DEADLINE_EXCEEDED and anything else it did not make to UNKNOWN.
func statusOf(err error) *Status {
	if err == nil {
		return &Status{Code: 0, Message: ""}
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return &Status{Code: int(ce.Code()), Message: ce.Message()}
	}
	return &Status{Code: int(connect.CodeOf(err)), Message: err.Error()}
}
