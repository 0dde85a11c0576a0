package teams

import (
	"context"
	"errors"
	"io"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"teams-interop/servers/go/gen/teamspb"
)

// EmptyCity is the INVALID_ARGUMENT message for a request without a city, verbatim from the
// Python server, since every client must see the same status for the same mistake.
const EmptyCity = "city must not be empty"

// Service implements teamspb.TeamsServer.
type Service struct {
	teamspb.UnimplementedTeamsServer
}

func team(city string) *teamspb.TeamResponse {
	nickname, _ := lookup(city)
	return &teamspb.TeamResponse{City: city, Nickname: nickname}
}

func requireCity(req *teamspb.TeamRequest) (string, error) {
	if req.GetCity() == "" {
		return "", status.Error(codes.InvalidArgument, EmptyCity)
	}
	return req.GetCity(), nil
}

// GetTeam is the tutorial's RPC.
func (Service) GetTeam(_ context.Context, req *teamspb.TeamRequest) (*teamspb.TeamResponse, error) {
	city, err := requireCity(req)
	if err != nil {
		return nil, err
	}
	return team(city), nil
}

// ListTeams streams the roster's teams whose city starts with the prefix, in roster order.
func (Service) ListTeams(req *teamspb.ListTeamsRequest, stream grpc.ServerStreamingServer[teamspb.TeamResponse]) error {
	for _, t := range roster {
		if strings.HasPrefix(t.city, req.GetCityPrefix()) {
			if err := stream.Send(team(t.city)); err != nil {
				return err
			}
		}
	}
	return nil
}

// SummarizeTeams counts the cities sent and the members among them once the client half-closes.
func (Service) SummarizeTeams(stream grpc.ClientStreamingServer[teamspb.TeamRequest, teamspb.TeamSummary]) error {
	summary := &teamspb.TeamSummary{}
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(summary)
		}
		if err != nil {
			return err
		}
		city, err := requireCity(req)
		if err != nil {
			return err
		}
		summary.Cities++
		if nickname, ok := lookup(city); ok {
			summary.Members++
			summary.Nicknames = append(summary.Nicknames, nickname)
		}
	}
}

// GetTeams answers each request as it arrives.
func (Service) GetTeams(stream grpc.BidiStreamingServer[teamspb.TeamRequest, teamspb.TeamResponse]) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		city, err := requireCity(req)
		if err != nil {
			return err
		}
		if err := stream.Send(team(city)); err != nil {
			return err
		}
	}
}
