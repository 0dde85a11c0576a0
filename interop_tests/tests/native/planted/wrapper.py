"""A client under test that misbehaves on purpose, made by the planted-fault tests.

It runs the real Python client's contract executor as a child and sits between it and the
harness, honest or not: ``wrapper.py MODE CASE REAL_CLIENT_DIR TARGET``.

  honest   pass everything through
  liar     reverse the streamed responses of CASE
  exit1    pass everything through, then exit 1
  linger   pass everything through, then stay alive after stdin closes
  hang     swallow CASE's request line, so it is never answered, in the first process only
"""

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

mode, case_id, real, target = sys.argv[1:5]
child = subprocess.Popen(
    [str(Path(real) / ".venv" / "bin" / "python"), "teams_client.py", "--contract", "--target", target],
    cwd=real,
    stdin=subprocess.PIPE,
    stdout=subprocess.PIPE,
    text=True,
    bufsize=1,
)
marker = Path(sys.argv[5]) if len(sys.argv) > 5 else None  # hang: only the first process hangs
hanging = mode == "hang" and marker is not None and not marker.exists()
if hanging:
    marker.touch()


def forward_results() -> None:
    for line in child.stdout:
        result = json.loads(line)
        if mode == "liar" and result.get("id") == case_id:
            result["responses"] = list(reversed(result.get("responses", [])))
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


reader = threading.Thread(target=forward_results)
reader.start()
for line in sys.stdin:
    if hanging and json.loads(line).get("id") == case_id:
        print(f"planted: swallowing {case_id}", file=sys.stderr, flush=True)
        continue
    child.stdin.write(line)
    child.stdin.flush()
child.stdin.close()
child.wait()
reader.join()
print(f"planted {mode}: done", file=sys.stderr, flush=True)
if mode == "exit1":
    sys.exit(1)
if mode == "linger":
    time.sleep(120)
