"""The messages of teams.proto, compiled at run time into a private descriptor pool.

The harness parses every client's responses into real protobuf messages so that languages are
compared as messages, not as JSON text. Compiling the proto here (rather than importing stubs)
keeps the harness independent of any installed copy and lets it load two versions side by side.
"""

import functools
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2


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
    return descriptor_set(Path(proto_dir), "--include_imports", files=[Path(proto_dir) / "teams.proto"])


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
