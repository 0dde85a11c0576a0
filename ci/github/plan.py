"""The matrix of interop-matrix.yml, computed from `interop clients --json`, never typed by hand.

plan.py CLIENTS_JSON LANGUAGES SHARDS [SERVERS_JSON SERVERS]
    -> GITHUB_OUTPUT lines: languages, images, shards (JSON), servers (comma-separated), server-images (JSON)
    SERVERS_JSON is `interop servers --json`; SERVERS the wanted ones (default: python)
plan.py --missing RESULTS_DIR LANGUAGES_JSON SHARDS_JSON -> the "<language>-<shard>" with no results
"""

import json
import sys
from pathlib import Path

SERVER = {"name": "server", "dockerfile": "python_server/Dockerfile"}


def server_images(servers_json: str | None, wanted: str) -> tuple[list[str], list[dict]]:
    """The chosen servers' names and their images (name: the tag's repository part after the /)."""
    if not servers_json:
        return ["python"], [SERVER]
    servers = {s["name"]: s for s in json.loads(Path(servers_json).read_text(encoding="utf-8"))}
    chosen = [name.strip() for name in wanted.split(",") if name.strip()] or ["python"]
    if unknown := [name for name in chosen if name not in servers]:
        raise SystemExit(f"::error::no server manifest for: {', '.join(unknown)}; known: {', '.join(sorted(servers))}")
    images = [
        {"name": servers[name]["image"].split("/", 1)[1].split(":", 1)[0], "dockerfile": servers[name]["dockerfile"]}
        for name in chosen
    ]
    return chosen, images


def plan(clients_json: str, wanted: str, shards: str, servers_json: str | None = None, servers: str = "") -> list[str]:
    clients = json.loads(Path(clients_json).read_text(encoding="utf-8"))
    known = {client["language"]: client for client in clients}
    chosen = [name.strip() for name in wanted.split(",") if name.strip()] or sorted(known)
    if unknown := [name for name in chosen if name not in known]:
        raise SystemExit(f"::error::no clients/<language>/client.toml for: {', '.join(unknown)}")
    count = int(shards)
    if count < 1:
        raise SystemExit(f"::error::shards must be 1 or more, not {shards}")
    server_names, servers_images = server_images(servers_json, servers)
    images = servers_images + [{"name": name, "dockerfile": known[name]["dockerfile"]} for name in chosen]
    return [
        f"languages={json.dumps(chosen)}",
        f"images={json.dumps(images)}",
        f"shards={json.dumps(list(range(1, count + 1)))}",
        f"servers={','.join(server_names)}",
        f"server-images={json.dumps([image['name'] for image in servers_images])}",
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
        print("\n".join(plan(*sys.argv[1:6])))
