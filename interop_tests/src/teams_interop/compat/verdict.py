"""One verdict from the two checks, and what the wire said about each static finding.

The proto is compatible when buf finds nothing *and* no client saw a difference across versions.
A static finding the skew matrix could not confirm is never called safe: it is "not observable on
the wire" (buf's WIRE rules do not flag it: only proto3 JSON can tell), "not exercised by any case"
(no case reaches the element), or "not observed" (cases reach it and saw nothing, e.g. a unary RPC
made server-streaming that answers with one message). In each of those the static verdict stands.
"""

from dataclasses import dataclass
from pathlib import Path

from teams_interop.compat.elements import Element, compile_with_source_info, element_at, reaches
from teams_interop.compat.skew import SkewResult
from teams_interop.compat.static import Finding, StaticResult

BROKEN = "broken"
COMPATIBLE = "compatible"
NOT_OBSERVABLE = "not_observable"
NOT_OBSERVED = "not_observed"
NOT_EXERCISED = "not_exercised"
DYNAMIC_VERDICTS = (BROKEN, COMPATIBLE, NOT_OBSERVABLE, NOT_OBSERVED, NOT_EXERCISED)
STANDS = "the static check's verdict stands"


@dataclass(frozen=True)
class FindingNote:
    """A static finding, the element it is about, and what the skew matrix saw of it."""

    finding: Finding
    element: Element
    reached_by: tuple[str, ...]  # ids of the cases that reach the element, in either version
    broken: tuple[str, ...]  # those of them that changed across versions

    @property
    def dynamic(self) -> str:
        if not self.finding.wire:
            return f"not observable on the wire — {STANDS}"
        if not self.reached_by:
            return f"not exercised by any case — {STANDS}"
        if self.broken:
            reached = len(self.reached_by)
            return f"observed on the wire: {len(self.broken)} of the {reached} cases that reach it changed"
        return f"not observed: none of the {len(self.reached_by)} cases that reach it changed — {STANDS}"


def explain(static: StaticResult, skew: SkewResult, new_proto: Path) -> list[FindingNote]:
    if not static.findings:
        return []
    files = compile_with_source_info(new_proto)
    broken = {b.case for b in skew.breaks}
    notes = []
    for finding in static.findings:
        element = element_at(files, finding.path, finding.line, finding.column)
        reached = {
            case.id
            for version in skew.versions.values()
            for case in version.cases
            if reaches(case, version.schema, element)
        }
        notes.append(FindingNote(finding, element, tuple(sorted(reached)), tuple(sorted(reached & broken))))
    return notes


def dynamic_verdict(notes: list[FindingNote], skew: SkewResult) -> str:
    """The skew matrix's verdict, for the report and for the test pairs' case.yaml."""
    if skew.breaks:
        return BROKEN
    if not notes:
        return COMPATIBLE
    wire = [note for note in notes if note.finding.wire]
    if any(note.reached_by for note in wire):
        return NOT_OBSERVED
    return NOT_EXERCISED if wire else NOT_OBSERVABLE


def compatible(static: StaticResult, skew: SkewResult) -> bool:
    return static.clean and not skew.breaks
