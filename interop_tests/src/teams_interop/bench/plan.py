"""What a bench run does: its bounds (validated), the RPC kinds and the request lines sent."""

import math
from dataclasses import asdict, dataclass
from typing import Any

# Bounds a run cannot exceed: a bench is a bounded load on loopback, never a soak test.
MAX_CALLS = 100_000
MAX_CONCURRENCY = 256
MAX_SECONDS = 3600
MAX_REPEAT = 9
DEFAULT_CALLS = 2000
DEFAULT_CONCURRENCY = 16
DEFAULT_SECONDS = 300
CALL_TIMEOUT_MS = 10_000  # each call's deadline, at most (never more than the per-client deadline)
REFERENCE = "go"
DEFAULT_SERVERS = ("python", REFERENCE)


@dataclass(frozen=True)
class Kind:
    """One RPC kind and the call that stands for it (every server answers it without hooks)."""

    name: str  # also the client feature that kind needs
    method: str
    requests: tuple[dict, ...]
    responses: int  # messages per call, for the reader of the report

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")


KINDS = (
    Kind("unary", "Teams/GetTeam", ({"city": "Chicago"},), 1),
    Kind("server_streaming", "Teams/ListTeams", ({},), 10),
    Kind(
        "client_streaming",
        "Teams/SummarizeTeams",
        ({"city": "Chicago"}, {"city": "Philadelphia"}, {"city": "Boston"}),
        1,
    ),
    Kind("bidi_streaming", "Teams/GetTeams", ({"city": "Chicago"}, {"city": "Philadelphia"}, {"city": "Boston"}), 3),
)
KIND_NAMES = tuple(kind.name for kind in KINDS)


@dataclass(frozen=True)
class Options:
    calls: int = DEFAULT_CALLS  # per RPC kind, per server, per repeat
    concurrency: int = DEFAULT_CONCURRENCY
    seconds: float = DEFAULT_SECONDS  # one client process's deadline: all its benches, start-up included
    warmup: int = 200  # calls per kind and server before the measured ones, not counted; 0: none
    repeat: int = 1  # measured runs per cell; the report gives the median one
    kinds: tuple[str, ...] = KIND_NAMES

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= self.calls <= MAX_CALLS:
            problems.append(f"--calls must be between 1 and {MAX_CALLS:,}, got {self.calls}")
        if not 1 <= self.concurrency <= MAX_CONCURRENCY:
            problems.append(f"--concurrency must be between 1 and {MAX_CONCURRENCY}, got {self.concurrency}")
        elif self.concurrency > self.calls:
            problems.append(f"--concurrency {self.concurrency} is more than --calls {self.calls}")
        if not (math.isfinite(self.seconds) and 1 <= self.seconds <= MAX_SECONDS):
            problems.append(f"--seconds must be between 1 and {MAX_SECONDS}, got {self.seconds:g}")
        if not 0 <= self.warmup <= MAX_CALLS:
            problems.append(f"--warmup must be between 0 and {MAX_CALLS:,}, got {self.warmup}")
        if not 1 <= self.repeat <= MAX_REPEAT:
            problems.append(f"--repeat must be between 1 and {MAX_REPEAT}, got {self.repeat}")
        if unknown := [kind for kind in self.kinds if kind not in KIND_NAMES]:
            problems.append(f"--kinds: unknown {', '.join(unknown)}; known: {', '.join(KIND_NAMES)}")
        elif not self.kinds or len(set(self.kinds)) != len(self.kinds):
            problems.append("--kinds names each RPC kind at most once, and at least one")
        if problems:
            raise ValueError(problems[0])

    @property
    def call_timeout_ms(self) -> int:
        return int(min(CALL_TIMEOUT_MS, self.seconds * 1000))

    @property
    def chosen_kinds(self) -> list[Kind]:
        return [kind for kind in KINDS if kind.name in self.kinds]

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "kinds": list(self.kinds), "call_timeout_ms": self.call_timeout_ms}


def request_line(request_id: str, kind: Kind, target: str, calls: int, options: Options) -> dict[str, Any]:
    """One contract request: ``calls`` calls of ``kind`` at ``target``, ``concurrency`` in flight."""
    return {
        "id": request_id,
        "method": kind.method,
        "requests": list(kind.requests),
        "timeout_ms": options.call_timeout_ms,
        "target": target,
        "bench": {"calls": calls, "concurrency": min(options.concurrency, calls)},
    }
