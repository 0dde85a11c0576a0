"""The compatibility report: a summary for people, a JSON document for machines.

The summary answers, in order: which versions were compared, what buf found (file:line:column,
rule, and what the wire said about it), which (client version, server version, language)
combinations saw something change and how (a diff of the views), which client sources no longer
build against the new proto, and the verdict. ``annotations`` turns the same findings into GitHub
workflow commands (``::error file=proto/teams.proto,line=N,col=M::RULE ...``).
"""

from collections import defaultdict
from typing import Any

from teams_interop.compat.check import GateResult
from teams_interop.compat.skew import Break

FORMAT = "teams-interop-compat/1"
CASES_SHOWN = 6  # case ids listed per line; the JSON report has every break with its diff


def summary(outcome: GateResult, strict_source: bool = False) -> str:
    lines = [
        f"interop compat: {outcome.new.description} against {outcome.old.description}",
        f"  old: {outcome.old.version}   new: {outcome.new.version}   (.interop/compat/)",
    ]
    lines += [f"  note: {note}" for note in (*outcome.old.notes, *outcome.new.notes)]
    lines += ["", *_static(outcome), "", *_dynamic(outcome), "", *_source(outcome, strict_source)]
    lines += ["", *_time(outcome), "", _verdict(outcome, strict_source)]
    return "\n".join(lines)


def _time(outcome: GateResult) -> list[str]:
    """The wall time by phase, then one line per build and per skew run: what to cut next."""
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in outcome.phases)
    lines = [f"time: {outcome.seconds:.1f} s{f' ({phases})' if phases else ''}"]
    for build in outcome.skew.builds:
        state = "built" if build.built else "up to date"
        note = f" ({build.note})" if build.note else ""
        lines.append(f"  build {build.version} {build.name}: {state}, {build.seconds:.1f} s{note}")
    for run in outcome.skew.runs:
        took = "kept from an earlier check of the same version" if run.reused else f"{run.seconds:.1f} s"
        lines.append(f"  run {run.clients} clients -> {run.server} server: {run.cases} case(s), {took}")
    return lines


def _source(outcome: GateResult, strict_source: bool) -> list[str]:
    level = "error" if strict_source else "warning"
    found = outcome.source_findings
    head = "source: the clients' code built against the new proto (demos, contract executors)"
    if not found:
        return [head, "  every client builds (or has no [demo] to build)"]
    lines = [f"{head}: {len(found)} {level}(s){'' if strict_source else ' (--strict-source makes them errors)'}"]
    for finding in found:
        lines.append(f"  {level}: {finding.headline}")
        if finding.target != "demo":
            lines.append(f"      its language sat out the version-skew run ({finding.version} version)")
    return lines


def _static(outcome: GateResult) -> list[str]:
    found = outcome.static
    head = f"static: buf {found.buf_version} breaking, rules {', '.join(found.rules)} (buf.yaml)"
    if found.clean:
        return [head, "  no breaking change"]
    lines = [f"{head}: {len(found.findings)} finding(s)"]
    for note in outcome.notes:
        f = note.finding
        lines.append(f"  {f.where}: {f.rule}: {f.message}")
        lines.append(f"      {note.element}: {note.dynamic}")
    return lines


def _dynamic(outcome: GateResult) -> list[str]:
    skew = outcome.skew
    languages = ", ".join(c.language for c in skew.versions["new"].clients)
    lines = [f"dynamic: version skew, native, {languages}: {outcome.dynamic.replace('_', ' ')}"]
    if skew.identical:
        return [*lines, "  old and new are the same code (proto/, python_server/, clients/): nothing to run"]
    for clients, server in (("old", "new"), ("new", "old")):
        changed = [b for b in skew.breaks if b.clients == clients]
        state = f"{len(changed)} changed" if changed else "none changed"
        lines.append(f"  {clients} clients -> {server} server: {skew.compared(clients)} results compared, {state}")
        if skipped := skew.versions[clients].not_applicable:
            reasons = "; ".join(sorted(set(skipped.values())))
            lines.append(f"      {len(skipped)} case(s) not applicable to the {clients} proto: {reasons}")
        lines += _breaks(changed)
    for item in skew.unstable:
        lines.append(f"  unstable (differed once, agreed when run again; not counted): {_name(item)}")
    for version, language, case, error in skew.baseline_errors:
        lines.append(f"  no baseline: the {version} {language} client failed {case} against its own server: {error}")
    return lines


def _breaks(changed: list[Break]) -> list[str]:
    """Languages that broke on the same cases share a line; each distinct example diff is shown once."""
    by_language: dict[str, list[Break]] = defaultdict(list)
    for item in changed:
        by_language[item.language].append(item)
    by_cases: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for language, items in by_language.items():
        by_cases[tuple(b.case for b in items)].append(language)
    lines = []
    for cases, names in by_cases.items():
        more = f" and {len(cases) - CASES_SHOWN} more" if len(cases) > CASES_SHOWN else ""
        listed = ", ".join(cases[:CASES_SHOWN]) + more
        lines.append(f"      BROKEN for {', '.join(names)}: {len(cases)} case(s): {listed}")
    shown: set[str] = set()
    for language, items in by_language.items():
        example = min(items, key=lambda b: len(b.diff))  # the plainest of this language's diffs
        if example.diff not in shown:
            shown.add(example.diff)
            lines.append(f"      {language}, {example.case}:")
            lines.append(_indent(example.diff, "        "))
    return lines


def _verdict(outcome: GateResult, strict_source: bool = False) -> str:
    source = len(outcome.source_findings)
    if outcome.compatible:
        if source and strict_source:
            return f"verdict: BREAKING: {source} source-incompatible client(s) (--strict-source)"
        return f"verdict: compatible{f' on the wire; {source} source warning(s)' if source else ''}"
    reasons = []
    if not outcome.static.clean:
        rules = sorted({f.rule for f in outcome.static.findings})
        reasons.append(f"{len(outcome.static.findings)} static finding(s) ({', '.join(rules)})")
    if outcome.skew.breaks:
        reasons.append(f"{len(outcome.skew.breaks)} result(s) changed across versions")
    if source:
        reasons.append(f"{source} source-incompatible client(s)")
    return f"verdict: BREAKING: {'; '.join(reasons)}"


def annotations(outcome: GateResult, strict_source: bool = False) -> list[str]:
    """GitHub workflow commands: one per static finding at its spot in the proto, one per
    direction that broke on the wire, one per source finding."""
    lines = []
    for note in outcome.notes:
        f = note.finding
        where = f"file={_property(f.path)},line={f.line},col={f.column}"
        lines.append(f"::error {where}::{_data(f'{f.rule} {f.message} ({note.element}: {note.dynamic})')}")
    proto = outcome.notes[0].finding.path if outcome.notes else "proto/teams.proto"
    for clients, server in (("old", "new"), ("new", "old")):
        changed = [b for b in outcome.skew.breaks if b.clients == clients]
        if changed:
            cases = ", ".join(sorted({f"{b.language} {b.case}" for b in changed})[:CASES_SHOWN])
            direction = f"{clients} clients -> {server} server"
            text = f"version skew: {direction}: {len(changed)} result(s) changed ({cases})"
            lines.append(f"::error file={_property(proto)}::{_data(text)}")
    level = "error" if strict_source else "warning"
    for finding in outcome.source_findings:
        lines.append(f"::{level} file={_property(finding.folder)}::{_data(finding.headline)}")
    return lines


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def to_json(outcome: GateResult) -> dict[str, Any]:
    """The wire verdict and every finding; ``source`` lists the source findings (see summary)."""
    skew = outcome.skew
    return {
        "format": FORMAT,
        "verdict": "compatible" if outcome.compatible else "breaking",
        "seconds": outcome.seconds,
        "phases": dict(outcome.phases),
        "builds": [vars(build) for build in outcome.skew.builds],
        "source": [
            {
                "language": f.language,
                "folder": f.folder,
                "target": f.target,
                "version": f.version,
                "message": f.headline,
                "log": f.error,
            }
            for f in outcome.source_findings
        ],
        "old": _tree(outcome.old),
        "new": _tree(outcome.new),
        "static": {
            "verdict": "clean" if outcome.static.clean else "breaking",
            "buf": outcome.static.buf_version,
            "rules": list(outcome.static.rules),
            "findings": [
                {
                    "path": n.finding.path,
                    "line": n.finding.line,
                    "column": n.finding.column,
                    "rule": n.finding.rule,
                    "message": n.finding.message,
                    "wire": n.finding.wire,
                    "element": str(n.element),
                    "reached_by": list(n.reached_by),
                    "dynamic": n.dynamic,
                }
                for n in outcome.notes
            ],
        },
        "dynamic": {
            "verdict": outcome.dynamic,
            "identical": skew.identical,
            "languages": [c.language for c in skew.versions["new"].clients],
            "runs": [vars(run) for run in skew.runs],
            "compared": {label: skew.compared(label) for label in skew.versions},
            "not_applicable": {label: v.not_applicable for label, v in skew.versions.items()},
            "breaks": [_break(b) for b in skew.breaks],
            "unstable": [_break(b) for b in skew.unstable],
            "baseline_errors": [
                {"version": v, "language": lang, "case": case, "error": error}
                for v, lang, case, error in skew.baseline_errors
            ],
        },
    }


def _tree(tree) -> dict[str, Any]:
    return {
        "label": tree.label,
        "description": tree.description,
        "tree": tree.version,
        "notes": list(tree.notes),
    }


def _break(item: Break) -> dict[str, Any]:
    return {
        "clients": item.clients,
        "server": item.server,
        "language": item.language,
        "case": item.case,
        # the status each time; the diff shows the rest (long values abbreviated, as in the summary)
        "code": {"own_server": item.baseline.get("code"), "other_server": item.observed.get("code")},
        "diff": item.diff,
    }


def _name(item: Break) -> str:
    return f"{item.clients} clients -> {item.server} server, {item.language}, {item.case}"


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())
