"""The Teams servicer: what production callers see.

Every RPC validates its input and answers INVALID_ARGUMENT with a message rather than crashing,
because a client in any language must get the same clear status for the same mistake.
"""

from collections.abc import Iterable, Iterator

import grpc
import teams_pb2
import teams_pb2_grpc

from teams_server import roster

EMPTY_CITY = "city must not be empty"


def team(city: str) -> teams_pb2.TeamResponse:
    return teams_pb2.TeamResponse(city=city, nickname=roster.nickname(city))


def require_city(request: teams_pb2.TeamRequest, context: grpc.ServicerContext) -> str:
    """The request's city, or the call is aborted with INVALID_ARGUMENT."""
    if not request.city:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, EMPTY_CITY)
    return request.city


class TeamsService(teams_pb2_grpc.TeamsServicer):
    """The tutorial's GetTeam plus one RPC of each streaming kind."""

    def GetTeam(self, request, context):
        return team(require_city(request, context))

    def ListTeams(self, request, context) -> Iterator[teams_pb2.TeamResponse]:
        for city in roster.cities_starting_with(request.city_prefix):
            yield team(city)

    def SummarizeTeams(self, request_iterator: Iterable[teams_pb2.TeamRequest], context):
        summary = teams_pb2.TeamSummary()
        for request in request_iterator:
            city = require_city(request, context)
            summary.cities += 1
            if city in roster.TEAMS:
                summary.members += 1
                summary.nicknames.append(roster.TEAMS[city])
        return summary

    def GetTeams(self, request_iterator, context) -> Iterator[teams_pb2.TeamResponse]:
        for request in request_iterator:
            yield team(require_city(request, context))
