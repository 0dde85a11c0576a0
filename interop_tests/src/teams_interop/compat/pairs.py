"""The test pairs of interop_tests/compat: two versions of teams.proto and what the gate must say.

Each ``allowed/<name>/`` or ``breaking/<name>/`` folder holds ``new.proto``, a ``case.yaml`` and,
only when the old version is not the shared ``base.proto`` (today's teams.proto), ``old.proto``.
Sharing the base means sharing its build: the set costs one build per distinct proto.

```yaml
change: TeamResponse.nickname is renamed team_name (same number, same type).
static:
  rules: [FIELD_SAME_NAME, FIELD_SAME_JSON_NAME]   # must all fire; [] for a clean check
dynamic:
  verdict: not_observable      # broken | compatible | not_observable | not_observed | not_exercised
  breaks:                      # for broken: exactly the directions that break, each with a hint
    - {clients: old, server: new, hint: '+ "code": "UNIMPLEMENTED"'}
source: [go]                   # optional: the clients whose code no longer builds against new.proto
edits:                         # optional: make a version's code match its proto, as a PR would
  new:
    - {file: python_server/teams_server/service.py, replace: "nickname=", with: "team_name="}
```

Edits name files relative to the version's tree (python_server/..., clients/<language>/...). They
change the server, as the pull request would; never a client's demo: a demo that uses generated
code by name (Go's) and no longer compiles is the source finding ``source`` expects.

A hint must occur in one of that direction's diffs, with runs of spaces read as one space.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from teams_interop import paths
from teams_interop.compat.trees import Edit, Source, working_tree
from teams_interop.compat.verdict import BROKEN, DYNAMIC_VERDICTS


class PairError(ValueError):
    """A pair folder that does not follow the format above."""


@dataclass(frozen=True)
class ExpectedBreak:
    clients: str
    server: str
    hint: str


@dataclass(frozen=True)
class Pair:
    name: str  # "breaking/field_renamed"
    directory: Path
    change: str
    rules: tuple[str, ...]  # the static rules that must fire; () means a clean check
    dynamic: str
    breaks: tuple[ExpectedBreak, ...]
    edits: dict[str, tuple[Edit, ...]]  # "old"/"new" -> edits of that version's code
    source_incompatible: tuple[str, ...] = ()  # languages whose client source no longer builds against new.proto

    def proto(self, label: str) -> Path:
        own = self.directory / f"{label}.proto"
        return own if label == "new" or own.is_file() else base_proto()

    def source(self, label: str, languages: list[str] | None = None) -> Source:
        """The version ``label`` ("old" or "new"): its proto, today's server and clients, its edits."""
        base = working_tree(languages)
        return Source(
            label=label,
            description=f"{self.name}/{label}.proto",
            protos={"teams.proto": self.proto(label)},
            server=base.server,
            clients=base.clients,
            edits=self.edits.get(label, ()),
        )


def pairs_dir() -> Path:
    return paths.layout().repo / "interop_tests" / "compat"


def base_proto() -> Path:
    """The old version of every pair without an old.proto."""
    return pairs_dir() / "base.proto"


def discover(folder: Path | None = None) -> list[Pair]:
    folder = folder or pairs_dir()
    return [load(path.parent) for path in sorted(folder.glob("*/*/case.yaml"))]


def load(directory: Path) -> Pair:
    name = f"{directory.parent.name}/{directory.name}"
    try:
        document = yaml.safe_load((directory / "case.yaml").read_text(encoding="utf-8"))
        static, dynamic = document["static"], document["dynamic"]
        pair = Pair(
            name=name,
            directory=directory,
            change=document["change"],
            rules=tuple(static["rules"]),
            dynamic=dynamic["verdict"],
            breaks=tuple(ExpectedBreak(b["clients"], b["server"], b["hint"]) for b in dynamic.get("breaks", [])),
            edits={
                label: tuple(Edit(e["file"], e["replace"], e["with"]) for e in edits)
                for label, edits in (document.get("edits") or {}).items()
            },
            source_incompatible=tuple(document.get("source") or ()),
        )
    except (OSError, KeyError, TypeError, yaml.YAMLError) as error:
        raise PairError(f"{directory}/case.yaml: {type(error).__name__}: {error}") from error
    problems = _problems(pair)
    if problems:
        raise PairError(f"{directory}/case.yaml: {'; '.join(problems)}")
    return pair


def _problems(pair: Pair) -> list[str]:
    problems = []
    if pair.dynamic not in DYNAMIC_VERDICTS:
        problems.append(f"dynamic verdict {pair.dynamic!r} is not one of {', '.join(DYNAMIC_VERDICTS)}")
    if (pair.dynamic == BROKEN) != bool(pair.breaks):
        problems.append("a broken dynamic verdict lists its breaks, and only a broken one does")
    if pair.directory.parent.name == "allowed" and pair.rules:
        problems.append("an allowed pair expects no static rule to fire")
    if pair.directory.parent.name == "breaking" and not pair.rules:
        problems.append("a breaking pair names the rules that must fire")
    if set(pair.edits) - {"old", "new"}:
        problems.append("edits are keyed by old and new")
    if not (pair.directory / "new.proto").is_file():
        problems.append("new.proto is missing")
    old = pair.directory / "old.proto"
    if old.is_file() and old.read_bytes() == pair.proto("new").read_bytes():
        problems.append("old.proto equals new.proto")
    if old.is_file() and base_proto().is_file() and old.read_bytes() == base_proto().read_bytes():
        problems.append("old.proto equals base.proto: delete it, the base is the default")
    return problems


def hint_matches(hint: str, diff: str) -> bool:
    return _squeeze(hint) in _squeeze(diff)


def _squeeze(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text)
