"""What every HTTP service here shares: the one JSON error shape on every failure path."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from facesearch.errors import BadForm, BadJson, BadRequest, FaceSearchError, MethodNotAllowed, NotFound, TooLarge

log = logging.getLogger(__name__)


def error_response(status: int, message: str, code: str) -> JSONResponse:
    """The one error shape: `{"error": sentence, "code": code}`."""
    return JSONResponse(status_code=status, content={"error": message, "code": code})


class Refused(HTTPException):
    """One of our refusals raised where the framework lets only its own HTTPException through (a request body's
    `receive()`, inside its body parsing): answered as the FaceSearchError it carries."""

    def __init__(self, error: FaceSearchError, headers: dict[str, str] | None = None) -> None:
        super().__init__(error.status, error.message, headers)
        self.error = error


def _problem(error: dict) -> str:
    """What is wrong with one value: pydantic's words, but not FastAPI's file check's, which show Python types."""
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if "Expected UploadFile" in message:
        return "expected a file, not a text field"
    return re.sub(r"<class '([\w.]+)'>", r"\1", message)


def _validation_error(exc: RequestValidationError) -> FaceSearchError:
    """A request that does not fit its route, as our error: a body that is no JSON, else the first bad value."""
    first = exc.errors()[0]
    if first.get("type") == "json_invalid":
        reason, at = (first.get("ctx") or {}).get("error", "it cannot be parsed"), first.get("loc", ("", "?"))[-1]
        return BadJson(f"The request's body is not valid JSON ({str(reason).lower()} at character {at}).")
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
    return BadRequest(f"Invalid request: {where or 'body'}: {_problem(first)}.")


FORM_REFUSALS = (
    (r"Too many files\. Maximum number of files is (\d+)\.", TooLarge,
     "A request may carry at most {} files; send the photos in smaller groups."),
    (r"Too many fields\. Maximum number of fields is (\d+)\.", TooLarge, "A form may have at most {} text fields."),
    (r"(?:Field|Part) exceeded maximum size of (\d+)KB\.", TooLarge, "A text field of the form is larger than {} KB."),
    (r"Missing boundary in multipart\.", BadForm, "The multipart form has no boundary in its Content-Type header."),
    (r'The Content-Disposition header field "name" must be provided\.', BadForm,
     "A part of the multipart form has no name."),
    (r"Invalid multipart data\.", BadForm, "The request's body is not a well-formed multipart form."),
)
"""Starlette's form parser's refusals (its words, as it raises them) -> our error and sentence."""


NOWHERE = "There is nothing at this address; docs/api.md lists the API's endpoints."


def framework_refusal(exc: HTTPException, method: str) -> FaceSearchError | None:
    """Our error for a refusal the framework raised (no route, another method, a body its parsers cannot read):
    Starlette's and FastAPI's words are read here and only here. None for a status nothing here raises."""
    if exc.status_code == 404:
        return NotFound(NOWHERE)
    if exc.status_code == 405:
        return MethodNotAllowed(f"This endpoint does not take {method} requests.")
    if exc.status_code == 400:
        for pattern, kind, sentence in FORM_REFUSALS:
            if match := re.fullmatch(pattern, str(exc.detail)):
                return kind(sentence.format(*match.groups()))
        # FastAPI's "There was an error parsing the body": a body its parsers could not read (bytes that are not
        # UTF-8 in a JSON body, say).
        return BadRequest("The request's body could not be read as the form or JSON this endpoint takes.")
    return None


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error, ours or the framework's, in the one shape."""

    @app.exception_handler(FaceSearchError)
    async def _ours(_: Request, exc: FaceSearchError) -> JSONResponse:
        log.info("%s: %s", exc.code, exc.message)
        return error_response(exc.status, exc.message, exc.code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        log.info("invalid request: %s", exc.errors())
        error = _validation_error(exc)
        return error_response(error.status, error.message, error.code)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        error = exc.error if isinstance(exc, Refused) else framework_refusal(exc, request.method)
        if error is None:
            response = error_response(exc.status_code, str(exc.detail), "error")
        else:
            log.info("%s: %s", error.code, exc.detail)
            response = error_response(error.status, error.message, error.code)
        response.headers.update(exc.headers or {})  # Allow on a 405, Connection: close on a timeout
        return response

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_response(500, "Something went wrong on the server; see its log.", "internal")
