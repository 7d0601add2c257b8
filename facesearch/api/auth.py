"""Who may call the API: every change needs a key with write rights; reads need a key only when configured.

The check runs before routing and before a request body is read, so an upload without a key is refused
without being parsed, and a route added later is a change (and needs a write key) unless it is a GET or
one of the searches named in READ_POSTS. Keys come as `Authorization: Bearer <key>`; the keys file is read
on every request that needs a key, so `facesearch keys revoke` takes effect at once. A key is never logged.
"""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from facesearch.api import keys
from facesearch.api.keys import ApiKey, Right
from facesearch.errors import FaceSearchError, Forbidden, Unauthorized
from facesearch.http import error_response

log = logging.getLogger(__name__)

OPEN = frozenset({"/api/health", "/api/ready", "/api/library/watcher"})
"""Readiness checks (the API's, the folder watcher's): open whatever the settings say."""
READ_POSTS = frozenset({"/api/search", "/api/library/find"})
"""POSTs that only read: a photo goes up, nothing is stored."""
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

NO_KEY = (
    "This request needs an API key, sent as 'Authorization: Bearer <key>'; "
    "make one with `python -m facesearch keys create`."
)
NOT_ACCEPTED = "That API key was not accepted: it is unknown or has been revoked."
READ_ONLY = "That API key may only read; changes need a key with write rights (`python -m facesearch keys create`)."


def needed_right(method: str, path: str, read_key_required: bool) -> Right | None:
    """The right a request needs: "write" for any change, "read" for reads when keys are required, else None."""
    if not (path == "/api" or path.startswith("/api/")) or path in OPEN:
        return None
    if method in READ_METHODS or (method == "POST" and path in READ_POSTS):
        return "read" if read_key_required else None
    return "write"


def bearer(scope: Scope) -> str | None:
    """The key of an `Authorization: Bearer <key>` header, or None."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and key.strip():
                return key.strip()
            return None
    return None


class KeyRing:
    """The keys file's keys, parsed again whenever its bytes change. The file is small (about 190 bytes a
    key) and read on every request: a time-and-size check could miss a revoke followed at once by a create."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._text: bytes | None = None
        self._keys: list[ApiKey] = []

    def current(self) -> list[ApiKey]:
        try:
            text = self.path.read_bytes()
        except FileNotFoundError:
            text = None
        if text != self._text:
            self._keys = keys.parse(text, self.path) if text is not None else []
            self._text = text
        return self._keys


def check(ring: KeyRing, presented: str | None, needed: Right) -> None:
    """Raise Unauthorized (no key, unknown or revoked key) or Forbidden (too few rights)."""
    if presented is None:
        raise Unauthorized(NO_KEY)
    key = keys.verify(ring.current(), presented)
    if key is None:
        raise Unauthorized(NOT_ACCEPTED)
    if not key.allows(needed):
        log.info("key %s (%s) may not %s", key.id, key.name, needed)
        raise Forbidden(READ_ONLY)


class RequireKey:
    """ASGI middleware: answer 401/403 in the one error shape unless the request has the key it needs."""

    def __init__(self, app: ASGIApp, keys_file: Path, read_key_required: bool) -> None:
        self.app = app
        self.ring = KeyRing(keys_file)
        self.read_key_required = read_key_required

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = self.refusal(scope) if scope["type"] == "http" else None
        if refusal is None:
            await self.app(scope, receive, send)
        else:
            await refusal(scope, receive, send)

    def refusal(self, scope: Scope) -> JSONResponse | None:
        """The answer when the request lacks the key it needs: 401, 403, or 500 for an unreadable keys file."""
        needed = needed_right(scope["method"], scope["path"], self.read_key_required)
        if needed is None:
            return None
        try:
            check(self.ring, bearer(scope), needed)
        except FaceSearchError as e:
            if e.status >= 500:
                log.error("%s: %s", e.code, e.message)
            response = error_response(e.status, e.message, e.code)
            if e.status == 401:
                response.headers["WWW-Authenticate"] = "Bearer"
            return response
        return None
