"""The test PKI of a run and the server variants that use it (TLS, mutual TLS, a bearer token).

Made fresh at run time in ``.interop/tls/<run>`` (never committed): a CA, a server certificate
for every name a client may dial (``teams.test``, localhost, 127.0.0.1, the compose services and
the docker containers), a client certificate, an unrelated CA (to prove that clients verify) and
a token file. Every file is world-readable: the server image runs as a non-root user.

``cryptography`` (a quarter of a second to import on a loaded machine) is imported only when a
run makes its PKI, in the thread that starts the variants, never on the way to the first case.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509

SERVER_NAME = "teams.test"  # the name tls cases check unless they give their own
VARIANTS = ("tls", "mtls", "token")
COMPOSE_SERVICES = {variant: f"server-{variant}" for variant in VARIANTS}
WRONG_TOKEN = "not-the-token"
READY = "ready"  # written last, holding the run id: the PKI is complete


def server_flags(variant: str, folder: str) -> list[str]:
    """teams-server flags for ``variant`` (after ``--test-hooks``), with the PKI at ``folder``."""
    tls = ["--tls-cert", f"{folder}/server.crt", "--tls-key", f"{folder}/server.key"]
    return {
        "tls": tls,
        "mtls": [*tls, "--tls-client-ca", f"{folder}/ca.crt"],
        "token": ["--require-token", f"{folder}/token"],
    }[variant]


@dataclass(frozen=True)
class Pki:
    folder: Path
    run: str

    def pem(self, name: str) -> str:
        return (self.folder / name).read_text(encoding="ascii")

    @property
    def token(self) -> str:
        return (self.folder / "token").read_text(encoding="ascii").strip()


def make_pki(folder: Path, extra_names: tuple[str, ...] = (), run: str | None = None) -> Pki:
    """Writes ca.crt, server.crt/key, client.crt/key, other-ca.crt, token and, last, ready."""
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    run = run or secrets.token_hex(4)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    (folder / READY).unlink(missing_ok=True)
    ca, ca_key = _authority("teams interop test CA")
    other, _ = _authority("an unrelated CA")
    names = [SERVER_NAME, "localhost", *COMPOSE_SERVICES.values(), *extra_names]
    server_names: list[x509.GeneralName] = [x509.DNSName(name) for name in dict.fromkeys(names)]
    server_names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    server, server_key = _leaf("teams server", server_names, ExtendedKeyUsageOID.SERVER_AUTH, ca, ca_key)
    client, client_key = _leaf(
        "teams interop client", [x509.DNSName("teams-client")], ExtendedKeyUsageOID.CLIENT_AUTH, ca, ca_key
    )
    files = {
        "ca.crt": _cert_pem(ca),
        "other-ca.crt": _cert_pem(other),
        "server.crt": _cert_pem(server),
        "server.key": _key_pem(server_key),
        "client.crt": _cert_pem(client),
        "client.key": _key_pem(client_key),
        "token": secrets.token_urlsafe(24) + "\n",
    }
    for name, text in files.items():
        _write(folder / name, text)
    _write(folder / READY, run + "\n")
    return Pki(folder, run)


def _write(path: Path, text: str) -> None:
    """Atomically, world-readable: a waiting server never reads half a file."""
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(text, encoding="ascii")
    os.chmod(partial, 0o644)
    partial.replace(path)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _name(common_name: str) -> x509.Name:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: str, issuer: x509.Name, public_key) -> x509.CertificateBuilder:
    from cryptography import x509

    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(minutes=5))
        .not_valid_after(_now() + datetime.timedelta(days=2))
    )


def _authority(common_name: str):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _builder(common_name, _name(common_name), key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _leaf(common_name: str, names: list, usage, ca: x509.Certificate, ca_key):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _builder(common_name, ca.subject, key.public_key())
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _cert_pem(cert: x509.Certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _key_pem(key) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
