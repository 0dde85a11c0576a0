"""Bad input, bounded: malformed HTTP/2, random protobuf, oversized metadata and messages.

For about 20 s, raw sockets to 127.0.0.1 speak HTTP/2 with the ``h2`` library (and plain
garbage). The server must never crash, every well-framed call must end with a grpc-status,
and its RSS must stay bounded. Prints what was tried, with counts.
"""

import contextlib
import os
import random
import socket
import struct
import time
import zlib
from collections import Counter

import grpc
import h2.config
import h2.connection
import h2.events
import h2.exceptions
import teams_pb2
import teams_pb2_grpc

BUDGET_SECONDS = float(os.environ.get("TEAMS_FUZZ_SECONDS", "20"))
PATHS = [
    "/Teams/GetTeam",
    "/Teams/ListTeams",
    "/Teams/SummarizeTeams",
    "/Teams/GetTeams",
    "/grpc.health.v1.Health/Check",
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    "/Teams/NoSuchMethod",
    "/",
]


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def frame(payload: bytes, compressed: bool = False) -> bytes:
    return struct.pack(">BI", int(compressed), len(payload)) + payload


class Connection:
    """One HTTP/2 client connection over a raw socket."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.h2.initiate_connection()
        self.flush()

    def flush(self) -> None:
        self.sock.sendall(self.h2.data_to_send())

    def call(self, path: str, body: bytes, metadata=(), end: bool = True) -> int:
        stream = self.h2.get_next_available_stream_id()
        headers = [
            (":method", "POST"),
            (":scheme", "http"),
            (":path", path),
            (":authority", "localhost"),
            ("content-type", "application/grpc"),
            ("te", "trailers"),
            *metadata,
        ]
        self.h2.send_headers(stream, headers)
        window = self.h2.local_flow_control_window(stream)
        self.h2.send_data(stream, body[: max(0, min(window, self.h2.max_outbound_frame_size))], end_stream=end)
        self.flush()
        return stream

    def outcomes(self, streams: set[int], deadline: float) -> dict[int, str]:
        """grpc-status per stream (or 'reset'/'goaway'/'closed'/'timeout')."""
        ended: dict[int, str] = {}
        self.sock.settimeout(0.5)
        while set(streams) - set(ended) and time.monotonic() < deadline:
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not data:
                ended.update({s: "closed" for s in streams if s not in ended})
                break
            try:
                events = self.h2.receive_data(data)
            except h2.exceptions.ProtocolError:
                ended.update({s: "protocol-error" for s in streams if s not in ended})
                break
            for event in events:
                if isinstance(event, h2.events.DataReceived):
                    self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                if isinstance(event, (h2.events.TrailersReceived, h2.events.ResponseReceived)):
                    status = dict(event.headers).get("grpc-status")
                    if status is not None:
                        ended[event.stream_id] = f"grpc-status {status}"
                elif isinstance(event, h2.events.StreamReset):
                    ended.setdefault(event.stream_id, "reset")
                elif isinstance(event, h2.events.ConnectionTerminated):
                    ended.update({s: "goaway" for s in streams if s not in ended})
            self.flush()
        ended.update({s: "timeout" for s in streams if s not in ended})
        return ended

    def close(self) -> None:
        self.sock.close()


def random_bytes(rng: random.Random, size: int) -> bytes:
    return rng.randbytes(size)


def attempt(kind: str, port: int, rng: random.Random, tried: Counter, outcomes: Counter) -> None:
    """One kind of abuse; well-framed gRPC calls must all end with a status."""
    if kind == "garbage-bytes":
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(random_bytes(rng, rng.randint(1, 4096)))
            with contextlib.suppress(OSError):
                sock.recv(1024)
        return
    if kind == "garbage-frames":  # a valid preface, then random frames
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            frames = b"".join(
                struct.pack(">I", rng.randint(0, 2000))[1:]  # length
                + bytes([rng.randint(0, 12), rng.randint(0, 255)])  # type, flags
                + struct.pack(">I", rng.randint(0, 9))  # stream id
                + random_bytes(rng, rng.randint(0, 64))
                for _ in range(rng.randint(1, 20))
            )
            sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frames)
            with contextlib.suppress(OSError):
                sock.recv(1024)
        return
    connection = Connection(port)
    try:
        streams = set()
        for _ in range(rng.randint(1, 8)):
            path = rng.choice(PATHS)
            metadata: list = []
            if kind == "random-protobuf":
                body = frame(random_bytes(rng, rng.randint(0, 300)))
            elif kind == "bad-length-prefix":
                body = struct.pack(">BI", rng.randint(0, 255), rng.randint(0, 2**32 - 1)) + random_bytes(rng, 20)
            elif kind == "bad-compressed":
                body = frame(random_bytes(rng, 40), compressed=True)
                metadata = [("grpc-encoding", rng.choice(["gzip", "deflate", "snappy", "x"]))]
            elif kind == "gzip-bomb":
                body = frame(zlib.compress(b"\x0a" * 8_000_000, 9), compressed=True)
                metadata = [("grpc-encoding", "deflate")]
            elif kind == "oversized-metadata":
                body = frame(teams_pb2.TeamRequest(city="Boston").SerializeToString())
                metadata = [(f"x-big-{i}", "v" * 4000) for i in range(rng.randint(5, 40))]
            elif kind == "oversized-message":
                payload = teams_pb2.TeamRequest(city="B" * (5 * 1024 * 1024)).SerializeToString()
                body = frame(payload)  # only the first window goes out; the prefix says 5 MiB
            else:  # truncated-message: the prefix promises more than the stream carries
                body = frame(random_bytes(rng, 50))[:-10]
            try:
                streams.add(connection.call(path, body, metadata))
            except (h2.exceptions.H2Error, OSError) as error:
                outcomes[f"send refused: {type(error).__name__}"] += 1
                break
        tried[kind] += len(streams)
        for status in connection.outcomes(streams, time.monotonic() + 10).values():
            outcomes[status if status.startswith("grpc-status") or status != "timeout" else "timeout"] += 1
    finally:
        connection.close()


def test_bad_input_never_crashes_the_server(command) -> None:
    server = command("--max-concurrent-calls", "64")
    pid = server.process.pid
    rng = random.Random(1234)
    kinds = [
        "garbage-bytes",
        "garbage-frames",
        "random-protobuf",
        "bad-length-prefix",
        "bad-compressed",
        "oversized-metadata",
        "oversized-message",
        "truncated-message",
        "gzip-bomb",
    ]
    tried, outcomes = Counter(), Counter()
    for kind in kinds:  # warm up once, then measure RSS from there
        attempt(kind, server.port, rng, tried, outcomes)
    before = rss_kib(pid)
    deadline = time.monotonic() + BUDGET_SECONDS
    while time.monotonic() < deadline:
        kind = rng.choice(kinds)
        attempt(kind, server.port, rng, tried, outcomes)
        tried[f"connections:{kind}"] += 1
        assert server.process.poll() is None, f"server died during {kind}"
    after = rss_kib(pid)
    print(f"\ntried (calls per kind): {dict(sorted(tried.items()))}")
    print(f"outcomes: {dict(sorted(outcomes.items()))}")
    print(f"RSS before {before} KiB, after {after} KiB")
    assert outcomes["timeout"] == 0, "every call must end"
    assert after < before + 64 * 1024, "RSS grew by more than 64 MiB"
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:  # still serving
        reply = teams_pb2_grpc.TeamsStub(channel).GetTeam(teams_pb2.TeamRequest(city="Boston"), timeout=5)
        assert reply.nickname == "Revolutionaries"
    assert server.stop() == 0


def test_compress_response_hook_on_the_wire(command) -> None:
    """What the Python client hides: the response headers really say grpc-encoding: gzip."""
    server = command("--test-hooks")
    connection = Connection(server.port)
    try:
        body = frame(teams_pb2.TeamRequest(city="Boston" * 50).SerializeToString())
        stream = connection.call(
            "/Teams/GetTeam", body, [("x-teams-compress-response", "gzip"), ("grpc-accept-encoding", "gzip")]
        )
        headers = {}
        connection.sock.settimeout(5)
        while "grpc-status" not in headers:
            for event in connection.h2.receive_data(connection.sock.recv(65536)):
                if isinstance(event, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
                    headers.update(dict(event.headers))
            connection.flush()
        assert headers["grpc-status"] == "0" and headers.get("grpc-encoding") == "gzip", (stream, headers)
    finally:
        connection.close()
