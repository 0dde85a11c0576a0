"""``interop compat``: the working tree against a git ref, a summary, a JSON report, an exit code.

Exit 0: compatible on the wire (buf found nothing and no client saw a difference across
versions); 1: breaking (or, with --strict-source, a client's source no longer builds against the
new proto); 2: only when the gate itself could not run (an unknown ref, a missing toolchain, a
server that does not build), with one line on stderr saying why.

cli.py's parser gets its options from ``add_arguments``; every command builds that parser, so the
gate's machinery is imported only when the gate runs (25 ms of every `interop run`'s start).
"""

import argparse
import json
import os
import sys
import traceback
from pathlib import Path

from teams_interop import paths


def languages(text: str) -> list[str]:
    return [name for name in text.split(",") if name]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--against", help="git ref to compare with (default: the merge base with main)")
    parser.add_argument("--json-out", type=Path, help="write the JSON report here")
    parser.add_argument("--languages", type=languages, help="comma-separated languages (default: all)")
    parser.add_argument("--cases", default="*", help="comma-separated shell-style patterns of case ids")
    parser.add_argument(
        "--strict-source",
        action="store_true",
        help="a client demo that no longer compiles against the new proto fails the gate (default: warn)",
    )
    parser.add_argument(
        "--github-annotations",
        action="store_true",
        default=None,
        help="print ::error/::warning workflow commands for each finding (default: when GITHUB_ACTIONS=true)",
    )


def main(args: argparse.Namespace) -> int:
    try:
        return _main(args)
    except KeyboardInterrupt:
        raise
    except Exception as error:
        from teams_interop.compat import report
        from teams_interop.compat.check import COULD_NOT_RUN

        log = _crash_log(error)
        print(f"interop compat: could not run: {_one_line(error)} (traceback: {log})", file=sys.stderr)
        if _annotate(args):
            print(f"::error::interop compat could not run: {report._data(_one_line(error))}")
        return COULD_NOT_RUN


def _main(args: argparse.Namespace) -> int:
    from teams_interop.compat import report, trees
    from teams_interop.compat.check import check
    from teams_interop.progress import Progress

    strict = bool(getattr(args, "strict_source", False))
    against = args.against
    if against is None:
        against = trees.default_base()
        old = trees.git_ref(against, args.languages)
        old.description = f"the merge base with main ({against[:10]})"
    else:
        old = trees.git_ref(against, args.languages)
    patterns = tuple(p for p in args.cases.split(",") if p)
    result = check(old, trees.working_tree(args.languages), args.languages, patterns, Progress())
    print(report.summary(result, strict))
    if args.json_out:
        path = Path(args.json_out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report.to_json(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nJSON report: {path}")
    if _annotate(args):
        print("\n".join(report.annotations(result, strict)))
    return result.exit_code(strict)


def _annotate(args: argparse.Namespace) -> bool:
    chosen = getattr(args, "github_annotations", None)
    return chosen if chosen is not None else os.environ.get("GITHUB_ACTIONS") == "true"


def _one_line(error: BaseException) -> str:
    """The first line of the message: a build error's log tail stays in the log file."""
    from teams_interop.compat import trees

    text = str(error).strip().splitlines()
    name = "" if isinstance(error, trees.TreeError | RuntimeError) else f"{type(error).__name__}: "
    return name + (text[0] if text else type(error).__name__)


def _crash_log(error: BaseException) -> Path | str:
    try:
        path = paths.layout().work_dir / "logs" / "compat-error.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(traceback.format_exception(error)), encoding="utf-8")
        return path
    except Exception:
        return "none written"
