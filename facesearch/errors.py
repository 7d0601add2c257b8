"""The project's one error shape: `{"error": "<sentence>", "code": "<code>"}` with a non-2xx status.

Weaviate's img2vec-neural module reads the `error` field of the vectorizer's answers, so the
vectorizer, the search API and the command line all speak this shape.
"""

from __future__ import annotations


class FaceSearchError(Exception):
    """Base of every error a user may see. `message` is a sentence; `code` and `status` are for programs."""

    code = "error"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_json(self) -> dict[str, str]:
        return {"error": self.message, "code": self.code}


class BadRequest(FaceSearchError):
    code, status = "bad_request", 400


class BadForm(FaceSearchError):
    """A body that says it is a multipart form and cannot be read as one."""

    code, status = "bad_form", 400


class BadJson(FaceSearchError):
    """A body that says it is JSON and is not."""

    code, status = "bad_json", 400


class BadHost(FaceSearchError):
    """A Host header naming something the API is not served as (a DNS-rebinding page's own name, say)."""

    code, status = "bad_host", 400


class CorsRefused(FaceSearchError):
    """A CORS preflight from an origin, or asking for a method or header, that the settings do not allow."""

    code, status = "cors_refused", 400


class Unauthorized(FaceSearchError):
    """No API key, or one that is unknown or revoked."""

    code, status = "unauthorized", 401


class Forbidden(FaceSearchError):
    """A known API key without the rights the request needs (a read-only key on a change)."""

    code, status = "forbidden", 403


class NotFound(FaceSearchError):
    code, status = "not_found", 404


class MethodNotAllowed(FaceSearchError):
    code, status = "method_not_allowed", 405


class Conflict(FaceSearchError):
    code, status = "conflict", 409


class TooLarge(FaceSearchError):
    code, status = "too_large", 413


class Timeout(FaceSearchError):
    """A request body that did not arrive in time."""

    code, status = "timeout", 408


class UnsupportedImage(FaceSearchError):
    code, status = "unsupported_type", 415


class BadImage(FaceSearchError):
    code, status = "bad_image", 422


class NoFace(FaceSearchError):
    code, status = "no_face", 422


class NotReady(FaceSearchError):
    code, status = "not_ready", 503


class Busy(FaceSearchError):
    """As much work as a service takes at once is under way; trying again in a moment works."""

    code, status = "busy", 503


class ConfigError(FaceSearchError):
    """The configuration cannot work (a model card that does not load, a detector an embedder cannot use)."""

    code, status = "bad_config", 500


class WrongSpace(FaceSearchError):
    """A collection holds vectors of another face model than the one configured."""

    code, status = "wrong_vector_space", 409
