"""Which names the API answers to: a request whose Host header names anything else is refused, every request.

A web page can point its own domain name at 127.0.0.1 (DNS rebinding): the browser then takes the API for that
page's own origin, and CORS no longer stops the page reading the people and their faces. Such a request still
names the page's domain in its Host header, so it is refused here, before anything else runs (health and
readiness too). IP literals cannot be rebound, so the address the API listens on is always accepted.
"""

from __future__ import annotations

import logging
import re

from starlette.types import ASGIApp, Receive, Scope, Send

from facesearch.errors import BadHost
from facesearch.http import error_response
from facesearch.settings import Settings

log = logging.getLogger(__name__)

LOOPBACK = ("localhost", "127.0.0.1", "[::1]")
FOREIGN = (
    "This API answers only to the names it is served as (localhost, 127.0.0.1, [::1], FACESEARCH_API_HOST and "
    "FACESEARCH_ALLOWED_HOSTS), and this request's Host header names another."
)
HOST = re.compile(r"(\[[0-9a-f:.]+\]|[^:\[\]]+)(?::[0-9]{1,5})?")
"""A Host header: a name, an IPv4 address or a bracketed IPv6 address, then maybe a port."""


def canonical(name: str) -> str:
    """A host name as compared: lower case, an IPv6 address in brackets."""
    name = name.strip().lower()
    return f"[{name}]" if ":" in name and not name.startswith("[") else name


def served_names(settings: Settings) -> frozenset[str]:
    """Every name the API answers to: loopback, the address it listens on, and FACESEARCH_ALLOWED_HOSTS."""
    return frozenset(canonical(n) for n in (*LOOPBACK, settings.api_host, *settings.allowed_hosts) if n.strip())


def host_name(header: str) -> str | None:
    """The name in a Host header's value (any port dropped), lower case; None when the value is no host."""
    match = HOST.fullmatch(header.lower())
    return match.group(1) if match else None


def is_served(scope: Scope, names: frozenset[str]) -> bool:
    """Whether the request has a Host header and every one it has names one of `names`."""
    hosts = [value.decode("latin-1") for name, value in scope["headers"] if name == b"host"]
    return bool(hosts) and all(host_name(h) in names for h in hosts)


class AllowedHosts:
    """ASGI middleware: answer 400 `bad_host` in the one error shape unless the Host header names the API."""

    def __init__(self, app: ASGIApp, names: frozenset[str]) -> None:
        self.app = app
        self.names = names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_served(scope, self.names):
            await self.app(scope, receive, send)
            return
        log.info("refused a request for another host: %r", dict(scope["headers"]).get(b"host", b"")[:100])
        await error_response(BadHost.status, FOREIGN, BadHost.code)(scope, receive, send)
