"""What every HTTP service here shares: the one JSON error shape on every failure path."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from facesearch.errors import FaceSearchError

log = logging.getLogger(__name__)


def error_response(status: int, message: str, code: str) -> JSONResponse:
    """The one error shape: `{"error": sentence, "code": code}`."""
    return JSONResponse(status_code=status, content={"error": message, "code": code})


def _validation_message(exc: RequestValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
    return f"Invalid request: {where or 'body'}: {first.get('msg', 'invalid value')}."


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error, ours or the framework's, in the one shape."""

    @app.exception_handler(FaceSearchError)
    async def _ours(_: Request, exc: FaceSearchError) -> JSONResponse:
        log.info("%s: %s", exc.code, exc.message)
        return error_response(exc.status, exc.message, exc.code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        log.info("invalid request: %s", exc.errors())
        return error_response(400, _validation_message(exc), "bad_request")

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return error_response(exc.status_code, str(exc.detail), code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_response(500, "Something went wrong on the server; see its log.", "internal")
