"""Runs the contract conformance checks (clients/conformance.yaml) against one client command.

The checks are data: raw stdin lines, some deliberately broken, and the shape each result must
have. Every check starts a fresh client process, so line numbers (``line-N``) start at 1. The
caller starts the Teams server (with ``--test-hooks``) and passes its address; this module only
drives the client and judges what it wrote.
"""

import dataclasses
import json
import os
import queue
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from teams_interop import paths

EXIT_GRACE_SECONDS = 5.0  # CONTRACT.md: exit within 5 s of the last result
RESULT_TIMEOUT_SECONDS = 20.0  # per check: every case in the file ends well within this


@dataclass
class Check:
    name: str
    lines: list[str]
    expect: list[dict[str, Any]]
    warmup: list[str] = field(default_factory=list)
    within_ms: float | None = None
    min_connections: int | None = None


def load_checks(path: Path | None = None) -> list[Check]:
    path = path or paths.layout().clients_dir / "conformance.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [Check(**entry) for entry in document.get("checks", [])]


def result_validator(path: Path = paths.CONTRACT_SCHEMA) -> jsonschema.protocols.Validator:
    schema = json.loads(path.read_text(encoding="utf-8"))
    result_schema = {"$schema": schema.get("$schema"), "$defs": schema["$defs"], "$ref": "#/$defs/result"}
    cls = jsonschema.validators.validator_for(result_schema)
    return cls(result_schema)


def run_conformance(
    command: list[str],
    target: str,
    cwd: Path | str | None = None,
    env: dict[str, str] | None = None,
    checks: list[Check] | None = None,
    only: list[str] | None = None,
) -> list[str]:
    """Runs every check with ``command`` (``{target}`` in it is replaced by ``target``) in
    ``cwd`` with environment ``env`` (default: this process's). Returns the failures, one clear
    message each; an empty list means the client conforms."""
    validator = result_validator()
    argv = [part.replace("{target}", target) for part in command]
    port = int(target.rsplit(":", 1)[1])
    failures: list[str] = []
    for check in checks if checks is not None else load_checks():
        if only and check.name not in only:
            continue
        lines = [line.replace("{second_target}", f"localhost:{port}") for line in check.lines]
        check = dataclasses.replace(check, lines=lines)
        failures += [f"{check.name}: {problem}" for problem in run_check(check, argv, cwd, env, validator, port)]
    return failures


def connections_to(port: int) -> int | None:
    """Established TCP connections to ``port`` on this machine (their client ends), from
    /proc/net/tcp and tcp6; None where there is no such file to read."""
    count, found = 0, False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        found = True
        for row in rows:
            fields = row.split()
            if len(fields) > 3 and fields[3] == "01" and int(fields[2].rsplit(":", 1)[1], 16) == port:
                count += 1
    return count if found else None


class _ConnectionWatch:
    """The most connections to the server seen while a check's calls are in flight."""

    def __init__(self, port: int) -> None:
        self.port, self.most, self.readable = port, 0, True
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.stop.is_set():
            count = connections_to(self.port)
            if count is None:
                self.readable = False
                return
            self.most = max(self.most, count)
            self.stop.wait(0.02)

    def done(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


class _Reader:
    """Collects the client's stdout lines, each with the monotonic time it arrived."""

    def __init__(self, stream) -> None:
        self.lines: queue.Queue[tuple[float, str] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.put((time.monotonic(), line))
        self.lines.put(None)

    def next(self, deadline: float) -> tuple[float, str] | None:
        """The next line; None at end of output; raises queue.Empty at the deadline."""
        return self.lines.get(timeout=max(0.0, deadline - time.monotonic()))


def run_check(check: Check, argv, cwd, env, validator, port: int = 0) -> list[str]:
    problems: list[str] = []
    try:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env if env is not None else dict(os.environ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except OSError as error:
        return [f"cannot start {argv}: {error}"]
    errors: list[str] = []
    stderr_thread = threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)
    stderr_thread.start()
    reader = _Reader(process.stdout)
    deadline = time.monotonic() + RESULT_TIMEOUT_SECONDS
    results: dict[str, list[tuple[float, dict[str, Any]]]] = {}
    ended = False

    def collect(wanted: int) -> None:
        """Reads result lines until ``wanted`` more have arrived (or output ends, or time is up)."""
        nonlocal ended
        while wanted > 0 and not ended:
            try:
                item = reader.next(deadline)
            except queue.Empty:
                problems.append(f"timed out after {RESULT_TIMEOUT_SECONDS:.0f}s waiting for results")
                ended = True
                return
            if item is None:
                ended = True
                return
            arrived, line = item
            wanted -= 1
            try:
                result = json.loads(line)
            except json.JSONDecodeError as error:
                problems.append(f"stdout line is not JSON ({error}): {line.rstrip()!r}")
                continue
            for error in validator.iter_errors(result):
                problems.append(f"result violates contract.schema.json ({error.message}): {line.rstrip()}")
            results.setdefault(str(result.get("id")), []).append((arrived, result))

    try:
        if check.warmup:
            _send(process, check.warmup)
            collect(len(check.warmup))
        warm_ids = set(results)
        sent = time.monotonic()
        watch = _ConnectionWatch(port) if check.min_connections else None
        _send(process, check.lines)
        process.stdin.close()
        collect(1 if watch else len(check.expect))
        if watch:  # while the first answer was awaited, the calls were all in flight
            watch.done()
            if not watch.readable:
                problems.append("cannot count connections here (no /proc/net/tcp)")
            elif watch.most < check.min_connections:
                problems.append(
                    f"{watch.most} connection(s) to the server while its calls were in flight, want at least "
                    f"{check.min_connections}: each distinct `target` needs a channel of its own (CONTRACT.md)"
                )
            collect(len(check.expect) - 1)
        last_result = max((t for entries in results.values() for t, _ in entries), default=sent)
        try:
            process.wait(timeout=max(0.0, last_result + EXIT_GRACE_SECONDS - time.monotonic()))
        except subprocess.TimeoutExpired:
            problems.append(f"still running {EXIT_GRACE_SECONDS:.0f}s after its last result (stdin closed)")
            process.kill()
        collect(1_000_000)  # anything written after the expected results is unexpected
    except BrokenPipeError:
        problems.append("closed its stdin early (exited before reading every line?)")
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        stderr_thread.join(timeout=5)

    if process.returncode != 0 and not any("still running" in p for p in problems):
        problems.append(f"exit status {process.returncode}, want 0")
    for key in warm_ids:
        results.pop(key, None)
    problems += _judge(check, results, sent)
    if problems and errors and errors[0].strip():
        problems.append("stderr:\n    " + errors[0].strip()[-2000:].replace("\n", "\n    "))
    return problems


def _send(process: subprocess.Popen, lines: list[str]) -> None:
    if lines:
        process.stdin.write("".join(line + "\n" for line in lines))
    process.stdin.flush()


def _judge(check: Check, results: dict[str, list[tuple[float, dict[str, Any]]]], sent: float) -> list[str]:
    problems = []
    expected_ids = {str(entry["id"]) for entry in check.expect}
    for result_id, entries in results.items():
        if result_id not in expected_ids:
            problems.append(f"unexpected result(s) with id {result_id!r}: {[r for _, r in entries]}")
        elif len(entries) > 1:
            problems.append(f"{len(entries)} results with id {result_id!r}, want one")
    for entry in check.expect:
        result_id = str(entry["id"])
        if result_id not in results:
            problems.append(f"no result with id {result_id!r} (got ids {sorted(results)})")
            continue
        arrived, result = results[result_id][0]
        problems += [f"result {result_id!r}: {p}" for p in _shape_problems(entry, result)]
        if check.within_ms is not None and (arrived - sent) * 1000 > check.within_ms:
            problems.append(
                f"result {result_id!r} arrived {(arrived - sent) * 1000:.0f} ms after sending, "
                f"want within {check.within_ms:.0f} ms (are cases run concurrently?)"
            )
    return problems


def _shape_problems(entry: dict[str, Any], result: dict[str, Any]) -> list[str]:
    problems = []
    if entry.get("error"):
        if not isinstance(result.get("error"), str) or not result["error"]:
            problems.append(f"want an error result, got {json.dumps(result)[:300]}")
        if "status" in result:
            problems.append(f"an error result must carry no status, got {result['status']}")
    if "status" in entry:
        if "error" in result:
            problems.append(f"want status {entry['status']}, got error {result['error']!r}")
        elif not isinstance(result.get("status"), dict):
            problems.append(f"want status {entry['status']}, got {json.dumps(result)[:300]}")
        else:
            for key, want in entry["status"].items():
                if result["status"].get(key) != want:
                    problems.append(f"status {key} = {result['status'].get(key)!r}, want {want!r}")
    if "responses" in entry:
        got = len(result.get("responses") or [])
        if got != entry["responses"]:
            problems.append(f"{got} responses, want {entry['responses']}: {result.get('responses')}")
    return problems
