"""A bench run's figures: one measurement per language x server x RPC kind, medians and ratios.

A *sample* is one bench result line as the client reported it (checked by the runner). A cell's
figure is its *median sample* by calls per second (with an even number of samples, the lower
middle one): a real run, so its latency percentiles belong to it. The *ratio* of a cell is the
server under test's median calls per second over the reference server's, for the same client and
RPC kind in the same run; it exists only when both cells are clean (every call OK, nothing hung).
"""

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from teams_interop.bench.plan import KINDS, Kind, Options

SCHEMA = "teams-interop-bench/1"


class Outcome(StrEnum):
    OK = "ok"  # every call OK
    ERRORS = "errors"  # the bench ran; some calls ended with a non-OK status
    FAILED = "failed"  # the client could not run it, answered malformed or implausibly, hung or died
    UNSUPPORTED = "unsupported"  # the client lacks the `bench` feature or this RPC kind's
    NOT_RUN = "not run"  # its client process was killed before it got there

    @property
    def is_failure(self) -> bool:
        return self in (Outcome.ERRORS, Outcome.FAILED, Outcome.NOT_RUN)


@dataclass(frozen=True)
class Sample:
    calls: int
    errors: int
    wall_ms: float
    latency_ms: dict[str, float]  # p50, p90, p99, max (and whatever else the client gave)
    first_error: dict[str, Any] | None = None  # {code, message}
    harness_ms: float | None = None  # from sending the line to its answer, as the harness saw it

    @property
    def calls_per_second(self) -> float:
        return self.calls / (self.wall_ms / 1000) if self.wall_ms > 0 else 0.0


@dataclass
class Measurement:
    language: str
    server: str
    kind: str
    outcome: Outcome = Outcome.OK
    samples: list[Sample] = field(default_factory=list)
    problem: str | None = None  # why it failed, was not run or is unsupported

    @property
    def median(self) -> Sample | None:
        if not self.samples:
            return None
        ordered = sorted(self.samples, key=lambda sample: sample.calls_per_second)
        return ordered[(len(ordered) - 1) // 2]

    @property
    def errors(self) -> int:
        return sum(sample.errors for sample in self.samples)

    @property
    def calls(self) -> int:
        return sum(sample.calls for sample in self.samples)

    @property
    def first_error(self) -> dict[str, Any] | None:
        return next((sample.first_error for sample in self.samples if sample.first_error), None)

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)
        if sample.errors and self.outcome is Outcome.OK:
            self.outcome = Outcome.ERRORS

    def fail(self, outcome: Outcome, problem: str) -> None:
        """Records why; a failure is never hidden by a later clean sample."""
        if self.outcome in (Outcome.OK, Outcome.ERRORS) or outcome is Outcome.FAILED:
            self.outcome, self.problem = outcome, problem

    def as_json(self) -> dict[str, Any]:
        median = self.median
        return {
            "language": self.language,
            "server": self.server,
            "kind": self.kind,
            "outcome": str(self.outcome),
            "problem": self.problem,
            "calls": self.calls,
            "errors": self.errors,
            "first_error": self.first_error,
            "median": None if median is None else _sample_json(median),
            "samples": [_sample_json(sample) for sample in self.samples],
        }


def _sample_json(sample: Sample) -> dict[str, Any]:
    return {**asdict(sample), "calls_per_second": round(sample.calls_per_second, 1)}


@dataclass
class BenchRun:
    options: Options
    servers: list[str]  # in the order given; the reference among them
    reference: str
    languages: list[str]
    measurements: dict[tuple[str, str, str], Measurement] = field(default_factory=dict)
    process_problems: dict[str, list[str]] = field(default_factory=dict)  # language -> problems
    stderr: dict[str, str] = field(default_factory=dict)  # language -> its processes' stderr tails
    server_summaries: dict[str, str] = field(default_factory=dict)
    host: dict[str, Any] = field(default_factory=dict)  # cpus, load averages before and after
    started: str = ""  # ISO 8601, UTC
    seconds: float = 0.0
    command: str = ""

    @property
    def kinds(self) -> list[Kind]:
        return [kind for kind in KINDS if kind.name in self.options.kinds]

    @property
    def under_test(self) -> list[str]:
        return [server for server in self.servers if server != self.reference]

    def cell(self, language: str, server: str, kind: str) -> Measurement:
        key = (language, server, kind)
        if key not in self.measurements:
            self.measurements[key] = Measurement(language, server, kind)
        return self.measurements[key]

    def ratio(self, language: str, server: str, kind: str) -> float | None:
        """Median calls per second against ``server`` over that against the reference."""
        mine, reference = (self.measurements.get((language, name, kind)) for name in (server, self.reference))
        if mine is None or reference is None or {mine.outcome, reference.outcome} != {Outcome.OK}:
            return None
        if not mine.median or not reference.median or reference.median.calls_per_second <= 0:
            return None
        return mine.median.calls_per_second / reference.median.calls_per_second

    @property
    def failures(self) -> list[Measurement]:
        return [m for m in self.measurements.values() if m.outcome.is_failure]

    @property
    def failed(self) -> bool:
        return bool(self.failures) or any(self.process_problems.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "started": self.started,
            "seconds": round(self.seconds, 2),
            "command": self.command,
            "host": self.host,
            "options": self.options.as_json(),
            "reference": self.reference,
            "servers": [
                {"name": name, "reference": name == self.reference, "summary": self.server_summaries.get(name, "")}
                for name in self.servers
            ],
            "languages": self.languages,
            "kinds": [
                {"kind": kind.name, "method": kind.method, "requests": list(kind.requests), "responses": kind.responses}
                for kind in self.kinds
            ],
            "ratio": (
                "median calls/s the server under test gave a client for an RPC kind, divided by the median "
                "calls/s the reference server gave the same client for the same kind in the same run"
            ),
            "measurements": [m.as_json() for m in self.measurements.values()],
            "ratios": [
                {"language": language, "kind": kind.name, "server": server, "ratio": _round(ratio)}
                for language in self.languages
                for server in self.under_test
                for kind in self.kinds
                if (ratio := self.ratio(language, server, kind.name)) is not None
            ],
            "process_problems": {
                language: problems for language, problems in self.process_problems.items() if problems
            },
            "stderr": self.stderr,
            "failed": self.failed,
        }

    def write_json(self, path: Path) -> Path:
        path.write_text(json.dumps(self.as_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return path


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
