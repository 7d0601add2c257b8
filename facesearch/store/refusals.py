"""What Weaviate's errors mean for facesearch: the face vectorizer's refusals, read out of Weaviate's error
text (Weaviate's img2vec-neural module passes on only the status, "fail with status 422"), and a node that
could not be reached. This is the one place that reads Weaviate's error messages."""

from __future__ import annotations

import re

from weaviate.exceptions import WeaviateBaseError, WeaviateConnectionError, WeaviateRetryError

from facesearch.errors import Busy, FaceSearchError, NotReady

VECTORIZER_STATUS = {
    400: "The face vectorizer could not read the image.",
    413: "The face vectorizer refused the crop as too large.",
    415: "The face vectorizer does not accept this image type.",
    422: "The face vectorizer found no face in the crop around the face.",
    503: "The face vectorizer was busy; import again to add this photo.",
}


VECTORIZER_UNREACHABLE = re.compile(r'Post "[^"]*/vectors": .*(connection refused|connection reset|EOF)')
"""Weaviate's message when the vectorizer did not answer at all (stopped, or restarting after a crash)."""


def vectorizer_status(message: str) -> int | None:
    """The HTTP status of the face vectorizer's refusal in a Weaviate error message, if it is one.

    Weaviate's img2vec-neural module passes on only the status ("fail with status 422"), not the reason.
    """
    match = re.search(r"fail with status (\d+)", message)
    return int(match.group(1)) if match else None


def vectorizer_reason(message: str) -> str:
    """A sentence for a failed object from Weaviate's message (which carries only the status)."""
    if VECTORIZER_UNREACHABLE.search(message):
        return "The face vectorizer could not be reached; import again to add this photo."
    return VECTORIZER_STATUS.get(vectorizer_status(message) or 0, f"Weaviate refused the face: {message}")


def found_no_face(error: Exception) -> bool:
    """Whether a query failed because the face vectorizer found no face in the query's crop (422)."""
    return isinstance(error, WeaviateBaseError) and vectorizer_status(str(error)) == 422


def weaviate_says(error: WeaviateBaseError) -> str | None:
    """The message in the body of a REST error Weaviate answered (`{"error": [{"message": ...}]}`), if any."""
    body = getattr(error, "error", None)
    if isinstance(body, dict) and isinstance(body.get("error"), list):
        said = [str(e["message"]) for e in body["error"] if isinstance(e, dict) and e.get("message")]
        return "; ".join(said) or None
    return None


def unreachable(error: WeaviateBaseError) -> bool:
    """Whether a Weaviate call failed because Weaviate could not be reached (not because it refused).

    The client retries a gRPC call that finds no server for half a minute or more, then raises a
    WeaviateQueryError while handling its WeaviateRetryError; a REST call raises WeaviateConnectionError.
    """
    if isinstance(error, (WeaviateConnectionError, WeaviateRetryError)):
        return True
    return isinstance(error.__cause__ or error.__context__, WeaviateRetryError)


def service_error(error: BaseException, weaviate_url: str) -> FaceSearchError | None:
    """The sentence a caller should answer with for a Weaviate error: the vectorizer busy (Busy) or Weaviate
    gone (NotReady); None for any other error (a bug or a refusal: let it through)."""
    if not isinstance(error, WeaviateBaseError):
        return None
    if vectorizer_status(str(error)) == 503:
        return Busy("The face vectorizer is busy; try again in a moment.")
    if unreachable(error):
        return NotReady(f"Weaviate at {weaviate_url} did not answer.")
    return None
