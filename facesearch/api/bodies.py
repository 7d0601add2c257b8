"""How much of a request's body the API reads, and how long it waits for it.

Each route takes a body of at most a cap (`BodyLimits`): a search one photo, an enrolment `max_files` photos,
any other route a small JSON body (so a route added later that takes photos must say so here, or is refused).
A body over its route's cap is refused with 413 `too_large`: from its Content-Length, before any of it is read,
else (a chunked body) as soon as the count passes the cap. A body that does not arrive is refused with 408
`timeout`: no wait for more of it lasts longer than `body_timeout_s` seconds, and once those seconds are over the
body must have averaged MIN_RATE bytes a second, so a client that trickles in a byte every few seconds cannot
hold a connection for ever. Once the body is complete, the app's waits (for a disconnect, say) are its own.

A refusal met while the app reads the body is raised from `receive()` as `http.Refused`, the one kind of
exception the framework lets out of its body parsing; the error handlers answer it in the one shape.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from facesearch.api.auth import READ_POSTS
from facesearch.errors import Timeout, TooLarge
from facesearch.http import Refused, error_response
from facesearch.settings import Settings

MB = 1024 * 1024
FRAMING = 64 * 1024
"""Bytes a file part may carry besides the photo: boundaries, part headers (a long file name), small text fields."""
SMALL = 64 * 1024
"""Bytes of body any other route takes: a JSON body such as `{"folder": "samples"}`; most routes take none."""
MIN_RATE = 8 * 1024
"""Bytes a second a body must have averaged once its first `body_timeout_s` seconds are over."""
MAX_FIELDS = 16
"""Text fields a form may have (enrolment needs one, `name`)."""
ENROLMENT = re.compile(r"/api/people(/[^/]+/photos)?")
"""The routes that take several photos: POST /api/people and POST /api/people/{id}/photos."""

SLOW = (
    "The request's body came too slowly (nothing of it for a while, or less than 8 KB a second), "
    "so the API stopped waiting for it; send it again."
)


@dataclass(frozen=True)
class BodyLimits:
    """The most bytes of body a request may have, by route: `photo` for the two searches (one photo of up to
    `max_upload_mb` MB), `photos` for enrolment (`max_files` of them), `other` for every other route."""

    photo: int
    photos: int
    max_upload_mb: int
    max_files: int
    other: int = SMALL

    @classmethod
    def of(cls, settings: Settings) -> BodyLimits:
        one = settings.max_upload_mb * MB + FRAMING
        return cls(one, settings.max_files * one + FRAMING, settings.max_upload_mb, settings.max_files)

    def cap(self, method: str, path: str) -> tuple[int, str]:
        """The most bytes this request's body may have, and the sentence that refuses more."""
        mb = self.max_upload_mb
        if method == "POST" and path in READ_POSTS:
            return self.photo, f"The request is larger than the one photo of up to {mb} MB that this endpoint takes."
        if method == "POST" and ENROLMENT.fullmatch(path):
            return self.photos, (f"The request is larger than {self.max_files} photos of up to {mb} MB each, the most "
                                 "one request may carry; send them in smaller groups.")
        return self.other, f"The request's body is larger than the {self.other // 1024} KB this endpoint takes."


def content_length(scope: Scope) -> int | None:
    """The request's Content-Length in bytes, or None (a chunked body, or none)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class Body:
    """One request's body as the app receives it: counted against its cap, and waited for within the time limits."""

    def __init__(self, receive: Receive, cap: int, too_large: str, timeout_s: float) -> None:
        self._receive = receive
        self.cap, self.too_large, self.timeout_s = cap, too_large, timeout_s
        self.size = 0
        self.complete = False
        self.start = time.monotonic()

    def wait_s(self) -> float:
        """Seconds the next wait may last: `timeout_s`, or less when the body is behind MIN_RATE."""
        behind = self.start + self.timeout_s + self.size / MIN_RATE - time.monotonic()
        return max(0.0, min(self.timeout_s, behind))

    async def receive(self) -> Message:
        if self.complete:
            return await self._receive()
        try:
            with anyio.fail_after(self.wait_s()):
                message = await self._receive()
        except TimeoutError:
            # The client is still connected but not sending: close the connection with the answer.
            raise Refused(Timeout(SLOW), headers={"Connection": "close"}) from None
        self.count(message)
        return message

    def count(self, message: Message) -> None:
        if message["type"] != "http.request":
            self.complete = True  # the client is gone
            return
        self.size += len(message.get("body", b""))
        if self.size > self.cap:
            raise Refused(TooLarge(self.too_large))
        self.complete = not message.get("more_body", False)


class BodyGuard:
    """ASGI middleware: a request's body within its route's cap (413) and arriving in time (408)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits, timeout_s: float) -> None:
        self.app = app
        self.limits = limits
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap, too_large = self.limits.cap(scope["method"], scope["path"])
        length = content_length(scope)
        if length is not None and length > cap:
            await error_response(TooLarge.status, too_large, TooLarge.code)(scope, receive, send)
            return
        await self.app(scope, Body(receive, cap, too_large, self.timeout_s).receive, send)
