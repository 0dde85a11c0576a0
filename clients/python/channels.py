"""One grpcio channel per distinct (target, tls, compression) of the cases, shared across them.

Cases run concurrently, so the cache is locked; all channels close when the run ends.
"""

import threading
from typing import Any, NamedTuple

import grpc

TLS_FIELDS = ("ca_pem", "server_name", "client_cert_pem", "client_key_pem")


class ChannelSpec(NamedTuple):
    target: str
    tls: tuple[str | None, ...] | None  # TLS_FIELDS in order; None: plaintext
    compression: str | None

    @classmethod
    def of(cls, case: dict[str, Any], default_target: str) -> "ChannelSpec":
        """Reads and checks a case's ``target``, ``tls`` and ``compression``; raises ValueError."""
        target = case.get("target", default_target)
        if not isinstance(target, str) or not target:
            raise ValueError('"target" must be a non-empty string host:port')
        tls = case.get("tls")
        if tls is not None:
            if not isinstance(tls, dict) or not isinstance(tls.get("ca_pem"), str):
                raise ValueError('"tls" must be an object with a string "ca_pem"')
            if any(tls.get(f) is not None and not isinstance(tls[f], str) for f in TLS_FIELDS):
                raise ValueError(f'"tls" fields {", ".join(TLS_FIELDS)} must be strings')
            if ("client_cert_pem" in tls) != ("client_key_pem" in tls):
                raise ValueError('"tls" needs both client_cert_pem and client_key_pem, or neither')
            tls = tuple(tls.get(f) for f in TLS_FIELDS)
        compression = case.get("compression")
        if compression not in (None, "gzip"):
            raise ValueError(f'"compression" must be "gzip", got {compression!r}')
        return cls(target, tls, compression)


class Channels:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channels: dict[ChannelSpec, grpc.Channel] = {}

    def get(self, spec: ChannelSpec) -> grpc.Channel:
        with self._lock:
            if spec not in self._channels:
                self._channels[spec] = open_channel(spec)
            return self._channels[spec]

    def __enter__(self) -> "Channels":
        return self

    def __exit__(self, *_: object) -> None:
        with self._lock:
            for channel in self._channels.values():
                channel.close()
            self._channels.clear()


def open_channel(spec: ChannelSpec) -> grpc.Channel:
    compression = grpc.Compression.Gzip if spec.compression == "gzip" else None
    if spec.tls is None:
        return grpc.insecure_channel(spec.target, compression=compression)
    ca_pem, server_name, cert_pem, key_pem = spec.tls
    credentials = grpc.ssl_channel_credentials(
        root_certificates=ca_pem.encode(),
        private_key=key_pem.encode() if key_pem else None,
        certificate_chain=cert_pem.encode() if cert_pem else None,
    )
    # The name the certificate must match, also sent as SNI and :authority.
    options = [("grpc.ssl_target_name_override", server_name)] if server_name else []
    return grpc.secure_channel(spec.target, credentials, options=options, compression=compression)
