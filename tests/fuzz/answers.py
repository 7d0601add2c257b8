"""What every answer to a fuzz input must be, and the state a refused write must leave alone."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import httpx
import pytest

from facesearch.face.image import UNREADABLE

TIMEOUT_S = 60.0
"""Seconds within which every request must be answered: the bound, not a speed target."""

TALLY: Counter[tuple[str, str]] = Counter()
"""(endpoint, kind of input) -> inputs tried; printed at the end of the run (tests/fuzz/conftest.py)."""
STATUSES: Counter[tuple[str, int]] = Counter()
"""(endpoint, HTTP status) -> answers; printed beside TALLY."""
LABELS: Counter[str] = Counter()
"""Format and mode of every valid image tried, to show they were all covered."""
FIGURES: dict[str, str] = {}
"""Other figures printed at the end of the run (the vectorizer's peak memory)."""

TOO_LARGE = "This photo is too large to read: "
CODE = re.compile(r"^[a-z_]+$")


def send(client: httpx.Client, endpoint: str, kind: str, **request: object) -> httpx.Response:
    """One request, counted under `endpoint` and `kind`; a test failure when no answer comes within TIMEOUT_S."""
    TALLY[(endpoint, kind)] += 1
    method, path = endpoint.split(" ", 1)
    try:
        response = client.request(method, request.pop("path", path), **request)  # type: ignore[arg-type]
        STATUSES[(endpoint, response.status_code)] += 1
        return response
    except httpx.TimeoutException:
        pytest.fail(f"{endpoint} gave no answer within {TIMEOUT_S:.0f} s to a {kind} input")


def error_of(response: httpx.Response) -> tuple[int, str, str] | None:
    """(status, code, sentence) of a refusal, after checking it is the one error shape; None for a 2xx.
    Never a 500, and no 5xx but 503 (busy, not ready)."""
    status = response.status_code
    assert status != 500 and (status < 500 or status == 503), f"{status}: {response.text[:500]}"
    if response.is_success:
        return None
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error", "code"}, f"{status}: not the one error shape: {body}"
    sentence, code = body["error"], body["code"]
    assert isinstance(code, str) and CODE.match(code) and code != "error", f"no code of its own: {body}"
    assert isinstance(sentence, str) and 1 < len(sentence) <= 400 and "\n" not in sentence, body
    assert sentence[0].isupper() and sentence.endswith("."), f"not a sentence: {body}"
    if code == "bad_image":
        assert sentence == UNREADABLE or sentence.startswith(TOO_LARGE), f"Pillow's words, not ours: {body}"
    return status, code, sentence


REFUSALS = {"unsupported": (415, "unsupported_type"), "empty": (400, "bad_request"), "oversized": (413, "too_large"),
            "bad request": (400, "bad_request"), "too large body": (413, "too_large")}
"""Expectation (inputs.Photo, inputs.Body) -> the status and code of the one refusal it must get."""


def check_photo_answer(response: httpx.Response, expect: str | None) -> tuple[int, str, str] | None:
    """The refusal a photo expecting `expect` (see inputs.Photo) must get, if any; the answer's error."""
    error = error_of(response)
    if expect == "read":
        assert error is None or error[1] not in ("bad_image", "unsupported_type", "too_large", "bad_request"), error
    elif expect == "too large":
        assert error is not None and error[:2] == (422, "bad_image") and error[2].startswith(TOO_LARGE), error
    elif expect is not None:
        assert error is not None and error[:2] == REFUSALS[expect], (expect, error)
    return error


def people_state(api: httpx.Client, images: Path) -> tuple[object, list[str]]:
    """Who is enrolled with which stored faces (from the API), and every file in the people folders."""
    response = api.get("/api/people")
    assert response.status_code == 200, response.text
    people = sorted((p["id"], p["name"], sorted(ph["id"] for ph in p["photos"])) for p in response.json()["people"])
    files = sorted(str(p.relative_to(images.parent)) for p in images.parent.rglob("*")
                   if "state" not in p.relative_to(images.parent).parts[:1])
    return people, files


def tallies() -> dict[str, list]:
    """This process's counts, as JSON-able lists (the xdist controller adds up its workers')."""
    return {
        "tally": [[e, k, n] for (e, k), n in TALLY.items()],
        "statuses": [[e, s, n] for (e, s), n in STATUSES.items()],
        "labels": [[label, n] for label, n in LABELS.items()],
        "figures": [[k, v] for k, v in FIGURES.items()],
    }


def add(counts: dict[str, list]) -> None:
    """Add a worker's `tallies()` to this process's."""
    for e, k, n in counts["tally"]:
        TALLY[(e, k)] += n
    for e, s, n in counts["statuses"]:
        STATUSES[(e, s)] += n
    for label, n in counts["labels"]:
        LABELS[label] += n
    FIGURES.update(dict(counts["figures"]))


def report_lines() -> list[str]:
    """How many inputs of each kind every endpoint was sent, for the README's figures."""
    if not TALLY:
        return []
    lines = []
    for endpoint in sorted({e for e, _ in TALLY}):
        kinds = sorted(((k, n) for (e, k), n in TALLY.items() if e == endpoint), key=lambda kn: -kn[1])
        lines.append(f"{endpoint}: {sum(n for _, n in kinds)} ({', '.join(f'{k} {n}' for k, n in kinds)})")
        statuses = sorted((s, n) for (e, s), n in STATUSES.items() if e == endpoint)
        lines.append(f"    answered: {', '.join(f'{s} x {n}' for s, n in statuses)}")
    lines.append(f"total: {sum(TALLY.values())} inputs")
    if LABELS:
        lines.append(f"valid images sent to the API, by format and mode ({len(LABELS)} pairs): "
                     + ", ".join(f"{label} {n}" for label, n in sorted(LABELS.items())))
    lines += [f"{what}: {figure}" for what, figure in FIGURES.items()]
    return lines
