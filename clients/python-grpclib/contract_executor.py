"""The contract loop (clients/CONTRACT.md): read stdin continuously, one asyncio task per case.

Lines are read in a worker thread so the event loop keeps running calls meanwhile; each case
starts as soon as its line is read, and its result is written whole (one write from the event
loop's thread) when it ends, in whatever order they finish. At end of input the cases in flight
are awaited, the channels closed, and the process returns 0.
"""

import asyncio
import json
import logging
import traceback
from typing import IO, Any

from bench import run_bench
from case_plan import CaseError, plan_case
from channels import Channels
from grpc_call import run_call

log = logging.getLogger("teams-client")


async def serve_contract(target: str, lines: IO[str], results: IO[str]) -> int:
    channels = Channels()
    in_flight: set[asyncio.Task] = set()
    number = 0
    while line := await asyncio.to_thread(lines.readline):
        number += 1
        if not line.strip():
            continue
        task = asyncio.create_task(answer(line, number, target, channels, results))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    if in_flight:
        await asyncio.wait(in_flight)
    channels.close()
    return 0


async def answer(line: str, number: int, target: str, channels: Channels, results: IO[str]) -> None:
    result = await execute_line(line, number, target, channels)
    results.write(json.dumps(result, ensure_ascii=False) + "\n")
    results.flush()


async def execute_line(line: str, number: int, target: str, channels: Channels) -> dict[str, Any]:
    try:
        case = json.loads(line)
    except json.JSONDecodeError as error:
        return {"id": f"line-{number}", "error": f"request is not JSON: {error}"}
    if not isinstance(case, dict) or not isinstance(case.get("id"), str) or not case["id"]:
        return {"id": f"line-{number}", "error": "a case must be a JSON object with a string id"}
    try:
        plan = plan_case(case, target)
        channel = channels.get(plan.target, plan.tls)
        outcome = await (run_bench if plan.bench else run_call)(channel, plan)
    except CaseError as error:
        return {"id": case["id"], "error": str(error)}
    except Exception as error:  # a bug of ours: say so on stderr, never crash the run
        log.error("case %s: %s", case["id"], traceback.format_exc())
        return {"id": case["id"], "error": f"{type(error).__name__}: {error}"}
    return {"id": case["id"], **outcome}
