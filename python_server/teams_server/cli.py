"""The ``teams-server`` command."""

import argparse
import logging
import signal
import sys

from teams_server.server import DEFAULT_MAX_RECEIVE_BYTES, ServerOptions, TeamsServer


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="teams-server", description=__doc__)
    parser.add_argument("--host", default="[::]", help="address to listen on (default: [::])")
    parser.add_argument("--port", type=int, default=50051, help="0 picks a free port (default: 50051)")
    parser.add_argument(
        "--test-hooks",
        action="store_true",
        help="let request metadata steer delays, echoes and statuses (interop tests only)",
    )
    parser.add_argument("--max-receive-message-bytes", type=int, default=DEFAULT_MAX_RECEIVE_BYTES)
    parser.add_argument("--grace-seconds", type=float, default=5.0, help="drain time on SIGTERM/SIGINT")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    options = ServerOptions(
        host=args.host,
        port=args.port,
        test_hooks=args.test_hooks,
        max_receive_message_bytes=args.max_receive_message_bytes,
        grace_seconds=args.grace_seconds,
    )
    try:
        server = TeamsServer(options)
    except (OSError, RuntimeError) as error:
        logging.error("%s", error)
        return 2
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: server.stop())
    server.start()
    server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
