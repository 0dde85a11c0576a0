"""A bench run's figures: one measurement per language x server x RPC kind, medians and ratios.

A *sample* is one bench result line as the client reported it (checked by the runner). A cell's
figure is its *median sample* by calls per second (with an even number of samples, the lower
middle one): a real run, so its latency percentiles belong to it.

The *ratio* of a cell pairs each run against the server under test with the same client
process's run of the same RPC kind against the reference, made right after or before it: calls
per second against the server under test divided by calls per second against the reference, one
quotient per repeat, and the ratio is the median of those quotients. A shared machine's load
drifts over minutes, far less between two benches seconds apart, so pairs cancel most of it (a
ratio of the two medians would mix runs made under different loads). With one run it is simply
the quotient. It exists only when both cells are clean (every call OK, nothing hung).
"""

import json
import statistics
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

    def run_ratios(self, language: str, server: str, kind: str) -> list[float] | None:
        """Per repeat: calls per second against ``server`` over those against the reference, by
        the same client process moments apart; None unless both cells are clean and paired."""
        mine, reference = (self.measurements.get((language, name, kind)) for name in (server, self.reference))
        if mine is None or reference is None or {mine.outcome, reference.outcome} != {Outcome.OK}:
            return None
        if not mine.samples or len(mine.samples) != len(reference.samples):
            return None
        if any(sample.calls_per_second <= 0 for sample in reference.samples):
            return None
        return [a.calls_per_second / b.calls_per_second for a, b in zip(mine.samples, reference.samples, strict=True)]

    def ratio(self, language: str, server: str, kind: str) -> float | None:
        """The median of the per-repeat ratios (see the module docstring)."""
        ratios = self.run_ratios(language, server, kind)
        return statistics.median(ratios) if ratios else None

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
                "per repeat, the calls/s the server under test gave a client process for an RPC kind divided "
                "by the calls/s the reference server gave the same process for the same kind moments apart; "
                "the median of those quotients (runs: each quotient, in repeat order)"
            ),
            "measurements": [m.as_json() for m in self.measurements.values()],
            "ratios": [
                {
                    "language": language,
                    "kind": kind.name,
                    "server": server,
                    "ratio": _round(statistics.median(runs)),
                    "runs": [_round(value) for value in runs],
                }
                for language in self.languages
                for server in self.under_test
                for kind in self.kinds
                if (runs := self.run_ratios(language, server, kind.name))
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
