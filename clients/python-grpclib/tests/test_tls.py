"""TLS and mutual TLS against an in-process grpclib server, with certificates openssl makes."""

import io
import json
import shutil
import ssl
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "gen"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contract_executor import serve_contract
from grpclib.server import Server

from tests.test_contract import Teams

OPENSSL = shutil.which("openssl")


def make_certificates(directory: Path) -> dict[str, str]:
    def run(*args: str) -> None:
        subprocess.run([OPENSSL, *args], cwd=directory, check=True, capture_output=True)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "1",
        "-subj",
        "/CN=Test CA",
    )
    (directory / "san.ext").write_text("subjectAltName=DNS:teams.test\n")
    for name in ("server", "client"):
        run(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            "-subj",
            f"/CN={name}",
        )
        run(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.pem",
            "-days",
            "1",
            "-extfile",
            "san.ext",
        )
    return {path.name: path.read_text() for path in directory.iterdir() if path.suffix in (".pem", ".key")}


@unittest.skipIf(OPENSSL is None, "needs the openssl command to make test certificates")
class TlsTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.directory = tempfile.TemporaryDirectory()
        path = Path(self.directory.name)
        self.pem = make_certificates(path)
        self.servers = []
        self.targets = {}
        for name, verify_mode in (("tls", ssl.CERT_NONE), ("mtls", ssl.CERT_REQUIRED)):
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=path / "ca.pem")
            context.load_cert_chain(path / "server.pem", path / "server.key")
            context.verify_mode = verify_mode
            context.set_alpn_protocols(["h2"])
            server = Server([Teams()])
            await server.start("127.0.0.1", 0, ssl=context)
            self.servers.append(server)
            self.targets[name] = f"127.0.0.1:{server._server.sockets[0].getsockname()[1]}"

    async def asyncTearDown(self):
        for server in self.servers:
            server.close()
            await server.wait_closed()
        self.directory.cleanup()

    async def test_tls_and_mutual_tls(self):
        def case(case_id, server, **tls):
            return json.dumps(
                {
                    "id": case_id,
                    "method": "Teams/GetTeam",
                    "requests": [{"city": "A"}],
                    "target": self.targets[server],
                    "timeout_ms": 5000,
                    "tls": {"ca_pem": self.pem["ca.pem"], "server_name": "teams.test", **tls},
                }
            )

        client_cert = {"client_cert_pem": self.pem["client.pem"], "client_key_pem": self.pem["client.key"]}
        out = io.StringIO()
        lines = [
            case("tls", "tls"),
            case("wrong_name", "tls", server_name="other.test"),
            case("mtls", "mtls", **client_cert),
            case("mtls_without_cert", "mtls"),
        ]
        await serve_contract("unused:1", io.StringIO("\n".join(lines) + "\n"), out)
        results = {r["id"]: r for r in map(json.loads, out.getvalue().splitlines())}
        self.assertEqual(results["tls"]["responses"], [{"city": "A", "nickname": "Testers"}])
        self.assertEqual(results["wrong_name"]["status"]["code"], 14)
        self.assertIn("Hostname mismatch", results["wrong_name"]["status"]["message"])
        self.assertEqual(results["mtls"]["responses"], [{"city": "A", "nickname": "Testers"}])
        self.assertNotEqual(results["mtls_without_cert"]["status"]["code"], 0)


if __name__ == "__main__":
    unittest.main()
