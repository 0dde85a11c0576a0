"""The static half: buf's breaking-change check of the new proto against the old one.

The rules are the repository's buf.yaml (WIRE_JSON plus the deleted-RPC and deleted-service
rules). buf runs a second time with the WIRE rules only, to tell which findings a peer speaking
binary protobuf could ever notice: the others (a renamed field, a changed JSON name) can only be
seen in proto3 JSON, so the skew matrix, which speaks binary, can never confirm them.
"""

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from teams_interop import builds, paths

# What a binary-protobuf peer can notice: buf's WIRE category, plus the deletions buf.yaml adds.
WIRE_CONFIG = {
    "version": "v2",
    "modules": [{"path": "proto"}],
    "breaking": {"use": ["WIRE", "SERVICE_NO_DELETE", "RPC_NO_DELETE"]},
}
BREAKING = 100  # buf's exit status when it found breaking changes


class StaticError(RuntimeError):
    """buf could not run the check (a proto that does not compile, a broken install)."""


@dataclass(frozen=True)
class Finding:
    path: str  # relative to the tree, e.g. proto/teams.proto
    line: int
    column: int
    rule: str
    message: str
    wire: bool  # the WIRE rules flag the same spot: binary peers can notice it

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class StaticResult:
    buf_version: str
    rules: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def clean(self) -> bool:
        return not self.findings


def buf() -> Path:
    """The pinned buf, installed with ``npm ci`` into ci/buf the first time (and when the pin moves)."""
    steps = [["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"]]
    buf_dir = paths.layout().repo / "ci" / "buf"
    executable = buf_dir / "node_modules" / ".bin" / "buf"
    builds.ensure_built("buf", [buf_dir], steps, buf_dir, outputs=[executable])
    return executable


def check(new_root: Path, old_proto: Path, config: Path | None = None) -> StaticResult:
    config = config or buf_config()
    """Findings of ``new_root/proto`` against ``old_proto``, paths relative to ``new_root``."""
    executable = buf()
    configured = _breaking(executable, new_root, old_proto, str(config))
    wire = _breaking(executable, new_root, old_proto, json.dumps(WIRE_CONFIG))
    wire_spots = {(f["path"], f["start_line"]) for f in wire}
    findings = tuple(
        Finding(
            path=f["path"],
            line=f["start_line"],
            column=f["start_column"],
            rule=f["type"],
            message=f["message"],
            wire=(f["path"], f["start_line"]) in wire_spots,
        )
        for f in configured
    )
    version = subprocess.run([str(executable), "--version"], capture_output=True, text=True, check=False)
    return StaticResult(version.stdout.strip(), configured_rules(config), findings)


def buf_config() -> Path:
    return paths.layout().repo / "buf.yaml"


def configured_rules(config: Path | None = None) -> tuple[str, ...]:
    config = config or buf_config()
    document = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    return tuple((document.get("breaking") or {}).get("use") or ())


def _breaking(executable: Path, new_root: Path, old_proto: Path, config: str) -> list[dict]:
    command = [
        str(executable),
        "breaking",
        ".",
        "--against",
        str(old_proto.resolve()),
        "--config",
        config,
        "--error-format",
        "json",
    ]
    done = subprocess.run(command, cwd=new_root, capture_output=True, text=True, check=False)
    if done.returncode not in (0, BREAKING):
        raise StaticError(f"buf breaking failed (exit {done.returncode}):\n{done.stderr.strip()}{done.stdout}")
    findings = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return sorted(findings, key=lambda f: (f["path"], f["start_line"], f["start_column"], f["type"]))
