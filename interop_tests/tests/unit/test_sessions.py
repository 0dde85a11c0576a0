"""The session's watchdog on a scripted process: start-up is not a case's fault, a hang is."""

import json
import threading
import time

from teams_interop.cases import Case, Expectation
from teams_interop.sessions import ClientProcess, run_session


def case(case_id: str, timeout_ms: int = 100) -> Case:
    return Case(case_id, "Teams/GetTeam", ({"city": "Chicago"},), Expectation(), frozenset(), timeout_ms=timeout_ms)


class Scripted(ClientProcess):
    """Answers every case after ``startup`` seconds (the first) and at once after that, except
    the ids in ``never``; exits 0 when stdin closes."""

    def __init__(self, startup: float = 0.0, never=()) -> None:
        super().__init__("scripted")
        self.startup, self.never, self.code = startup, set(never), None

    def send(self, line: str) -> None:
        case_id = json.loads(line)["id"]
        if case_id in self.never:
            return
        delay = max(0.0, self.started + self.startup - time.monotonic())
        answer = json.dumps({"id": case_id, "status": {"code": 0}}) + "\n"
        threading.Timer(delay, self.lines.put, args=(answer,)).start()

    def close_stdin(self) -> None:
        self.code = 0
        threading.Timer(self.startup, self.lines.put, args=(None,)).start()

    def wait(self, timeout: float):
        return self.code

    def kill(self) -> None:
        self.code = self.code if self.code is not None else -9


def test_a_slow_start_is_not_a_hang() -> None:
    session = run_session("slow", [case("a"), case("b")], lambda: Scripted(startup=1.5), slack=0.5)
    assert session.problems == []
    assert {answer.problem for answer in session.answers.values()} == {None}
    assert session.first_result_seconds >= 1.5


def test_a_hang_after_start_up_is_named_within_deadline_plus_slack() -> None:
    started = time.monotonic()
    processes = iter([Scripted(never={"b"}), Scripted()])
    session = run_session("hanger", [case("a"), case("b"), case("c")], lambda: next(processes), window=1, slack=0.5)
    assert time.monotonic() - started < 3
    assert session.answers["b"].problem.startswith("hung: no result within 0.6 s")
    assert session.answers["c"].problem is None and session.processes == 2


class Recording(Scripted):
    """A Scripted process that notes when each case was sent."""

    def __init__(self, startup: float = 0.0) -> None:
        super().__init__(startup)
        self.sent: dict[str, float] = {}

    def send(self, line: str) -> None:
        self.sent[json.loads(line)["id"]] = time.monotonic()
        super().send(line)


def test_a_timed_case_waits_for_the_first_answer_so_start_up_is_not_on_its_clock() -> None:
    process = Recording(startup=0.5)
    timed = Case("tight", "Teams/GetTeam", ({"city": "Chicago"},), Expectation(max_ms=300), frozenset())
    cases = [case("deadline", timeout_ms=1000), timed, case("plain", timeout_ms=None)]
    session = run_session("cold", cases, lambda: process, slack=0.5)
    assert session.problems == []
    first_answer = process.started + 0.5
    assert process.sent["plain"] < first_answer  # untimed cases go at once, with the start-up
    assert process.sent["deadline"] >= first_answer and process.sent["tight"] >= first_answer
    assert session.answers["deadline"].seconds < 0.3 and session.answers["tight"].seconds < 0.3


def test_only_timed_cases_still_start_one_at_once() -> None:
    process = Recording(startup=0.3)
    session = run_session("cold", [case("a", 1000), case("b", 1000)], lambda: process, slack=0.5)
    assert session.problems == []
    assert process.sent["a"] < process.started + 0.3 <= process.sent["b"]
