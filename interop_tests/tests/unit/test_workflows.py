"""The shipped GitHub workflows, run for real: every `run:` step under GitHub's shell semantics.

A small runner reads a job (or a composite action) from the YAML and runs its steps in order, as a
runner would: `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`, no shell is
`bash -e {0}` (no pipefail: the trap issue #10 found), `${{ }}` expressions are evaluated against
the contexts the test gives, `if:` decides with success()/failure()/always()/cancelled(), and
GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ENV are temp files whose outputs later steps read.
`uses:` steps are not run (the test sets up what they would have left, e.g. downloaded results),
and `./interop` is a fake that prints and exits as each test says. So a step that swallows a
failure, or a summary that says "passed" when a language is missing, goes red here first.
"""

import json
import os
import re
import subprocess
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
MATRIX = REPO / ".github" / "workflows" / "interop-matrix.yml"
ACTION = REPO / ".github" / "actions" / "compat" / "action.yml"
WORKFLOWS = [MATRIX, REPO / "ci" / "github" / "interop.yml", REPO / "ci" / "github" / "compat.yml"]
SHELLS = {
    "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail"],
    None: ["bash", "-e"],  # GitHub's default when neither the step nor `defaults` names a shell
}


# --- expressions: the subset of GitHub's language the workflows use --------------------------

TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|'((?:[^']|'')*)'|(==|!=|&&|\|\||[!()\[\],.])|([A-Za-z_][\w-]*))")


def evaluate(expression: str, contexts: dict, status: dict):
    tokens = []
    text = expression.strip()
    while text:
        match = TOKEN.match(text)
        assert match, f"cannot read {text!r} in {expression!r}"
        number, string, operator, name = match.groups()
        if number is not None:
            tokens.append(("value", float(number) if "." in number else int(number)))
        elif string is not None:
            tokens.append(("value", string.replace("''", "'")))
        elif operator:
            tokens.append(("op", operator))
        else:
            tokens.append(("name", name))
        text = text[match.end() :]
    parser = _Parser(tokens, contexts, status)
    value = parser.either()
    assert parser.at == len(tokens), f"trailing tokens in {expression!r}"
    return value


@dataclass
class _Parser:
    tokens: list
    contexts: dict
    status: dict
    at: int = 0

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else (None, None)

    def take(self, value=None):
        token = self.peek()
        assert value is None or token[1] == value, f"expected {value}, got {token}"
        self.at += 1
        return token

    def either(self):
        left = self.both()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.both()
            left = left or right
        return left

    def both(self):
        left = self.compare()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.compare()
            left = left and right
        return left

    def compare(self):
        left = self.unary()
        while self.peek() in (("op", "=="), ("op", "!=")):
            operator = self.take()[1]
            right = self.unary()
            same = str(left).lower() == str(right).lower() if isinstance(left, str) else left == right
            left = same if operator == "==" else not same
        return left

    def unary(self):
        if self.peek() == ("op", "!"):
            self.take()
            return not self.unary()
        return self.primary()

    def primary(self):
        kind, value = self.take()
        if kind == "value":
            return value
        if (kind, value) == ("op", "("):
            inner = self.either()
            self.take(")")
            return inner
        if value in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value]
        if self.peek() == ("op", "("):
            self.take("(")
            args = []
            while self.peek() != ("op", ")"):
                args.append(self.either())
                if self.peek() == ("op", ","):
                    self.take()
            self.take(")")
            return self.call(value, args)
        current = self.contexts.get(value)
        while self.peek() in (("op", "."), ("op", "[")):
            if self.take()[1] == ".":
                key = self.take()[1]
            else:
                key = self.either()
                self.take("]")
            current = current.get(key) if isinstance(current, dict) else None
        return current

    def call(self, name: str, args: list):
        if name == "always":
            return True
        if name == "success":
            return not self.status["failed"]
        if name == "failure":
            return self.status["failed"]
        if name == "cancelled":
            return False
        if name == "fromJSON":
            return json.loads(args[0])
        if name == "toJSON":
            return json.dumps(args[0])
        raise AssertionError(f"the runner does not know {name}()")


def render(text, contexts: dict, status: dict):
    """A value with ``${{ }}`` in it: the value of the expression when it is the whole text."""
    if not isinstance(text, str):
        return text
    whole = re.fullmatch(r"\s*\$\{\{(.*?)\}\}\s*", text, re.S)
    if whole:
        return evaluate(whole.group(1), contexts, status)

    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: _text(evaluate(m.group(1), contexts, status)), text)


def _text(value) -> str:
    """A value as GitHub writes it into an env var or a script: null is empty, booleans lowercase."""
    return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


# --- the runner -------------------------------------------------------------------------------


@dataclass
class StepRun:
    name: str
    outcome: str  # success, failure, skipped
    exit_code: int | None
    output: str = ""


@dataclass
class JobRun:
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict = field(default_factory=dict)  # step id -> outputs
    summary: str = ""
    failed: bool = False

    def step(self, name_part: str) -> StepRun:
        return next(s for s in self.steps if name_part in s.name)


def _outputs(path: Path) -> dict:
    found, lines = {}, path.read_text().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and "=" not in line.split("<<")[0]:
            key, marker = line.split("<<", 1)
            end = lines.index(marker, i + 1)
            found[key] = "\n".join(lines[i + 1 : end])
            i = end
        elif "=" in line:
            key, value = line.split("=", 1)
            found[key] = value
        i += 1
    return found


def run_steps(steps: list, workspace: Path, contexts: dict, default_shell=None, env=None) -> JobRun:
    job = JobRun()
    temp = workspace.parent / f"{workspace.name}-runner"
    temp.mkdir(exist_ok=True)
    summary = temp / "step_summary.md"
    summary.write_text("")
    contexts = {**contexts, "steps": {}, "runner": {"temp": str(temp), "os": "Linux"}}
    status = {"failed": False}
    for index, step in enumerate(steps):
        name = step.get("name") or step.get("uses") or f"step {index}"
        condition = step.get("if", "success()")
        if isinstance(condition, str):
            condition = re.sub(r"^\$\{\{|\}\}$", "", condition.strip())
            if not re.search(r"\b(success|failure|always|cancelled)\(", condition):
                condition = f"success() && ({condition})"  # GitHub's implicit status check
            condition = evaluate(condition, contexts, status)
        if not condition:
            job.steps.append(StepRun(name, "skipped", None))
            continue
        if "run" not in step:  # uses: not run; the test set up what it would have left
            job.steps.append(StepRun(name, "success", 0))
            continue
        output_file = temp / f"output-{index}"
        output_file.write_text("")
        step_env = {
            **os.environ,
            **(env or {}),
            **{k: _text(render(v, contexts, status)) for k, v in (step.get("env") or {}).items()},
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_ENV": str(temp / "env"),
            "GITHUB_PATH": str(temp / "path"),
            "RUNNER_TEMP": str(temp),
        }
        script = temp / f"step-{index}.sh"
        script.write_text(render(step["run"], contexts, status))
        shell = step.get("shell", default_shell)
        done = subprocess.run(
            [*SHELLS[shell], str(script)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        outcome = "success" if done.returncode == 0 else "failure"
        if outcome == "failure":
            status["failed"] = True
            job.failed = True
        job.steps.append(StepRun(name, outcome, done.returncode, done.stdout + done.stderr))
        if "id" in step:
            job.outputs[step["id"]] = _outputs(output_file)
            contexts["steps"][step["id"]] = {"outputs": job.outputs[step["id"]], "outcome": outcome}
    job.summary = summary.read_text()
    return job


def workflow_shell(document: dict, job: dict) -> str | None:
    return ((job.get("defaults") or {}).get("run") or (document.get("defaults") or {}).get("run") or {}).get("shell")


def fake_interop(workspace: Path, body: str) -> None:
    """``./interop`` in the workspace: records its arguments, then does what ``body`` says."""
    script = workspace / "interop"
    script.write_text(f'#!/usr/bin/env bash\necho "$@" >> "{workspace}/interop.args"\n{textwrap.dedent(body)}')
    script.chmod(0o755)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --- static properties of every workflow ------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_run_step_gets_bash_with_pipefail_from_defaults(path: Path) -> None:
    document = load(path)
    assert (document.get("defaults") or {}).get("run", {}).get("shell") == "bash", path
    for job in (document.get("jobs") or {}).values():
        for step in job.get("steps", []):
            assert step.get("shell", "bash") == "bash", step


def test_every_composite_run_step_names_bash() -> None:
    for step in load(ACTION)["runs"]["steps"]:
        if "run" in step:
            assert step.get("shell") == "bash", step


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION], ids=lambda p: p.name)
def test_actions_are_pinned_by_commit_with_their_tag(path: Path) -> None:
    for line in path.read_text().splitlines():
        match = re.search(r"uses:\s*(\S+)(.*)", line)
        if line.strip().startswith("#") or not match or match.group(1).startswith("./"):
            continue
        action, rest = match.groups()
        assert re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}", action), line
        assert re.search(r"#\s*v\d+\.\d+\.\d+", rest), f"no tag comment: {line}"


@pytest.mark.parametrize("path", [*WORKFLOWS, ACTION], ids=lambda p: p.name)
def test_uploads_of_hidden_folders_include_them(path: Path) -> None:
    text = path.read_text()
    for block in re.split(r"\n\s*- ", text):
        if "upload-artifact@" in block and ".interop/" in block:
            assert "include-hidden-files: true" in block, block


def test_push_runs_on_the_default_branch_only_and_the_matrix_is_not_typed() -> None:
    caller = load(REPO / "ci" / "github" / "interop.yml")
    assert caller[True]["push"] == {"branches": ["main"]}  # PyYAML reads `on:` as True
    matrix = load(MATRIX)
    assert "workflow_call" in matrix[True] and set(matrix[True]) == {"workflow_call"}
    assert set(matrix[True]["workflow_call"]["inputs"]) >= {"languages", "shards", "proto-path", "target"}
    assert matrix["jobs"]["run"]["strategy"]["matrix"]["language"] == "${{ fromJSON(needs.plan.outputs.languages) }}"


# --- the compat action, run -------------------------------------------------------------------

BREAKING_STDOUT = """\
echo "interop compat: working tree against abc123"
echo "verdict: BREAKING: 1 static finding(s) (RPC_NO_DELETE)"
echo "::error file=proto/teams.proto,line=40,col=1::RPC_NO_DELETE Previously present RPC was deleted."
exit 1
"""


def compat(tmp_path: Path, body: str, inputs=None, event=None) -> tuple[JobRun, Path]:
    workspace = tmp_path / "repo"
    workspace.mkdir()
    fake_interop(workspace, body)
    defaults = {k: v.get("default", "") for k, v in load(ACTION)["inputs"].items()}
    contexts = {
        "inputs": {**defaults, **(inputs or {})},
        "github": {"event": event if event is not None else {"pull_request": {"base": {"sha": "b" * 40}}}},
    }
    return run_steps(load(ACTION)["runs"]["steps"], workspace, contexts), workspace


def test_a_breaking_change_fails_the_gate_step_and_the_summary_says_so(tmp_path) -> None:
    job, workspace = compat(tmp_path, BREAKING_STDOUT)
    gate = job.step("Check proto/")
    assert (gate.outcome, gate.exit_code) == ("failure", 1)
    assert "::error file=proto/teams.proto,line=40,col=1::RPC_NO_DELETE" in gate.output  # an annotation
    assert job.step("job summary").outcome == "success"
    assert job.summary.startswith("## Proto compatibility: BREAKING")
    assert "verdict: BREAKING" in job.summary and "::error" not in job.summary
    assert (workspace / "interop.args").read_text().startswith(f"compat --against {'b' * 40} ")


def test_a_compatible_change_passes(tmp_path) -> None:
    job, workspace = compat(tmp_path, 'echo "verdict: compatible"\n', inputs={"strict-source": "true"})
    assert job.step("Check proto/").outcome == "success" and not job.failed
    assert job.summary.startswith("## Proto compatibility: compatible")
    assert "--strict-source" in (workspace / "interop.args").read_text()


def test_a_gate_that_cannot_run_fails_and_its_stderr_reaches_the_summary(tmp_path) -> None:
    body = "echo \"interop compat: could not run: --against 'x' is not a commit\" >&2\nexit 2\n"
    job, _ = compat(tmp_path, body)
    assert (job.step("Check proto/").exit_code, job.failed) == (2, True)
    assert "COULD NOT RUN (exit 2)" in job.summary
    assert "could not run: --against 'x' is not a commit" in job.summary


def test_without_a_pull_request_or_a_ref_it_says_so(tmp_path) -> None:
    job, workspace = compat(tmp_path, "exit 0\n", event={})
    assert job.step("Check proto/").exit_code == 2
    assert "no base to compare with" in job.summary
    assert not (workspace / "interop.args").exists()


def test_the_old_tee_pipeline_would_have_swallowed_it(tmp_path) -> None:
    """The trap itself: the same pipe under GitHub's default shell (no pipefail) is green."""
    workspace = tmp_path / "repo"
    workspace.mkdir()
    fake_interop(workspace, BREAKING_STDOUT)
    steps = [{"name": "old", "run": "./interop compat | tee summary.txt"}]
    assert run_steps(steps, workspace, {}, default_shell=None).steps[0].outcome == "success"
    assert run_steps(steps, workspace, {}, default_shell="bash").steps[0].exit_code == 1


# --- the matrix workflow's own steps, run -----------------------------------------------------

CLIENTS = [
    {"language": "go", "dockerfile": "clients/go/Dockerfile", "features": ["unary"]},
    {"language": "node", "dockerfile": "clients/node/Dockerfile", "features": ["unary"]},
    {"language": "python", "dockerfile": "clients/python/Dockerfile", "features": ["unary"]},
]
SERVERS = [
    {"name": "python", "image": "teams-interop/server:dev", "dockerfile": "python_server/Dockerfile"},
    {"name": "go", "image": "teams-interop/server-go:dev", "dockerfile": "servers/go/Dockerfile"},
]
MANIFESTS = f"""if [ "$1" = servers ]; then echo '{json.dumps(SERVERS)}'; else echo '{json.dumps(CLIENTS)}'; fi\n"""


def matrix_job(name: str, tmp_path: Path, interop_body: str, contexts: dict) -> tuple[JobRun, Path]:
    workspace = tmp_path / "repo"
    workspace.mkdir(exist_ok=True)
    (workspace / "ci" / "github").mkdir(parents=True, exist_ok=True)
    (workspace / "ci" / "github" / "plan.py").write_text((REPO / "ci" / "github" / "plan.py").read_text())
    fake_interop(workspace, interop_body)
    document = load(MATRIX)
    job = document["jobs"][name]
    return run_steps(job["steps"], workspace, contexts, workflow_shell(document, job)), workspace


def test_the_plan_comes_from_the_manifests(tmp_path) -> None:
    contexts = {"inputs": {"languages": "", "shards": 2, "servers": "", "python-version": "3.11"}}
    job, _ = matrix_job("plan", tmp_path, MANIFESTS, contexts)
    assert not job.failed, job.steps
    outputs = _outputs_of(job, "plan")
    assert json.loads(outputs["languages"]) == ["go", "node", "python"]
    assert json.loads(outputs["shards"]) == [1, 2]
    assert json.loads(outputs["images"])[0] == {"name": "server", "dockerfile": "python_server/Dockerfile"}
    assert outputs["servers"] == "python" and json.loads(outputs["server-images"]) == ["server"]


def test_the_plan_builds_every_chosen_servers_image(tmp_path) -> None:
    contexts = {"inputs": {"languages": "go", "shards": 1, "servers": "python,go", "python-version": "3.11"}}
    job, _ = matrix_job("plan", tmp_path, MANIFESTS, contexts)
    outputs = _outputs_of(job, "plan")
    assert [image["name"] for image in json.loads(outputs["images"])] == ["server", "server-go", "go"]
    assert outputs["servers"] == "python,go" and json.loads(outputs["server-images"]) == ["server", "server-go"]


def test_an_unknown_language_or_server_fails_the_plan(tmp_path) -> None:
    for languages, servers in (("cobol", ""), ("go", "cobol")):
        contexts = {"inputs": {"languages": languages, "shards": 1, "servers": servers, "python-version": "3.11"}}
        (tmp_path / f"{languages}-{servers}").mkdir()
        job, _ = matrix_job("plan", tmp_path / f"{languages}-{servers}", MANIFESTS, contexts)
        assert job.step("Read the client manifests").outcome == "failure"


def _outputs_of(job: JobRun, step_id: str) -> dict:
    return job.outputs[step_id]


def report_contexts(languages: list[str]) -> dict:
    return {
        "inputs": {"python-version": "3.11"},
        "needs": {"plan": {"outputs": {"languages": json.dumps(languages), "shards": "[1]"}, "result": "success"}},
    }


def test_a_language_without_results_makes_the_headline_failed_and_names_it(tmp_path) -> None:
    workspace = tmp_path / "repo"
    (workspace / "results").mkdir(parents=True)
    for language in ("node", "python"):
        (workspace / "results" / f"{language}-1.jsonl").write_text("{}\n")
    body = 'mkdir -p report; echo "## 120 passed" > report/summary.md; exit 0\n'
    job, _ = matrix_job("report", tmp_path, body, report_contexts(["go", "node", "python"]))
    assert job.step("every language and shard").exit_code == 1
    assert job.step("Judge").outcome == "skipped"  # success() is false after the failed check
    assert job.step("job summary").outcome == "success"
    assert job.summary.startswith("# Interop matrix: FAILED\n**No results from: go-1**")
    assert "## 120 passed" not in job.summary or "FAILED" in job.summary.splitlines()[0]


def test_every_language_reported_and_passed(tmp_path) -> None:
    workspace = tmp_path / "repo"
    (workspace / "results").mkdir(parents=True)
    for language in ("go", "node"):
        (workspace / "results" / f"{language}-1.jsonl").write_text("{}\n")
    body = 'mkdir -p report; echo "## 120 passed" > report/summary.md; exit 0\n'
    job, workspace = matrix_job("report", tmp_path, body, report_contexts(["go", "node"]))
    assert not job.failed, [(s.name, s.outcome, s.output) for s in job.steps]
    assert job.summary.startswith("# Interop matrix: passed")
    assert "report --results results/go-1.jsonl results/node-1.jsonl" in (workspace / "interop.args").read_text()


def test_a_failing_judgement_is_failed_in_the_headline(tmp_path) -> None:
    workspace = tmp_path / "repo"
    (workspace / "results").mkdir(parents=True)
    (workspace / "results" / "go-1.jsonl").write_text("{}\n")
    body = 'mkdir -p report; echo "## 1 failed" > report/summary.md; exit 1\n'
    job, _ = matrix_job("report", tmp_path, body, report_contexts(["go"]))
    assert job.step("Judge").exit_code == 1
    assert job.summary.startswith("# Interop matrix: FAILED") and "## 1 failed" in job.summary


def run_the_run_step(tmp_path: Path, contexts: dict, interop_body: str) -> tuple[JobRun, Path]:
    """The matrix workflow's "Run the ..." step, under bash, with a fake ./interop."""
    steps = [s for s in load(MATRIX)["jobs"]["run"]["steps"] if s.get("name", "").startswith("Run the")]
    workspace = tmp_path / "repo"
    workspace.mkdir()
    fake_interop(workspace, interop_body)
    return run_steps(steps, workspace, contexts, "bash"), workspace


def test_the_run_step_passes_shard_and_target_and_fails_with_the_client(tmp_path) -> None:
    contexts = {
        "inputs": {"shards": 3, "proto-path": "proto", "target": "", "python-version": "3.11"},
        "needs": {"plan": {"outputs": {"servers": "python,go"}}},
        "matrix": {"language": "go", "shard": 2},
    }
    job, workspace = run_the_run_step(tmp_path, contexts, "exit 1\n")
    assert job.steps[0].exit_code == 1
    args = (workspace / "interop.args").read_text()
    assert "run --backend docker --languages go --shard 2/3 --results-out results/go-2.jsonl" in args
    assert args.split()[-2:] == ["--servers", "python,go"]
    assert "--target" not in args


def test_a_target_with_its_ca_and_token_reaches_interop_run_as_files(tmp_path) -> None:
    """A deploy pipeline's call: the target over TLS with a token, both from secrets."""
    contexts = {
        "inputs": {
            "shards": 1, "proto-path": "proto", "target": "staging.example.com:443",
            "target-server-name": "teams.example.com", "target-features": "health,reflection",
            "python-version": "3.11",
        },
        "secrets": {
            "TARGET_CA": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
            "TARGET_TOKEN": "s3cret",
        },
        "matrix": {"language": "go", "shard": 1},
    }  # fmt: skip
    job, workspace = run_the_run_step(tmp_path, contexts, "exit 0\n")
    assert job.steps[0].exit_code == 0, job.steps[0].output
    args = (workspace / "interop.args").read_text().split()
    assert args[args.index("--target") + 1] == "staging.example.com:443"
    assert args[args.index("--server-name") + 1] == "teams.example.com"
    assert args[args.index("--target-features") + 1] == "health,reflection"
    assert "--tls" in args and "s3cret" not in args  # the token travels in a file, never on argv
    assert Path(args[args.index("--ca") + 1]).read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert Path(args[args.index("--token-file") + 1]).read_text() == "s3cret"
