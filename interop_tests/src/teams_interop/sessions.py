"""One client's session: its process answers the cases it is sent, and is held to account.

The harness keeps at most ``WINDOW`` cases unanswered, so a client may run what it is sent
concurrently and every case's clock starts when it is sent. A timed case (a deadline or a latency
budget) is sent only once the process has answered once, so its clock never includes the client's
start-up; a *measured* one (a latency budget, a deadline to meet) also waits for the server
variants to serve (their start-up would crowd it), while a case waiting out a deadline does not (a
late answer is still DEADLINE_EXCEEDED). The cases waiting out a deadline go first, longest first,
so the session's longest wait overlaps the rest. A case marked ``exclusive`` (heavy: megabytes, or
a stream past the flow-control window) never shares a connection with a timed case: multi-megabyte
messages beside other calls on one connection broke some stacks' calls (a grpc-js server's
connection to a C++ client, a grpclib stream against grpc-go), and a long stream's bytes queued
ahead of a deadline's first response. Where the backend gives the server a second name
(``own_target``: ``localhost`` beside ``127.0.0.1``, a container's network alias), a client dials
it on a channel of its own, so the exclusive cases go there beside the deadline waits, once every
session's are past their first half (a ``RollCall``), and only a measured case (whose clock their
CPU would crowd) keeps apart from them; they are then off the run's critical path. Without one (a
live target, compose) they go once every timed case is answered, beside untimed ones. Each case has
a watchdog a little longer than its deadline: a case still unanswered then fails as *hung*, by
name, the process is killed, and a fresh one is started for the cases still owed; other languages
never notice. After its last result a client has ``GRACE_SECONDS`` to exit 0. Anything else (a
non-zero exit, lingering, a crash, a line that answers no case) is a problem of the process,
reported in a row of its own with the tail of its stderr, which is always kept.
"""

import contextlib
import json
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

from teams_interop.cases import DEFAULT_TIMEOUT_MS, Case, Variants

WINDOW = 16
DEADLINE_EXCEEDED = 4  # the gRPC status code
WATCHDOG_SLACK_SECONDS = 5.0  # past a case's deadline before it counts as hung
# A process's start-up (a JVM, a cold interpreter on a loaded machine) is not a case's fault: a
# case sent before the process's first answer has its clock start at that answer, and a process
# that answers nothing at all is declared hung this much later than its cases' limits.
STARTUP_SECONDS = 30.0
STARTUP_NOTE = f", after a start-up allowance of {STARTUP_SECONDS:.0f} s: the process never answered"
GRACE_SECONDS = 5.0  # after stdin closes and the last result, to exit with status 0
MAX_PROCESSES = 4  # a client that needs more fresh processes than this gets no more
STDERR_KEPT = 64 * 1024  # characters of stderr kept per process, the tail


class ClientProcess:
    """A running client, as the session sees it: lines in, lines out, an exit code.

    Backends make these (a local process, ``docker run -i``, a compose service); reader threads
    turn stdout into a queue of lines (``None`` at end of file) and keep stderr's tail.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        self._stderr_lock = threading.Lock()
        self.started = time.monotonic()

    def send(self, line: str) -> None:
        raise NotImplementedError

    def close_stdin(self) -> None:
        raise NotImplementedError

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if the process is still running after ``timeout`` seconds."""
        raise NotImplementedError

    def kill(self) -> None:
        raise NotImplementedError

    def read_stdout(self, stream) -> None:
        """Reader thread body: one queue item per line, then None."""
        try:
            for raw in stream:
                self.lines.put(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)
        except (OSError, ValueError):
            pass
        finally:
            self.lines.put(None)

    def read_stderr(self, stream) -> None:
        try:
            for raw in stream:
                self.add_stderr(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)
        except (OSError, ValueError):
            pass

    def add_stderr(self, text: str) -> None:
        with self._stderr_lock:
            self._stderr.append(text)
            while len(self._stderr) > 1 and sum(map(len, self._stderr)) > STDERR_KEPT:
                self._stderr.pop(0)

    @property
    def stderr(self) -> str:
        with self._stderr_lock:
            return "".join(self._stderr)


@dataclass
class Answer:
    """One case's raw answer: the client's result line, or why there is none."""

    line: dict | None = None
    problem: str | None = None  # hung, the process died, never answered
    seconds: float = 0.0


@dataclass
class Session:
    """What one language's session produced, for the judge and the reports."""

    language: str
    answers: dict[str, Answer] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # the process's own failures
    stderr: str = ""  # every process's stderr, each under a header
    processes: int = 0
    # From its first process's start to its first result: the client's start-up and one call.
    first_result_seconds: float | None = None
    seconds: float = 0.0
    began: float = field(default_factory=time.monotonic)

    @property
    def failed(self) -> bool:
        return bool(self.problems)


def run_session(
    language: str,
    cases: list[Case],
    start: Callable[[], ClientProcess],
    window: int | None = None,
    slack: float = WATCHDOG_SLACK_SECONDS,
    grace: float = GRACE_SECONDS,
    on_answer: Callable[[str], None] | None = None,
    variants: Variants | Future | None = None,
    own_target: str | None = None,
    gate: "RollCall | None" = None,
) -> Session:
    """``variants``: the server variants, or a Future of them while they still start (a case
    that needs one waits for it; the others go at once). ``own_target``: the server's address
    under another name, for the exclusive cases' connection of their own (None: there is none);
    ``gate``: the run's RollCall for the exclusive cases, shared by every session (default: this
    one's alone)."""
    session = Session(language)
    window = window or WINDOW  # read at call time, so a test can narrow it
    schedule = Schedule(own_target, gate, language)
    owed = deque(sorted(cases, key=schedule.urgency))
    stderr_parts: list[str] = []
    try:
        while owed:
            if session.processes >= MAX_PROCESSES:
                reason = f"not run: {language} needed more than {MAX_PROCESSES} fresh client processes"
                for case in owed:
                    session.answers[case.id] = Answer(problem=reason)
                session.problems.append(f"{language}: gave up after {MAX_PROCESSES} client processes")
                break
            session.processes += 1
            process = start()
            try:
                _drive(session, process, owed, window, slack, grace, on_answer, variants, schedule)
            finally:
                process.kill()
                stderr_parts.append(f"--- {process.name} ---\n{process.stderr}" if process.stderr else "")
    finally:
        schedule.passed(time.monotonic())  # however it ended, this session holds nobody back
    session.stderr = "\n".join(part for part in stderr_parts if part)
    session.seconds = time.monotonic() - session.began
    return session


def _drive(session, process, owed: deque, window, slack, grace, on_answer, variants, schedule: "Schedule") -> None:
    """Feeds ``process`` from ``owed`` until it is done, hangs or dies; what it still owes stays."""
    schedule.gate.watch(process.lines)  # woken when the gate's opening becomes known
    in_flight: dict[str, tuple[Case, float, float]] = {}  # id -> case, sent at, watchdog limit
    stdin_open = True
    answers_before = len(session.answers)
    ready_at: list[float] = []  # when this process first answered
    starting = variants if isinstance(variants, Future) else None
    if starting is not None:
        variants = None  # until they serve, only cases that need none of them are sent
        starting.add_done_callback(lambda _: process.lines.put(""))  # wakes the loop below

    def clock(sent: float) -> float:
        """When a case's watchdog clock started: at sending, or once the process was up."""
        return max(sent, ready_at[0]) if ready_at else sent + STARTUP_SECONDS

    while True:
        if starting is not None and starting.done():
            if starting.exception() is not None:  # the run fails on it (matrix.py); none is sent
                for case in [case for case in owed if case.server]:
                    owed.remove(case)
                    session.answers[case.id] = Answer(problem=f"not run: the {case.server} server variant failed")
                variants = None
            else:
                variants = starting.result()
            starting = None
        while (
            stdin_open
            and len(in_flight) < window
            and (case := schedule.next(owed, in_flight, bool(ready_at), variants_ready=starting is None))
        ):
            limit = case.timeout_seconds + slack
            in_flight[case.id] = (case, time.monotonic(), limit)
            schedule.sent(case)
            with contextlib.suppress(OSError):  # it died; the reader's end of file says so
                process.send(json.dumps(schedule.request_line(case, variants), ensure_ascii=False))
        schedule.check(owed)
        if stdin_open and not owed and not in_flight:
            process.close_stdin()
            stdin_open = False
            _finish(session, process, grace)
            return
        now = time.monotonic()
        expiry = min((clock(sent) + limit for _, sent, limit in in_flight.values()), default=now + 1.0)
        expiry = min(expiry, schedule.next_change(owed, now))
        try:
            line = process.lines.get(timeout=max(0.01, min(expiry - now, 1.0)))
        except queue.Empty:
            line = ""
        if line is None:  # stdout closed: the process is gone (or closed it early)
            code = process.wait(grace)
            died = f"the client process exited ({_code(code)}) before answering"
            for case_id, (_, sent, _) in in_flight.items():
                session.answers[case_id] = Answer(problem=f"{died}\n{_tail(process.stderr)}", seconds=_since(sent))
            unanswered = len(in_flight) + len(owed)
            session.problems.append(
                f"{session.language}: {process.name} exited ({_code(code)}) with {unanswered} unanswered"
            )
            if stdin_open:
                process.close_stdin()
            return
        if line.strip():
            _record(session, in_flight, line, on_answer)
            if not ready_at and len(session.answers) > answers_before:
                ready_at.append(time.monotonic())
                if session.first_result_seconds is None:
                    session.first_result_seconds = ready_at[0] - process.started
        now = time.monotonic()
        hung = [case_id for case_id, (_, sent, limit) in in_flight.items() if now - clock(sent) > limit]
        if hung:
            for case_id in hung:
                case, sent, limit = in_flight.pop(case_id)
                session.answers[case_id] = Answer(
                    problem=(
                        f"hung: no result within {limit:.1f} s (its deadline of {case.deadline_ms} ms plus "
                        f"{slack:.0f} s{'' if ready_at else STARTUP_NOTE});"
                        " the client process was killed and a new one started for the "
                        f"{len(in_flight) + len(owed)} cases it still owed"
                    ),
                    seconds=_since(sent),
                )
            # Cases in flight with time left go to the next process, first.
            owed.extendleft(reversed([case for case, _, _ in in_flight.values()]))
            process.kill()
            session.problems.append(f"{session.language}: {process.name} hung on {', '.join(hung)} (killed)")
            return


def _waits_out(case: Case) -> bool:
    """A case that waits out a deadline: it expects DEADLINE_EXCEEDED."""
    return _timed(case) and case.expect.code == DEADLINE_EXCEEDED


def _measured(case: Case) -> bool:
    """A timed case whose verdict a late answer can spoil: a latency budget, a deadline to meet."""
    return _timed(case) and not _waits_out(case)


def _timed(case: Case) -> bool:
    """A case whose verdict depends on time: a latency budget, or a deadline tighter than the
    default (the deadline cases; a 60 s one for a long stream is a bound, not a measure)."""
    return case.expect.max_ms is not None or case.deadline_ms < DEFAULT_TIMEOUT_MS


class RollCall:
    """Every listed session answers once, each with a moment; then ``event`` is set and
    ``latest()`` is the latest moment given, and every watched queue gets an empty line (it wakes
    a session). The matrix holds the server variants until every client is up, and the exclusive
    cases until every session's deadline waits are half through: a single-threaded server
    (grpc-js) busy with some clients' megabytes, or ten clients' long streams, answered other
    clients' stream-deadline cases late, the first response, due at once, after the 1.5 s
    deadline (node, node-connect and ruby against the Node server in containers, while go, cpp
    and rust, up first, sent their megabytes; natively, with one busy core beside the run, 7 of 8
    ten-client runs went red while the 1,000-message streams went with the deadline waits). Past
    half its deadline a stream's first response is in, and what is left is the client's own
    timer."""

    def __init__(self, languages: list[str]) -> None:
        self._waiting, self._latest = set(languages), 0.0
        self._lock = threading.Lock()
        self._watchers: list[queue.Queue] = []
        self.event = threading.Event()
        if not self._waiting:
            self.event.set()

    def watch(self, lines: queue.Queue) -> None:
        with self._lock:
            self._watchers.append(lines)

    def answer(self, language: str, at: float | None = None) -> None:
        """``language`` answers (its first answer, or its deadline waits half through at ``at``)."""
        with self._lock:
            if language not in self._waiting:
                return
            self._waiting.discard(language)
            self._latest = max(self._latest, time.monotonic() if at is None else at)
            if self._waiting:
                return
            watchers = list(self._watchers)
        self.event.set()
        for lines in watchers:
            lines.put("")

    def latest(self) -> float | None:
        """The latest moment answered; None until every session has answered."""
        with self._lock:
            return None if self._waiting else self._latest


class Schedule:
    """The order cases go in and which may share the window, for a server with or without a
    second name (``own_target``) for the exclusive cases."""

    def __init__(self, own_target: str | None = None, gate: RollCall | None = None, language: str = "") -> None:
        self.own_target, self.language = own_target, language
        self.gate = gate or RollCall([language])
        self._halves: list[float] = []  # when each deadline wait sent is past its first half
        self._told = False

    def sent(self, case: Case) -> None:
        if _waits_out(case):
            self._halves.append(time.monotonic() + case.timeout_seconds / 2)

    def check(self, owed: deque) -> None:
        """Tells the gate once every deadline wait of this session has been sent."""
        if not self._told and not any(map(_waits_out, owed)):
            self.passed(max(self._halves, default=time.monotonic()))

    def passed(self, at: float) -> None:
        if not self._told:
            self._told = True
            self.gate.answer(self.language, at)

    def next_change(self, owed: deque, now: float) -> float:
        """When an exclusive case waiting for the gate may go (far off if none waits)."""
        opens = self.gate.latest()
        if opens is not None and opens > now and any(map(self._apart, owed)):
            return opens
        return now + 3600.0

    def urgency(self, case: Case) -> tuple:
        """The sending order (a stable sort keeps the catalogue's order within each group): the
        cases that wait out a deadline, longest first; the exclusive ones, when they have a
        connection of their own; the others (latency budgets among them: sent first, they met the
        busiest moment of a ten-client run and went over); else the exclusive ones last."""
        if case.exclusive:
            return (0, 1) if self._apart(case) else (2, 0)
        return (0, -case.deadline_ms) if _waits_out(case) else (1, 0)

    def request_line(self, case: Case, variants: Variants | None) -> dict:
        line = case.request_line(variants)
        if self._apart(case):
            line["target"] = self.own_target
        return line

    def next(self, owed: deque, in_flight: dict, ready: bool, variants_ready: bool = True) -> Case | None:
        """The next case to send, taken out of ``owed``, or None. In order, except that until
        the process has answered once (its start-up and first connection are done), a timed case
        waits for it: their clocks, the client's deadline and the harness's latency budget, would
        otherwise count a cold start against them; so does an exclusive case on its own
        connection (its bytes would hold the first answer, and the deadline waits, back). A
        process given only such cases gets one first, alone. A case that may not go beside those
        in flight, or whose server variant is still starting, waits, and so does a measured case
        while any variant starts (its start-up would crowd the clock); the next one may go."""
        waiting = not ready and (bool(in_flight) or not all(map(self._holds, owed)))
        for index, case in enumerate(owed):
            if waiting and self._holds(case):
                continue
            if not variants_ready and (_measured(case) or case.server):
                continue
            if not self.may_send(case, in_flight, owed):
                continue
            del owed[index]
            return case
        return None

    def _holds(self, case: Case) -> bool:
        """A case that waits for the process's first answer."""
        return _timed(case) or self._apart(case)

    def _apart(self, case: Case) -> bool:
        """An exclusive case that goes to the server's second name (a variant's has none)."""
        return case.exclusive and bool(self.own_target) and not case.server

    def may_send(self, case: Case, in_flight: dict, owed: deque) -> bool:
        """An exclusive case (heavy: megabytes, a long stream) never shares a connection with a
        timed one. On its own connection it only keeps apart from measured cases (their clocks),
        both ways; on the server's one connection it waits until no timed case is owed or in
        flight (a timed case owed again after a hang waits for it)."""
        in_window = [other for other, _, _ in in_flight.values()]
        if self._apart(case):
            opens = self.gate.latest()
            if opens is None or time.monotonic() < opens:
                return False
            return not any(_measured(other) for other in in_window)
        if _measured(case) and any(map(self._apart, in_window)):
            return False
        if case.exclusive:
            return not any(_timed(other) for other in [*in_window, *owed])
        if _timed(case):
            return not any(other.exclusive and not self._apart(other) for other in in_window)
        return True


def _record(session: Session, in_flight: dict, line: str, on_answer) -> None:
    try:
        result = json.loads(line)
    except json.JSONDecodeError as error:
        session.problems.append(f"{session.language}: stdout line is not JSON ({error}): {line[:200]!r}")
        return
    case_id = result.get("id") if isinstance(result, dict) else None
    if case_id not in in_flight:
        where = "answers a case already answered" if case_id in session.answers else "answers no case sent"
        session.problems.append(f"{session.language}: a stdout line {where}: {line.strip()[:200]!r}")
        return
    _, sent, _ = in_flight.pop(case_id)
    seconds = _since(sent)
    session.answers[case_id] = Answer(line=result, seconds=seconds)
    if on_answer:
        on_answer(case_id)


def _finish(session: Session, process: ClientProcess, grace: float) -> None:
    """Stdin is closed and every case answered: the process must now exit 0, promptly."""
    if problem := finish(process, grace, lambda line: _record(session, {}, line, None)):
        session.problems.append(f"{session.language}: {problem}")


def finish(process: ClientProcess, grace: float, stray: Callable[[str], None]) -> str | None:
    """After its last answer (stdin closed), a client process must exit 0 within ``grace``
    seconds; a line it still prints answers nothing and goes to ``stray``. Returns what went
    wrong (it was killed, or exited non-zero), or None."""
    deadline = time.monotonic() + grace
    while True:  # drain what it still prints
        try:
            line = process.lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        if line.strip():
            stray(line)
    code = process.wait(max(0.0, deadline - time.monotonic()))
    if code is None:
        process.kill()
        return f"{process.name} was still running {grace:.0f} s after its last result (killed)"
    if code != 0:
        return f"{process.name} exited {code} after its last result"
    return None


def _code(code: int | None) -> str:
    return "still running" if code is None else f"status {code}"


def _since(moment: float) -> float:
    return time.monotonic() - moment


def _tail(stderr: str, lines: int = 15) -> str:
    kept = stderr.strip().splitlines()[-lines:]
    return "client stderr (tail):\n  " + "\n  ".join(kept) if kept else "(no stderr)"
