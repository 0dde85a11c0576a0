"""The baseline for ci/bench-server.sh: a bare grpcio sync Teams servicer, nothing else.

No interceptors, no health, no logging: what grpcio itself costs. Usage: bare_teams_server.py --port PORT
"""

import argparse
import signal
from concurrent import futures

import grpc
import teams_pb2
import teams_pb2_grpc

TEAMS = {"Chicago": "Jackals", "Boston": "Revolutionaries", "Seattle": "Orcas"}


class Teams(teams_pb2_grpc.TeamsServicer):
    def GetTeam(self, request, context):
        return teams_pb2.TeamResponse(city=request.city, nickname=TEAMS.get(request.city, "not a member"))

    def SummarizeTeams(self, request_iterator, context):
        return teams_pb2.TeamSummary(cities=sum(1 for _ in request_iterator))

    def GetTeams(self, request_iterator, context):
        for request in request_iterator:
            yield self.GetTeam(request, context)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=[("grpc.so_reuseport", 0)])
    teams_pb2_grpc.add_TeamsServicer_to_server(Teams(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    signal.signal(signal.SIGTERM, lambda *_: server.stop(1))
    print(f"bare servicer listening on 127.0.0.1:{port}", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
