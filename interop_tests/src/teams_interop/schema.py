"""The messages of teams.proto, compiled at run time into a private descriptor pool.

The harness parses every client's responses into real protobuf messages so that languages are
compared as messages, not as JSON text. Compiling the proto here (rather than importing stubs)
keeps the harness independent of any installed copy and lets it load two versions side by side.
The compiled descriptors are kept in ``.interop/cache``, keyed by the proto files' bytes and
grpcio-tools' version: the same proto is not compiled again (a protoc process per run).
"""

import contextlib
import functools
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import DecodeError, Message
from grpc_health.v1 import health_pb2
from grpc_tools import grpc_version

from teams_interop import paths


class _AsciiSkipsSurrogateScan:
    """protobuf's JSON parser looks for unpaired surrogates in every string with a regular
    expression, at about 40 MB/s: a third of a second per run for the catalogue's 3 MB and 5 MB
    messages and the clients' answers to them. An ASCII string has no surrogates, and
    ``str.isascii`` says so at memory speed; any other value goes to protobuf's own pattern."""

    def __init__(self, pattern) -> None:
        self.pattern = pattern

    def search(self, value):
        if isinstance(value, str) and value.isascii():
            return None
        return self.pattern.search(value)


if hasattr(json_format, "_UNPAIRED_SURROGATE_PATTERN"):  # private: without it, only slower
    json_format._UNPAIRED_SURROGATE_PATTERN = _AsciiSkipsSurrogateScan(json_format._UNPAIRED_SURROGATE_PATTERN)


class ProtoSchema:
    """Looks up RPCs by ``Service/Method`` and converts their messages from proto3 JSON."""

    def __init__(self, files: descriptor_pb2.FileDescriptorSet) -> None:
        self.pool = descriptor_pool.DescriptorPool()
        self.fingerprint = hashlib.sha256(files.SerializeToString(deterministic=True)).hexdigest()
        health = descriptor_pb2.FileDescriptorProto.FromString(health_pb2.DESCRIPTOR.serialized_pb)
        for proto in [health, *files.file]:
            if proto.name != health.name:
                self.pool.Add(proto)
        self.pool.Add(health)

    @classmethod
    def compile(cls, proto_dir: Path) -> "ProtoSchema":
        return cls(_compile(str(proto_dir)))

    def method(self, name: str) -> MethodDescriptor:
        service, _, method = name.partition("/")
        try:
            return self.pool.FindServiceByName(service).methods_by_name[method]
        except KeyError:
            raise KeyError(f"{name!r} is not an RPC of the proto") from None

    def response(self, method: str, data: dict) -> Message:
        """Parses a response message; raises ``json_format.ParseError`` when it is not one."""
        message_class = message_factory.GetMessageClass(self.method(method).output_type)
        return json_format.ParseDict(data, message_class())

    def request(self, method: str, data: dict) -> Message:
        message_class = message_factory.GetMessageClass(self.method(method).input_type)
        return json_format.ParseDict(data, message_class())


@functools.cache
def _compile(proto_dir: str) -> descriptor_pb2.FileDescriptorSet:
    folder = Path(proto_dir)
    cache = _cached_set(folder)
    with contextlib.suppress(OSError, DecodeError):
        files = descriptor_pb2.FileDescriptorSet.FromString(cache.read_bytes())
        if any(file.name == "teams.proto" for file in files.file):
            return files
    files = descriptor_set(folder, "--include_imports", files=[folder / "teams.proto"])
    with contextlib.suppress(OSError):  # no cache is only slower
        paths.store(cache, files.SerializeToString(deterministic=True))
    return files


def _cached_set(folder: Path) -> Path:
    """Where the descriptor set of the proto files in ``folder`` is kept: named by their bytes."""
    digest = hashlib.sha256(grpc_version.VERSION.encode())  # importlib.metadata: 50 ms a run
    for path in sorted(folder.rglob("*.proto")):  # teams.proto and anything it may import
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return paths.layout().cache_dir / "descriptors" / f"{digest.hexdigest()}.binpb"


def descriptor_set(proto_dir: Path, *flags: str, files: list[Path] | None = None) -> descriptor_pb2.FileDescriptorSet:
    """Runs grpcio-tools' protoc over ``files`` (default: every .proto in the folder)."""
    files = files or sorted(proto_dir.glob("*.proto"))
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "set.binpb"
        command = [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{proto_dir}",
            *flags,
            f"--descriptor_set_out={out}",
            *map(str, files),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"protoc could not compile {proto_dir}:\n{done.stderr}")
        return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def canonical(message: Message) -> dict:
    """The message as a plain dict with proto field names: equal dicts mean equal messages."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True)
