"""``--processes N``: N server processes share one port with SO_REUSEPORT (the GIL caps one).

The supervisor first binds the port itself WITHOUT SO_REUSEPORT, so a port another program
holds is still an error (reuseport would otherwise silently share it), then releases it and
starts the workers, each ``teams-server --reuse-port``. Signals are forwarded; the workers drain
on their own; the exit code is the worst worker's.
"""

import argparse
import logging
import signal
import socket
import subprocess
import sys

log = logging.getLogger("teams_server")


def claim_port(host: str, port: int) -> int:
    """Binds host:port exclusively for a moment: the port if free, else OSError."""
    bare = host.strip("[]")
    family = socket.AF_INET6 if ":" in bare else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((bare, port))
        return probe.getsockname()[1]


def supervise(args: argparse.Namespace, argv: list[str]) -> int:
    try:
        port = claim_port(args.host, args.port)
    except OSError as error:
        log.error("cannot listen on %s:%d: %s", args.host, args.port, error)
        return 2
    worker_argv = [*argv, "--processes", "1", "--port", str(port), "--reuse-port"]
    workers = [subprocess.Popen([sys.executable, "-m", "teams_server", *worker_argv]) for _ in range(args.processes)]
    log.info("supervisor: %d worker processes on %s:%d (SO_REUSEPORT)", len(workers), args.host, port)

    def forward(signum, _frame) -> None:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    codes = [worker.wait() for worker in workers]
    return max(codes, key=abs)
