"""What client.toml and server.toml have in common, read in one place.

Clients and servers are described alike: a TOML file beside the code says what it can do and how
to build, run and test it natively, and a mistake in it is one line that names the file. So the
reading, the key and feature checks, the lists of strings and of command lines and the
``[native]`` table live here; what only one of them has (a client's demo and known failures, a
server's name and port) stays in clients.py or servers.py.
"""

import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

Spec = TypeVar("Spec")


class ManifestError(ValueError):
    """A manifest the harness cannot use; clients.py and servers.py raise their own kind of it."""


@dataclass(frozen=True)
class NativeSpec:
    """``[native]``: the tools a build needs, its steps and outputs, the command that runs it."""

    requires: tuple[str, ...]
    build: tuple[tuple[str, ...], ...]
    outputs: tuple[str, ...]
    run: tuple[str, ...]
    ignore: tuple[str, ...] = ()  # build by-products in the folder, left out of its fingerprint
    test: tuple[tuple[str, ...], ...] = ()  # its own tests, run natively by the unit tier

    @property
    def fingerprint_skips(self) -> tuple[str, ...]:
        """What may change without a rebuild: the outputs' top folders and the by-products."""
        return tuple(dict.fromkeys([*(Path(output).parts[0] for output in self.outputs), *self.ignore]))


def read(
    path: Path,
    parse: Callable[[dict[str, Any]], Spec],
    error: type[ManifestError],
    also: tuple[type[Exception], ...] = (),
) -> Spec:
    """``parse`` of the TOML in ``path``. A ManifestError, a missing key, a wrong type, bad TOML or
    any of ``also`` becomes one ``error`` line: the file, then the problem."""
    try:
        return parse(tomllib.loads(path.read_text(encoding="utf-8")))
    except ManifestError as problem:
        raise error(f"{path}: {problem}") from problem
    except (KeyError, TypeError, tomllib.TOMLDecodeError, *also) as problem:
        raise error(f"{path}: {type(problem).__name__}: {problem}") from problem


def check_keys(table: dict[str, Any], allowed: Iterable[str]) -> None:
    if unknown := set(table) - set(allowed):
        raise ManifestError(f"unknown keys {sorted(unknown)}")


def features(table: dict[str, Any], known: frozenset[str]) -> frozenset[str]:
    """The table's ``features``, every one of them ``known``."""
    found = frozenset(table["features"])
    if unknown := found - known:
        raise ManifestError(f"unknown features {sorted(unknown)}; known: {sorted(known)}")
    return found


def strings(table: dict[str, Any], key: str, required: bool = False) -> tuple[str, ...]:
    """A list of strings (a command line, outputs): a KeyError if ``required`` and absent, else empty."""
    return tuple(table[key] if required else table.get(key, []))


def argvs(table: dict[str, Any], key: str) -> tuple[tuple[str, ...], ...]:
    """A list of command lines (build or test steps), empty if absent."""
    return tuple(tuple(step) for step in table.get(key, []))


def native(table: dict[str, Any]) -> NativeSpec:
    return NativeSpec(
        requires=strings(table, "requires"),
        build=argvs(table, "build"),
        outputs=strings(table, "outputs"),
        run=strings(table, "run", required=True),
        ignore=strings(table, "ignore"),
        test=argvs(table, "test"),
    )
