"""`interop run --target`: the clients against a server the test starts on its own, as a user's
staging would be: no test hooks, plaintext or TLS with a bearer token. What needs hooks or a
server variant is not applicable, never a failure; a wrong answer from the target still fails."""

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from teams_interop import cli, pki

LISTENING = re.compile(r"listening on .*:(\d+)")
# The production server with one nickname wrong: the real server in its own process, planted
# before it starts (its roster is a read-only mapping, so the module attribute is replaced).
PLANTED = (
    "import sys, types; import teams_server.roster as r; "
    "r.TEAMS = types.MappingProxyType({**r.TEAMS, 'Chicago': 'Bears'}); "
    "from teams_server.cli import main; sys.exit(main(sys.argv[1:]))"
)


@contextmanager
def deployed(*flags: str, planted: bool = False) -> Iterator[str]:
    """teams-server as shipped (no --test-hooks), on a free loopback port; yields HOST:PORT."""
    program = ["-c", PLANTED] if planted else ["-m", "teams_server"]
    argv = [sys.executable, *program, "--host", "127.0.0.1", "--port", "0", "--drain-seconds", "0", *flags]
    server = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
    try:
        for line in server.stderr:
            if match := LISTENING.search(line):
                break
        else:
            pytest.fail(f"the server exited {server.wait()} before listening")
        yield f"127.0.0.1:{match.group(1)}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(report: Path, *argv: str) -> tuple[int, dict[str, ET.Element]]:
    code = cli.main(["run", "--languages", "python", "--report-dir", str(report), *argv])
    cases = {tc.get("name"): tc for tc in ET.parse(report / "junit.xml").iter("testcase")}
    return code, cases


def outcome(testcase: ET.Element) -> str:
    if testcase.find("failure") is not None:
        return "fail"
    skipped = testcase.find("skipped")
    return "pass" if skipped is None else skipped.get("message")


def test_plaintext_target_without_hooks(tmp_path) -> None:
    with deployed() as address:
        code, cases = run(tmp_path, "--target", address)
    assert code == 0
    assert cases["get_team_known_city"].get("classname") == "python@target"
    assert outcome(cases["get_team_known_city"]) == "pass"
    assert outcome(cases["health_serving"]) == "pass"
    assert outcome(cases["deadline_unary_exceeded"]) == "not applicable to this target: the case needs test_hooks"
    assert outcome(cases["tls_server_authenticated"]) == "not applicable to this target: the case needs tls"
    assert outcome(cases["limits_large_response_fits"]) == "not applicable to this target: the case needs limits"
    assert not [name for name, case in cases.items() if outcome(case) == "fail"]


def test_tls_target_with_a_token(tmp_path) -> None:
    authority = pki.make_pki(tmp_path / "pki", run="live")
    folder = authority.folder
    flags = ["--tls-cert", f"{folder}/server.crt", "--tls-key", f"{folder}/server.key"]
    with deployed(*flags, "--require-token", f"{folder}/token") as address:
        code, cases = run(
            tmp_path / "report",
            "--target", address, "--tls", "--ca", f"{folder}/ca.crt",
            "--server-name", pki.SERVER_NAME, "--token-file", f"{folder}/token",
        )  # fmt: skip
        assert code == 0
        assert outcome(cases["list_teams_many_in_order"]) == "pass"
        assert outcome(cases["token_missing"]) == "not applicable to this target: the case needs token"
        # the same deployment without its token: every Teams call is refused, and that fails
        code, cases = run(
            tmp_path / "no-token",
            "--target", address, "--tls", "--ca", f"{folder}/ca.crt", "--server-name", pki.SERVER_NAME,
        )  # fmt: skip
    assert code == 1
    assert outcome(cases["get_team_known_city"]) == "fail"
    assert "UNAUTHENTICATED" in cases["get_team_known_city"].find("failure").text
    assert outcome(cases["health_serving"]) == "pass"  # health needs no token


def test_a_wrong_answer_from_the_target_fails(tmp_path) -> None:
    with deployed(planted=True) as address:
        code, cases = run(tmp_path, "--target", address, "--cases", "get_team_*")
    assert code == 1
    failed = sorted(name for name, case in cases.items() if outcome(case) == "fail")
    assert failed == ["get_team_known_city", "get_team_roster_chicago"]
    assert '"nickname": "Bears"' in cases["get_team_known_city"].find("failure").text


def test_a_target_that_does_not_answer_is_one_line_and_exit_2(tmp_path, capsys) -> None:
    with deployed() as address:
        pass  # started and stopped: nothing listens there now
    argv = ["run", "--languages", "python", "--target", address, "--target-wait", "2", "--report-dir", str(tmp_path)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f"interop: the target {address} (plaintext): not answering within 2s: UNAVAILABLE")
