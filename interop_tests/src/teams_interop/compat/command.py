"""``interop compat``: the working tree against a git ref, a summary, a JSON report, an exit code.

Exit 0: compatible (buf found nothing and no client saw a difference across versions); 1:
breaking; 2: the check itself could not run (an unknown ref, a build that failed).
"""

import argparse
import json
import sys
from pathlib import Path

from teams_interop.compat import report, trees
from teams_interop.compat.check import check
from teams_interop.compat.static import StaticError
from teams_interop.progress import Progress


def main(args: argparse.Namespace) -> int:
    try:
        return _main(args)
    except (trees.TreeError, StaticError) as error:
        print(f"interop compat: {error}", file=sys.stderr)
        return 2


def _main(args: argparse.Namespace) -> int:
    against = args.against
    if against is None:
        against = trees.default_base()
        old = trees.git_ref(against, args.languages)
        old.description = f"the merge base with main ({against[:10]})"
    else:
        old = trees.git_ref(against, args.languages)
    patterns = tuple(p for p in args.cases.split(",") if p)
    outcome = check(old, trees.working_tree(args.languages), args.languages, patterns, Progress())
    print(report.summary(outcome))
    if args.json_out:
        path = Path(args.json_out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report.to_json(outcome), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nJSON report: {path}")
    return 0 if outcome.compatible else 1
