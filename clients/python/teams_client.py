"""The tutorial's Teams client, plus the harness contract behind ``--contract``.

Without ``--contract`` it does what the tutorial's client does: three GetTeam calls and three
printed lines. With it, it executes case requests from stdin (see clients/CONTRACT.md).
"""

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "gen"))

import grpc
import teams_pb2
import teams_pb2_grpc

DEMO_CITIES = ("Chicago", "Philadelphia", "Miami")


def demo(target: str) -> None:
    with grpc.insecure_channel(target) as channel:
        stub = teams_pb2_grpc.TeamsStub(channel)
        for city in DEMO_CITIES:
            response = stub.GetTeam(teams_pb2.TeamRequest(city=city))
            print("Teams client received: " + response.city + " " + response.nickname)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="teams-client", description=__doc__)
    parser.add_argument("--target", default="localhost:50051", help="server host:port")
    parser.add_argument("--contract", action="store_true", help="execute case requests from stdin")
    args = parser.parse_args(argv)
    logging.basicConfig()
    if args.contract:
        from contract_executor import serve_contract

        return serve_contract(args.target, sys.stdin, sys.stdout)
    demo(args.target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
