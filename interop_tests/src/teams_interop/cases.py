"""The case catalogue: YAML files in interop_tests/cases, expanded into concrete cases.

A file is one topic; its cases get ids ``<topic>_<name>``. The runner, not the clients, computes
what every case expects: from the file, or from the server's roster (``for_each_team``,
``$roster``). Small directives keep large or awkward values readable in YAML:

- ``{$repeat: [text, count]}``: ``text`` repeated ``count`` times;
- ``{$utf8: text}``: the base64 of the UTF-8 bytes of ``text`` (for ``-bin`` metadata);
- ``{$roster: {prefix: P}}``: the roster's teams whose city starts with P, as TeamResponses;
- ``{$repeat_list: [item, count]}``: a list of ``count`` copies of ``item`` (a long stream);
- ``{$token: valid | wrong}`` (a metadata value): ``Bearer <the run's token>``, or a wrong one,
  filled in when the case is sent (the token is made per run, with the test PKI).

A case may name a server *variant* (``server: tls | mtls | token``, see pki.py) that the harness
starts only when a chosen case needs it; the case is then sent with that variant's ``target``
and, for TLS, a ``tls`` object holding the PEM text the case asks for.
"""

import base64
import contextlib
import dataclasses
import functools
import hashlib
import json
import pickle
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import google.protobuf
import yaml
from google.protobuf import json_format

from teams_interop import paths, pki, roster
from teams_interop.pki import Pki
from teams_interop.schema import ProtoSchema, canonical

# The gRPC status codes as the protocol numbers them (doc/statuscodes.md), written out: grpcio's
# import (80 ms) is then off the way to the server's launch (test_cases checks it agrees).
CODES = {
    "OK": 0, "CANCELLED": 1, "UNKNOWN": 2, "INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4, "NOT_FOUND": 5,
    "ALREADY_EXISTS": 6, "PERMISSION_DENIED": 7, "RESOURCE_EXHAUSTED": 8, "FAILED_PRECONDITION": 9,
    "ABORTED": 10, "OUT_OF_RANGE": 11, "UNIMPLEMENTED": 12, "INTERNAL": 13, "UNAVAILABLE": 14,
    "DATA_LOSS": 15, "UNAUTHENTICATED": 16,
}  # fmt: skip
CODE_NAMES = {number: name for name, number in CODES.items()}
HOOK_PREFIX = "x-teams-"  # the test hooks' metadata keys (SERVER-CONTRACT.md)
COMPRESS_RESPONSE_HOOK = "x-teams-compress-response"  # needs response_compression too
HEALTH_SERVICE = "grpc.health.v1.Health"
# Every case has a deadline: its own ``timeout_ms``, or this one, sent to the client; the
# harness's watchdog (sessions.py) outlives it by a few seconds.
DEFAULT_TIMEOUT_MS = 10_000
# A case past either is heavy (heavy()) and must be ``exclusive``: beside the deadline waits, ten
# clients' 1,000-message streams made the single-threaded Node server's first stream responses
# late (flow_control.yaml).
HEAVY_BYTES = 65_535  # HTTP/2's initial flow-control window
HEAVY_MESSAGES = 100
TOKEN_MARK = "{{$token:{}}}"  # what ``{$token: X}`` stands for until the case is sent
TOKENS = ("valid", "wrong")


class CatalogueError(ValueError):
    """A case file that cannot be loaded; the message names the file and the case."""


@dataclass(frozen=True)
class Expectation:
    code: int = 0
    message: str | None = ""  # None: any message (it is still compared across languages)
    responses: tuple[dict, ...] = ()
    initial_metadata: dict[str, list[str]] = field(default_factory=dict)
    trailing_metadata: dict[str, list[str]] = field(default_factory=dict)
    # False when the client library, not the server, makes the status (a deadline, a cancel):
    # each library words it differently, so only the code is compared.
    compare_message: bool = True
    # A latency budget: the case fails when its result takes longer (send to answer, harness-side).
    max_ms: int | None = None
    # Refused in the stack's own words: any status but OK, with no responses. Code and message
    # are the client library's (an mTLS handshake failure is UNAVAILABLE in one, CANCELLED in
    # another), so only that outcome class is compared.
    refused: bool = False


@dataclass(frozen=True)
class TlsOptions:
    """How a case calls over TLS: the name to check, whether to send the client certificate,
    and which CA to trust (``other``: one that did not sign the server's certificate)."""

    server_name: str = pki.SERVER_NAME
    client_certificate: bool = False
    ca: str = "own"


@dataclass(frozen=True)
class Variants:
    """The server variants a run started: their addresses (as the clients dial them) and the PKI."""

    targets: dict[str, str] = field(default_factory=dict)
    pki: Pki | None = None
    # A live target's own: the `tls` object and metadata (its token) every plain case carries.
    tls: dict[str, str] | None = None
    metadata: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    requests: tuple[dict, ...]
    expect: Expectation
    requires: frozenset[str]
    metadata: dict[str, list[str]] = field(default_factory=dict)
    timeout_ms: int | None = None
    cancel_after_responses: int | None = None
    path: str | None = None
    description: str = ""
    exclusive: bool = False  # heavy: never beside a timed case (sessions.py, heavy())
    server: str | None = None  # a server variant (pki.VARIANTS); None: the plain hooks server
    tls: TlsOptions | None = None
    compression: str | None = None
    # The server features it needs (servers.FEATURES): read off the case, plus `server_requires`.
    server_needs: frozenset[str] = frozenset()
    topic: str = ""  # the file it comes from, interop_tests/cases/<topic>.yaml
    # Set only by a lenient load: why this proto cannot express the case (it is not run).
    skipped: str | None = None

    @property
    def deadline_ms(self) -> int:
        return self.timeout_ms or DEFAULT_TIMEOUT_MS

    @property
    def timeout_seconds(self) -> float:
        return self.deadline_ms / 1000

    def request_line(self, variants: Variants | None = None) -> dict[str, Any]:
        """The contract request a client receives for this case; ``variants`` fills in the
        target, the PEM text and the token of a variant case (without it they are left out)."""
        line: dict[str, Any] = {"id": self.id, "method": self.method, "requests": list(self.requests)}
        optional = {
            "metadata": self._metadata(variants),
            "timeout_ms": self.deadline_ms,
            "cancel_after_responses": self.cancel_after_responses,
            "path": self.path,
            "compression": self.compression,
        }
        if variants is not None and variants.tls is not None and not self.server:
            optional["tls"] = variants.tls
        if self.server and variants is not None:
            if self.server not in variants.targets:
                raise RuntimeError(f"{self.id}: the {self.server} server variant was not started")
            optional["target"] = variants.targets[self.server]
            if self.tls is not None and variants.pki is not None:
                optional["tls"] = self._tls(variants.pki)
        line.update({key: value for key, value in optional.items() if value not in (None, {})})
        return line

    def _metadata(self, variants: Variants | None) -> dict[str, list[str]]:
        if variants is not None and variants.metadata:
            return {**variants.metadata, **self.metadata}
        if variants is None or variants.pki is None:
            return self.metadata
        tokens = {
            TOKEN_MARK.format("valid"): f"Bearer {variants.pki.token}",
            TOKEN_MARK.format("wrong"): f"Bearer {pki.WRONG_TOKEN}",
        }
        return {key: [tokens.get(value, value) for value in values] for key, values in self.metadata.items()}

    def _tls(self, authority: Pki) -> dict[str, str]:
        tls = {
            "ca_pem": authority.pem("ca.crt" if self.tls.ca == "own" else "other-ca.crt"),
            "server_name": self.tls.server_name,
        }
        if self.tls.client_certificate:
            tls["client_cert_pem"] = authority.pem("client.crt")
            tls["client_key_pem"] = authority.pem("client.key")
        return tls


def load_catalogue(schema: ProtoSchema, cases_dir: Path | None = None, *, lenient: bool = False) -> list[Case]:
    """Every case of the catalogue, built against ``schema``; see _load_catalogue.

    A catalogue that loaded without a mistake is kept in ``.interop/cache``, keyed by everything
    that makes it: the case files, the schema, this package's code and the versions of Python,
    PyYAML and protobuf. The same inputs give the same cases without parsing and validating the
    11 MB of them again (half a second); any change, or a mistake, loads it afresh.
    """
    cases_dir = cases_dir or paths.layout().cases_dir
    key = _catalogue_key(schema, cases_dir, lenient)
    cache = paths.layout().cache_dir / "catalogue.pickle"
    unreadable = (OSError, EOFError, ValueError, TypeError, AttributeError, pickle.UnpicklingError)
    with contextlib.suppress(*unreadable), cache.open("rb") as stored:
        if pickle.load(stored) == key:
            return pickle.load(stored)
    cases = _load_catalogue(schema, cases_dir, lenient=lenient)
    with contextlib.suppress(OSError):
        dump = functools.partial(pickle.dumps, protocol=pickle.HIGHEST_PROTOCOL)
        paths.store(cache, dump(key) + dump(cases))
    return cases


def _catalogue_key(schema: ProtoSchema, cases_dir: Path, lenient: bool) -> str:
    digest = hashlib.sha256()
    versions = (sys.version, yaml.__version__, google.protobuf.__version__, lenient, str(cases_dir.resolve()))
    digest.update(repr((versions, schema.fingerprint)).encode())
    package = Path(__file__).parent
    facts = roster.roster_file()  # the layout's, whichever cases_dir: what roster.teams() reads
    for root, pattern in ((cases_dir, "*"), (facts.parent, facts.name), (package, "*.py"), (package, "*.json")):
        for path in sorted(root.rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _load_catalogue(schema: ProtoSchema, cases_dir: Path, *, lenient: bool = False) -> list[Case]:
    """Every case of the catalogue, built against ``schema``.

    Strict by default: a case the proto cannot express is a catalogue error. ``lenient`` is for
    loading the current catalogue against another version of the proto (``interop compat``): a
    case whose RPC, or whose request fields or types, that proto lacks comes back with
    ``skipped`` saying why, and expected responses it cannot parse are kept as written, unchecked
    (a version-skew run compares observations with each other, never with the expectation).
    """
    cases: list[Case] = []
    for path in sorted(cases_dir.glob("*.yaml")):
        cases.extend(load_topic(path, schema, lenient=lenient))
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise CatalogueError(f"case id {case.id!r} is defined twice")
        seen.add(case.id)
    return cases


class _StrictMappings:
    """YAML that refuses a key given twice (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise CatalogueError(
                    f"line {key_node.start_mark.line + 1}: duplicate key {key!r} (first on line {seen[key]})"
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


class _StrictLoader(_StrictMappings, yaml.SafeLoader):
    """Pure Python: its words for a syntax error are the ones we report."""


class _FastStrictLoader(_StrictMappings, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser when PyYAML has it, ten times faster; a file it refuses is read again
    with _StrictLoader for the message."""


@functools.cache
def _topic_validator():
    """The case files' schema (jsonschema is imported here: 70 ms a cached catalogue never needs)."""
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(paths.CASES_SCHEMA.read_text(encoding="utf-8")))


def _line_of(node, path) -> int | None:
    """The line of the YAML node at ``path`` (keys and indexes), as far down as it exists."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            pair = next(((key, value) for key, value in node.value if key.value == str(part)), None)
            if pair is None:
                break
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def read_topic(path: Path) -> dict:
    """A case file, parsed strictly and validated against cases.schema.json: one clear line."""
    text = path.read_text(encoding="utf-8")
    try:
        try:
            document = yaml.load(text, Loader=_FastStrictLoader)
        except yaml.YAMLError:
            document = yaml.load(text, Loader=_StrictLoader)
    except CatalogueError as error:
        raise CatalogueError(f"{path.name}:{str(error).removeprefix('line ')}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "?"
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise CatalogueError(f"{path.name}:{where}: YAML syntax error: {problem}") from None
    if document is None:
        document = {}
    errors = sorted(_topic_validator().iter_errors(document), key=lambda e: (len(e.path), list(map(str, e.path))))
    if errors:
        error = errors[0]
        where = list(error.path)
        case = f" case {where[1]!r}:" if len(where) >= 2 and where[0] == "cases" else ""
        field = "/".join(str(part) for part in where[2:]) if case else "/".join(map(str, where))
        subject = f" {field}:" if field else ""
        at = where
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            extra = [key for key in error.instance if key not in error.schema.get("properties", {})]
            at = [*where, extra[0]] if extra else where
        line = _line_of(yaml.compose(text, Loader=_FastStrictLoader), at) or 1  # only for the message
        message = error.message
        if error.validator == "additionalProperties":
            message = message.replace("Additional properties are not allowed", "unknown key(s)")
        raise CatalogueError(f"{path.name}:{line}:{case}{subject} {message}")
    return document


def load_topic(path: Path, schema: ProtoSchema, *, lenient: bool = False) -> list[Case]:
    document = read_topic(path)
    topic = path.stem
    default_method = document.get("method")
    cases = []
    for name, spec in (document.get("cases") or {}).items():
        for case_name, concrete in _expand(str(name), spec):
            case_id = f"{topic}_{case_name}"
            try:
                cases.append(
                    dataclasses.replace(_build(case_id, concrete, default_method, schema, lenient), topic=topic)
                )
            except (KeyError, TypeError, ValueError, json_format.Error) as error:
                message = f"unknown method: {error.args[0]}" if isinstance(error, KeyError) else str(error)
                line = _line_of(yaml.compose(path.read_text(encoding="utf-8")), ["cases", name]) or 1
                raise CatalogueError(f"{path.name}:{line}: case {case_name!r}: {message}") from None
    return cases


def _expand(name: str, spec: dict) -> Iterator[tuple[str, dict]]:
    """One case, or one per roster team for ``for_each_team``."""
    if not spec.get("for_each_team"):
        yield name, spec
        return
    for city, nickname in roster.teams().items():
        slug = re.sub(r"[^a-z0-9]+", "_", city.lower()).strip("_")
        yield f"{name}_{slug}", _substitute(spec, {"city": city, "nickname": nickname})


def _substitute(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, list):
        return [_substitute(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, names) for key, item in value.items()}
    return value


def _resolve(value: Any) -> Any:
    """Applies the ``$`` directives anywhere in a value."""
    if isinstance(value, list):
        return [_resolve(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$repeat_list" in value:
        item, count = value["$repeat_list"]
        return [_resolve(item) for _ in range(int(count))]
    if "$token" in value:
        if value["$token"] not in TOKENS:
            raise ValueError(f"$token takes one of {', '.join(TOKENS)}, not {value['$token']!r}")
        return TOKEN_MARK.format(value["$token"])
    if "$repeat" in value:
        text, count = value["$repeat"]
        return str(text) * int(count)
    if "$utf8" in value:
        return base64.b64encode(str(value["$utf8"]).encode("utf-8")).decode("ascii")
    if "$roster" in value:
        prefix = value["$roster"].get("prefix", "")
        return [{"city": c, "nickname": n} for c, n in roster.teams().items() if c.startswith(prefix)]
    return {key: _resolve(item) for key, item in value.items()}


def _build(case_id: str, spec: dict, default_method: str | None, schema: ProtoSchema, lenient: bool = False) -> Case:
    known = {
        "method",
        "requests",
        "metadata",
        "timeout_ms",
        "cancel_after_responses",
        "path",
        "requires",
        "expect",
        "description",
        "for_each_team",
        "max_ms",
        "exclusive",
        "server",
        "tls",
        "compression",
        "server_requires",
    }
    if unknown := set(spec) - known:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    spec = _resolve(spec)
    method = spec.get("method", default_method)
    if not method:
        raise ValueError("no method (set it on the case or at the top of the file)")
    if lenient and (reason := _inexpressible(method, spec.get("requests", []), schema)):
        requests = tuple(spec.get("requests", []))
        return Case(case_id, method, requests, Expectation(), frozenset(), skipped=reason)
    descriptor = schema.method(method)
    # proto3 JSON (lowerCamelCase names), as the contract promises clients
    requests = tuple(json_format.MessageToDict(schema.request(method, r)) for r in spec.get("requests", []))
    if not descriptor.client_streaming and len(requests) != 1:
        raise ValueError(f"{method} takes exactly one request, got {len(requests)}")
    metadata = {key: [str(v) for v in _as_list(values)] for key, values in spec.get("metadata", {}).items()}
    case = Case(
        id=case_id,
        method=method,
        requests=requests,
        expect=dataclasses.replace(
            _expectation(spec.get("expect", {}), method, schema, lenient), max_ms=spec.get("max_ms")
        ),
        requires=frozenset(spec.get("requires", [])),
        metadata=metadata,
        timeout_ms=spec.get("timeout_ms"),
        exclusive=spec.get("exclusive", False),
        cancel_after_responses=spec.get("cancel_after_responses"),
        path=spec.get("path"),
        description=spec.get("description", ""),
        compression=spec.get("compression"),
        **_variant(spec),
    )
    if (weight := heavy(case)) and not case.exclusive:
        why = "a heavy case beside the deadline waits makes them late; sessions.py keeps it apart"
        raise ValueError(f"{weight}: mark it `exclusive: true` ({why})")
    return dataclasses.replace(
        case,
        requires=case.requires | features_used(case, schema),
        server_needs=frozenset(spec.get("server_requires", [])) | server_features_used(case),
    )


def heavy(case: Case) -> str | None:
    """What makes a case heavy (None if it is not): its messages, requests and expected responses
    as proto3 JSON, past HTTP/2's initial flow-control window or a hundred of them. Such a case
    must be ``exclusive``, which the loader checks, so a new long stream cannot go beside the
    deadline waits unnoticed."""
    messages = [*case.requests, *(case.expect.responses or ())]
    size = sum(len(json.dumps(message, ensure_ascii=False)) for message in messages)
    if size > HEAVY_BYTES or len(messages) > HEAVY_MESSAGES:
        limits = f"past {HEAVY_MESSAGES} messages or {HEAVY_BYTES:,} bytes"
        return f"heavy: {len(messages)} messages, {size:,} bytes ({limits})"
    return None


def _variant(spec: dict) -> dict[str, Any]:
    """The case's server variant and its TLS options, checked against each other."""
    server, tls = spec.get("server"), spec.get("tls")
    if server is not None and server not in pki.VARIANTS:
        raise ValueError(f"unknown server variant {server!r}: choose {', '.join(pki.VARIANTS)}")
    if tls is not None and server not in ("tls", "mtls"):
        raise ValueError("tls options need `server: tls` or `server: mtls`")
    if server in ("tls", "mtls"):
        tls = TlsOptions(**(tls or {}))
        if tls.ca not in ("own", "other"):
            raise ValueError(f"tls ca must be own or other, not {tls.ca!r}")
    return {"server": server, "tls": tls}


def _inexpressible(method: str, requests: list, schema: ProtoSchema) -> str | None:
    """Why this proto cannot send the case (a missing RPC, request fields or types), else None."""
    try:
        descriptor = schema.method(method)
    except KeyError:
        return f"the proto has no RPC {method}"
    if not descriptor.client_streaming and len(requests) != 1:
        return f"{method} takes exactly one request in this proto; the case sends {len(requests)}"
    for index, request in enumerate(requests):
        try:
            schema.request(method, request)
        except json_format.ParseError as error:
            return f"request {index} does not fit this proto: {error}"
    return None


def _responses(spec: dict, method: str, schema: ProtoSchema, lenient: bool) -> tuple[dict, ...]:
    try:
        return tuple(canonical(schema.response(method, r)) for r in spec.get("responses", []))
    except json_format.ParseError:
        if not lenient:
            raise
        return tuple(spec.get("responses", []))


def _expectation(spec: dict, method: str, schema: ProtoSchema, lenient: bool = False) -> Expectation:
    known = {"code", "message", "responses", "initial_metadata", "trailing_metadata", "compare_message", "refused"}
    if unknown := set(spec) - known:
        raise ValueError(f"unknown expect keys {sorted(unknown)}")
    if spec.get("refused"):
        if other := set(spec) - {"refused"}:
            raise ValueError(f"expect refused stands alone (the stack words it): drop {sorted(other)}")
        return Expectation(code=CODES["UNKNOWN"], message=None, compare_message=False, refused=True)
    code_name = spec.get("code", "OK")
    if code_name not in CODES:
        raise ValueError(f"unknown status code {code_name!r}")
    code = CODES[code_name]
    default_message = "" if code == 0 else None
    return Expectation(
        code=code,
        message=spec.get("message", default_message),
        responses=_responses(spec, method, schema, lenient),
        initial_metadata=_metadata(spec.get("initial_metadata", {})),
        trailing_metadata=_metadata(spec.get("trailing_metadata", {})),
        compare_message=spec.get("compare_message", True),
    )


def _metadata(spec: dict) -> dict[str, list[str]]:
    return {key: [str(v) for v in _as_list(values)] for key, values in spec.items()}


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def server_features_used(case: Case) -> frozenset[str]:
    """The server features a case exercises, read off the case itself (servers.FEATURES)."""
    used = set()
    if any(key.startswith(HOOK_PREFIX) for key in case.metadata):
        used.add("test_hooks")
    if COMPRESS_RESPONSE_HOOK in case.metadata:
        used.add("response_compression")
    if case.server is not None:
        used.add(case.server)  # tls, mtls or token: a variant the harness must start
    if case.method.startswith(HEALTH_SERVICE + "/"):
        used.add("health")
    if case.compression is not None:
        used.add("compression")
    return frozenset(used)


def features_used(case: Case, schema: ProtoSchema) -> frozenset[str]:
    """The client features a case exercises, read off the case itself."""
    descriptor = schema.method(case.method)
    kind = {
        (False, False): "unary",
        (False, True): "server_streaming",
        (True, False): "client_streaming",
        (True, True): "bidi_streaming",
    }[(descriptor.client_streaming, descriptor.server_streaming)]
    used = {kind}
    if case.metadata:
        used.add("metadata")
    if any(key.endswith("-bin") for key in case.metadata):
        used.add("binary_metadata")
    if case.timeout_ms is not None:
        used.add("deadline")
    if case.cancel_after_responses is not None:
        used.add("cancellation")
    if case.path is not None:
        used.add("path_override")
    if case.method.startswith(HEALTH_SERVICE + "/"):
        used.add("health")
    if case.tls is not None:
        used.add("tls")
        if case.tls.client_certificate:
            used.add("mtls")
    if case.compression is not None:
        used.add("compression")
    return frozenset(used)
