"""The folder watcher without a stack: what a batch of file changes means, how a report is split and routed to the
indexed folders, how the API's jobs gather a burst of reports into one job behind the work under way, try a failed
one again and forget a folder between jobs, how the watcher starts, waits and restarts, and which programs local
mode runs and how it starts an optional one."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from watchfiles import Change
from watchfiles._rust_notify import WatchfilesRustInternalError

from facesearch.api import keys
from facesearch.cli import watch as watch_cli
from facesearch.cli.main import main
from facesearch.errors import Conflict, NotFound
from facesearch.library import jobs as jobs_module
from facesearch.library import watch as watch_module
from facesearch.library.changes import Changes, per_folder
from facesearch.library.index import IndexReport
from facesearch.library.jobs import LibraryJobs
from facesearch.library.scan import Links, photo_at
from facesearch.library.watch import START, Report, classify, known_folders, links_out, watch_root
from facesearch.local.stack import LocalStack, Service, StackError, services_of
from facesearch.local.supervision import Supervisor
from facesearch.settings import ROOT, Settings
from facesearch.testing import free_port


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_a_batch_names_photos_and_folders_made_or_removed_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "trip" / "day1").mkdir(parents=True)
    (tmp_path / "old").mkdir()
    folders = known_folders(tmp_path)
    assert folders == {"trip", "trip/day1", "old"}
    (tmp_path / "old").rmdir()
    (tmp_path / "new" / "inner").mkdir(parents=True)
    batch = {
        (Change.added, str(tmp_path / "trip" / "a.JPG")), (Change.modified, str(tmp_path / "trip" / "day1" / "b.heic")),
        (Change.deleted, str(tmp_path / "gone.png")), (Change.added, str(tmp_path / "notes.txt")),
        (Change.added, str(tmp_path / ".hidden" / "c.jpg")), (Change.added, str(tmp_path / "trip" / ".d.jpg")),
        (Change.modified, str(tmp_path / "trip")),  # a folder's time: says nothing
        (Change.deleted, str(tmp_path / "old")), (Change.added, str(tmp_path / "new")),
        (Change.added, "/elsewhere/e.jpg"),
    }
    report = classify(batch, tmp_path, folders)
    assert report.files == {"trip/a.JPG", "trip/day1/b.heic", "gone.png"}
    assert report.folders == {"old", "new"}
    assert folders == {"trip", "trip/day1", "new", "new/inner"}


def test_a_large_report_goes_in_parts_and_an_empty_one_in_one() -> None:
    report = Report(frozenset(f"photos/{n:04d}.jpg" for n in range(1000)), frozenset({"."}))
    parts = list(report.parts(max_bytes=2000))
    assert len(parts) == 10 and parts[0].folders == {"."}
    assert frozenset().union(*(p.files for p in parts)) == report.files
    assert sum(len(p.files) for p in parts) == 1000
    assert list(Report().parts()) == [Report()]


def test_reports_are_routed_to_the_indexed_folders_they_touch(tmp_path: Path) -> None:
    root = tmp_path / "library"
    a, nested, b = root / "a", root / "a" / "nested", root / "b"
    for folder in (nested, b):
        folder.mkdir(parents=True)
    indexed = [str(a), str(nested), str(b)]
    work, _ = per_folder(root, indexed, ["a/x.jpg", "a/nested/y.png", "c/z.jpg", "a/readme.txt", "a/.cache/w.jpg"], [])
    assert work == {str(a): Changes(frozenset({"x.jpg", "nested/y.png"})), str(nested): Changes(frozenset({"y.png"}))}
    work, _ = per_folder(root, indexed, ["b/p.jpg"], ["a/nested/sub"])
    whole = Changes(whole=True)
    assert work == {str(a): whole, str(nested): whole, str(b): Changes(frozenset({"p.jpg"}))}
    assert set(per_folder(root, indexed, [], ["."])[0]) == set(indexed)  # the watcher's start: every folder, whole


def test_a_name_that_is_no_path_under_the_root_is_left_out_and_the_rest_of_the_report_taken(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "library"
    (root / "a").mkdir(parents=True)
    indexed = [str(root / "a")]
    bad = ["../x.jpg", "/etc/x.jpg", "a/../../x.jpg", "a/x\0.jpg", "a/\udcff.jpg", "a/" + "n" * 5000 + ".jpg"]
    with caplog.at_level(logging.WARNING):
        work, skipped = per_folder(root, indexed, [*bad, "a/ok.jpg", "a/back\\slash.jpg"], ["../elsewhere"])
    assert work == {str(root / "a"): Changes(frozenset({"ok.jpg", "back\\slash.jpg"}))}  # a backslash is a character
    assert skipped == len(bad) + 1
    assert caplog.text.count("which is no path under the library folder") == len(bad) + 1


def test_changes_merge_and_a_whole_folder_covers_any_paths() -> None:
    one, two = Changes(frozenset({"a.jpg"})), Changes(frozenset({"b.jpg", "a.jpg"}))
    assert one.merge(two) == Changes(frozenset({"a.jpg", "b.jpg"})) and one.merge(two).count == 2
    assert one.merge(Changes(whole=True)) == Changes(whole=True) and Changes(whole=True).count == 0


def test_a_path_is_planned_as_a_scan_would_list_it(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.jpg").write_bytes(b"x")
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    links = Links(tmp_path, "outside")
    assert photo_at(tmp_path, "real/a.jpg", links).size == 1
    assert photo_at(tmp_path, "alias/a.jpg", links) is None  # a scan does not descend a folder link
    assert photo_at(tmp_path, "real/gone.jpg", links) is None
    assert photo_at(tmp_path, "real/.a.jpg", links) is None


class FakeIndexing:
    """Stands in for indexing: records each job's paths; the first job waits until `release` is set. A job "reads"
    `photos` photos, writing each (to `written`) and saying so (`on_photo`); one waits for `release` before its
    second. `failures` jobs fail first."""

    def __init__(self) -> None:
        self.runs: list[object] = []
        self.release = threading.Event()
        self.started = threading.Event()
        self.written: list[str] = []
        self.photos = 0
        self.failures = 0

    def paths(self, library, folder, paths, on_photo=None, **_):  # noqa: ANN001, ANN201 - index_paths' signature
        return self.run(frozenset(paths), on_photo)

    def whole(self, library, folder, on_photo=None, **_):  # noqa: ANN001, ANN201 - index_folder's signature
        return self.run("whole", on_photo)

    def run(self, what: object, on_photo) -> IndexReport:  # noqa: ANN001 - OnPhoto
        self.runs.append(what)
        self.started.set()
        if self.failures:
            self.failures -= 1
            raise RuntimeError("Weaviate went away")
        for n in range(1, self.photos + 1):
            if n == 2:
                assert self.release.wait(30)
            self.written.append(f"{n}.jpg")
            on_photo(f"{n}.jpg", n, self.photos)
        assert self.release.wait(30)
        return IndexReport("folder")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeIndexing:
    fake = FakeIndexing()
    monkeypatch.setattr(jobs_module, "index_paths", fake.paths)
    monkeypatch.setattr(jobs_module, "index_folder", fake.whole)
    monkeypatch.setattr(jobs_module.records, "indexed_folders", lambda library: {str(tmp_path.resolve())})
    return fake


def settle(jobs: LibraryJobs) -> None:
    """Wait until the jobs' worker has done everything queued so far."""
    jobs._worker.submit(lambda: None).result(30)


def wait_until(check, timeout_s: float = 30.0) -> None:  # noqa: ANN001 - a callable
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "not within the deadline"
        time.sleep(0.01)


def test_a_burst_of_reports_waits_behind_the_job_under_way_as_one_job(fake: FakeIndexing, tmp_path: Path) -> None:
    jobs = LibraryJobs(settings(library_root=tmp_path), models=None)  # type: ignore[arg-type]
    try:
        first = Changes(frozenset({"first.jpg"}))
        jobs.changes("f", tmp_path, first, library=None, tagger=None)  # type: ignore[arg-type]
        assert fake.started.wait(30)
        for n in range(200):  # the burst arrives while the first job runs: queued, never refused
            one = Changes(frozenset({f"{n}.jpg"}))
            jobs.changes("f", tmp_path, one, library=None, tagger=None)  # type: ignore[arg-type]
        assert jobs.waiting()[str(tmp_path.resolve())].changes.count == 200
        fake.release.set()
        wait_until(lambda: len(fake.runs) == 2 and jobs.changes_job.state == "done")
        assert fake.runs[1] == frozenset(f"{n}.jpg" for n in range(200))
        assert jobs.changes_job.kind == "changes" and jobs.changes_job.id == 2 and not jobs.waiting()
    finally:
        fake.release.set()
        jobs.close()


def test_a_clients_indexing_covers_the_changes_waiting_and_is_refused_only_behind_another_clients(
    fake: FakeIndexing, tmp_path: Path
) -> None:
    jobs = LibraryJobs(settings(library_root=tmp_path), models=None)  # type: ignore[arg-type]
    try:
        jobs.changes("f", tmp_path, Changes(frozenset({"a.jpg"})), library=None, tagger=None)  # type: ignore[arg-type]
        assert fake.started.wait(30)
        job = jobs.index("f", tmp_path, library=None, tagger=None)  # type: ignore[arg-type]
        assert job.state == "running"  # behind the watcher's job, not refused
        with pytest.raises(Conflict):
            jobs.index("f", tmp_path, library=None, tagger=None)  # type: ignore[arg-type]
        jobs.changes("f", tmp_path, Changes(frozenset({"b.jpg"})), library=None, tagger=None)  # type: ignore[arg-type]
        fake.release.set()
        wait_until(lambda: jobs.job.state == "done" and not jobs.waiting())
        time.sleep(0.2)
        assert fake.runs == [frozenset({"a.jpg"}), "whole"]  # b.jpg, reported before the scan began, is in it
    finally:
        fake.release.set()
        jobs.close()


def test_the_watcher_counts_as_running_while_it_reports_and_not_once_it_said_it_failed() -> None:
    jobs = LibraryJobs(settings(), models=None)  # type: ignore[arg-type]
    assert jobs.watcher() == jobs_module.WatcherState()
    jobs.watcher_seen("waiting", "waiting for the library folder /x, which does not exist")
    now = jobs.watcher()
    assert now.running and now.last_seen is not None and not now.watching and now.note.startswith("waiting")
    jobs.watcher_seen()
    assert jobs.watcher().watching
    jobs.watcher_seen("failed", "The library folder /x cannot be watched.")
    assert not jobs.watcher().running and jobs.watcher().note == "The library folder /x cannot be watched."
    jobs.close()


def test_forgetting_a_folder_stops_its_job_and_deletes_after_it_what_it_wrote(
    fake: FakeIndexing, tmp_path: Path
) -> None:
    """A forget while the folder's job runs: the job stops at its next photo, and the forget runs on the jobs' worker
    after it, so that nothing the job wrote outlives the forget."""
    fake.photos = 3
    jobs = LibraryJobs(settings(library_root=tmp_path), models=None)  # type: ignore[arg-type]
    try:
        jobs.index("f", tmp_path, library=None, tagger=None)  # type: ignore[arg-type]
        wait_until(lambda: fake.written == ["1.jpg"])
        jobs.changes("f", tmp_path, Changes(frozenset({"a.jpg"})), library=None, tagger=None)  # type: ignore[arg-type]
        seen_by_forget: list[list[str]] = []

        def forget_records() -> int:
            seen_by_forget.append(list(fake.written))
            fake.written.clear()
            return 1

        answer: list[object] = []
        key = str(tmp_path.resolve())
        forgetting = threading.Thread(target=lambda: answer.append(jobs.forget(key, forget_records)))
        forgetting.start()
        wait_until(lambda: key in jobs._forgetting)
        assert not jobs.waiting()  # the changes waiting for the folder are dropped
        fake.release.set()
        forgetting.join(30)
        assert answer == [1]
        assert seen_by_forget == [["1.jpg", "2.jpg"]]  # after the job stopped, at its second photo
        assert fake.written == [] and jobs.job.state == "failed" and "forgotten" in jobs.job.error
        settle(jobs)
        assert fake.runs == ["whole"]  # the changes waiting were not indexed
        fake.photos = 0
        jobs.index("f", tmp_path, library=None, tagger=None)  # type: ignore[arg-type]  # indexing it again works
        wait_until(lambda: jobs.job.state == "done")
    finally:
        fake.release.set()
        jobs.close()


def test_forgetting_a_folder_that_is_not_indexed_says_so(fake: FakeIndexing, tmp_path: Path) -> None:
    jobs = LibraryJobs(settings(library_root=tmp_path), models=None)  # type: ignore[arg-type]
    try:
        def not_indexed() -> int:
            raise NotFound("not indexed")

        with pytest.raises(NotFound):
            jobs.forget(str(tmp_path.resolve()), not_indexed)
        assert not jobs._forgetting
    finally:
        jobs.close()


def test_a_failed_job_of_the_watchers_changes_is_tried_again_once_as_the_whole_folder(
    fake: FakeIndexing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs_module, "RETRY_S", 0.05)
    fake.release.set()
    fake.failures = 1
    jobs = LibraryJobs(settings(library_root=tmp_path), models=None)  # type: ignore[arg-type]
    try:
        jobs.changes("f", tmp_path, Changes(frozenset({"a.jpg"})), library=None, tagger=None)  # type: ignore[arg-type]
        wait_until(lambda: len(fake.runs) == 2 and jobs.changes_job.state == "done")
        assert fake.runs == [frozenset({"a.jpg"}), "whole"]

        fake.failures = 2  # the first try and the retry fail: not a third time
        jobs.changes("f", tmp_path, Changes(frozenset({"b.jpg"})), library=None, tagger=None)  # type: ignore[arg-type]
        wait_until(lambda: len(fake.runs) == 4 and jobs.changes_job.state == "failed")
        settle(jobs)
        assert fake.runs[2:] == [frozenset({"b.jpg"}), "whole"] and not jobs._timers and not jobs.waiting()
    finally:
        jobs.close()


def test_the_changes_a_failed_indexing_covered_are_tried_again(
    fake: FakeIndexing, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs_module, "RETRY_S", 0.05)
    jobs = LibraryJobs(settings(library_root=tmp_path), models=None)  # type: ignore[arg-type]
    try:
        jobs.changes("f", tmp_path, Changes(frozenset({"a.jpg"})), library=None, tagger=None)  # type: ignore[arg-type]
        assert fake.started.wait(30)
        jobs.index("f", tmp_path, library=None, tagger=None)  # type: ignore[arg-type]
        jobs.changes("f", tmp_path, Changes(frozenset({"b.jpg"})), library=None, tagger=None)  # type: ignore[arg-type]
        fake.failures = 1  # the indexing, which took b.jpg over, fails
        fake.release.set()
        wait_until(lambda: len(fake.runs) == 3 and jobs.changes_job.state == "done" and jobs.job.state == "failed")
        assert fake.runs == [frozenset({"a.jpg"}), "whole", "whole"]
    finally:
        fake.release.set()
        jobs.close()


def test_each_api_start_has_its_own_start_id() -> None:
    one, two = (LibraryJobs(settings(), models=None) for _ in range(2))  # type: ignore[arg-type]
    assert one.start_id and one.start_id != two.start_id
    one.close()
    two.close()


class FakeApi:
    """Answers the watcher's reports as the API would, with the start id `start_id`; records each body."""

    def __init__(self, start_id: str = "first") -> None:
        self.start_id = start_id
        self.bodies: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        return httpx.Response(202, json={"folders": [], "skipped": 0, "start_id": self.start_id})


def reporter(tmp_path: Path, api: FakeApi) -> watch_cli.Reporter:
    (tmp_path / "state").mkdir(exist_ok=True)
    sender = watch_cli.Reporter(settings(state_dir=tmp_path / "state"))
    sender.client = httpx.Client(base_url="http://api", transport=httpx.MockTransport(api))
    return sender


def test_the_watcher_reports_its_start_again_when_the_api_started_again(tmp_path: Path) -> None:
    api = FakeApi()
    send = reporter(tmp_path, api)
    assert send(START) == Report()
    assert send(Report()) == Report()  # the same API: nothing to send again
    api.start_id = "second"  # the API started again: the work it held is lost
    assert send(Report()) == START
    assert send(START) == Report() and api.bodies[-1]["folders"] == ["."]
    assert {(b["state"], b["note"]) for b in api.bodies} == {("watching", "")}


def test_while_the_library_folder_does_not_exist_the_watcher_reports_that_it_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch_cli, "HEARTBEAT_S", 0.05)
    api, root = FakeApi(), tmp_path / "library"
    send, stop = reporter(tmp_path, api), threading.Event()
    waiting = threading.Thread(target=watch_cli.wait_for_root, args=(root, send, stop))
    waiting.start()
    try:
        wait_until(lambda: len(api.bodies) >= 2)
        assert api.bodies[0] == {"files": [], "folders": [], "state": "waiting",
                                 "note": f"waiting for the library folder {root}, which does not exist"}
        root.mkdir()
        waiting.join(30)
        assert not waiting.is_alive()
    finally:
        stop.set()


class FakeWatch:
    """Stands in for watchfiles.watch: records when each watch's generator first runs (when watchfiles installs its
    watches) and each report sent; the first watch fails on a name, as watchfiles does on one that is no UTF-8."""

    def __init__(self, root: Path) -> None:
        self.root, self.watches = root.resolve(), 0
        self.events: list[object] = []
        self.stop = threading.Event()

    def __call__(self, *_, **__) -> Iterator[set[tuple[Change, str]]]:
        self.watches += 1
        self.events.append(f"watching {self.watches}")
        if self.watches == 1:
            raise WatchfilesRustInternalError('Unable to decode path "/x/bad\\xFF.jpg" to string')
        yield {(Change.added, str(self.root / "a.jpg"))}
        self.stop.set()

    def send(self, report: Report) -> Report:
        self.events.append(report)
        return Report()


def test_start_goes_with_the_first_batch_and_a_watch_that_fails_on_a_name_is_started_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeWatch(tmp_path)
    monkeypatch.setattr(watch_module, "watch", fake)
    monkeypatch.setattr(watch_module, "RESTART_S", 0.01)
    watch_root(tmp_path, fake.send, 100, fake.stop)
    assert fake.events == ["watching 1", "watching 2", Report(frozenset({"a.jpg"}), frozenset({"."}))]


def test_a_name_that_is_no_utf8_does_not_stop_the_watcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """With watchfiles itself: a file whose name is no UTF-8 ends watchfiles' watch; the watcher watches again,
    reports its start again, and goes on reporting."""
    monkeypatch.setattr(watch_module, "HEARTBEAT_S", 0.3)
    monkeypatch.setattr(watch_module, "RESTART_S", 0.01)
    reports: list[Report] = []
    stop = threading.Event()

    def send(report: Report) -> Report:
        reports.append(report)
        return Report()

    watching = threading.Thread(target=watch_root, args=(tmp_path, send, 100, stop))
    watching.start()
    try:
        wait_until(lambda: START in reports)
        os.close(os.open(os.fsencode(tmp_path) + b"/bad\xff.jpg", os.O_CREAT | os.O_WRONLY))
        wait_until(lambda: reports.count(START) >= 2)
        (tmp_path / "good.jpg").write_bytes(b"x")
        wait_until(lambda: any("good.jpg" in r.files for r in reports))
        assert "cannot read" in caplog.text
    finally:
        stop.set()
        watching.join(30)


def test_folder_links_that_leave_the_root_are_named(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root, outside = tmp_path / "library", tmp_path / "elsewhere"
    (root / "trip").mkdir(parents=True)
    outside.mkdir()
    (root / "out").symlink_to(outside, target_is_directory=True)
    (root / "trip" / "up").symlink_to("/", target_is_directory=True)
    (root / "alias").symlink_to(root / "trip", target_is_directory=True)  # stays in the root
    assert links_out(root) == ["out", "trip/up"]


def test_local_mode_runs_the_watcher_unless_it_is_off() -> None:
    assert services_of(settings())[-1] == "watcher"
    assert "watcher" not in services_of(settings(watch=False))


def test_a_start_goes_on_without_an_optional_service_that_does_not_get_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The watcher gave up (FATAL): the start says that it is not running, and why, and does not fail; a needed
    service that does the same fails the start."""
    local = LocalStack(settings(state_dir=tmp_path / "state", startup_timeout_s=30))
    monkeypatch.setattr(local.supervisor, "write_launch", lambda *_: None)
    monkeypatch.setattr(local.supervisor, "start", lambda _: None)
    monkeypatch.setattr(local, "state_of", lambda _: "FATAL")
    (tmp_path / "state" / "logs" / "watcher.log").write_text("ConfigError: The library folder cannot be watched\n")
    nowhere = f"http://127.0.0.1:{free_port()}/api/library/watcher"
    watcher = Service("watcher", ["true"], {}, nowhere, optional="changes wait")
    said: list[str] = []
    local.bring_up([watcher], [watcher], said.append)
    assert said[0] == "watcher: starting"
    assert said[1].startswith("watcher: not running; the rest of the stack runs without it (changes wait). Why:\n")
    assert "given up" in said[1] and "The library folder cannot be watched" in said[1]
    with pytest.raises(StackError, match="given up"):
        local.bring_up([replace(watcher, optional="")], [replace(watcher, optional="")], said.append)


def test_a_running_supervisor_takes_a_program_added_or_removed(tmp_path: Path) -> None:
    state = tmp_path / "state"
    for sub in ("run", "logs"):
        (state / sub).mkdir(parents=True)
    first = Supervisor(state, ROOT, ("api",))
    first.launch()
    try:
        assert first.info("watcher") is None
        Supervisor(state, ROOT, ("api", "watcher")).update()
        assert first.info("watcher")["statename"] == "STOPPED"
        first.update()
        assert first.info("watcher") is None and first.info("api") is not None
    finally:
        first.shutdown()


def test_the_watchers_own_key_does_not_keep_start_sh_from_making_the_pages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = settings(state_dir=tmp_path / "state")
    (tmp_path / "state").mkdir()
    key = keys.kept_key(s, s.state_dir / "watcher.key", "folder watcher")
    assert keys.kept_key(s, s.state_dir / "watcher.key", "folder watcher") == key  # kept, not made again
    assert (s.state_dir / "watcher.key").stat().st_mode & 0o777 == 0o600
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("facesearch.cli.keys.get_settings", lambda: s)
        assert main(["keys", "create", "--name", "page", "--if-none"]) == 0
        assert "shown only now" in capsys.readouterr().out
        assert main(["keys", "create", "--name", "page", "--if-none"]) == 0
        assert capsys.readouterr().out == ""
    assert [k.name for k in keys.load(s.api_keys_file)] == ["folder watcher", "page"]
