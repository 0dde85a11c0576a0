"""``teams-server-health HOST:PORT``: exit 0 if the server's health service says SERVING.

Made for a container HEALTHCHECK (no grpcurl in the image). ``--tls-ca`` checks a TLS server.
"""

import argparse
import sys
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="teams-server-health", description=__doc__)
    parser.add_argument("target", nargs="?", default="127.0.0.1:50051", help="HOST:PORT")
    parser.add_argument("--service", default="", help="the service to ask about (default: the server)")
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--tls-ca", type=Path, help="the CA that signed a TLS server's certificate")
    args = parser.parse_args(argv)
    if args.tls_ca:
        channel = grpc.secure_channel(args.target, grpc.ssl_channel_credentials(args.tls_ca.read_bytes()))
    else:
        channel = grpc.insecure_channel(args.target)
    with channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=args.service), timeout=args.timeout
            )
        except grpc.RpcError as error:
            print(f"{args.target}: {error.code().name} {error.details()}", file=sys.stderr)
            return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    print(f"{args.target}: {status}")
    return 0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1


if __name__ == "__main__":
    sys.exit(main())
