"""One compatibility check of a new version against an old one: both halves and the verdict.

``interop compat`` and the test pairs both come through here, so the tests judge exactly what
the command reports. The result is a ``GateResult`` (not to be confused with ``compare.Outcome``,
one case's verdict in the interop matrix).
"""

import time
from dataclasses import dataclass

from teams_interop.compat import source, static, trees, verdict
from teams_interop.compat.skew import SkewResult, load_version, run_skew
from teams_interop.compat.source import SourceFinding
from teams_interop.compat.trees import Source, Tree
from teams_interop.progress import Progress

COMPATIBLE, BREAKING, COULD_NOT_RUN = 0, 1, 2  # the exit codes of `interop compat`


@dataclass(frozen=True)
class GateResult:
    old: Tree
    new: Tree
    static: static.StaticResult
    skew: SkewResult
    notes: tuple[verdict.FindingNote, ...]
    seconds: float
    demos: tuple[SourceFinding, ...] = ()  # demos that no longer build against the new proto
    phases: tuple[tuple[str, float], ...] = ()  # (what, wall seconds), in order

    @property
    def dynamic(self) -> str:
        return verdict.dynamic_verdict(list(self.notes), self.skew)

    @property
    def compatible(self) -> bool:
        """The wire verdict: buf and the skew run. Source findings never change it."""
        return verdict.compatible(self.static, self.skew)

    @property
    def source_findings(self) -> tuple[SourceFinding, ...]:
        return (*self.skew.unbuilt, *self.demos)

    def exit_code(self, strict_source: bool = False) -> int:
        if not self.compatible:
            return BREAKING
        return BREAKING if strict_source and self.source_findings else COMPATIBLE


def check(
    old_source: Source,
    new_source: Source,
    languages: list[str] | None = None,
    patterns: tuple[str, ...] = ("*",),
    progress: Progress | None = None,
) -> GateResult:
    progress = progress or Progress()
    started = time.monotonic()
    trees.prune()
    old, new = trees.materialize(old_source), trees.materialize(new_source)
    progress.step("compat", f"old: {old.description} ({old.version}); new: {new.description} ({new.version})")
    phases = [("trees", time.monotonic() - started)]
    found = static.check(new.root, old.proto)
    phases.append(("buf", time.monotonic() - started - sum(s for _, s in phases)))
    progress.step("compat", f"static: {len(found.findings)} finding(s) from buf {found.buf_version}")
    old_version = load_version(old, languages, list(patterns))
    new_version = load_version(new, languages, list(patterns))
    phases.append(("catalogue", time.monotonic() - started - sum(s for _, s in phases)))
    skew = run_skew(old_version, new_version, progress)
    phases += list(skew.phases.items())
    mark = time.monotonic()
    demos = () if skew.identical else tuple(source.check_demos(new, new_version.clients, progress))
    phases.append(("demos", time.monotonic() - mark))
    notes = tuple(verdict.explain(found, skew, new.proto))
    seconds = round(time.monotonic() - started, 1)
    rounded = tuple((name, round(s, 1)) for name, s in phases)
    return GateResult(old, new, found, skew, notes, seconds, demos, rounded)
