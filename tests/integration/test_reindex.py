"""Changing the face model: face collections record their vector space, refuse another one, and
`python -m facesearch reindex` moves them into the new one, going on where it stopped.

A private stack (its own Weaviate, vectorizer and API, and its own collection names) starts with the
OLD embedder and gets the sample people, a small library and, in each, a face only the OLD model had (a
blank crop stored with a vector); then its vectorizer and API restart with the NEW embedder.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
import weaviate
from weaviate.collections import Collection

from facesearch.errors import WrongSpace
from facesearch.face import FaceModels, encode_jpeg
from facesearch.face.embed import decision_for
from facesearch.library.find import Query, find_by_photo
from facesearch.library.index import folder_key, index_folder
from facesearch.local.stack import LocalStack, StackError, settings_env
from facesearch.people.scan import scan_images
from facesearch.people.search import search_photo
from facesearch.people.sync import import_people
from facesearch.settings import Settings
from facesearch.store import library as records
from facesearch.store import reindex
from facesearch.store.connection import connect
from facesearch.store.people import People, ensure_people, face_vectors, object_id
from facesearch.store.space import SpaceRecord, recorded_space, reindex_name, vector_space
from facesearch.store.writes import VECTOR, NewObject, insert_many, vector_of
from facesearch.testing import isolated_settings
from tests.conftest import IMAGES, LOOK_FOR
from tests.integration.test_search import ENROLLED

OLD, NEW = "fusion", "reid0095"
"""The previous default face model and today's: what an upgrade reindexes."""
CHOSEN_BY_CARD = ("threshold", "margin", "rule", "library_threshold", "library_threshold_min")
LIBRARY_PHOTOS = ("Ted_Lieu.jpg", "Paul_Rudd.jpg", "Dina_Titus.jpg")
GHOST = object_id("ghost", "blank.jpg")
"""The people's face the NEW model finds nothing in."""
STOPS = ["filling", "filling for another model", "filled", "marked complete", "old deleted", "copying back",
         "complete for another model"]
"""Where a reindex can stop (a crash, Ctrl-C); each resume test gets its own copy of the people."""


def with_embedder(settings: Settings, embedder: str) -> Settings:
    """The same settings with another embedder, and the thresholds of its card (`decision_for`)."""
    keep = {k: v for k, v in settings.model_dump().items() if k not in (*CHOSEN_BY_CARD, "weaviate_bin", "embedder")}
    return Settings(_env_file=None, **keep, embedder=embedder)


@dataclass
class Changed:
    """The stack after the model changed: `old` and `new` settings, their spaces, counts before the change."""

    old: Settings
    new: Settings
    old_space: str
    new_space: str
    folder: Path
    people: int
    library_faces: int

    def client(self) -> weaviate.WeaviateClient:
        return connect(self.new)

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "facesearch", *args], env={"PATH": "/usr/bin:/bin", **settings_env(self.new)},
            capture_output=True, text=True, timeout=300, cwd=LOOK_FOR.parent,
        )


def blank_face(collection: Collection, id_: str, properties: dict) -> None:
    """Store a blank crop with a vector of the collection's size: a face no model finds in its crop."""
    crop = base64.b64encode(encode_jpeg(np.full((256, 256, 3), 200, np.uint8))).decode()
    dim = len(vector_of(next(iter(collection.iterator(include_vector=True)))))
    vector = np.random.default_rng(7).normal(size=dim)
    vector = {VECTOR: (vector / np.linalg.norm(vector)).tolist()}
    assert not insert_many(collection, [NewObject(id_, {**properties, "image": crop}, vector)])


def populate(settings: Settings, folder: Path) -> tuple[int, int]:
    """People, a library, a blank face in each and a copy of the people per stop; (people, library faces)."""
    client = connect(settings)
    try:
        space, models = vector_space(settings), FaceModels.load(settings, embed=False)
        people = ensure_people(client, settings, space)
        import_people(people, scan_images(IMAGES), models=models)
        blank_face(people.faces, GHOST, {"filename": "blank.jpg", "name": "Nobody", "person_id": "ghost",
                                   "box": [0, 0, 9, 9]})
        library = records.ensure_library(client, settings, space)
        index_folder(library, folder, models=models, detector=settings.detector)
        key, path = folder_key(folder), LIBRARY_PHOTOS[0]
        blank_face(library.faces, records.face_id(key, path, 2), {
            "folder": key, "path": path, "photo_id": records.photo_id(key, path), "person_id": "", "box": [0, 0, 9, 9],
            "face_width": 9, "photo_width": 10, "photo_height": 10,
        })
        library.photos.data.update(uuid=records.photo_id(key, path), properties={"faces": 2})
        for stop in STOPS:
            copy_faces(client, settings.collection, resume_name(stop), SpaceRecord(space))
        return reindex.count(people.faces), reindex.count(library.faces)
    finally:
        client.close()


def resume_name(stop: str) -> str:
    return "TestReindexStop" + "".join(w.capitalize() for w in stop.split())


def with_vectors(collection: Collection) -> list[NewObject]:
    """Every object of a collection as it can be inserted again, with its vector."""
    objects = collection.iterator(return_properties=reindex.property_names(collection), include_vector=True)
    return [NewObject(str(o.uuid), reindex.set_properties(o), {VECTOR: vector_of(o)})
            for o in objects]


def copy_faces(client: weaviate.WeaviateClient, name: str, new_name: str, record: SpaceRecord) -> None:
    """A copy of a face collection, vectors included, described by `record`."""
    reindex.clone(client, name, new_name, record)
    assert not insert_many(client.collections.get(new_name), with_vectors(client.collections.get(name)))


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Changed]:
    root = tmp_path_factory.mktemp("reindex")
    folder = root / "library" / "photos"
    folder.mkdir(parents=True)
    for name in LIBRARY_PHOTOS:
        shutil.copy(LOOK_FOR / name, folder / name)
    old = isolated_settings(
        root / "state", IMAGES, vectorizer_workers=1, import_workers=1, library_root=root / "library", embedder=OLD,
        collection="TestReindexPeople", library_collection="TestReindexLibFace",
        library_photo_collection="TestReindexLibPhoto",
    )
    local, new = LocalStack(old), with_embedder(old, NEW)
    try:
        local.start(log=lambda _: None)
        old_space = vector_space(old)
        people, library_faces = populate(old, folder)
        LocalStack(new).restart(["vectorizer", "api"], log=lambda _: None)
    except StackError as e:
        local.stop(log=lambda _: None)
        pytest.fail(f"the local stack did not start: {e}")
    try:
        yield Changed(old, new, old_space, vector_space(new), folder, people, library_faces)
    finally:
        if local.pid("weaviate"):
            client = connect(old)
            names = [old.collection, old.library_collection, old.library_photo_collection, *map(resume_name, STOPS)]
            client.collections.delete([*names, *map(reindex_name, names)])
            client.close()
        local.stop(log=lambda _: None)


def test_the_model_change_is_refused_until_reindex_then_everything_works(changed: Changed) -> None:
    assert changed.old_space != changed.new_space
    client = changed.client()
    try:
        assert recorded_space(client, changed.new.collection) == SpaceRecord(changed.old_space)
        refused_everywhere(changed, client)
        reindexed_by_the_command(changed)
        for name in (changed.new.collection, changed.new.library_collection):
            assert recorded_space(client, name) == SpaceRecord(changed.new_space)
            assert not client.collections.exists(reindex_name(name))
        people = ensure_people(client, changed.new, changed.new_space)
        library = records.ensure_library(client, changed.new, changed.new_space)
        assert reindex.count(people.faces) == changed.people - 1  # all but the blank face
        assert reindex.count(library.faces) == changed.library_faces - 1
        assert records.get_photo(library, records.photo_id(folder_key(changed.folder), LIBRARY_PHOTOS[0])).faces == 1
        names_everyone_again(changed, people)
        finds_in_the_library_again(changed, library)
    finally:
        client.close()
    assert changed.cli("search", str(LOOK_FOR / "Ted_Lieu.jpg")).returncode == 0
    photo = {"photo": ("q.jpg", (LOOK_FOR / "Ted_Lieu.jpg").read_bytes())}
    answer = httpx.post(f"{changed.new.api_url}/api/search", files=photo, timeout=60)
    assert answer.status_code == 200 and answer.json()["faces"][0]["match"]["name"] == "Ted Lieu", answer.text
    again = changed.cli("reindex")
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == (f"{changed.new.collection} and {changed.new.library_collection} already hold "
                                    f"faces of {changed.new_space}: nothing to reindex.")


def refused_everywhere(changed: Changed, client: weaviate.WeaviateClient) -> None:
    """One sentence, naming the collection, both spaces and the command, from ensuring, the API and the CLI."""
    with pytest.raises(WrongSpace) as refused:
        ensure_people(client, changed.new, changed.new_space)
    message = refused.value.message
    assert changed.new.collection in message and "`python -m facesearch reindex`" in message
    assert changed.old_space in message and changed.new_space in message
    with pytest.raises(WrongSpace, match=changed.new.library_collection):
        records.ensure_library(client, changed.new, changed.new_space)
    answer = httpx.get(f"{changed.new.api_url}/api/people", timeout=60)
    assert (answer.status_code, answer.json()) == (409, {"error": message, "code": "wrong_vector_space"})
    out = changed.cli("search", str(LOOK_FOR / "Ted_Lieu.jpg"))
    assert (out.returncode, out.stderr.strip().splitlines()[-1]) == (1, f"error: {message}")


def reindexed_by_the_command(changed: Changed) -> None:
    out = changed.cli("reindex")
    assert out.returncode == 0, out.stderr
    people, library = changed.new.collection, changed.new.library_collection
    assert f"{people}: vectorizing {changed.people}/{changed.people} faces" in out.stderr
    assert f"{people}: copying back {changed.people - 1}/{changed.people - 1} faces" in out.stderr
    assert f"left out: {people}: ghost/blank.jpg: The face vectorizer found no face" in out.stdout
    assert f"left out: {library}: {folder_key(changed.folder)}/{LIBRARY_PHOTOS[0]}: The face vectorizer" in out.stdout
    [summary] = [line for line in out.stdout.splitlines() if line.startswith("reindexed into ")]
    assert summary.startswith(f"reindexed into {changed.new_space}: {people} {changed.people - 1} faces, "
                              f"{library} {changed.library_faces - 1} faces; 2 left out"), summary


def names_everyone_again(changed: Changed, people: People) -> None:
    models, d = FaceModels.load(changed.new, embed=False), decision_for(changed.new)
    for photo in sorted(p for p in LOOK_FOR.iterdir() if p.stem in ENROLLED):
        result = search_photo(models, people, photo.read_bytes(), limit=1, threshold=d.threshold, margin=d.margin,
                              rule=d.rule)
        match = result.faces[0].match
        assert match is not None and match.face.name == ENROLLED[photo.stem], f"{photo.name}: {result.faces[0]}"


def finds_in_the_library_again(changed: Changed, library: records.Library) -> None:
    models = FaceModels.load(changed.new, embed=False)
    query = Query(decision_for(changed.new).library_threshold, folders=[folder_key(changed.folder)])
    for name in LIBRARY_PHOTOS:
        found = find_by_photo(models, library, (LOOK_FOR / name).read_bytes(), query)
        assert [m.face.path for m in found.matches][:1] == [name], found.matches


def stop_at(client: weaviate.WeaviateClient, faces: reindex.FaceCollection, space: str, stop: str) -> None:
    """Do a reindex of `faces` into `space` up to `stop`, as a run that crashed there would have."""
    name, copy = faces.name, reindex_name(faces.name)
    if stop == "complete for another model":  # filled by a model configured in between (its vectors: the old ones)
        copy_faces(client, name, copy, SpaceRecord("yunet/another(model@0)"))
        return
    other = stop == "filling for another model"
    reindex.clone(client, name, copy, SpaceRecord("yunet/another(model@0)" if other else space, complete=False))
    if stop.startswith("filling"):
        some = [NewObject(o.id, o.properties) for o in with_vectors(client.collections.get(name))[:3]]
        insert_many(client.collections.get(copy), some)
        return
    reindex.fill(client, faces, None)
    if stop == "filled":
        return
    client.collections.get(copy).config.update(description=SpaceRecord(space).describe())
    if stop == "marked complete":
        return
    client.collections.delete(name)
    if stop == "old deleted":
        return
    reindex.clone(client, copy, name, SpaceRecord(space))
    assert not insert_many(client.collections.get(name), with_vectors(client.collections.get(copy))[:3])


@pytest.mark.parametrize("stop", STOPS)
def test_reindex_goes_on_where_it_stopped(changed: Changed, stop: str) -> None:
    name = resume_name(stop)
    faces = reindex.FaceCollection(name, ("person_id", "filename"), lambda p: f"{p['person_id']}/{p['filename']}")
    client = changed.client()
    try:
        before = reindex.ids_in(client.collections.get(name))
        stop_at(client, faces, changed.new_space, stop)
        named = changed.new.model_copy(update={"collection": name})
        with pytest.raises(WrongSpace, match=f"{name} is being reindexed and is not complete: .*facesearch reindex"):
            ensure_people(client, named, changed.new_space)
        report = reindex.reindex_collection(client, faces, changed.new_space)
        assert report.reindexed and report.faces == len(before) - 1
        assert recorded_space(client, name) == SpaceRecord(changed.new_space)
        assert not client.collections.exists(reindex_name(name))
        people = ensure_people(client, named, changed.new_space)
        assert reindex.ids_in(people.faces) == before - {GHOST}
        new_dim = httpx.get(f"{changed.new.image_inference_api}/meta").json()["dim"]
        assert {len(vector) for _, vector in face_vectors(people)} == {new_dim}
    finally:
        client.close()


def test_the_api_connects_again_after_a_request_found_weaviate_gone(changed: Changed) -> None:
    local = LocalStack(changed.new)
    assert local.stop_services(["weaviate"], log=lambda _: None)  # kept stopped (the supervisor restarts a crash)
    gone = httpx.get(f"{changed.new.api_url}/api/people", timeout=180)  # the client retries for about half a minute
    assert (gone.status_code, gone.json()["code"]) == (503, "not_ready"), gone.text
    local.start(log=lambda _: None)
    back = httpx.get(f"{changed.new.api_url}/api/people", timeout=60)
    assert back.status_code in (200, 409), back.text  # connected again (409: before the reindex test ran)
