"""Backups through Weaviate's backup-filesystem module, on a private stack of its own: a backup made with
`python -m facesearch backup` brings the people and the library back, with the same answers, after
Weaviate's data folder is deleted; a restore never writes over collections unless told to."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from weaviate.classes.query import Filter

from facesearch.local.stack import LocalStack, settings_env
from facesearch.settings import ROOT, Settings
from facesearch.store.backup import collection_names
from facesearch.store.connection import connect
from facesearch.store.writes import vector_of
from tests.conftest import IMAGES, LOOK_FOR, private_settings, started

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]

NAME = "before-wipe"


@dataclass
class World:
    """A private stack with the sample people imported and library/samples indexed, and one backup of it."""

    settings: Settings
    local: LocalStack
    answers: dict
    vectors: dict


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **settings_env(settings)}
    return subprocess.run(
        [sys.executable, "-m", "facesearch", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def refused(done: subprocess.CompletedProcess) -> str:
    """The one sentence a refused command prints (exit 1, no traceback)."""
    assert done.returncode == 1, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    [line] = done.stderr.strip().splitlines()
    return line.removeprefix("error: ")


def answers(settings: Settings) -> dict:
    """What the API answers: a search with every look_for/ photo (5 candidates each), a library find with each
    (down to similarity 0.5), each person's library photos, and the library's status."""
    got: dict = {}
    with httpx.Client(base_url=settings.api_url, timeout=300) as api:
        for photo in sorted(LOOK_FOR.iterdir()):
            files = {"photo": (photo.name, photo.read_bytes())}
            got[f"search {photo.name}"] = api.post("/api/search", files=files, params={"limit": 5}).json()
            got[f"find {photo.name}"] = api.post("/api/library/find", files=files, params={"threshold": 0.5}).json()
        for person in sorted(p.name for p in IMAGES.iterdir()):
            got[f"find {person}"] = api.get("/api/library/find", params={"person": person}).json()
        library = api.get("/api/library").json()
        library["watcher"].pop("start_id")  # new at each start of the API, by design
        got["library"] = library
    return got


def vectors(settings: Settings) -> dict[str, list[float]]:
    """Object id -> vector of every face, enrolled and library, as Weaviate holds them."""
    client = connect(settings)
    try:
        return {
            str(o.uuid): vector_of(o)
            for name in (settings.collection, settings.library_collection)
            for o in client.collections.get(name).iterator(include_vector=True)
        }
    finally:
        client.close()


def collections(settings: Settings) -> set[str]:
    client = connect(settings)
    try:
        return set(client.collections.list_all(simple=True))
    finally:
        client.close()


def assert_same_answers(before: dict, after: dict) -> None:
    assert after.keys() == before.keys()
    for key in before:
        assert after[key] == before[key], key


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("backup")
    shutil.copytree(IMAGES, root / "images")
    settings = private_settings(root / "state", root / "images")
    shutil.copytree(ROOT / "library" / "samples", settings.library_root / "samples")
    with started(settings) as local:
        ok(cli(settings, "import"))
        ok(cli(settings, "library", "index"))
        made = ok(cli(settings, "backup", NAME))
        assert made.startswith(f"Backed up 8 enrolled faces, 6 library photos with 13 faces as {NAME} in "), made
        assert f"folder: {settings.backups_path / NAME} (" in made, made
        yield World(settings, local, answers(settings), vectors(settings))


def test_the_answers_are_worth_comparing(world: World) -> None:
    """The recorded answers name people and find library photos, so comparing them can tell a difference."""
    ted = world.answers["search Ted_Lieu.jpg"]["faces"][0]
    assert ted["match"]["name"] == "Ted Lieu" and len(ted["candidates"]) == 5
    found = {m["path"] for m in world.answers["find Ted_Lieu"]["matches"]}
    assert found == {"2024/office-party.jpg", "2025/reunion.jpg"}
    assert len(world.vectors) == 8 + 13


def test_restore_after_wiping_weaviate_gives_the_same_answers(world: World) -> None:
    s = world.settings
    world.local.stop(log=lambda _: None)
    shutil.rmtree(s.state_dir / "data" / "weaviate")
    world.local.start(log=lambda _: None)
    assert not collections(s) & {s.collection, s.library_collection, s.library_photo_collection}

    restored = ok(cli(s, "restore", NAME))

    assert restored.startswith(f"Restored {NAME} in "), restored
    assert restored.splitlines()[0].endswith(": 8 enrolled faces, 6 library photos with 13 faces."), restored
    assert "note:" not in restored
    assert vectors(s) == world.vectors
    assert_same_answers(world.answers, answers(s))


def test_restore_over_existing_collections_is_refused(world: World) -> None:
    s = world.settings
    sentence = refused(cli(s, "restore", NAME))
    assert sentence == (
        f"Weaviate already has {', '.join(sorted(collection_names(s)))}, which the backup "
        f"{NAME} would restore: run `python -m facesearch restore {NAME} --replace` to delete them and restore the "
        "backup's."
    )


def test_replace_brings_back_what_was_changed_while_the_api_runs(world: World) -> None:
    s = world.settings
    api_pid = world.local.pid("api")
    client = connect(s)
    try:
        client.collections.get(s.collection).data.delete_many(where=Filter.by_property("person_id").equal("Ted_Lieu"))
        client.collections.delete(s.library_photo_collection)
    finally:
        client.close()
    with httpx.Client(base_url=s.api_url, timeout=300) as api:
        photo = {"photo": ("q.jpg", (LOOK_FOR / "Ted_Lieu.jpg").read_bytes())}
        assert api.post("/api/search", files=photo).json()["faces"][0]["match"] is None

    restored = ok(cli(s, "restore", NAME, "--replace"))

    assert restored.splitlines()[0].endswith(": 8 enrolled faces, 6 library photos with 13 faces."), restored
    assert world.local.pid("api") == api_pid  # the same API process answers, with the collections it had cached
    assert vectors(s) == world.vectors
    assert_same_answers(world.answers, answers(s))


def test_a_name_weaviate_would_refuse_is_refused_with_a_sentence(world: World) -> None:
    s = world.settings
    for args in (["backup", "Not-Lowercase"], ["backup", "a/b"], ["restore", "../before-wipe"]):
        name = args[1]
        assert refused(cli(s, *args)) == (
            f"'{name}' cannot name a backup: use lowercase letters, digits, '-' and '_' only (at most 128)."
        )
    assert not {"Not-Lowercase", "a", "not-lowercase"} & {p.name for p in s.backups_path.iterdir()}


def test_an_unknown_backup_is_named_with_the_ones_there_are(world: World) -> None:
    sentence = refused(cli(world.settings, "restore", "no-such-backup"))
    assert sentence == f"There is no backup named no-such-backup; the backups there are: {NAME}."


def test_a_name_in_use_is_refused_and_the_list_shows_the_backup(world: World) -> None:
    s = world.settings
    assert refused(cli(s, "backup", NAME)) == f"There is already a backup named {NAME}; choose another name."
    [line] = [line for line in ok(cli(s, "backup", "--list")).splitlines() if line.startswith(f"{NAME}  ")]
    assert line.endswith(
        f"  SUCCESS  {', '.join(sorted(collection_names(s)))}"
    ), line


def test_a_second_backup_gets_a_name_from_the_time(world: World) -> None:
    made = ok(cli(world.settings, "backup"))
    name = made.split(" as ", 1)[1].split(" ", 1)[0]
    assert name.startswith("facesearch-") and (world.settings.backups_path / name / "backup_config.json").is_file()
