"""A read that found its Weaviate node gone is run once more, on the node the API then moves to.

In a cluster the API asks its node whether it is still ready at most once a second (`store.connection`), so a
read can reach a node lost since the last check. It then fails as "Weaviate did not answer" and marks the
request (`get_backend`); this middleware runs it once more, with the same body, and answers with that run.
Only reads (GETs and the two searches) are run again: a change is never repeated behind the caller's back.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from facesearch.api.auth import READ_METHODS, READ_POSTS

LOST = "weaviate_node_lost"
"""The key `get_backend` sets in the request's state when the request found Weaviate gone."""


def is_read(scope: Scope) -> bool:
    return scope["method"] in READ_METHODS or (scope["method"] == "POST" and scope["path"] in READ_POSTS)


class AgainOnNodeLoss:
    """ASGI middleware: run a read again, once, when it found its Weaviate node gone. The body is kept for that
    as the application reads it, up to `max_body_bytes` (a larger one is not run again)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_read(scope):
            await self.app(scope, receive, send)
            return
        kept: list[Message] = []
        size = 0

        async def keeping() -> Message:
            nonlocal size
            message = await receive()
            size += len(message.get("body", b""))
            if size <= self.max_body_bytes:
                kept.append(message)
            return message

        held: list[Message] = []

        async def holding(message: Message) -> None:
            if held or (message["type"] == "http.response.start" and message["status"] == 503):
                held.append(message)
            else:
                await send(message)

        first = {**scope, "state": dict(scope.get("state") or {})}
        await self.app(first, keeping, holding)
        if not held:
            return
        if not first["state"].get(LOST) or size > self.max_body_bytes:
            for message in held:
                await send(message)
            return
        replay = iter(kept)

        async def replaying() -> Message:
            return next(replay, {"type": "http.request", "body": b"", "more_body": False})

        await self.app({**scope, "state": dict(scope.get("state") or {})}, replaying, send)
