"""Weaviate keeps the faces on disk: a restart of it loses nothing."""

from __future__ import annotations

from tests.conftest import LOOK_FOR, Stack


def test_data_survives_a_weaviate_restart(stack: Stack) -> None:
    before = {f.id for f in stack.faces()}
    pid = stack.local.pid("weaviate")
    assert pid
    assert stack.local.stop_services(["weaviate"], log=lambda _: None)  # stopped on purpose: not restarted
    assert stack.local.pid("weaviate") is None
    stack.local.start(log=lambda _: None)
    assert stack.local.pid("weaviate") not in (None, pid)
    assert {f.id for f in stack.faces()} == before
    response = stack.api.post("/api/search", files={"photo": ("q.jpg", (LOOK_FOR / "Ted_Lieu.jpg").read_bytes())})
    assert response.status_code == 200, response.text
    assert response.json()["faces"][0]["match"]["name"] == "Ted Lieu"
