"""The executor's own tests: bad input, and the contract loop against an in-process grpclib server.

The server is grpclib's, implementing the generated TeamsBase; no Teams server is needed.
"""

import asyncio
import io
import json
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "gen"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import teams_grpc
import teams_pb2
from bench import latency_summary
from case_plan import CaseError, plan_case
from contract_executor import serve_contract
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from grpclib.server import Server


class Teams(teams_grpc.TeamsBase):
    async def GetTeam(self, stream):
        request = await stream.recv_message()
        if request.city == "slow":
            await asyncio.sleep(0.5)
        if not request.city:
            raise GRPCError(Status.INVALID_ARGUMENT, "city must not be empty")
        await stream.send_initial_metadata(metadata={"x-echo": "a", "x-echo-bin": b"\x00\xff"})
        await stream.send_message(teams_pb2.TeamResponse(city=request.city, nickname="Testers"))
        await stream.send_trailing_metadata(metadata={"x-done": "yes"})

    async def ListTeams(self, stream):
        await stream.recv_message()
        for city in ("A", "B", "C"):
            await stream.send_message(teams_pb2.TeamResponse(city=city))
            await asyncio.sleep(0.6)

    async def SummarizeTeams(self, stream):
        cities = [request.city async for request in stream]
        await stream.send_message(teams_pb2.TeamSummary(cities=len(cities), nicknames=cities))

    async def GetTeams(self, stream):
        async for request in stream:
            await stream.send_message(teams_pb2.TeamResponse(city=request.city))


class PlanTest(unittest.TestCase):
    def plan(self, **case):
        return plan_case({"method": "Teams/GetTeam", "requests": [{"city": "x"}], **case}, "h:1")

    def test_rejects_what_it_cannot_run(self):
        for case in (
            {"method": "Teams/Nope"},
            {"requests": [{"city": "x", "extra": 1}]},
            {"requests": []},
            {"metadata": {"k-bin": ["not base64!"]}},
            {"metadata": {"k": "not a list"}},
            {"timeout_ms": 0},
            {"timeout_ms": 1.5},
            {"cancel_after_responses": -1},
            {"path": "no-slash"},
            {"compression": "gzip"},
            {"tls": {"server_name": "x"}},
            {"bench": {"calls": 0, "concurrency": 1}},
        ):
            with self.subTest(case=case), self.assertRaises(CaseError):
                self.plan(**case)

    def test_reads_proto_names_and_binary_metadata(self):
        plan = plan_case(
            {"method": "Teams/ListTeams", "requests": [{"city_prefix": "S"}], "metadata": {"a-bin": ["AAE="]}},
            "h:1",
        )
        self.assertEqual(plan.requests[0].city_prefix, "S")
        self.assertEqual(plan.metadata, [("a-bin", b"\x00\x01")])

    def test_latency_summary_is_nearest_rank(self):
        summary = latency_summary([float(n) for n in range(1, 101)])
        self.assertEqual(summary, {"p50": 50.0, "p90": 90.0, "p99": 99.0, "max": 100.0})


class ContractTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.server = Server([Teams()])
        await self.server.start("127.0.0.1", 0)
        port = self.server._server.sockets[0].getsockname()[1]
        self.target = f"127.0.0.1:{port}"

    async def asyncTearDown(self):
        self.server.close()
        await self.server.wait_closed()

    async def run_lines(self, *lines):
        out = io.StringIO()
        code = await serve_contract(self.target, io.StringIO("".join(line + "\n" for line in lines)), out)
        self.assertEqual(code, 0)
        return {result["id"]: result for result in map(json.loads, out.getvalue().splitlines())}

    async def test_cases_run_concurrently_and_answer_each_line(self):
        def get(case_id, city):
            return json.dumps({"id": case_id, "method": "Teams/GetTeam", "requests": [{"city": city}]})

        out = io.StringIO()
        lines = [get("slow", "slow"), "not json", "", get("fast", "Chicago"), get("bad", "")]
        await serve_contract(self.target, io.StringIO("\n".join(lines) + "\n"), out)
        order = [json.loads(line)["id"] for line in out.getvalue().splitlines()]
        self.assertEqual(order[-1], "slow")  # started first, answered last: nothing waited for it
        results = {json.loads(line)["id"]: json.loads(line) for line in out.getvalue().splitlines()}
        self.assertIn("error", results["line-2"])
        fast = results["fast"]
        self.assertEqual(fast["responses"], [{"city": "Chicago", "nickname": "Testers"}])
        self.assertEqual(fast["initial_metadata"], {"x-echo": ["a"], "x-echo-bin": ["AP8="]})
        self.assertEqual(fast["trailing_metadata"], {"x-done": ["yes"]})
        self.assertEqual(results["bad"]["status"], {"code": 3, "message": "city must not be empty"})

    async def test_streams_cancel_deadline_and_path(self):
        results = await self.run_lines(
            json.dumps({"id": "sum", "method": "Teams/SummarizeTeams", "requests": [{"city": "A"}, {"city": "B"}]}),
            json.dumps({"id": "bidi", "method": "Teams/GetTeams", "requests": [{"city": "A"}, {"city": "B"}]}),
            json.dumps({"id": "cancel", "method": "Teams/ListTeams", "requests": [{}], "cancel_after_responses": 1}),
            json.dumps({"id": "late", "method": "Teams/ListTeams", "requests": [{}], "timeout_ms": 400}),
            json.dumps({"id": "path", "method": "Teams/GetTeam", "requests": [{}], "path": "/Teams/Nope"}),
        )
        self.assertEqual(results["sum"]["responses"], [{"cities": 2, "nicknames": ["A", "B"]}])
        self.assertEqual(results["bidi"]["responses"], [{"city": "A"}, {"city": "B"}])
        self.assertEqual(results["cancel"]["status"]["code"], 1)
        self.assertEqual(results["cancel"]["responses"], [{"city": "A"}])
        self.assertEqual(results["late"]["status"]["code"], 4)
        self.assertEqual(results["late"]["responses"], [{"city": "A"}])
        # grpclib's server answers an unknown path without a content-type, which grpclib's client
        # reports as UNKNOWN before it reads the grpc-status (12) beside it.
        self.assertIn(results["path"]["status"]["code"], (2, 12))

    async def test_bench(self):
        case = {
            "id": "b",
            "method": "Teams/GetTeam",
            "requests": [{"city": "x"}],
            "bench": {"calls": 20, "concurrency": 4},
        }
        bench = (await self.run_lines(json.dumps(case)))["b"]["bench"]
        self.assertEqual((bench["calls"], bench["errors"]), (20, 0))
        self.assertLessEqual(bench["latency_ms"]["p50"], bench["latency_ms"]["max"])


if __name__ == "__main__":
    unittest.main()
