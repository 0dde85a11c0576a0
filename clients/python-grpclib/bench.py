"""The ``bench`` request: the same call ``calls`` times, at most ``concurrency`` in flight.

Each call is a full run_call (same channel, metadata and deadline), timed from its start to its
final status; latency percentiles are nearest-rank over the per-call times.
"""

import asyncio
import math
import time
from typing import Any

from case_plan import Plan
from grpc_call import run_call
from grpclib.client import Channel


async def run_bench(channel: Channel, plan: Plan) -> dict[str, Any]:
    assert plan.bench is not None
    latencies: list[float] = []
    errors: list[dict[str, Any]] = []
    remaining = iter(range(plan.bench.calls))

    async def worker() -> None:
        for _ in remaining:  # a shared iterator: each call is taken by exactly one worker
            started = time.perf_counter()
            result = await run_call(channel, plan)
            latencies.append((time.perf_counter() - started) * 1000)
            if result["status"]["code"] != 0:
                errors.append(result["status"])

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(plan.bench.concurrency, plan.bench.calls))))
    wall_ms = (time.perf_counter() - started) * 1000
    bench: dict[str, Any] = {
        "calls": len(latencies),
        "errors": len(errors),
        "wall_ms": round(wall_ms, 3),
        "latency_ms": latency_summary(latencies),
    }
    if errors:
        bench["first_error"] = errors[0]
    return {"bench": bench}


def latency_summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)

    def rank(p: float) -> float:
        return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)], 3) if ordered else 0.0

    return {"p50": rank(0.50), "p90": rank(0.90), "p99": rank(0.99), "max": rank(1.0)}
