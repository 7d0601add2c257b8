"""CORS for the origins FACESEARCH_CORS_ORIGINS names, with a refused preflight in the one error shape."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

from facesearch.errors import CorsRefused
from facesearch.http import error_response

REFUSED = (
    "A page of this origin may not make this request: FACESEARCH_CORS_ORIGINS does not name the origin, or the "
    "API does not take the method or headers it asks for."
)


class OneShapeCORS(CORSMiddleware):
    """Starlette's CORS middleware, but a refused preflight answers `{"error", "code": "cors_refused"}`."""

    def preflight_response(self, request_headers: Headers) -> Response:
        answer = super().preflight_response(request_headers)
        if answer.status_code < 400:
            return answer
        refused = error_response(CorsRefused.status, REFUSED, CorsRefused.code)
        for name, value in answer.headers.items():
            if name not in ("content-length", "content-type"):
                refused.headers.append(name, value)  # Vary, and the methods and headers that are allowed
        return refused
