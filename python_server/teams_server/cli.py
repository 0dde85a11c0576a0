"""The ``teams-server`` command. With no flags: plaintext on [::]:50051, as in the tutorial."""

import argparse
import gc
import logging
import signal
import sys
import threading
from pathlib import Path

from teams_server import call_log
from teams_server.server import DEFAULT_MAX_RECEIVE_BYTES, ServerOptions, TeamsServer

log = logging.getLogger("teams_server")

# A call's garbage dies young. Collecting the youngest generation every 50,000 allocations
# instead of 700, with the start-up objects (modules, descriptors) frozen out of the full
# collections, cut the time in the garbage collector under load from about 2.5% to under 1%.
GC_GEN0_THRESHOLD = 50_000


def tune_gc() -> None:
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    defaults = ServerOptions()
    parser = argparse.ArgumentParser(prog="teams-server", description=__doc__)
    add = parser.add_argument
    add("--host", default="[::]", help="address to listen on (default: [::])")
    add("--port", type=int, default=50051, help="0 picks a free port (default: 50051)")
    add("--test-hooks", action="store_true", help="let request metadata steer the server (interop tests only)")
    add("--max-receive-message-bytes", type=int, default=DEFAULT_MAX_RECEIVE_BYTES)
    add("--grace-seconds", type=float, default=5.0, help="in-flight calls' time to finish once stopping")
    add(
        "--drain-seconds",
        type=float,
        default=3.0,
        help="NOT_SERVING but answering, after SIGTERM (default 3)",
    )
    add("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    add("--log-format", default="text", choices=["text", "json"], help="json: one object per line")
    add("--redact", action="append", default=[], metavar="PATTERN", help="also hide metadata keys matching")
    add(
        "--max-concurrent-calls",
        type=int,
        default=defaults.max_concurrent_calls,
        help="Teams calls in flight",
    )
    add("--workers", type=int, default=None, help=f"thread pool size (default: calls + {16})")
    add("--keepalive-time", type=float, default=defaults.keepalive_time_seconds, metavar="SECONDS")
    add("--keepalive-timeout", type=float, default=defaults.keepalive_timeout_seconds, metavar="SECONDS")
    add(
        "--keepalive-permit-without-calls",
        action="store_true",
        help="send keepalive pings on idle connections",
    )
    add("--max-connection-idle", type=float, default=defaults.max_connection_idle_seconds, metavar="SECONDS")
    add("--max-connection-age", type=float, default=defaults.max_connection_age_seconds, metavar="SECONDS")
    add(
        "--max-connection-age-grace",
        type=float,
        default=defaults.max_connection_age_grace_seconds,
        metavar="S",
    )
    add("--stream-idle-timeout", type=float, default=defaults.stream_idle_seconds, metavar="SECONDS")
    add("--no-reflection", action="store_true", help="turn server reflection off")
    add("--tls-cert", type=Path, help="serve TLS only, with this certificate chain (PEM)")
    add("--tls-key", type=Path, help="the certificate's private key (PEM)")
    add("--tls-client-ca", type=Path, help="require client certificates signed by this CA (PEM)")
    add("--require-token", type=Path, metavar="FILE", help="Teams calls need 'authorization: Bearer <file>'")
    add("--processes", type=int, default=1, help="worker processes sharing the port (SO_REUSEPORT)")
    add("--reuse-port", action="store_true", help=argparse.SUPPRESS)  # set by --processes for its workers
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    if args.max_concurrent_calls < 1 or (args.workers is not None and args.workers <= args.max_concurrent_calls):
        parser.error("--max-concurrent-calls must be >= 1 and --workers larger than it (health needs threads)")
    if args.processes < 1 or args.drain_seconds < 0:
        parser.error("--processes must be >= 1 and --drain-seconds >= 0")
    return args


def options_from(args: argparse.Namespace) -> ServerOptions:
    return ServerOptions(
        host=args.host,
        port=args.port,
        test_hooks=args.test_hooks,
        max_concurrent_calls=args.max_concurrent_calls,
        max_workers=args.workers,
        max_receive_message_bytes=args.max_receive_message_bytes,
        grace_seconds=args.grace_seconds,
        keepalive_time_seconds=args.keepalive_time,
        keepalive_timeout_seconds=args.keepalive_timeout,
        keepalive_permit_without_calls=args.keepalive_permit_without_calls,
        max_connection_idle_seconds=args.max_connection_idle,
        max_connection_age_seconds=args.max_connection_age,
        max_connection_age_grace_seconds=args.max_connection_age_grace,
        stream_idle_seconds=args.stream_idle_timeout,
        reflection=not args.no_reflection,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        tls_client_ca=args.tls_client_ca,
        token_file=args.require_token,
        redact=tuple(args.redact),
        reuse_port=args.reuse_port,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    call_log.configure(args.log_level, args.log_format)
    if args.processes > 1:
        from teams_server import processes

        return processes.supervise(args, sys.argv[1:] if argv is None else argv)
    try:
        server = TeamsServer(options_from(args))
    except (OSError, RuntimeError) as error:
        log.error("%s", error)
        return 2
    signals = {"count": 0}
    stopping, skip_drain = threading.Event(), threading.Event()

    def on_signal(signum, _frame) -> None:
        signals["count"] += 1
        (stopping if signals["count"] == 1 else skip_drain).set()
        if signals["count"] > 1:
            log.info("second %s: skipping the drain", signal.Signals(signum).name)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    server.start()
    tune_gc()
    while not stopping.wait(1.0):  # a timed wait lets the signal handler run
        pass
    server.drain(args.drain_seconds, skip_drain)
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
