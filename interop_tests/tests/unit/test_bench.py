"""``interop bench`` without servers: options, the checks on a client's bench result, medians and
ratios, and the three reports (JSON, Markdown, HTML with its SVG chart) of a made-up run.

The page as a browser shows it: test_bench_browser.py. A real run: tests/native/test_bench.py.
"""

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from teams_interop import cli
from teams_interop.bench import plan
from teams_interop.bench.model import Outcome
from teams_interop.bench.plan import KINDS, Options
from teams_interop.bench.report import markdown, write_bench_reports
from teams_interop.bench.runner import Item, check_result, make_plan
from tests.helpers.bench_sample import HOSTILE, sample, sample_bench

UNARY = KINDS[0]

# --- options and plan


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"calls": 0}, "--calls must be between 1 and 100,000, got 0"),
        ({"calls": 100_001}, "--calls must be between 1 and 100,000, got 100001"),
        ({"concurrency": 0}, "--concurrency must be between 1 and 256, got 0"),
        ({"calls": 10, "concurrency": 16}, "--concurrency 16 is more than --calls 10"),
        ({"seconds": 0.5}, "--seconds must be between 1 and 3600, got 0.5"),
        ({"seconds": float("nan")}, "--seconds must be between 1 and 3600, got nan"),
        ({"repeat": 10}, "--repeat must be between 1 and 9, got 10"),
        ({"warmup": -1}, "--warmup must be between 0 and 100,000, got -1"),
        ({"kinds": ("unary", "telepathy")}, "--kinds: unknown telepathy; known: unary, server_streaming"),
        ({"kinds": ("unary", "unary")}, "--kinds names each RPC kind at most once"),
    ],
)
def test_options_out_of_bounds_are_one_line_errors(changes, message) -> None:
    with pytest.raises(ValueError) as raised:
        Options(**changes)
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_each_call_gets_a_deadline_within_the_clients() -> None:
    assert Options().call_timeout_ms == 10_000
    assert Options(seconds=3).call_timeout_ms == 3000


def test_the_plan_alternates_servers_per_kind_with_a_warmup_before_each() -> None:
    options = Options(calls=100, concurrency=4, warmup=10)
    items = make_plan(list(KINDS[:2]), ["python", "go"], {"python": "127.0.0.1:1", "go": "127.0.0.1:2"}, options, 0)
    assert [(i.kind.name, i.server, i.warmup, i.calls) for i in items] == [
        ("unary", "python", True, 10),
        ("unary", "python", False, 100),
        ("unary", "go", True, 10),
        ("unary", "go", False, 100),
        ("server_streaming", "python", True, 10),
        ("server_streaming", "python", False, 100),
        ("server_streaming", "go", True, 10),
        ("server_streaming", "go", False, 100),
    ]
    line = plan.request_line(items[0].id, UNARY, "127.0.0.1:1", 10, options)
    assert line == {
        "id": "r1-unary-python-warmup",
        "method": "Teams/GetTeam",
        "requests": [{"city": "Chicago"}],
        "timeout_ms": 10_000,
        "target": "127.0.0.1:1",
        "bench": {"calls": 10, "concurrency": 4},
    }


# --- what a client answers, checked


def bench_result(**changes) -> dict:
    bench = {"calls": 100, "errors": 0, "wall_ms": 50.0, "latency_ms": {"p50": 1.0, "p90": 2.0, "p99": 3.0, "max": 4.0}}
    return {"id": "r1-unary-python", "bench": {**bench, **changes}}


ITEM = Item("r1-unary-python", UNARY, "python", "127.0.0.1:1", 100, False)


def test_a_good_result_becomes_a_sample() -> None:
    sample = check_result(bench_result(), ITEM, harness_ms=60.0)
    assert sample.calls_per_second == 2000.0 and sample.harness_ms == 60.0 and sample.first_error is None


@pytest.mark.parametrize(
    "result, problem",
    [
        ({"id": "x", "error": "unknown method"}, "the client could not run the bench: unknown method"),
        ({"id": "x", "status": {"code": 0}}, "answered with one call's status (code 0), not a bench result"),
        ({"id": "x", "bench": {"calls": 1}}, "malformed result at bench: 'errors' is a required property"),
        (bench_result(calls=10), "reported 10 calls; 100 were asked for"),
        (bench_result(errors=101), "reported 101 errors in 100 calls"),
        (bench_result(latency_ms={"p50": 5.0, "p90": 2.0, "p99": 3.0, "max": 4.0}), "latency percentiles out of order"),
        (bench_result(wall_ms=0), "reported a wall time of 0 ms for 100 calls"),
        (bench_result(wall_ms=2.0), "one call took longer (max 4.0 ms) than all of them (wall 2.0 ms)"),
        (bench_result(wall_ms=500.0), "reported a wall time of 500.0 ms, but answered 60.0 ms after it was sent"),
    ],
)
def test_a_result_that_cannot_be_believed_is_a_failure(result, problem) -> None:
    checked = check_result(result, ITEM, harness_ms=60.0)
    assert isinstance(checked, str) and checked.startswith(problem), checked


def test_errors_keep_the_first_one() -> None:
    error = {"code": 14, "message": "unavailable"}
    sample = check_result(bench_result(errors=3, first_error=error), ITEM, harness_ms=60.0)
    assert sample.errors == 3 and sample.first_error == error


# --- medians and ratios


def test_the_median_is_the_middle_run_by_calls_per_second() -> None:
    run = sample_bench()
    assert run.cell("python", "python", "unary").median.calls_per_second == pytest.approx(1000)
    assert run.cell("python", "go", "unary").median.calls_per_second == pytest.approx(2000)
    two = sample_bench(repeat=2)
    two.cell("python", "python", "unary").samples.pop()  # 1200, 900: the lower middle one
    assert two.cell("python", "python", "unary").median.calls_per_second == pytest.approx(900)


def test_ratios_divide_by_the_reference_for_the_same_client_and_kind() -> None:
    run = sample_bench()
    assert run.ratio("python", "python", "unary") == pytest.approx(0.5)
    assert run.ratio("python", "python", "bidi_streaming") == pytest.approx(0.75)
    assert run.ratio("node", "python", "bidi_streaming") == pytest.approx(1.0)
    assert run.ratio("node", "python", "unary") is None  # errors: no ratio, however fast
    assert run.ratio("ruby", "python", "unary") is None  # unsupported


def test_the_ratio_is_the_median_of_each_runs_quotient_not_of_the_medians() -> None:
    run = sample_bench()
    mine, reference = run.cell("python", "python", "unary"), run.cell("python", "go", "unary")
    mine.samples, reference.samples = [], []
    for a, b in ((100, 400), (300, 300), (200, 200)):  # the first pair ran while the machine was busy
        mine.add(sample(a))
        reference.add(sample(b))
    assert run.run_ratios("python", "python", "unary") == pytest.approx([0.25, 1.0, 1.0])
    assert run.ratio("python", "python", "unary") == pytest.approx(1.0)  # medians' quotient: 200/300
    reference.samples.pop()
    assert run.ratio("python", "python", "unary") is None  # unpaired: no ratio


def test_errors_fail_the_run_and_unsupported_does_not() -> None:
    run = sample_bench()
    assert run.cell("node", "python", "unary").outcome is Outcome.ERRORS
    assert [(m.language, m.server, m.kind) for m in run.failures] == [("node", "python", "unary")]
    assert run.failed
    del run.measurements[("node", "python", "unary")]
    assert not run.failed  # ruby's unsupported cells are not failures


def test_a_failure_is_never_hidden_by_a_later_clean_run() -> None:
    run = sample_bench()
    cell = run.cell("python", "python", "unary")
    cell.fail(Outcome.FAILED, "hung")
    cell.fail(Outcome.NOT_RUN, "not run")
    assert (cell.outcome, cell.problem) == (Outcome.FAILED, "hung")


# --- the reports


def test_json_has_every_figure(tmp_path) -> None:
    written = write_bench_reports(sample_bench(), tmp_path)
    assert sorted(written) == ["bench.html", "bench.json", "bench.md"]
    data = json.loads(written["bench.json"].read_text(encoding="utf-8"))
    assert data["schema"] == "teams-interop-bench/1" and data["failed"] is True
    assert data["reference"] == "go" and data["options"]["calls"] == 2000 and data["host"]["cpus"] == 2
    assert {"language": "python", "kind": "unary", "server": "python", "ratio": 0.5, "runs": [0.5] * 3} in data[
        "ratios"
    ]
    assert not any(r["language"] == "node" and r["kind"] == "unary" for r in data["ratios"])
    by_key = {(m["language"], m["server"], m["kind"]): m for m in data["measurements"]}
    python = by_key[("python", "python", "unary")]
    assert [s["calls_per_second"] for s in python["samples"]] == [1200, 900, 1000]
    assert python["median"]["calls_per_second"] == 1000 and python["median"]["latency_ms"]["p99"] == 4.0
    node = by_key[("node", "python", "unary")]
    assert node["outcome"] == "errors" and node["errors"] == 6000 and node["first_error"]["message"] == HOSTILE
    assert by_key[("ruby", "go", "unary")]["outcome"] == "unsupported"
    assert "divided by the calls/s the reference server gave the same process" in data["ratio"]


def test_markdown_table_rows_and_problems() -> None:
    text = markdown(sample_bench())
    assert text.startswith("# Performance matrix: FAILED: 1 measurement(s) with errors or failed")
    assert (
        "| language | RPC kind | python calls/s | go calls/s | python ÷ go | python p50 / p99 ms | go p50 / p99 ms |"
        in text
    )
    assert "| `python` | unary | 1,000 | 2,000 | 0.50 | 1.00 / 4.00 | 1.00 / 4.00 |" in text
    assert "| `node` | unary | errors 6,000/6,000 | 3,000 | — |" in text
    assert "| `ruby` | unary | unsupported | unsupported | — |" in text
    assert (
        f"- `node` unary against `python`: errors: 6,000 of 6,000 calls failed; first error: code 2 {HOSTILE!r}" in text
    )
    assert "Unsupported (no `bench` feature, not a failure): ruby." in text
    assert (
        "divided by the calls per second the go reference server gave the same client for the same kind in the "
        "same run (median of the 3 runs' quotients" in text
    )
    assert "median of 3 runs" in text


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, dict] = {}
        self.text: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids[attributes["id"]] = attributes
        self.scripts += tag == "script"

    def handle_data(self, data) -> None:
        self.text.append(data)


def test_html_chart_draws_each_ratio_and_names_errors(tmp_path) -> None:
    page = write_bench_reports(sample_bench(), tmp_path)["bench.html"].read_text(encoding="utf-8")
    parsed = _Collect()
    parsed.feed(page)
    assert parsed.scripts == 0 and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert parsed.ids["bar-python-python-unary"]["data-ratio"] == "0.500"
    assert parsed.ids["bar-python-python-bidi_streaming"]["data-ratio"] == "0.750"
    assert parsed.ids["bar-python-node-bidi_streaming"]["data-ratio"] == "1.000"
    assert "data-ratio" not in parsed.ids["bar-python-node-unary"]
    assert parsed.ids["bar-python-node-unary"]["data-outcome"].startswith("errors: 6,000 of 6,000 calls failed")
    assert parsed.ids["bar-python-ruby-unary"]["data-outcome"] == "unsupported"
    assert HOSTILE not in page  # escaped, never markup
    text = "".join(parsed.text)
    assert "go reference = 1.0" in text and "0.50×" in text
    assert (
        "divided by the calls per second the go reference server gave the same client for the same kind in the "
        "same run (median of the 3 runs' quotients" in text
    )
    # the SVG is well-formed XML on its own (a browser would draw nothing otherwise)
    svg = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)
    widths = {
        g.get("id"): float(g.find("{http://www.w3.org/2000/svg}rect").get("width"))
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("class") == "bar"
    }
    # bars are proportional to the ratio: 0.5 is half of 1.0
    assert widths["bar-python-python-unary"] * 2 == pytest.approx(widths["bar-python-node-bidi_streaming"], rel=0.01)


def test_html_table_has_the_figures_and_the_error(tmp_path) -> None:
    page = write_bench_reports(sample_bench(), tmp_path)["bench.html"].read_text(encoding="utf-8")
    assert 'id="cps-python-python-unary">1,000<' in page
    assert 'id="ratio-python-python-unary">0.50<' in page
    assert 'id="ratio-python-go-unary">1.00 (reference)<' in page
    assert 'id="errors-node-python-unary">6,000<' in page
    assert "first error: code 2 &#x27;boom &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;&#x27;" in page
    assert 'class="verdict failed"' in page


# --- the command line


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--calls", "0"], "interop: --calls must be between 1 and 100,000, got 0\n"),
        (["--concurrency", "500"], "interop: --concurrency must be between 1 and 256, got 500\n"),
        (["--seconds", "0"], "interop: --seconds must be between 1 and 3600, got 0\n"),
        (["--servers", "python,nope"], "interop: no server named nope; known: go, "),
        (["--languages", "klingon"], "interop: no client for klingon; known:"),
        (["--kinds", "unary,nope"], "interop: --kinds: unknown nope; known: unary,"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys) -> None:
    assert cli.main(["bench", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1, err


def test_help_says_how_to_read_the_ratio(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["bench", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "divided by the calls per second the Go reference gave the same client for the same kind" in out
    assert "--seconds" in out and "unsupported" in out


def test_exit_1_on_errors_0_when_clean_and_unsupported(monkeypatch, tmp_path, capsys) -> None:
    from teams_interop.bench import command

    class NoServer:
        def __init__(self, *args, **kwargs) -> None:
            self.started = kwargs

        def __enter__(self):
            return self

        def __exit__(self, *exc_info) -> None:
            pass

    made = []
    monkeypatch.setattr(command, "make_backend", lambda *a, **k: made.append(k) or NoServer())
    runs = [sample_bench()]
    monkeypatch.setattr(command, "run_bench", lambda *a, **k: runs[0])
    argv = ["bench", "--report-dir", str(tmp_path)]
    assert cli.main(argv) == 1
    assert made == [{"hooks": False}, {"hooks": False}]  # python and go, neither with test hooks
    del runs[0].measurements[("node", "python", "unary")]  # the errors gone; ruby still unsupported
    assert cli.main(argv) == 0
    assert (tmp_path / "bench.html").is_file() and "reports: " in capsys.readouterr().out
