"""`python -m facesearch watch`: the folder watcher, local mode's `watcher` program and compose's `watcher` service
(the supervisor or compose starts it again when it dies).

It watches the library root (facesearch.library.watch) and reports what changes to the running API,
POST /api/library/changes, with its own write key (kept in <state folder>/watcher.key, mode 0600, made on first
use like the command line's; `keys list` shows it as "folder watcher"). The API indexes, in the indexed folders,
what the reports name, behind the work under way. A report the API does not take (it is restarting, say) is kept
and sent with the next one; an API that answers with another start id than before started again and lost the work
it held, so the watcher reports its start again. Each report says whether the watcher watches and, in a sentence,
what it does: while the library folder does not exist it reports, every few seconds, that it waits for it; when it
cannot watch (no inotify watches left) it says so before it exits. With FACESEARCH_WATCH=false it watches nothing
and waits to be stopped (so that compose's restart policy leaves it be).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import httpx

from facesearch.api import keys
from facesearch.errors import ConfigError
from facesearch.library.changes import NOTE_CHARS, WatcherSays
from facesearch.library.watch import HEARTBEAT_S, START, Report, watch_root
from facesearch.settings import Settings, get_settings

log = logging.getLogger("facesearch.watch")


class Reporter:
    """Sends reports to the API. Host is `localhost`, a name the API always answers to, since the watcher may
    reach it by another (compose's `app`)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client = httpx.Client(base_url=settings.api_url, timeout=60, headers={"Host": "localhost"})
        self.key: str | None = None
        self.state: WatcherSays = "watching"
        """What the watcher does now (watching, waiting for the library folder, failed): each report says it."""
        self.note = ""
        """The watcher's sentence about itself, for the page: each report says it."""
        self.start_id: str | None = None
        """The API's start id in its last answer."""
        self.api_restarted = False

    def __call__(self, report: Report) -> Report:
        """Send `report` in parts; what could not be sent, and START when the API started again meanwhile."""
        parts = list(report.parts())
        while parts:
            if not self.send(parts[0]):
                return merged(parts).merge(self.to_report_again())
            parts.pop(0)
        return self.to_report_again()

    def to_report_again(self) -> Report:
        """START once the API answered with a new start id (it lost the work it held), else nothing."""
        again, self.api_restarted = self.api_restarted, False
        return START if again else Report()

    def send(self, part: Report) -> bool:
        """Send one part; False when it is to be sent again later (the API did not answer, or refused the key)."""
        self.key = self.key or keys.kept_key(self.settings, self.settings.state_dir / "watcher.key", "folder watcher")
        body = {"files": sorted(part.files), "folders": sorted(part.folders), "state": self.state,
                "note": self.note[:NOTE_CHARS]}
        try:
            answer = self.client.post("/api/library/changes", json=body,
                                      headers={"Authorization": f"Bearer {self.key}"})
        except httpx.HTTPError as e:
            log.warning("the API at %s did not take the report (%s); it is sent again shortly",
                        self.settings.api_url, e)
            return False
        if answer.status_code in (401, 403):
            log.warning("the API refused the watcher's key; a new one is made")
            self.key = None
            return False
        if answer.status_code >= 500 or answer.status_code in (409, 429):  # down, busy, reindexing: for a while
            log.warning("the API could not take the report now (%s); it is sent again shortly", answer.text[:300])
            return False
        if not answer.is_success:  # refused as it is (400): sending it again would not help
            log.error("the API refused a report: %s", answer.text[:300])
            return True
        try:
            said = answer.json()
        except ValueError:  # not the API's answer (a proxy's page, say): taken, but it says nothing
            said = None
        said = said if isinstance(said, dict) else {}
        self.started(said.get("start_id") or None)
        if part:
            log.info("reported %d photos, %d folders: %s", len(part.files), len(part.folders),
                     ", ".join(said.get("folders") or []) or "no indexed folder")
        return True

    def started(self, start_id: str | None) -> None:
        """Note the API's start id; one other than before means that the API started again."""
        if start_id and self.start_id and start_id != self.start_id:
            log.info("the API started again and lost the changes it held: every indexed folder is looked over")
            self.api_restarted = True
        self.start_id = start_id or self.start_id


def merged(parts: list[Report]) -> Report:
    report = Report()
    for part in parts:
        report = report.merge(part)
    return report


def run_watch(args) -> int:  # noqa: ANN001, ARG001 - argparse.Namespace, nothing in it
    """Watch the library root until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for chatty in ("httpx", "watchfiles"):  # a line per request (one every 5 s) or per batch: ours say enough
        logging.getLogger(chatty).setLevel(logging.WARNING)
    settings = get_settings()
    if not settings.watch:
        log.info("watching is off (FACESEARCH_WATCH=false): library folders change only when they are indexed")
        threading.Event().wait()
    root, reporter = settings.library_root, Reporter(settings)
    wait_for_root(root, reporter)
    reporter.state, reporter.note = "watching", f"watching {root.resolve()}"
    log.info("watching %s for photos that change", root.resolve())
    try:
        watch_root(root, reporter, settings.watch_debounce_ms)
    except OSError as e:  # watchfiles: no more inotify watches, a folder it may not read
        failed = ConfigError(
            f"The library folder {root} cannot be watched ({e}). With many folders, raise the system's limit "
            "(sysctl fs.inotify.max_user_watches); where changes are not seen (a network share), set "
            "WATCHFILES_FORCE_POLLING=true."
        )
        reporter.state, reporter.note = "failed", failed.message
        reporter(Report())  # the page says why (at best: the API may be away too)
        raise failed from e
    return 0


def wait_for_root(root: Path, reporter: Reporter, stop: threading.Event | None = None) -> None:
    """Until the library folder `root` exists, report every HEARTBEAT_S that the watcher runs and waits for it, so
    that the page, and a start that waits for the watcher's first report, know what it does."""
    if root.is_dir():
        return
    log.warning("the library folder %s does not exist; watching it once it does", root)
    reporter.state, reporter.note = "waiting", f"waiting for the library folder {root}, which does not exist"
    unsent, rest = Report(), stop or threading.Event()
    while not root.is_dir():
        unsent = reporter(unsent)
        if rest.wait(HEARTBEAT_S):
            return
