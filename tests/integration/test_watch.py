"""The folder watcher on a real private stack of its own (FACESEARCH_WATCH on): photos dropped into a watched folder
are found without any command, removed ones disappear, a moved one keeps its faces, a burst of files is gathered
into a few jobs, a folder indexed empty (or emptied) is still watched, a folder forgotten while its job runs stays
forgotten, a watcher killed with SIGKILL is started again by the supervisor and goes on watching, and one whose
library folder does not exist says that it waits for it.

Each wait polls with a deadline; how long a change took to be found is printed (run with -s), never asserted."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from PIL import Image

import facesearch.face.image  # noqa: F401 - reads HEIC (pi-heif); tests/conftest.py lets Pillow write it (pillow-heif)
from facesearch.api import keys
from facesearch.library.index import folder_key
from facesearch.local.stack import LocalStack
from facesearch.settings import Settings
from facesearch.store import library as records
from facesearch.store.connection import connect
from facesearch.store.library import library_handle
from tests.conftest import IMAGES, LOOK_FOR, bearer, private_settings, started

DEADLINE_S = 120.0
"""Seconds a change may take to be indexed here: generous, for two cores shared with other test runs."""
FOLDER = "watched"
BURST = 200
"""Files of the burst: enough to show that they are gathered into a few jobs, few enough to index in a minute."""


@dataclass
class Watched:
    settings: Settings
    local: LocalStack
    api: httpx.Client
    folder: Path

    def find(self, query: Path, folder: str = FOLDER) -> set[str]:
        """The paths in the watched `folder` where the face of `query` is found."""
        photo = {"photo": (query.name, query.read_bytes())}
        answer = self.api.post("/api/library/find", params={"folder": folder}, files=photo)
        assert answer.status_code == 200, answer.text
        return {m["path"] for m in answer.json()["matches"]}

    def status(self) -> dict:
        return self.api.get("/api/library").json()

    def explain(self) -> str:
        """The library's status and the API's log lines that say something went wrong: why a wait failed."""
        log = self.settings.state_dir / "logs" / "api.log"
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        said = [line for line in lines if any(w in line for w in ("WARNING", "ERROR", "Traceback", "Error"))]
        return f"status: {json.dumps(self.status())[:4000]}\napi.log:\n" + "\n".join(said[-40:])

    def folder_status(self, folder: str = FOLDER) -> dict:
        return next(f for f in self.status()["folders"] if f["folder"] == folder)

    def index(self, folder: str) -> None:
        """Index `folder` (under the library root) and wait until its job is done."""
        answer = self.api.post("/api/library/index", json={"folder": folder})
        assert answer.status_code == 202, answer.text
        job = answer.json()["id"]
        within(lambda: (self.status()["job"] or {}).get("id") == job and self.status()["job"]["state"] == "done",
               f"indexing {folder}")

    def photo(self, path: str) -> records.StoredPhoto | None:
        client = connect(self.settings)
        try:
            library = library_handle(client, self.settings)
            return records.get_photo(library, records.photo_id(folder_key(self.folder), path))
        finally:
            client.close()

    def marked(self, folder: str) -> bool:
        """Whether the folder (under the library root) has its mark (records.FOLDER_MARK)."""
        client = connect(self.settings)
        try:
            library = library_handle(client, self.settings)
            key = folder_key(self.settings.library_root / folder)
            return library.photos.data.exists(records.folder_mark_id(key))
        finally:
            client.close()

    def vectors(self, path: str) -> list[list[float]]:
        client = connect(self.settings)
        try:
            library = library_handle(client, self.settings)
            faces = records.faces_of_photos(library, [records.photo_id(folder_key(self.folder), path)], vectors=True)
            return [f.vector for f in faces]
        finally:
            client.close()


def within(check: Callable[[], bool], what: str, deadline_s: float = DEADLINE_S,
           explain: Callable[[], str] = lambda: "") -> float:
    """Poll `check` until it holds; the seconds it took. Fails, saying `what` (and `explain()`), after `deadline_s`."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > deadline_s:
            pytest.fail(f"{what}: not within {deadline_s:.0f} s\n{explain()}")
        time.sleep(0.25)
    return time.monotonic() - start


def phone_photo(path: Path) -> bytes:
    """The photo as an iPhone stores it: HEIC, turned, with EXIF orientation 6 to show it upright."""
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    turned = Image.open(path).convert("RGB").transpose(Image.Transpose.ROTATE_90)
    turned.save(out, "HEIF", exif=exif.tobytes(), quality=90)
    return out.getvalue()


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Watched]:
    """A stack with the watcher on, and library/watched/ (two portraits and an empty sub/) indexed once."""
    root = tmp_path_factory.mktemp("watch")
    (root / "images").mkdir()
    settings = private_settings(root / "state", root / "images", watch=True, watch_debounce_ms=1000)
    folder = settings.library_root / FOLDER
    (folder / "sub").mkdir(parents=True)
    shutil.copy(LOOK_FOR / "Ted_Lieu.jpg", folder / "ted.jpg")
    shutil.copy(LOOK_FOR / "Dina_Titus.jpg", folder / "dina.jpg")
    with started(settings) as local:
        _, key = keys.create(settings, "tests")
        with httpx.Client(base_url=settings.api_url, timeout=120, headers=bearer(key)) as api:
            assert api.post("/api/library/index", json={"folder": FOLDER}).status_code == 202
            w = Watched(settings, local, api, folder)
            within(lambda: (w.status()["job"] or {}).get("state") == "done", "indexing the folder once")
            yield w


def test_the_folder_shows_as_watched(watched: Watched) -> None:
    within(lambda: watched.folder_status()["watched"], "the folder shown as watched")
    status = watched.status()
    assert status["watcher"]["enabled"] and status["watcher"]["running"]
    assert watched.api.get("/api/library/watcher", headers={"Authorization": ""}).status_code == 200  # open


def test_a_phone_photo_dropped_in_is_found_without_a_command(watched: Watched) -> None:
    peggy = LOOK_FOR / "Peggy_Whitson.jpg"
    assert watched.find(peggy) == set()
    (watched.folder / "IMG_0001.HEIC").write_bytes(phone_photo(peggy))
    took = within(lambda: "IMG_0001.HEIC" in watched.find(peggy), "the dropped HEIC photo found")
    print(f"\nfrom dropping a HEIC photo to finding its face: {took:.1f} s")
    within(lambda: watched.folder_status()["photos"] == 3, "the photo's record (written after its faces)")


def test_a_removed_photo_disappears(watched: Watched) -> None:
    dina = LOOK_FOR / "Dina_Titus.jpg"
    assert "dina.jpg" in watched.find(dina)
    (watched.folder / "dina.jpg").unlink()
    took = within(lambda: "dina.jpg" not in watched.find(dina), "the removed photo gone from a find")
    print(f"\nfrom removing a photo to its absence from a find: {took:.1f} s")
    assert watched.photo("dina.jpg") is None


def test_a_moved_photo_keeps_its_faces(watched: Watched) -> None:
    before, vectors = watched.photo("ted.jpg"), watched.vectors("ted.jpg")
    assert before is not None and len(vectors) == 1
    os.rename(watched.folder / "ted.jpg", watched.folder / "sub" / "ted.jpg")
    took = within(lambda: watched.photo("sub/ted.jpg") is not None and watched.photo("ted.jpg") is None, "the move")
    print(f"\nfrom moving a photo to its record at the new path: {took:.1f} s")
    after = watched.photo("sub/ted.jpg")
    assert (after.sha256, after.faces, after.indexed_at) == (before.sha256, before.faces, before.indexed_at)  # not read
    assert watched.vectors("sub/ted.jpg") == vectors
    assert watched.find(LOOK_FOR / "Ted_Lieu.jpg") == {"sub/ted.jpg"}
    assert {"old": "ted.jpg", "new": "sub/ted.jpg"} in watched.status()["changes_job"]["moved"]


def settled(watched: Watched, photos: int) -> bool:
    """The folder holds `photos` photos, and nothing waits or runs for it."""
    status = watched.status()
    folder = next(f for f in status["folders"] if f["folder"] == FOLDER)
    job = status["changes_job"] or {}
    waiting = folder["pending"] or folder["pending_whole"] or job.get("state") == "running"
    return folder["photos"] == photos and not waiting


def test_a_burst_of_files_is_gathered_into_a_few_jobs(watched: Watched) -> None:
    photos = watched.folder_status()["photos"]
    first = (watched.status()["changes_job"] or {}).get("id", 0)
    start = time.monotonic()
    for n in range(BURST):
        shutil.copy(IMAGES / "Seth_Moulton" / "1.jpg", watched.folder / f"burst-{n:04d}.jpg")
    within(lambda: settled(watched, photos + BURST), f"{BURST} photos indexed", deadline_s=DEADLINE_S * 3,
           explain=watched.explain)
    jobs = watched.status()["changes_job"]["id"] - first
    print(f"\n{BURST} photos copied in: indexed in {time.monotonic() - start:.1f} s by {jobs} job(s)")
    assert 1 <= jobs <= 5
    assert watched.find(IMAGES / "Seth_Moulton" / "1.jpg") >= {f"burst-{n:04d}.jpg" for n in range(BURST)}

    first = watched.status()["changes_job"]["id"]
    for n in range(BURST):
        (watched.folder / f"burst-{n:04d}.jpg").unlink()
    within(lambda: settled(watched, photos), f"{BURST} removed photos forgotten", deadline_s=DEADLINE_S * 3,
           explain=watched.explain)
    print(f"{BURST} photos removed: by {watched.status()['changes_job']['id'] - first} job(s)")


def test_a_folder_indexed_empty_is_watched_and_so_is_one_emptied(watched: Watched) -> None:
    """An indexed folder holds no photo record while it is empty, but it stays indexed: photos dropped in are
    indexed, and so are photos dropped into it once it was emptied (after the debounce)."""
    (watched.settings.library_root / "empty").mkdir()
    watched.index("empty")
    assert watched.folder_status("empty")["indexed"] and watched.folder_status("empty")["photos"] == 0
    assert watched.marked("empty")
    within(lambda: watched.folder_status("empty")["watched"], "the empty folder shown as watched")
    norma, photo = LOOK_FOR / "Norma_Torres.jpg", watched.settings.library_root / "empty" / "norma.jpg"
    shutil.copy(norma, photo)
    within(lambda: "norma.jpg" in watched.find(norma, "empty"), "a photo dropped into the empty folder found")
    within(lambda: not watched.marked("empty"), "the mark dropped: the photo's record says it is indexed")
    assert watched.folder_status("empty")["photos"] == 1

    photo.unlink()
    within(lambda: watched.folder_status("empty")["photos"] == 0 and not watched.find(norma, "empty"),
           "the only photo removed")
    assert watched.folder_status("empty")["indexed"] and watched.marked("empty")
    within(lambda: (watched.status()["changes_job"] or {}).get("state") != "running", "the removal's job done")
    shutil.copy(norma, photo)
    within(lambda: "norma.jpg" in watched.find(norma, "empty"), "a photo dropped into the emptied folder found")


def test_a_folder_forgotten_while_its_job_runs_stays_forgotten(watched: Watched) -> None:
    """Forgetting a folder while it is being indexed stops the job and deletes what it wrote: it does not come back
    half-indexed."""
    folder = watched.settings.library_root / "forgotten"
    folder.mkdir()
    for n in range(30):
        shutil.copy(IMAGES / "Paul_Rudd" / "1.jpg", folder / f"paul-{n:02d}.jpg")
    answer = watched.api.post("/api/library/index", json={"folder": "forgotten"})
    assert answer.status_code == 202, answer.text
    job = answer.json()["id"]

    def reading() -> bool:
        now = watched.status()["job"] or {}
        return now.get("id") == job and (now.get("done", 0) >= 1 or now.get("state") != "running")

    within(reading, "the indexing under way")
    forgotten = watched.api.delete("/api/library/folders/forgotten")
    assert forgotten.status_code == 204, forgotten.text
    assert watched.status()["job"]["state"] != "running"  # the forget ran after the job
    assert not watched.folder_status("forgotten")["indexed"]
    client = connect(watched.settings)
    try:
        assert list(records.photos_in(library_handle(client, watched.settings), folder_key(folder))) == []
    finally:
        client.close()


def test_a_killed_watcher_is_started_again_and_goes_on_watching(watched: Watched) -> None:
    pid = watched.local.pid("watcher")
    assert pid is not None
    killed = time.time()
    os.kill(pid, signal.SIGKILL)

    def reporting_again() -> bool:
        new = watched.local.pid("watcher")
        seen = watched.status()["watcher"]["last_seen"]
        return new not in (None, pid) and seen is not None and datetime.fromisoformat(seen).timestamp() > killed

    took = within(reporting_again, "the watcher started again and reporting")
    print(f"\nfrom killing the watcher to its next report: {took:.1f} s")
    elise = LOOK_FOR / "Elise_Stefanik.jpg"
    shutil.copy(elise, watched.folder / "elise.jpg")
    took = within(lambda: "elise.jpg" in watched.find(elise), "a photo dropped after the restart found")
    print(f"from dropping a photo (watcher restarted) to finding it: {took:.1f} s")


def test_a_watcher_whose_library_folder_does_not_exist_says_that_it_waits_for_it(watched: Watched) -> None:
    missing = watched.settings.library_root.parent / "no-library-here"
    elsewhere = LocalStack(watched.settings.model_copy(update={"library_root": missing}))
    try:
        elsewhere.restart(["watcher"], log=lambda _: None)
        within(lambda: watched.status()["watcher"]["state"] == "waiting", "the watcher saying that it waits")
        status = watched.status()["watcher"]
        assert (status["running"], status["watching"]) == (True, False)  # it runs, and reports while it waits
        assert status["note"] == f"waiting for the library folder {missing}, which does not exist"
        assert watched.api.get("/api/library/watcher").json()["note"] == status["note"]
    finally:
        watched.local.restart(["watcher"], log=lambda _: None)
    within(lambda: watched.status()["watcher"]["watching"], "the watcher watching the library folder again")
