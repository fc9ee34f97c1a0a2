"""What a server is told: where to listen, who may call, and the limits that keep a slow or
hostile client from hurting the queue (DESIGN §13)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from prismq_desktop.api.tokens import Tokens

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Largest request body read (a 1 MB payload and a 1 MB compatibility object fit).
MAX_BODY_BYTES = 2 * 1024 * 1024
#: A client that sends nothing for this long while we read its body gets 408.
BODY_TIMEOUT_S = 10.0
#: An idle keep-alive connection is closed after this long.
KEEP_ALIVE_S = 5
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ApiConfig:
    """``tokens`` None means no authentication (allowed only on a loopback address)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    tokens: Tokens | None = None
    allowed_hosts: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = MAX_BODY_BYTES
    body_timeout_s: float = BODY_TIMEOUT_S
    #: Seconds between change-token polls for the live feed.
    feed_interval_s: float = 0.05

    def __post_init__(self) -> None:
        if self.tokens is None and not is_loopback(self.host):
            raise ValueError(f"--no-auth is allowed only on a loopback address, not {self.host}")

    def host_names(self) -> tuple[str, ...]:
        """The Host header values accepted (anything else may be a DNS-rebinding page)."""
        names = [*LOOPBACK_NAMES, *self.allowed_hosts]
        if self.host not in ("0.0.0.0", "::", ""):
            names.append(self.host)
        return tuple(dict.fromkeys(names))
