"""Backup names: what Weaviate accepts as a backup id, checked before Weaviate is asked."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from facesearch.store.backup import checked_name, default_name
from facesearch.errors import BadRequest


@pytest.mark.parametrize("name", ["nightly", "facesearch-20261125-2130", "a_b-1", "0", "x" * 128])
def test_names_weaviate_accepts_pass(name: str) -> None:
    assert checked_name(name) == name


@pytest.mark.parametrize("name", ["", "Nightly", "a b", "a/b", "../x", "ünï", "a.b", "x" * 129])
def test_other_names_are_refused_with_a_sentence(name: str) -> None:
    with pytest.raises(BadRequest) as refused:
        checked_name(name)
    assert refused.value.message == (
        f"'{name}' cannot name a backup: use lowercase letters, digits, '-' and '_' only (at most 128)."
    )


def test_the_default_name_is_the_utc_time_and_a_valid_name() -> None:
    name = default_name(datetime(2026, 11, 25, 21, 30, 45, tzinfo=timezone.utc))
    assert name == "facesearch-20261125-213045"
    now = default_name()
    assert checked_name(now) == now
