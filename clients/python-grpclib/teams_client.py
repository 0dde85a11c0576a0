"""The tutorial's Teams client on grpclib (asyncio), plus the harness contract behind ``--contract``.

Without ``--contract`` it does what the tutorial's client does: three GetTeam calls through the
stub grpclib's protoc plugin generated, and three printed lines. With it, it executes case
requests from stdin (see clients/CONTRACT.md and contract_executor.py).
"""

import argparse
import asyncio
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "gen"))

import teams_grpc
import teams_pb2
from grpclib.client import Channel

DEMO_CITIES = ("Chicago", "Philadelphia", "Miami")


def split_target(target: str) -> tuple[str, int]:
    """'host:port' (or '[v6]:port') -> (host, port)."""
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"target must be host:port, got {target!r}")
    return host.strip("[]"), int(port)


async def demo(target: str) -> None:
    host, port = split_target(target)
    async with Channel(host, port) as channel:
        stub = teams_grpc.TeamsStub(channel)
        for city in DEMO_CITIES:
            response = await stub.GetTeam(teams_pb2.TeamRequest(city=city))
            print("Teams client received: " + response.city + " " + response.nickname)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="teams-client", description=__doc__)
    parser.add_argument("--target", default="localhost:50051", help="server host:port")
    parser.add_argument("--contract", action="store_true", help="execute case requests from stdin")
    args = parser.parse_args(argv)
    logging.basicConfig()
    if args.contract:
        from contract_executor import serve_contract

        return asyncio.run(serve_contract(args.target, sys.stdin, sys.stdout))
    asyncio.run(demo(args.target))
    return 0


if __name__ == "__main__":
    sys.exit(main())
