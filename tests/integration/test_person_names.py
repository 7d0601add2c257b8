"""Names through the API: any script's letters are enrolled (NFC) under a Unicode id; control, bidi-override and
zero-width characters are refused with a sentence; a name whose id differs only in case or separators from an
enrolled person's is that person (409). Every person made here is removed in `finally`."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.conftest import LOOK_FOR, Stack

PHOTO = ("photos", ("ferguson.jpg", (LOOK_FOR / "Chris_Ferguson.jpg").read_bytes(), "image/jpeg"))


def enroll(stack: Stack, name: str):  # noqa: ANN201 - an httpx.Response
    return stack.api.post("/api/people", data={"name": name}, files=[PHOTO])


@pytest.mark.parametrize(("name", "person_id", "shown"), [
    ("محمد علي", "محمد_علي", "محمد علي"),
    ("Ｊｏｅ Ｆｕｌｌ", "Ｊｏｅ_Ｆｕｌｌ", "Ｊｏｅ Ｆｕｌｌ"),
    ("Jose\u0301 Nu\u0301n\u0303ez", "José_Núñez", "José Núñez"),
    ("山田 太郎", "山田_太郎", "山田 太郎"),
])
def test_names_in_any_script_are_enrolled(stack: Stack, name: str, person_id: str, shown: str) -> None:
    try:
        made = enroll(stack, name)
        assert made.status_code == 201, made.text
        assert (made.json()["person"]["id"], made.json()["person"]["name"]) == (person_id, shown)
        assert (stack.settings.images_dir / person_id / "name.txt").read_text(encoding="utf-8") == shown + "\n"
        listed = {p["id"]: p["name"] for p in stack.api.get("/api/people").json()["people"]}
        assert listed[person_id] == shown
        added = stack.api.post(f"/api/people/{quote(person_id)}/photos", files=[PHOTO])
        assert added.status_code == 200 and added.json()["person"]["photo_count"] == 2, added.text
    finally:
        stack.api.delete(f"/api/people/{quote(person_id)}")
    assert not (stack.settings.images_dir / person_id).exists()


@pytest.mark.parametrize("name", [
    "Name\nInjected: line", "Name\r\nInjected: line", "\u202eevil gpj.exe", "Zero\u200bWidth", "Iso\u2066late\u2069",
    "Nul\0Byte", "Line\u2028Break",
])
def test_control_bidi_and_zero_width_characters_are_refused(stack: Stack, name: str) -> None:
    before = set(stack.settings.images_dir.iterdir())
    made = enroll(stack, name)
    try:
        assert (made.status_code, made.json()["code"]) == (400, "bad_request"), made.text
        assert "control characters, line breaks or invisible formatting characters" in made.json()["error"]
        assert set(stack.settings.images_dir.iterdir()) == before and len(stack.faces()) == 8
    finally:
        if made.status_code == 201:
            stack.api.delete(f"/api/people/{quote(made.json()['person']['id'])}")


@pytest.mark.parametrize("name", ["ted lieu", "TED LIEU", "Ted-Lieu", "ted.lieu", "Ｔｅｄ Ｌｉｅｕ"])
def test_a_name_that_differs_only_in_case_or_separators_is_the_same_person(stack: Stack, name: str) -> None:
    before = set(stack.settings.images_dir.iterdir())
    made = enroll(stack, name)
    try:
        assert (made.status_code, made.json()["code"]) == (409, "conflict"), made.text
        assert "'Ted Lieu' (Ted_Lieu)" in made.json()["error"]
        assert set(stack.settings.images_dir.iterdir()) == before and len(stack.faces()) == 8
    finally:
        if made.status_code == 201:
            stack.api.delete(f"/api/people/{quote(made.json()['person']['id'])}")
