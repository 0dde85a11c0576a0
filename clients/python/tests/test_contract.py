"""Line parsing and case validation of the contract executor; no server needed (no call is made).

Run from clients/python: .venv/bin/python -m unittest discover -s tests
"""

import io
import json
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(HERE), str(HERE / "gen")]

from channels import Channels, ChannelSpec  # noqa: E402
from contract_executor import CaseError, execute_line, parse_line, serve_contract  # noqa: E402

GET_TEAM = {"id": "a", "method": "Teams/GetTeam", "requests": [{"city": "Chicago"}], "timeout_ms": 1000}


def answer(case) -> dict:
    line = case if isinstance(case, str) else json.dumps(case)
    with Channels() as channels:
        return execute_line(channels, "127.0.0.1:1", line, 7)


class ParseLine(unittest.TestCase):
    def test_bad_lines_answer_under_line_n(self):
        for line in ["{not json", "[1, 2]", '{"method": "Teams/GetTeam"}', '{"id": 5}', '"text"']:
            with self.subTest(line=line), self.assertRaises(CaseError) as raised:
                parse_line(line, 7)
            self.assertEqual(raised.exception.args[1], "line-7")
            self.assertEqual(answer(line)["id"], "line-7")

    def test_unknown_top_level_fields_are_ignored(self):
        self.assertEqual(parse_line(json.dumps({**GET_TEAM, "future": 1}), 1)["id"], "a")


class Validation(unittest.TestCase):
    def assert_error(self, **changes):
        result = answer({**GET_TEAM, **changes})
        self.assertEqual(result["id"], "a")
        self.assertIn("error", result, result)
        self.assertNotIn("status", result)

    def test_bad_cases_are_errors(self):
        for changes in [
            {"method": "Teams/Nope"},
            {"method": "No.Such/Method"},
            {"requests": [{"city": "x", "extra": 1}]},
            {"requests": [{"city": 5}]},
            {"requests": [{}, {}]},
            {"metadata": {"k-bin": ["*"]}},
            {"timeout_ms": 0},
            {"timeout_ms": -5},
            {"timeout_ms": "fast"},
            {"timeout_ms": True},
            {"cancel_after_responses": -1},
            {"compression": "zstd"},
            {"tls": {"server_name": "x"}},
            {"bench": {"calls": 0, "concurrency": 1}},
        ]:
            with self.subTest(changes=changes):
                self.assert_error(**changes)

    def test_channel_spec(self):
        spec = ChannelSpec.of({**GET_TEAM, "tls": {"ca_pem": "PEM"}, "compression": "gzip"}, "h:1")
        self.assertEqual(spec, ChannelSpec("h:1", ("PEM", None, None, None), "gzip"))
        self.assertEqual(ChannelSpec.of({"target": "o:2"}, "h:1").target, "o:2")


class Serve(unittest.TestCase):
    def test_every_line_answered_then_return(self):
        lines = "{bad\n\n" + json.dumps({**GET_TEAM, "timeout_ms": 0}) + "\n"
        out = io.StringIO()
        self.assertEqual(serve_contract("127.0.0.1:1", io.StringIO(lines), out), 0)
        ids = sorted(json.loads(line)["id"] for line in out.getvalue().splitlines())
        self.assertEqual(ids, ["a", "line-1"])


if __name__ == "__main__":
    unittest.main()
