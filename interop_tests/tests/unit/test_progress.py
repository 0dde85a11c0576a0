"""Progress output: plain lines for logs and pipes, a live in-place block for a terminal."""

import io
import re
import threading

import pytest

from teams_interop.progress import Progress, is_interactive


class FakeTTY(io.StringIO):
    """A terminal as far as Progress can tell: isatty, UTF-8, no real size (COLUMNS decides)."""

    encoding = "utf-8"

    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def screen(output: str) -> list[str]:
    """What a terminal shows after ``output``: applies \\r, \\n, ESC[nA and ESC[2K, nothing else."""
    rows, row, col = [""], 0, 0
    for token in re.findall(r"\x1b\[\d*[A-Za-z]|\r|\n|[^\x1b\r\n]+", output):
        if token == "\r":
            col = 0
        elif token == "\n":
            row, col = row + 1, 0
            if row == len(rows):
                rows.append("")
        elif token.startswith("\x1b"):
            assert token.endswith(("A", "K")), f"unexpected escape {token!r}"
            if token.endswith("A"):
                row = max(0, row - int(token[2:-1] or 1))
            else:
                rows[row] = ""
        else:
            line = rows[row].ljust(col)
            rows[row] = line[:col] + token + line[col + len(token) :]
            col += len(token)
    return rows


@pytest.fixture
def terminal_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "60")


def test_plain_lines_when_not_a_terminal(terminal_env) -> None:
    stream, clock = io.StringIO(), Clock()
    progress = Progress(stream, clock=clock)
    assert not progress.live
    progress.step("go", "building image")
    clock.now += 2.5
    progress.done("go", "finished")
    progress.close()
    assert stream.getvalue() == "[    0.0s] go       building image\n[    2.5s] go       finished\n"


@pytest.mark.parametrize(
    ("environ", "tty", "live"),
    [
        ({"TERM": "xterm"}, True, True),
        ({"TERM": "xterm"}, False, False),
        ({"TERM": "dumb"}, True, False),
        ({"TERM": "xterm", "CI": "true"}, True, False),
        ({"TERM": "xterm", "CI": ""}, True, True),
    ],
)
def test_live_only_on_an_interactive_terminal(environ, tty, live) -> None:
    assert is_interactive(FakeTTY() if tty else io.StringIO(), environ) is live


def test_quiet_writes_nothing(terminal_env) -> None:
    stream = FakeTTY()
    with Progress(stream, quiet=True) as progress:
        progress.step("go", "x")
    assert stream.getvalue() == ""


def test_live_block_is_redrawn_in_place(terminal_env) -> None:
    stream, clock = FakeTTY(), Clock()
    with Progress(stream, clock=clock, interval=3600) as progress:
        assert progress.live
        progress.step("server", "starting")
        progress.step("python", "building image")
        clock.now += 1.5
        progress.step("server", "serving on 127.0.0.1:50051")
        clock.now += 2.0
        progress.done("python", "finished in 3.5s (exit 0)")
        clock.now += 10.0
    output = stream.getvalue()
    assert "\x1b[3A" in output  # moved back over the 3-row block instead of scrolling
    assert output.endswith("\n")
    assert screen(output) == [
        "interop    13.5s",
        "- server     13.5s  serving on 127.0.0.1:50051",  # busy since its first step
        "✓ python      3.5s  finished in 3.5s (exit 0)",  # done: its clock stopped
        "",
    ]


def test_live_rows_are_cut_to_the_terminal_width(terminal_env) -> None:
    stream = FakeTTY()
    with Progress(stream, interval=3600) as progress:
        progress.step("go", "Step 7/12 : RUN go build " + "-x " * 100 + "\nsecond line")
    rows = [row for row in screen(stream.getvalue()) if row]
    assert len(rows) == 2 and all(len(row) <= 59 for row in rows)
    assert rows[1].endswith("...")


def test_live_ticks_while_nothing_happens(terminal_env) -> None:
    stream, clock = FakeTTY(), Clock()
    progress = Progress(stream, clock=clock, interval=0.01)
    progress.step("go", "building image")
    frames = stream.getvalue().count("interop ")
    for _ in range(200):
        clock.now += 1
        if stream.getvalue().count("interop ") >= frames + 3:
            break
        threading.Event().wait(0.01)
    progress.close()
    assert stream.getvalue().count("interop ") >= frames + 3
    seconds = float(screen(stream.getvalue())[1].split()[2].rstrip("s"))
    assert seconds > 1  # the elapsed time moved without a new step


def test_steps_after_close_are_plain_lines(terminal_env) -> None:
    stream, clock = FakeTTY(), Clock()
    progress = Progress(stream, clock=clock)
    progress.step("go", "running")
    progress.close()
    progress.close()  # idempotent
    before = stream.getvalue()
    progress.step("server", "stopped")
    assert stream.getvalue() == before + "[    0.0s] server   stopped\n"


def test_live_output_from_many_threads_stays_one_row_per_component(terminal_env) -> None:
    stream = FakeTTY()
    names = [f"lang{n}" for n in range(8)]
    with Progress(stream, interval=0.001) as progress:

        def work(name: str) -> None:
            for number in range(50):
                progress.step(name, f"step {number}")
            progress.done(name, "finished")

        threads = [threading.Thread(target=work, args=(name,)) for name in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    rows = screen(stream.getvalue())
    assert rows[0].startswith("interop ") and rows[-1] == ""
    assert sorted(row.split()[1] for row in rows[1:-1]) == sorted(names)
    assert all(row.startswith("✓ ") and row.endswith("  finished") for row in rows[1:-1])
