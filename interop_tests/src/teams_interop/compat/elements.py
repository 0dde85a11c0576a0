"""What a static finding is about, and which cases reach it.

buf says where in the new proto a finding is: a renamed field at the field, a deleted field at its
message, a deleted RPC at its service, a new package at the package line. The source info protoc
keeps maps that spot to an element. A case *reaches* an element when it calls that RPC or an RPC
of that service, or when the element belongs to the request or response messages of the RPC it
calls (through nested message fields). Only such a case can show the change on the wire; when no
case reaches it, the skew matrix has nothing to say about it.
"""

from dataclasses import dataclass
from pathlib import Path

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import Descriptor, MethodDescriptor

from teams_interop.cases import Case
from teams_interop.schema import ProtoSchema, descriptor_set

# Field numbers in descriptor.proto, as source-info paths use them.
FILE_PACKAGE, FILE_MESSAGE, FILE_ENUM, FILE_SERVICE = 2, 4, 5, 6
MESSAGE_FIELD, MESSAGE_NESTED, MESSAGE_ENUM = 2, 3, 4
SERVICE_METHOD = ENUM_VALUE = 2


@dataclass(frozen=True)
class Element:
    kind: str  # "file", "service", "method", "message", "field", "enum", "enum value"
    name: str  # full proto name ("TeamResponse.nickname", "Teams.GetTeam"); the file's name for "file"
    scope: str  # the message, enum or service it belongs to (itself for those); the file's name for "file"

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


def compile_with_source_info(proto_dir: Path) -> descriptor_pb2.FileDescriptorSet:
    return descriptor_set(proto_dir, "--include_source_info")


def element_at(files: descriptor_pb2.FileDescriptorSet, path: str, line: int, column: int) -> Element:
    """The innermost element whose source span holds ``line:column`` (1-based, as buf reports)."""
    name = path.split("/", 1)[1] if path.startswith("proto/") else path
    file = next((f for f in files.file if f.name == name), None)
    if file is None:
        return Element("file", name, name)
    spot = (line - 1, column - 1)
    best: list[int] = []
    for location in file.source_code_info.location:
        span = list(location.span)  # [start line, start column, (end line,) end column], 0-based
        start, end = (span[0], span[1]), (span[-2] if len(span) == 4 else span[0], span[-1])
        if start <= spot < end and len(location.path) > len(best):
            best = list(location.path)
    return _element(file, best)


def _element(file: descriptor_pb2.FileDescriptorProto, path: list[int]) -> Element:
    prefix = f"{file.package}." if file.package else ""
    if len(path) >= 2 and path[0] == FILE_SERVICE:
        service = file.service[path[1]]
        full = prefix + service.name
        if len(path) >= 4 and path[2] == SERVICE_METHOD:
            return Element("method", f"{full}.{service.method[path[3]].name}", full)
        return Element("service", full, full)
    if len(path) >= 2 and path[0] == FILE_ENUM:
        return _enum(file.enum_type[path[1]], prefix, path[2:])
    if len(path) >= 2 and path[0] == FILE_MESSAGE:
        message, full, rest = file.message_type[path[1]], prefix + file.message_type[path[1]].name, path[2:]
        while len(rest) >= 2:
            if rest[0] == MESSAGE_FIELD:
                return Element("field", f"{full}.{message.field[rest[1]].name}", full)
            if rest[0] == MESSAGE_ENUM:
                return _enum(message.enum_type[rest[1]], f"{full}.", rest[2:])
            if rest[0] != MESSAGE_NESTED:
                break
            message = message.nested_type[rest[1]]
            full, rest = f"{full}.{message.name}", rest[2:]
        return Element("message", full, full)
    return Element("file", file.name, file.name)


def _enum(enum: descriptor_pb2.EnumDescriptorProto, prefix: str, rest: list[int]) -> Element:
    full = prefix + enum.name
    if len(rest) >= 2 and rest[0] == ENUM_VALUE:
        return Element("enum value", f"{full}.{enum.value[rest[1]].name}", full)
    return Element("enum", full, full)


def reaches(case: Case, schema: ProtoSchema, element: Element) -> bool:
    """Whether running ``case`` with this schema's client can show a change to ``element``."""
    if case.skipped:
        return False
    method = schema.method(case.method)
    service = method.containing_service
    overridden = case.path is not None and case.path != f"/{case.method}"
    if element.kind == "file":
        return not overridden and service.file.name == element.name
    if element.kind == "service":
        return not overridden and service.full_name == element.name
    if element.kind == "method":
        return not overridden and method.full_name == element.name
    return element.scope in _types(method)


def _types(method: MethodDescriptor) -> set[str]:
    """Full names of the messages and enums a call of ``method`` carries, nested ones included."""
    seen: set[str] = set()
    stack: list[Descriptor] = [method.input_type, method.output_type]
    while stack:
        message = stack.pop()
        if message.full_name in seen:
            continue
        seen.add(message.full_name)
        for field in message.fields:
            if field.message_type is not None:
                stack.append(field.message_type)
            if field.enum_type is not None:
                seen.add(field.enum_type.full_name)
    return seen
