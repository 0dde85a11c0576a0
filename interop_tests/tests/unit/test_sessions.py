"""The session's watchdog on a scripted process: start-up is not a case's fault, a hang is."""

import json
import threading
import time
from concurrent.futures import Future

from teams_interop.cases import Case, Expectation, Variants
from teams_interop.sessions import ClientProcess, RollCall, run_session


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


class Paced(Recording):
    """A Recording process whose cases take ``seconds[id]`` each (0 for the others)."""

    def __init__(self, seconds: dict[str, float]) -> None:
        super().__init__()
        self.seconds, self.answered = seconds, {}

    def send(self, line: str) -> None:
        case_id = json.loads(line)["id"]
        self.sent[case_id] = time.monotonic()
        answer = json.dumps({"id": case_id, "status": {"code": 0}}) + "\n"

        def answer_now() -> None:
            self.answered[case_id] = time.monotonic()
            self.lines.put(answer)

        threading.Timer(self.seconds.get(case_id, 0.0), answer_now).start()


def exceeded(case_id: str, timeout_ms: int) -> Case:
    """A case that waits out its deadline (it expects DEADLINE_EXCEEDED)."""
    return Case(case_id, "Teams/GetTeam", ({},), Expectation(code=4), frozenset(), timeout_ms=timeout_ms)


def test_cases_waiting_out_a_deadline_go_first_the_longest_first() -> None:
    process = Paced({"warm-up": 0.1})
    budget = Case("budget", "Teams/GetTeam", ({},), Expectation(max_ms=2500), frozenset())
    cases = [case("warm-up", None), budget, exceeded("short", 300), exceeded("long", 1500), case("plain", None)]
    session = run_session("order", cases, lambda: process, window=1, slack=0.5)
    assert session.problems == []
    assert sorted(process.sent, key=process.sent.get) == ["warm-up", "long", "short", "budget", "plain"]


def test_a_measured_case_waits_for_the_variants_to_serve_and_a_deadline_wait_does_not() -> None:
    process, variants = Recording(), Future()
    budget = Case("budget", "Teams/GetTeam", ({},), Expectation(max_ms=2500), frozenset())
    threading.Timer(0.4, variants.set_result, args=(Variants(),)).start()
    cases = [exceeded("long", 300), budget, case("plain", None)]
    session = run_session("timed", cases, lambda: process, variants=variants)
    assert session.problems == []
    assert process.sent["plain"] < process.sent["long"] < process.started + 0.3  # after the first answer
    assert process.started + 0.4 <= process.sent["budget"]


def test_an_exclusive_case_waits_for_every_timed_case_and_goes_beside_untimed_ones() -> None:
    process = Paced({"warm-up": 0.1, "long": 0.4, "plain": 0.9})
    big = Case("big", "Teams/GetTeam", ({},), Expectation(), frozenset(), exclusive=True)
    cases = [big, exceeded("long", 1500), case("warm-up", None), case("plain", None)]
    session = run_session("heavy", cases, lambda: process, slack=0.5)
    assert session.problems == []
    assert process.sent["big"] >= process.answered["long"]  # never beside the timed case
    assert process.sent["big"] < process.answered["plain"]  # beside the untimed one


def test_a_variant_case_waits_for_the_variants_and_the_others_do_not() -> None:
    process, variants = Recording(), Future()
    secure = Case("secure", "Teams/GetTeam", ({},), Expectation(), frozenset(), server="tls")
    threading.Timer(0.4, variants.set_result, args=(Variants({"tls": "127.0.0.1:9"}),)).start()
    lines = []
    original = process.send
    process.send = lambda line: (lines.append(json.loads(line)), original(line))
    session = run_session("variants", [secure, case("plain", None)], lambda: process, variants=variants)
    assert session.problems == []
    assert process.sent["plain"] < process.started + 0.3 <= process.started + 0.4 <= process.sent["secure"]
    assert [line.get("target") for line in lines] == [None, "127.0.0.1:9"]


def test_variants_that_fail_to_start_leave_their_cases_not_run_and_the_others_run() -> None:
    variants = Future()
    variants.set_exception(RuntimeError("the tls server variant did not become healthy"))
    secure = Case("secure", "Teams/GetTeam", ({},), Expectation(), frozenset(), server="tls")
    session = run_session("variants", [secure, case("plain", None)], Recording, variants=variants)
    assert session.answers["secure"].problem == "not run: the tls server variant failed"
    assert session.answers["plain"].problem is None


def test_with_a_second_name_an_exclusive_case_goes_there_beside_the_deadline_waits() -> None:
    process = Paced({"warm-up": 0.1, "plain": 0.1, "long": 1.4, "big": 0.3})
    lines = []
    original = process.send
    process.send = lambda line: (lines.append(json.loads(line)), original(line))
    big = Case("big", "Teams/GetTeam", ({},), Expectation(), frozenset(), exclusive=True)
    cases = [big, case("plain", None), exceeded("long", 1500), case("warm-up", None)]
    session = run_session("apart", cases, lambda: process, slack=0.5, own_target="localhost:9")
    assert session.problems == []
    assert process.sent["big"] >= min(process.answered.values())  # not before the first answer
    # beside the wait, once half of its 1.5 s deadline is gone (its first response is in)
    assert process.sent["long"] + 0.75 <= process.sent["big"] < process.answered["long"]
    assert {line["id"]: line.get("target") for line in lines} == {
        "warm-up": None,
        "long": None,
        "big": "localhost:9",
        "plain": None,
    }


def test_with_a_second_name_a_measured_case_and_an_exclusive_one_keep_apart() -> None:
    process = Paced({"warm-up": 0.1, "big": 0.4})
    big = Case("big", "Teams/GetTeam", ({},), Expectation(), frozenset(), exclusive=True)
    budget = Case("budget", "Teams/GetTeam", ({},), Expectation(max_ms=2500), frozenset())
    cases = [case("warm-up", None), budget, big]
    session = run_session("apart", cases, lambda: process, slack=0.5, own_target="localhost:9")
    assert session.problems == []
    assert process.sent["budget"] >= process.answered["big"]


def test_with_a_second_name_a_process_given_only_exclusive_cases_still_gets_one() -> None:
    big = [Case(name, "Teams/GetTeam", ({},), Expectation(), frozenset(), exclusive=True) for name in "ab"]
    session = run_session("apart", big, Recording, slack=0.5, own_target="localhost:9")
    assert session.problems == [] and set(session.answers) == {"a", "b"}


def test_a_variant_case_keeps_its_variant_even_when_exclusive() -> None:
    process, variants = Recording(), Variants({"tls": "127.0.0.1:7"})
    lines = []
    original = process.send
    process.send = lambda line: (lines.append(json.loads(line)), original(line))
    secure = Case("secure", "Teams/GetTeam", ({},), Expectation(), frozenset(), server="tls", exclusive=True)
    session = run_session("apart", [secure], lambda: process, variants=variants, own_target="localhost:9")
    assert session.problems == [] and lines[0]["target"] == "127.0.0.1:7"


def test_the_megabytes_wait_until_every_sessions_deadline_waits_are_half_through() -> None:
    """Two sessions share the run's gate: the first, up at once, holds its exclusive case until
    the second, up 0.5 s later, is half through its deadline wait (a single-threaded server busy
    with megabytes would answer that wait's first response late)."""
    gate = RollCall(["fast", "slow"])
    fast, slow = Paced({"big": 0.1}), Recording(startup=0.5)
    big = Case("big", "Teams/GetTeam", ({},), Expectation(), frozenset(), exclusive=True)
    sessions = {}

    def run(name, process, cases) -> None:
        sessions[name] = run_session(name, cases, lambda: process, slack=0.5, own_target="localhost:9", gate=gate)

    threads = [
        threading.Thread(target=run, args=("fast", fast, [case("warm-up", None), big])),
        threading.Thread(target=run, args=("slow", slow, [case("warm-up", None), exceeded("long", 1000)])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(session.problems == [] for session in sessions.values())
    assert fast.sent["big"] >= slow.sent["long"] + 0.5 >= slow.started + 1.0
