"""The matrix of interop-matrix.yml, computed from `interop clients --json`, never typed by hand.

plan.py CLIENTS_JSON LANGUAGES SHARDS  -> GITHUB_OUTPUT lines: languages, images, shards (JSON)
plan.py --missing RESULTS_DIR LANGUAGES_JSON SHARDS_JSON -> the "<language>-<shard>" with no results
"""

import json
import sys
from pathlib import Path

SERVER = {"name": "server", "dockerfile": "python_server/Dockerfile"}


def plan(clients_json: str, wanted: str, shards: str) -> list[str]:
    clients = json.loads(Path(clients_json).read_text(encoding="utf-8"))
    known = {client["language"]: client for client in clients}
    chosen = [name.strip() for name in wanted.split(",") if name.strip()] or sorted(known)
    if unknown := [name for name in chosen if name not in known]:
        raise SystemExit(f"::error::no clients/<language>/client.toml for: {', '.join(unknown)}")
    count = int(shards)
    if count < 1:
        raise SystemExit(f"::error::shards must be 1 or more, not {shards}")
    images = [SERVER] + [{"name": name, "dockerfile": known[name]["dockerfile"]} for name in chosen]
    return [
        f"languages={json.dumps(chosen)}",
        f"images={json.dumps(images)}",
        f"shards={json.dumps(list(range(1, count + 1)))}",
    ]


def missing(results: str, languages: str, shards: str) -> str:
    absent = [
        f"{language}-{shard}"
        for language in json.loads(languages)
        for shard in json.loads(shards)
        if not (Path(results) / f"{language}-{shard}.jsonl").is_file()
    ]
    return " ".join(absent)


if __name__ == "__main__":
    if sys.argv[1] == "--missing":
        print(missing(*sys.argv[2:5]))
    else:
        print("\n".join(plan(*sys.argv[1:4])))
