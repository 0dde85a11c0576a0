"""The client contract on the harness side: validated results in (sessions.py sends the lines).

See clients/CONTRACT.md. A result is validated against clients/contract.schema.json and its
responses parsed into real messages, so a malformed line fails loudly with the line itself.
"""

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format

from teams_interop.cases import Case
from teams_interop.paths import CONTRACT_SCHEMA
from teams_interop.schema import ProtoSchema, canonical

# Headers the transport adds and libraries report differently; never part of a comparison.
TRANSPORT_HEADERS = frozenset({"content-type", "date", "user-agent", "te", "server", "content-length"})


def is_transport_header(key: str) -> bool:
    return key in TRANSPORT_HEADERS or key.startswith(("grpc-", ":"))


@dataclass(frozen=True)
class Observed:
    """What one client saw for one case, normalised for comparison."""

    code: int | None = None
    message: str = ""
    responses: tuple[dict, ...] = ()
    initial_metadata: dict[str, list[str]] = field(default_factory=dict)
    trailing_metadata: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None  # the client could not execute the case, or answered malformed
    seconds: float | None = None  # from sending the case to its answer, measured by the harness


@functools.cache
def _result_validator():
    """Made at the first result (jsonschema's import, 70 ms, is then off the run's start)."""
    import jsonschema

    schema = json.loads(CONTRACT_SCHEMA.read_text(encoding="utf-8"))
    result_schema = {**schema["$defs"]["result"], "$defs": schema["$defs"]}
    return jsonschema.Draft202012Validator(result_schema)


def parse_result(case: Case, result: dict[str, Any], schema: ProtoSchema, seconds: float | None = None) -> Observed:
    errors = sorted(_result_validator().iter_errors(result), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "(top level)"
        return Observed(error=f"malformed result at {where}: {errors[0].message}", seconds=seconds)
    if "error" in result:
        return Observed(error=f"client could not run the case: {result['error']}", seconds=seconds)
    responses = []
    for index, data in enumerate(result.get("responses", [])):
        try:
            responses.append(canonical(schema.response(case.method, data)))
        except json_format.ParseError as error:
            return Observed(error=f"response {index} is not a valid response message: {error}", seconds=seconds)
    return Observed(
        code=result["status"]["code"],
        message=result["status"].get("message", ""),
        responses=tuple(responses),
        initial_metadata=_application_metadata(result.get("initial_metadata")),
        trailing_metadata=_application_metadata(result.get("trailing_metadata")),
        seconds=seconds,
    )


def _application_metadata(metadata: dict[str, list[str]] | None) -> dict[str, list[str]]:
    """Application keys only, each ASCII key's values split on commas.

    HTTP/2 lets a peer join repeated header values with ", " and gRPC calls the two forms
    equivalent; Node's HTTP/2 layer does join them. Binary values are base64, so never joined.
    """
    result = {}
    for key, values in sorted((metadata or {}).items()):
        if is_transport_header(key):
            continue
        if key.endswith("-bin"):
            result[key] = list(values)
        else:
            result[key] = [part.strip() for value in values for part in value.split(",")]
    return result
