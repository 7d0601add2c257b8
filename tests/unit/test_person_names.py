"""A person's name: every Unicode letter, NFC; no control, bidi-override or zero-width character; one person per
id up to case and separators; ids that are safe folder names."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from facesearch.errors import BadRequest, NotFound
from facesearch.people.enroll import checked_name, person_folder, person_id_for, same_person
from facesearch.people.scan import read_name


@pytest.mark.parametrize(("name", "person_id"), [
    ("Ada Lovelace", "Ada_Lovelace"),
    ("محمد علي", "محمد_علي"),
    ("Ｔｅｄ Ｌｉｅｕ", "Ｔｅｄ_Ｌｉｅｕ"),
    ("Jose\u0301 Nu\u0301n\u0303ez", "José_Núñez"),  # decomposed accents come out composed (NFC)
    ("मोहनदास करमचंद", "मोहनदास_करमचंद"),  # vowel signs (marks) stay with their letters
    ("山田 太郎", "山田_太郎"),
    ("  O'Brien-Smith, Jr. ", "O_Brien_Smith_Jr"),
    ("../Upload Escape", "Upload_Escape"),
])
def test_every_letter_is_a_name_and_its_id_keeps_the_letters(name: str, person_id: str) -> None:
    kept = checked_name(name)
    assert kept == unicodedata.normalize("NFC", name.strip())
    assert person_id_for(kept) == person_id


@pytest.mark.parametrize("name", [
    "Name\nInjected: line", "Name\r\nX: y", "Tab\there", "nul\0byte", "del\x7f", "c1\x85line",
    "\u202eevil.jpg", "a\u202db", "iso\u2066late\u2069", "lrm\u200e", "zero\u200bwidth", "j\u200doin", "non\u200cjoin",
    "word\u2060joiner", "bom\ufeff", "line\u2028sep", "para\u2029sep",
])
def test_control_bidi_and_zero_width_characters_are_refused(name: str) -> None:
    with pytest.raises(BadRequest, match="control characters, line breaks or invisible formatting"):
        checked_name(name)


@pytest.mark.parametrize("name", ["", "   ", "!!!", "___", "- . -", "x" * 101])
def test_a_name_needs_a_letter_or_digit_and_at_most_100_characters(name: str) -> None:
    with pytest.raises(BadRequest):
        checked_name(name)


def test_a_long_name_gives_an_id_the_file_system_takes() -> None:
    for letter in ["x", "ж", "山", "𝔄"]:
        person_id = person_id_for(letter * 100)
        assert 0 < len(person_id) <= 100 and len(person_id.encode()) <= 200


def test_ids_that_differ_only_in_case_or_separators_are_one_person(tmp_path: Path) -> None:
    (tmp_path / "Ted_Lieu").mkdir()
    (tmp_path / "Ann_A").mkdir()
    for other in ["ted_lieu", "TED_LIEU", "Ted-Lieu", "ted.lieu", "Ｔｅｄ_Ｌｉｅｕ"]:
        assert same_person(tmp_path, other) == tmp_path / "Ted_Lieu", other
    for other in ["Ted_Lieus", "TedLieu", "Anna"]:
        assert same_person(tmp_path, other) is None, other


def test_person_folders_take_unicode_ids_and_refuse_unsafe_ones(tmp_path: Path) -> None:
    for person_id in ["محمد_علي", "Mary-Jane.Smith", "Ted_Lieu"]:
        (tmp_path / person_id).mkdir()
        assert person_folder(tmp_path, person_id) == tmp_path / person_id
    (tmp_path / ".hidden").mkdir()
    for bad in ["", ".", "..", "../Ted_Lieu", "Ted_Lieu/..", "a/b", "a\0b", ".hidden", "-x", "_x", "a\\b",
                "x" * 101, "Ted_Lieu\n", "\u202eTed"]:
        with pytest.raises(NotFound):
            person_folder(tmp_path, bad)


def test_a_name_file_is_read_as_its_first_line_without_invisible_characters(tmp_path: Path) -> None:
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "name.txt").write_text("\u202eAnn\u200b Lee\u2028Injected\nmore\n", encoding="utf-8")
    assert read_name(tmp_path / "ann") == ("Ann Lee", True)
    (tmp_path / "ann" / "name.txt").write_text("Jose\u0301\n", encoding="utf-8")
    assert read_name(tmp_path / "ann") == ("José", True)
