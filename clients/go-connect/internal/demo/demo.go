// Package demo is the tutorial's client on connect-go: three GetTeam calls over gRPC, with
// messages built at run time from the parsed .proto (no generated code), the way an
// application that only has the .proto would use connect-go.
package demo

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"golang.org/x/net/http2"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"teams-interop/clients/go-connect/internal/schema"
)

// Run prints "Teams client received: <city> <nickname>" for Chicago, Philadelphia and Miami.
func Run(ctx context.Context, target string) error {
	s, err := schema.Load(ctx)
	if err != nil {
		return err
	}
	getTeam, err := s.Method("Teams/GetTeam")
	if err != nil {
		return err
	}
	// gRPC over cleartext HTTP/2 with prior knowledge (h2c).
	h2c := &http.Client{Transport: &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}}
	client := connect.NewClient[dynamicpb.Message, dynamicpb.Message](
		h2c, "http://"+target+"/Teams/GetTeam",
		connect.WithGRPC(),
		connect.WithSchema(getTeam),
		connect.WithResponseInitializer(func(_ connect.Spec, msg any) error {
			*msg.(*dynamicpb.Message) = *dynamicpb.NewMessage(getTeam.Output())
			return nil
		}),
	)
	field := func(m *dynamicpb.Message, name protoreflect.Name) protoreflect.FieldDescriptor {
		return m.Descriptor().Fields().ByName(name)
	}
	for _, city := range []string{"Chicago", "Philadelphia", "Miami"} {
		req := dynamicpb.NewMessage(getTeam.Input())
		req.Set(field(req, "city"), protoreflect.ValueOfString(city))
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		resp, err := client.CallUnary(callCtx, connect.NewRequest(req))
		cancel()
		if err != nil {
			return fmt.Errorf("GetTeam(%s): %w", city, err)
		}
		fmt.Printf("Teams client received: %s %s\n",
			resp.Msg.Get(field(resp.Msg, "city")).String(), resp.Msg.Get(field(resp.Msg, "nickname")).String())
	}
	return nil
}
