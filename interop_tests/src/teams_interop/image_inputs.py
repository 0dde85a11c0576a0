"""What a Dockerfile's image is made of, as one fingerprint, so an unchanged image is not sent again.

``docker build`` through the SDK tars the whole build context (the repository, less
``.dockerignore``) and sends it to the engine for every image, even when every layer is cached:
seconds per image on a loaded machine. The fingerprint covers everything the build can see that
can change its result: the Dockerfile, the build arguments, ``.dockerignore``, every file the
sources of its ``COPY``/``ADD`` lines name, and the id of each base image. A Dockerfile this
cannot read (``ADD`` of a URL, JSON form, a heredoc) gets no fingerprint and is always built.
"""

import hashlib
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

GLOB = re.compile(r"[*?\[]")


def fingerprint(
    context: Path, dockerfile: str, buildargs: dict[str, str], image_id: Callable[[str], str | None]
) -> str | None:
    """The inputs' hash, or None when it cannot be known (then: build). ``image_id`` gives a
    local image's id by reference, or None when the engine does not have it."""
    text = (context / dockerfile).read_text(encoding="utf-8")
    lines = _instructions(text)
    if lines is None:
        return None
    digest = hashlib.sha256()
    digest.update(text.encode() + b"\0")
    digest.update(repr(sorted(buildargs.items())).encode() + b"\0")
    ignore = context / ".dockerignore"
    patterns = _ignore_patterns(ignore.read_text(encoding="utf-8")) if ignore.exists() else []
    digest.update(repr(patterns).encode() + b"\0")
    args: dict[str, str] = {}
    stages: set[str] = set()
    for keyword, arguments in lines:
        if keyword == "ARG":
            name, _, default = arguments.partition("=")
            args.setdefault(name.strip(), buildargs.get(name.strip(), default.strip()))
        elif keyword == "FROM":
            words = arguments.split()
            words = [word for word in words if not word.startswith("--")]
            reference = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), ""), words[0])
            if len(words) >= 3 and words[1].upper() == "AS":
                stages.add(words[2].lower())
            if reference.lower() in stages:
                continue
            image = image_id(reference)
            if image is None:
                return None
            digest.update(f"FROM {reference} {image}\0".encode())
        elif keyword in ("COPY", "ADD"):
            words = arguments.split()
            if any(word.startswith("--from") for word in words):
                continue
            sources = [word for word in words if not word.startswith("--")][:-1]
            if not sources or any(word.startswith("[") or "://" in word or "<<" in word for word in sources):
                return None
            for source in sources:
                for path in _files(context, source, patterns):
                    digest.update(path.relative_to(context).as_posix().encode() + b"\0")
                    digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _instructions(text: str) -> list[tuple[str, str]] | None:
    """(KEYWORD, arguments) per instruction, continuation lines joined; None for a heredoc."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    found = []
    for line in joined.splitlines():
        keyword, _, arguments = line.strip().partition(" ")
        if not keyword:
            continue
        if "<<" in arguments and keyword.upper() in ("RUN", "COPY", "ADD"):
            return None
        found.append((keyword.upper(), arguments.strip()))
    return found


def _ignore_patterns(text: str) -> list[tuple[bool, re.Pattern]]:
    """``.dockerignore`` as (is an exception ``!``, regex over a slash path), in order."""
    patterns = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        line = line.removeprefix("!").strip().strip("/")
        regex = ""
        index = 0
        while index < len(line):
            if line.startswith("**/", index):
                regex, index = regex + "(?:.*/)?", index + 3
            elif line.startswith("**", index):
                regex, index = regex + ".*", index + 2
            elif line[index] == "*":
                regex, index = regex + "[^/]*", index + 1
            elif line[index] == "?":
                regex, index = regex + "[^/]", index + 1
            else:
                regex, index = regex + re.escape(line[index]), index + 1
        patterns.append((negated, re.compile(regex + "(?:/.*)?")))  # a folder's match covers its files
    return patterns


def _ignored(relative: str, patterns: list[tuple[bool, re.Pattern]]) -> bool:
    ignored = False
    for negated, pattern in patterns:
        if pattern.fullmatch(relative):
            ignored = not negated
    return ignored


def _files(context: Path, source: str, patterns) -> Iterable[Path]:
    """Every file the source copies: a file, a folder's files, a glob's matches (pathlib's glob,
    which unlike Go's also matches dot files: more, never less), less what is ignored."""
    source = source.lstrip("/")
    matches = sorted(context.glob(source)) if GLOB.search(source) else [context / source]
    for match in matches:
        if match.is_file():
            if not _ignored(match.relative_to(context).as_posix(), patterns):
                yield match
        elif match.is_dir():
            for folder, folders, files in os.walk(match):
                here = Path(folder)
                folders[:] = sorted(
                    name for name in folders if not _ignored((here / name).relative_to(context).as_posix(), patterns)
                )
                for name in sorted(files):
                    path = here / name
                    if path.is_file() and not _ignored(path.relative_to(context).as_posix(), patterns):
                        yield path
