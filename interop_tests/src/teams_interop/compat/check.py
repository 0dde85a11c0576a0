"""One compatibility check of a new version against an old one: both halves and the verdict.

``interop compat`` and the test pairs both come through here, so the tests judge exactly what
the command reports.
"""

import time
from dataclasses import dataclass

from teams_interop.compat import static, trees, verdict
from teams_interop.compat.skew import SkewResult, load_version, run_skew
from teams_interop.compat.trees import Source, Tree
from teams_interop.progress import Progress


@dataclass(frozen=True)
class Outcome:
    old: Tree
    new: Tree
    static: static.StaticResult
    skew: SkewResult
    notes: tuple[verdict.FindingNote, ...]
    seconds: float

    @property
    def dynamic(self) -> str:
        return verdict.dynamic_verdict(list(self.notes), self.skew)

    @property
    def compatible(self) -> bool:
        return verdict.compatible(self.static, self.skew)


def check(
    old_source: Source,
    new_source: Source,
    languages: list[str] | None = None,
    patterns: tuple[str, ...] = ("*",),
    progress: Progress | None = None,
) -> Outcome:
    progress = progress or Progress()
    started = time.monotonic()
    trees.prune()
    old, new = trees.materialize(old_source), trees.materialize(new_source)
    progress.step("compat", f"old: {old.description} ({old.version}); new: {new.description} ({new.version})")
    found = static.check(new.root, old.proto)
    progress.step("compat", f"static: {len(found.findings)} finding(s) from buf {found.buf_version}")
    skew = run_skew(
        load_version(old, languages, list(patterns)), load_version(new, languages, list(patterns)), progress
    )
    notes = tuple(verdict.explain(found, skew, new.proto))
    return Outcome(old, new, found, skew, notes, round(time.monotonic() - started, 1))
