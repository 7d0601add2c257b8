"""Every API endpoint that reads an uploaded photo, against thousands of generated files and forms.

Each answer: within answers.TIMEOUT_S, never a 500, every refusal in the one error shape (with our sentence,
not Pillow's), the refusal a file of that kind must get (inputs.Photo.expect), and for writes: a refused
request leaves the people, their stored faces and every file of the stack's folders as they were; an
accepted one is undone in `finally`, and that too leaves them as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from facesearch.settings import Settings
from tests.conftest import Stack
from tests.fuzz import inputs
from tests.fuzz.answers import LABELS, check_photo_answer, error_of, people_state, send
from tests.fuzz.inputs import Form, Photo

pytestmark = pytest.mark.integration

UPLOAD_BYTES = Settings(_env_file=None).max_upload_mb * 1024 * 1024
"""The stack's upload limit (its settings are the defaults and the environment, like these)."""
SEARCH, FIND = "POST /api/search", "POST /api/library/find"
ENROL, ADD = "POST /api/people", "POST /api/people/{id}/photos"
PERSON = "Ted_Lieu"
"""The enrolled person the fuzz adds photos to (and removes them from again)."""

photos = inputs.photo_files(UPLOAD_BYTES)
photo_lists = photos.map(lambda p: [p]) | st.lists(photos, min_size=2, max_size=3)
"""Half of the writes send one photo (its kind decides the answer), half two or three."""
NAME = "Fuzz Person"
names = st.just(NAME) | st.sampled_from(["Ted Lieu", " ", "", "x" * 101, "?!", "ok"]) | st.text(
    st.characters(exclude_categories=("Cs",)), max_size=110)
"""A third of them a good new name (then the photos decide the answer), the rest odd ones."""


@pytest.fixture(scope="module", autouse=True)
def same_limit(stack: Stack) -> None:
    assert stack.settings.max_upload_mb * 1024 * 1024 == UPLOAD_BYTES


def photo_part(photo: Photo) -> tuple[str, bytes, str]:
    """The multipart file of a photo (counting valid images by format and mode)."""
    if photo.kind == "valid image":
        LABELS[" ".join(photo.label.split()[:2])] += 1
    return ("photo.jpg", photo.data, "image/jpeg")


@contextmanager
def unchanged_unless_accepted(stack: Stack, api: httpx.Client, undo) -> Iterator[list[httpx.Response]]:  # noqa: ANN001
    """Around one write: afterwards, the people and the files are as before, the write undone by `undo(answer)`
    when it was accepted."""
    before = people_state(api, stack.settings.images_dir)
    answers: list[httpx.Response] = []
    try:
        yield answers
    finally:
        if answers and answers[0].is_success:
            undo(answers[0].json())
    assert people_state(api, stack.settings.images_dir) == before


@settings(max_examples=600)
@given(photo=photos)
@inputs.with_examples(photo=inputs.every_format_and_mode() + inputs.found_bugs())
def test_search_answers_any_photo(api: httpx.Client, photo: Photo) -> None:
    response = send(api, SEARCH, photo.kind, files={"photo": photo_part(photo)})
    if check_photo_answer(response, photo.expected(UPLOAD_BYTES)) is None:
        assert response.json()["faces"], photo


@settings(max_examples=300)
@given(photo=photos)
@inputs.with_examples(photo=inputs.found_bugs())
def test_library_find_answers_any_photo(api: httpx.Client, photo: Photo) -> None:
    response = send(api, FIND, photo.kind, files={"photo": photo_part(photo)})
    if check_photo_answer(response, photo.expected(UPLOAD_BYTES)) is None:
        assert "matches" in response.json(), photo


def undo_enrol(api: httpx.Client):  # noqa: ANN201
    return lambda answer: api.delete(f"/api/people/{answer['person']['id']}").raise_for_status()


@settings(max_examples=300)
@given(photo_list=photo_lists, name=names)
def test_enrolling_changes_nothing_unless_it_enrols(
    stack: Stack, api: httpx.Client, photo_list: list[Photo], name: str
) -> None:
    files = [("photos", photo_part(p)) for p in photo_list]
    kind = photo_list[0].kind if len(photo_list) == 1 else "several files"
    with unchanged_unless_accepted(stack, api, undo_enrol(api)) as answers:
        answers.append(response := send(api, ENROL, kind, data={"name": name}, files=files))
        if len(photo_list) == 1 and name == NAME:
            error = check_photo_answer(response, photo_list[0].expected(UPLOAD_BYTES))
        else:
            error = error_of(response)
        if error is None:
            assert response.status_code == 201 and response.json()["imported"], response.text


def undo_add(api: httpx.Client, before: set[str]):  # noqa: ANN201
    def undo(answer: dict) -> None:
        for photo in answer["person"]["photos"]:
            if photo["id"] not in before:
                api.delete(f"/api/people/{PERSON}/photos/{photo['id']}").raise_for_status()
    return undo


def photo_ids(api: httpx.Client) -> set[str]:
    people = api.get("/api/people").json()["people"]
    return {ph["id"] for p in people if p["id"] == PERSON for ph in p["photos"]}


@settings(max_examples=300)
@given(photo_list=photo_lists)
def test_adding_photos_changes_nothing_unless_it_adds(stack: Stack, api: httpx.Client, photo_list: list[Photo]) -> None:
    files = [("photos", photo_part(p)) for p in photo_list]
    kind = photo_list[0].kind if len(photo_list) == 1 else "several files"
    with unchanged_unless_accepted(stack, api, undo_add(api, photo_ids(api))) as answers:
        answers.append(response := send(api, ADD, kind, path=f"/api/people/{PERSON}/photos", files=files))
        if len(photo_list) == 1:
            check_photo_answer(response, photo_list[0].expected(UPLOAD_BYTES))
        else:
            error_of(response)


ENDPOINTS = {SEARCH: ("photo", ()), FIND: ("photo", ()), ENROL: ("photos", (("name", NAME),)), ADD: ("photos", ())}
"""Endpoint -> its file field and the text fields it needs."""


def check_form_answer(response: httpx.Response, form: Form) -> None:
    error = error_of(response)
    if form.expect == "refused":
        assert error is not None and 400 <= error[0] < 500 and error[1] != "no_face", (form, error)
    elif form.expect == "read":
        assert error is None or error[1] not in ("bad_image", "unsupported_type", "too_large", "bad_request"), (
            form, error)


odd_requests = st.sampled_from(sorted(ENDPOINTS)).flatmap(
    lambda endpoint: inputs.odd_forms(*ENDPOINTS[endpoint]).map(lambda form: (endpoint, form)))


def named_photo(filename: str, photo: bytes) -> Form:
    return Form("odd filename", inputs.multipart([inputs.part("photos", photo, filename, "image/jpeg")]), inputs.FORM,
                filename[:40], "read")


@settings(max_examples=320)
@given(case=odd_requests)
@example(case=(ADD, named_photo("x" * 1000 + ".jpg", inputs.plain_photo())))  # found: a 500 (name too long)
@example(case=(ADD, named_photo("photo.exe", inputs.plain_photo())))  # found: the file stayed, unseen
@example(case=(ADD, named_photo("photo.exe", inputs.real_photos()[0][1])))
def test_odd_forms_are_refused_in_the_one_shape(stack: Stack, api: httpx.Client, case: tuple[str, Form]) -> None:
    endpoint, form = case
    path = endpoint.split(" ")[1].replace("{id}", PERSON)
    request = {"path": path, "content": form.content, "headers": {"Content-Type": form.content_type}}
    if endpoint in (SEARCH, FIND):
        check_form_answer(send(api, endpoint, form.kind, **request), form)
        return
    undo = undo_enrol(api) if endpoint == ENROL else undo_add(api, photo_ids(api))
    with unchanged_unless_accepted(stack, api, undo) as answers:
        answers.append(response := send(api, endpoint, form.kind, **request))
        check_form_answer(response, form)
