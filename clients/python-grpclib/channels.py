"""One grpclib Channel per distinct (target, tls), reused across cases, closed at the end.

TLS: an ssl.SSLContext that trusts only the case's CA (cadata) and offers ALPN h2; the
certificate name to check (and the SNI) is grpclib's Configuration(ssl_target_name_override=...),
which grpclib passes to asyncio as server_hostname. A client certificate is loaded for mutual
TLS (ssl only loads it from files, so the PEM goes through a short-lived temporary directory).
"""

import ssl
import tempfile
from pathlib import Path

from case_plan import CaseError, Tls
from grpclib.client import Channel
from grpclib.config import Configuration


def split_target(target: str) -> tuple[str, int]:
    """'host:port' (or '[v6]:port') -> (host, port)."""
    host, sep, port = target.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise CaseError(f"target must be host:port, got {target!r}")
    return host.strip("[]"), int(port)


def ssl_context(tls: Tls) -> ssl.SSLContext:
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=tls.ca_pem)
        context.set_alpn_protocols(["h2"])
        if tls.client_cert_pem is not None:
            with tempfile.TemporaryDirectory() as directory:
                cert, key = Path(directory, "cert.pem"), Path(directory, "key.pem")
                cert.write_text(tls.client_cert_pem)
                key.write_text(tls.client_key_pem or "")
                context.load_cert_chain(cert, key)
    except (ssl.SSLError, ValueError) as error:
        raise CaseError(f"tls: {error}") from None
    return context


class Channels:
    def __init__(self) -> None:
        self._channels: dict[tuple[str, Tls | None], Channel] = {}

    def get(self, target: str, tls: Tls | None) -> Channel:
        key = (target, tls)
        if key not in self._channels:
            host, port = split_target(target)
            if tls is None:
                channel = Channel(host, port)
            else:
                config = Configuration(ssl_target_name_override=tls.server_name or host)
                channel = Channel(host, port, ssl=ssl_context(tls), config=config)
            self._channels[key] = channel
        return self._channels[key]

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()
        self._channels.clear()
