"""A bench run for people: a Markdown table (terminal, ``$GITHUB_STEP_SUMMARY``) and one
self-contained HTML page whose chart is an inline SVG (no scripts, no network), plus the JSON.

The chart draws, per server under test, one bar per language x RPC kind: that server's median
calls per second for the client over the reference's for the same client and kind, with the
reference at 1.0. A cell with errors, a failure or no support shows that in words instead of a
bar; every figure is in the table below the chart and in bench.json.
"""

from html import escape
from pathlib import Path

from teams_interop.bench.model import BenchRun, Measurement, Outcome

JSON = "bench.json"
MARKDOWN = "bench.md"
HTML = "bench.html"
KIND_COLOURS = {
    "unary": "#0969da",
    "server_streaming": "#1a7f37",
    "client_streaming": "#8250df",
    "bidi_streaming": "#bc4c00",
}


def write_bench_reports(run: BenchRun, directory: Path) -> dict[str, Path]:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKDOWN).write_text(markdown(run), encoding="utf-8")
    (directory / HTML).write_text(html(run), encoding="utf-8")
    return {JSON: run.write_json(directory / JSON), MARKDOWN: directory / MARKDOWN, HTML: directory / HTML}


def ratio_sentence(run: BenchRun, server: str) -> str:
    pairs = (
        f" (median of the {run.options.repeat} runs' quotients, each from one client process benching both "
        f"servers moments apart)"
        if run.options.repeat > 1
        else ""
    )
    return (
        f"ratio = the calls per second the {server} server gave a client for an RPC kind, divided by the "
        f"calls per second the {run.reference} reference server gave the same client for the same kind in the "
        f"same run{pairs}. 1.00: as fast as the reference for that client; 0.25: a quarter of its "
        f"throughput. A slow client caps both servers, so its ratios lean towards 1.00: compare the servers "
        f"within a language, and the languages by their calls per second."
    )


def settings_line(run: BenchRun) -> str:
    options = run.options
    median = f"median of {options.repeat} runs" if options.repeat > 1 else "one run (--repeat 1)"
    warmup = f"after {options.warmup:,} warm-up calls" if options.warmup else "no warm-up"
    return (
        f"{options.calls:,} calls per RPC kind and server at concurrency {options.concurrency}, {warmup}, "
        f"{median}; each call's deadline {options.call_timeout_ms:,} ms, each client process's {options.seconds:g} s; "
        f"servers without test hooks on loopback"
    )


def host_line(run: BenchRun) -> str:
    host = run.host
    before, after = host.get("before", {}), host.get("after", {})
    words = [f"{host.get('cpus', '?')} CPUs"]
    if before:
        words.append(f"load before {before.get('load1', '?')}, after {after.get('load1', '?')} (1-minute)")
    return ", ".join(words)


def verdict(run: BenchRun) -> str:
    if not run.failed:
        return "every call OK"
    failing = len(run.failures)
    processes = sum(len(problems) for problems in run.process_problems.values())
    parts = [f"{failing} measurement(s) with errors or failed"] if failing else []
    parts += [f"{processes} client process problem(s)"] if processes else []
    return "FAILED: " + ", ".join(parts)


def _cps(measurement: Measurement | None) -> str:
    if measurement is None:
        return ""
    if measurement.outcome is Outcome.OK and measurement.median:
        return f"{measurement.median.calls_per_second:,.0f}"
    if measurement.outcome is Outcome.ERRORS:
        return f"errors {measurement.errors:,}/{measurement.calls:,}"
    return str(measurement.outcome)


def _latency(measurement: Measurement | None) -> str:
    median = measurement.median if measurement else None
    if median is None or measurement.outcome is not Outcome.OK:
        return ""
    return f"{median.latency_ms['p50']:.2f} / {median.latency_ms['p99']:.2f}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def explain(measurement: Measurement) -> str:
    """One line: why a measurement failed, its first error, or why it is unsupported."""
    if measurement.outcome is Outcome.ERRORS:
        error = measurement.first_error or {}
        code, message = error.get("code", "?"), error.get("message", "")
        first = f"first error: code {code}" + (f" {message!r}" if message else "")
        return f"{measurement.errors:,} of {measurement.calls:,} calls failed; {first}"
    return measurement.problem or str(measurement.outcome)


def markdown(run: BenchRun) -> str:
    servers, under_test = run.servers, run.under_test
    lines = [
        f"# Performance matrix: {verdict(run)}",
        "",
        f"Servers: {', '.join(f'`{s}`' + (' (reference)' if s == run.reference else '') for s in servers)}. "
        f"{settings_line(run)}. Host: {host_line(run)}.",
        "",
    ]
    lines += [f"*{ratio_sentence(run, server)}*" for server in under_test] + [""]
    header = ["language", "RPC kind"]
    header += [f"{server} calls/s" for server in servers]
    header += [f"{server} ÷ {run.reference}" for server in under_test]
    header += [f"{server} p50 / p99 ms" for server in servers]
    lines += ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|"]
    for language in run.languages:
        for kind in run.kinds:
            cells = [f"`{language}`", kind.label]
            cells += [_cps(run.measurements.get((language, server, kind.name))) for server in servers]
            cells += [_ratio(run.ratio(language, server, kind.name)) for server in under_test]
            cells += [_latency(run.measurements.get((language, server, kind.name))) for server in servers]
            lines.append("| " + " | ".join(cells) + " |")
    problems = [m for m in run.measurements.values() if m.outcome.is_failure]
    process_problems = [p for language in run.languages for p in run.process_problems.get(language, [])]
    if problems or process_problems:
        lines += ["", "## Problems", ""]
        lines += [f"- `{m.language}` {m.kind} against `{m.server}`: {m.outcome}: {explain(m)}" for m in problems]
        lines += [f"- {problem}" for problem in process_problems]
    unsupported = sorted(
        {m.language for m in run.measurements.values() if m.outcome is Outcome.UNSUPPORTED and "`bench`" in explain(m)}
    )
    if unsupported:
        lines += ["", f"Unsupported (no `bench` feature, not a failure): {', '.join(unsupported)}."]
    return "\n".join(lines) + "\n"


CSS = """
:root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; }
body { margin: 1.5rem; max-width: 80rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
.verdict { display: inline-block; padding: .2rem .6rem; border-radius: .3rem; font-weight: 600; }
.verdict.failed { background: #fde7e9; color: #a40e26; border: 1px solid #a40e26; }
.verdict.passed { background: #e6f4ea; color: #116329; border: 1px solid #116329; }
.ratio-definition { background: #f6f8fa; border-left: 4px solid #0969da; padding: .5rem .75rem; max-width: 60rem; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.o-ok { background: #e6f4ea; color: #116329; }
.o-errors, .o-failed, .o-not-run { background: #fde7e9; color: #a40e26; }
.o-unsupported { background: #f1f3f4; color: #59636e; }
.problem { font-size: .8rem; max-width: 36rem; }
figure { margin: 1rem 0; }
figcaption { font-size: .9rem; color: #59636e; max-width: 60rem; }
pre { background: #fff; border: 1px solid #d0d7de; padding: .4rem; font-size: .78rem;
      white-space: pre-wrap; overflow-wrap: anywhere; max-height: 24rem; overflow: auto; }
"""


def html(run: BenchRun) -> str:
    failed = run.failed
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Performance matrix: {escape(verdict(run))}</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Performance matrix</h1>",
        f'<p><span id="verdict" class="verdict {"failed" if failed else "passed"}">{escape(verdict(run))}</span></p>',
        f"<p>Servers: {', '.join(escape(s) + (' (reference)' if s == run.reference else '') for s in run.servers)}. "
        f"{escape(settings_line(run))}.</p>",
        f'<p id="host">Host: {escape(host_line(run))}. Started {escape(run.started)}, took {run.seconds:.1f} s.'
        + (f" Command: <code>{escape(run.command)}</code>" if run.command else "")
        + "</p>",
    ]
    for server in run.under_test:
        parts.append(
            f'<p class="ratio-definition" id="definition-{_id(server)}">{escape(ratio_sentence(run, server))}</p>'
        )
        parts.append(chart(run, server))
    parts.append(_table(run))
    parts.append(_problems(run))
    if run.stderr:
        parts.append("<h2>Client stderr</h2>")
        for language, text in run.stderr.items():
            parts.append(f"<details><summary>{escape(language)}</summary><pre>{escape(text)}</pre></details>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _id(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)


# The chart's geometry, in SVG user units (pixels at 100%).
LABEL_WIDTH, PLOT_WIDTH, NOTE_WIDTH = 230, 520, 330
BAR, GAP, TOP, BOTTOM = 16, 12, 62, 34


def chart(run: BenchRun, server: str) -> str:
    """One horizontal bar per language x RPC kind: ``server``'s ratio to the reference."""
    ratios = [
        value
        for language in run.languages
        for kind in run.kinds
        if (value := run.ratio(language, server, kind.name)) is not None
    ]
    top = max([1.0, *ratios]) * 1.08
    step = 0.25 if top <= 2 else 0.5 if top <= 4 else 1.0
    scale = step * -(-top // step)

    def x(value: float) -> float:
        return LABEL_WIDTH + PLOT_WIDTH * value / scale

    rows, y = [], TOP
    for language in run.languages:
        rows.append(
            f'<text x="{LABEL_WIDTH - 110}" y="{y + BAR - 3}" text-anchor="end" font-weight="600">'
            f"{escape(language)}</text>"
        )
        for kind in run.kinds:
            mine = run.measurements.get((language, server, kind.name))
            reference = run.measurements.get((language, run.reference, kind.name))
            value = run.ratio(language, server, kind.name)
            key = f"{_id(server)}-{_id(language)}-{kind.name}"
            attributes = f'data-language="{escape(language)}" data-kind="{kind.name}"'
            rows.append(
                f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR - 3}" text-anchor="end" fill="#59636e">{kind.label}</text>'
            )
            if value is not None:
                width = max(1.0, x(value) - LABEL_WIDTH)
                figures = f"{mine.median.calls_per_second:,.0f} vs {reference.median.calls_per_second:,.0f} calls/s"
                figures = f"median {figures}" if run.options.repeat > 1 else figures
                title = f"{language}, {kind.label}: {server} {figures} ({run.reference} = 1.0)"
                rows.append(
                    f'<g id="bar-{key}" class="bar" {attributes} data-ratio="{value:.3f}">'
                    f"<title>{escape(title)}</title>"
                    f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR}" '
                    f'fill="{KIND_COLOURS.get(kind.name, "#57606a")}"/>'
                    f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR - 3}" '
                    f'stroke="#fff" stroke-width="3" paint-order="stroke">{value:.2f}× '
                    f'<tspan fill="#59636e">({figures})</tspan></text></g>'
                )
            else:
                note, colour = _no_bar(mine, reference, run.reference)
                rows.append(
                    f'<g id="bar-{key}" class="no-bar" {attributes} data-outcome="{escape(note)}">'
                    f'<text x="{LABEL_WIDTH + 6}" y="{y + BAR - 3}" fill="{colour}" font-weight="600" '
                    f'stroke="#fff" stroke-width="3" paint-order="stroke">'
                    f"{escape(note)}</text></g>"
                )
            y += BAR + 2
        y += GAP
    height = y + BOTTOM
    grid = []
    ticks = round(scale / step)
    for index in range(ticks + 1):
        value = index * step
        grid.append(
            f'<line x1="{x(value):.1f}" x2="{x(value):.1f}" y1="{TOP - 6}" y2="{y}" stroke="#d0d7de"/>'
            f'<text x="{x(value):.1f}" y="{y + 16}" text-anchor="middle" fill="#59636e">{value:g}</text>'
        )
    one = x(1.0)
    grid.append(
        f'<line id="reference-line" x1="{one:.1f}" x2="{one:.1f}" y1="{TOP - 10}" y2="{y}" stroke="#1f2328" '
        f'stroke-width="2" stroke-dasharray="5 3"/>'
        f'<text x="{one:.1f}" y="{TOP - 16}" text-anchor="middle" font-weight="600">'
        f"{escape(run.reference)} reference = 1.0</text>"
    )
    legend = []
    for index, kind in enumerate(run.kinds):
        legend.append(
            f'<rect x="{10 + index * 150}" y="8" width="12" height="12" '
            f'fill="{KIND_COLOURS.get(kind.name, "#57606a")}"/>'
            f'<text x="{28 + index * 150}" y="18">{kind.label}</text>'
        )
    width = LABEL_WIDTH + PLOT_WIDTH + NOTE_WIDTH
    title = (
        f"{server} server throughput as a ratio of the {run.reference} reference's, per client language and RPC kind"
    )
    return (
        f'<figure id="chart-{_id(server)}"><svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-size="12" '
        f'font-family="system-ui, sans-serif" aria-labelledby="chart-title-{_id(server)}">'
        f'<title id="chart-title-{_id(server)}">{escape(title)}</title>'
        f"{''.join(legend)}{''.join(grid)}{''.join(rows)}"
        f'<text x="{LABEL_WIDTH + PLOT_WIDTH / 2}" y="{height - 4}" text-anchor="middle" fill="#59636e">'
        f"calls/s against {escape(server)} ÷ calls/s against {escape(run.reference)}, same client, same run</text>"
        f"</svg><figcaption>{escape(title)}. Bars end at the ratio; the dashed line is the reference (1.0). "
        f"Hover a bar for both servers' calls per second.</figcaption></figure>"
    )


def _no_bar(mine: Measurement | None, reference: Measurement | None, reference_name: str) -> tuple[str, str]:
    """What stands where a bar cannot: the cell's outcome in words, red for a failure."""
    for who, measurement in (("", mine), (f"{reference_name} reference: ", reference)):
        if measurement is None:
            return f"{who}not measured", "#59636e"
        if measurement.outcome is Outcome.UNSUPPORTED:
            return f"{who}unsupported", "#59636e"
        if measurement.outcome is not Outcome.OK:
            text = f"{who}{measurement.outcome}: {explain(measurement)}"
            return (text if len(text) <= 110 else text[:107] + "…"), "#a40e26"
    return "no figure", "#59636e"


def _table(run: BenchRun) -> str:
    head = "".join(
        f"<th>{name}</th>"
        for name in (
            "language",
            "RPC kind",
            "server",
            "outcome",
            "calls/s",
            f"÷ {escape(run.reference)}",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "calls",
            "errors",
            "runs (calls/s)",
            "first error or problem",
        )
    )
    rows = []
    for language in run.languages:
        for kind in run.kinds:
            for server in run.servers:
                m = run.measurements.get((language, server, kind.name))
                if m is None:
                    continue
                median = m.median
                latency = median.latency_ms if median else {}
                ratio = run.ratio(language, server, kind.name) if server != run.reference else None
                ratio_text = (
                    "1.00 (reference)" if server == run.reference and m.outcome is Outcome.OK else _ratio(ratio)
                )
                problem = "" if m.outcome is Outcome.OK else explain(m)
                key = f"{_id(language)}-{_id(server)}-{kind.name}"
                cells = [
                    f"<td>{escape(language)}</td>",
                    f"<td>{kind.label}</td>",
                    f"<td>{escape(server)}</td>",
                    f'<td class="o-{_id(str(m.outcome))}" id="outcome-{key}">{escape(str(m.outcome))}</td>',
                    f'<td class="num" id="cps-{key}">{f"{median.calls_per_second:,.0f}" if median else ""}</td>',
                    f'<td class="num" id="ratio-{key}">{ratio_text}</td>',
                    *(
                        f'<td class="num">{latency[p]:.2f}</td>' if p in latency else "<td></td>"
                        for p in ("p50", "p90", "p99", "max")
                    ),
                    f'<td class="num">{m.calls:,}</td>',
                    f'<td class="num" id="errors-{key}">{m.errors:,}</td>',
                    f'<td class="num">{", ".join(f"{s.calls_per_second:,.0f}" for s in m.samples)}</td>',
                    f'<td class="problem" id="problem-{key}">{escape(problem)}</td>',
                ]
                rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        '<h2>Every figure</h2><table id="figures"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _problems(run: BenchRun) -> str:
    items = [
        f"<li>{escape(m.language)} {m.kind.replace('_', ' ')} against {escape(m.server)}: {escape(explain(m))}</li>"
        for m in run.failures
    ]
    items += [f"<li>{escape(p)}</li>" for language in run.languages for p in run.process_problems.get(language, [])]
    if not items:
        return ""
    return f'<h2>Problems</h2><ul id="problems">{"".join(items)}</ul>'
