"""Incremental native builds: a step runs only when its inputs' fingerprint changed, or an output is gone.

This is what makes a warm matrix take seconds: the fingerprint covers proto/ and the component's
own files (not its build outputs), and is recorded only after a successful build.
"""

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from teams_interop import paths

# One build step's limit (a cold Rust or C++ build on a loaded 2-core machine takes ~15 min);
# INTEROP_BUILD_TIMEOUT (seconds) changes it. A step past it is killed with its children.
BUILD_STEP_TIMEOUT_SECONDS = 2400


def step_timeout() -> float:
    return float(os.environ.get("INTEROP_BUILD_TIMEOUT") or BUILD_STEP_TIMEOUT_SECONDS)


ALWAYS_SKIPPED = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache", "node_modules", ".venv", ".git"})


def protoc_on_path(work_dir: Path) -> str:
    """A ``PATH`` whose ``protoc`` is the one grpcio-tools bundles (pinned with the harness).

    Native builds get it so no machine needs a system protobuf compiler; the well-known types
    (google/protobuf/*.proto) that ship with grpcio-tools are on its include path.
    """
    import grpc_tools

    tools = work_dir / "tools"
    wrapper = tools / "protoc"
    include = Path(grpc_tools.__file__).parent / "_proto"
    script = f'#!/bin/sh\nexec "{sys.executable}" -m grpc_tools.protoc -I"{include}" "$@"\n'
    if not wrapper.exists() or wrapper.read_text() != script:
        tools.mkdir(parents=True, exist_ok=True)
        wrapper.write_text(script)
        wrapper.chmod(0o755)
    return f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"


class BuildError(RuntimeError):
    """A build step failed; the message carries the command and the end of its output."""


def fingerprint(roots: Iterable[Path], skipped: Iterable[str] = ()) -> str:
    skip = ALWAYS_SKIPPED | set(skipped)
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(_files(root, root, skip)):
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _files(root: Path, top: Path, skip: set[str]) -> Iterable[Path]:
    for entry in root.iterdir():
        relative = entry.relative_to(top).as_posix()
        if entry.name in skip or relative in skip:
            continue
        if entry.is_dir():
            yield from _files(entry, top, skip)
        elif entry.is_file():
            yield entry


def ensure_built(
    name: str,
    inputs: list[Path],
    steps: Iterable[Iterable[str]],
    cwd: Path,
    env: dict[str, str] | None = None,
    skipped: Iterable[str] = (),
    work_dir: Path | None = None,
    outputs: Iterable[Path] = (),
) -> bool:
    """Runs ``steps`` in ``cwd`` unless nothing changed since the last success and every declared
    output still exists (a `git clean` of the outputs must rebuild); True if it built."""
    work_dir = work_dir or paths.layout().work_dir
    stamp = work_dir / "stamps" / f"{name}.sha256"
    current = fingerprint(inputs, skipped)
    if stamp.exists() and stamp.read_text() == current and all(path.exists() for path in outputs):
        return False
    log_path = work_dir / "logs" / f"build-{name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log:
        for step in steps:
            step = list(step)
            log.write(f"$ {' '.join(step)}\n")
            log.flush()
            process = subprocess.Popen(
                step,
                cwd=cwd,
                env={**os.environ, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a timeout kills the compilers too
            )
            try:
                returncode = process.wait(timeout=step_timeout())
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise BuildError(
                    f"{name}: `{' '.join(step)}` did not finish within {step_timeout():.0f}s and was killed "
                    f"(INTEROP_BUILD_TIMEOUT sets the limit; full log: {log_path})"
                ) from None
            if returncode != 0:
                log.close()
                tail = "\n".join(log_path.read_text(encoding="utf-8").splitlines()[-25:])
                raise BuildError(f"{name}: `{' '.join(step)}` exited {returncode} (full log: {log_path}):\n{tail}")
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current)
    return True
