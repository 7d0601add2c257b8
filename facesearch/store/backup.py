"""Backups of the people and the photo library, made and restored by one of Weaviate's backup modules.

The module is chosen once, in settings (`backup_backend`): backup-filesystem writes a backup as a folder `<name>/`
in Weaviate's backup folder (local mode: `settings.backups_path`; compose: `./backups/`), on one node only;
backup-s3 (and backup-gcs, backup-azure) as `<name>/` in a bucket, from every node of a cluster. A backup holds
the people collection and the library's two collections as Weaviate stores them: every object with its
properties (face crops included) and its vector, and each collection's configuration, whose description records
the vector space of its vectors (`space.SpaceRecord`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import weaviate
from weaviate.backup.backup import BackupStatus, BackupStatusReturn, BackupStorage
from weaviate.exceptions import UnexpectedStatusCodeError, WeaviateBaseError

from facesearch.errors import BadRequest, Conflict, FaceSearchError, NotFound, NotReady
from facesearch.settings import Settings
from facesearch.store.refusals import unreachable, weaviate_says
from facesearch.store.space import REINDEX_COMMAND, recorded_space, reindex_name, vector_space

NAME = re.compile(r"[a-z0-9_-]{1,128}")
"""Backup names Weaviate accepts: lowercase letters, digits, `-` and `_`."""

TIMEOUT_S = 3600.0
"""How long a backup or a restore may take before we stop waiting for it (s)."""

POLL_S = 0.2
"""Seconds between two questions about a backup's progress."""


@dataclass(frozen=True)
class Contents:
    """How many objects the collections hold: enrolled faces, library photos and library faces."""

    faces: int
    library_photos: int
    library_faces: int

    def describe(self) -> str:
        return f"{self.faces} enrolled faces, {self.library_photos} library photos with {self.library_faces} faces"


@dataclass(frozen=True)
class Backup:
    """A backup Weaviate knows of. `status` is Weaviate's (SUCCESS when it is complete)."""

    name: str
    collections: list[str]
    status: str
    started_at: datetime | None


@dataclass(frozen=True)
class Made:
    """A backup just written: where Weaviate put it (a folder on Weaviate's machine, or s3://bucket/prefix/name)
    and what it holds."""

    name: str
    path: str
    contents: Contents


def default_name(now: datetime | None = None) -> str:
    """A backup name from the UTC time, e.g. facesearch-20261125-213045."""
    return f"facesearch-{(now or datetime.now(timezone.utc)):%Y%m%d-%H%M%S}"


def checked_name(name: str) -> str:
    """`name` when Weaviate accepts it as a backup id, else BadRequest with a sentence."""
    if not NAME.fullmatch(name):
        raise BadRequest(
            f"'{name}' cannot name a backup: use lowercase letters, digits, '-' and '_' only (at most 128)."
        )
    return name


def collection_names(settings: Settings) -> list[str]:
    """The collections a backup holds: the people's faces, the library's faces, its photos and its groups of faces
    (the people in the photos, with their names and corrections)."""
    return [settings.collection, settings.library_collection, settings.library_photo_collection,
            settings.library_group_collection]


@contextmanager
def weaviate_errors(settings: Settings, doing: str) -> Iterator[None]:
    """Turn a Weaviate error while `doing` (e.g. "make the backup x") into a sentence (FaceSearchError)."""
    try:
        yield
    except FaceSearchError:
        raise
    except WeaviateBaseError as e:
        if unreachable(e):
            raise NotReady(f"Weaviate at {settings.weaviate_url} did not answer.") from e
        status = f" (status {e.status_code})" if isinstance(e, UnexpectedStatusCodeError) else ""
        said = weaviate_says(e)
        why = f": {said.rstrip('.')}." if said else "; its log says why."
        raise FaceSearchError(f"Weaviate could not {doing}{status}{why}") from e


def backend(settings: Settings) -> BackupStorage:
    """Where Weaviate writes and reads backups: the backend named by FACESEARCH_BACKUP_BACKEND."""
    return BackupStorage(settings.backup_backend)


def cluster_needs_s3(nodes: int) -> str:
    """What to do when a cluster of `nodes` is to be backed up to a folder, which Weaviate refuses."""
    return (
        f"Backups to a folder work on one Weaviate node, and this cluster has {nodes}: Weaviate backs a cluster up "
        "only to S3, GCS or Azure storage, so set FACESEARCH_BACKUP_BACKEND=s3 and FACESEARCH_BACKUP_S3_BUCKET (for "
        "a store other than AWS also FACESEARCH_BACKUP_S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) "
        "and stop and start the stack (README, Backups)."
    )


def check_module(client: weaviate.WeaviateClient, settings: Settings) -> None:
    """BadRequest on a cluster with the filesystem backend, which Weaviate cannot back up (Weaviate 1.35 wants S3,
    GCS or Azure there); NotReady when Weaviate runs without the configured backup module (started before the
    setting changed, or by an older facesearch)."""
    if settings.weaviate_nodes > 1 and settings.backup_backend == "filesystem":
        raise BadRequest(cluster_needs_s3(settings.weaviate_nodes))
    if settings.backup_module not in (client.get_meta().get("modules") or {}):
        raise NotReady(
            f"Weaviate at {settings.weaviate_url} runs without its {settings.backup_module} module: stop and start "
            "the stack (`bash stop.sh && bash start.sh`) so that it starts with it."
        )


def list_backups(client: weaviate.WeaviateClient, settings: Settings) -> list[Backup]:
    """Every backup in Weaviate's backup folder, oldest first."""
    with weaviate_errors(settings, "list its backups"):
        check_module(client, settings)
        found = client.backup.list_backups(backend=backend(settings), sort_by_starting_time_asc=True)
    return [Backup(b.backup_id, sorted(b.collections), b.status.value, b.started_at) for b in found]


def contents(client: weaviate.WeaviateClient, settings: Settings) -> Contents:
    """How many objects each of the backed-up collections holds now (0 for one that does not exist)."""

    def count(name: str) -> int:
        return len(client.collections.get(name)) if client.collections.exists(name) else 0

    s = settings
    return Contents(count(s.collection), count(s.library_photo_collection), count(s.library_collection))


def create(client: weaviate.WeaviateClient, settings: Settings, name: str) -> Made:
    """Back up whichever of `collection_names` exist as backup `name`, and wait until Weaviate has written it."""
    checked_name(name)
    if any(b.name == name for b in list_backups(client, settings)):
        raise Conflict(f"There is already a backup named {name}; choose another name.")
    with weaviate_errors(settings, f"make the backup {name}"):
        names = [n for n in collection_names(settings) if client.collections.exists(n)]
        if not names:
            wanted = ", ".join(collection_names(settings))
            raise NotFound(f"There is nothing to back up: Weaviate has none of {wanted}.")
        for n in names:
            if client.collections.exists(reindex_name(n)):
                raise Conflict(f"The collection {n} is being reindexed: run `{REINDEX_COMMAND}` to finish first.")
        held, where = contents(client, settings), backend(settings)
        client.backup.create(backup_id=name, backend=where, include_collections=names)
        made = wait(lambda: client.backup.get_create_status(backup_id=name, backend=where), f"make the backup {name}")
    return Made(name, location(settings, name, made.path), held)


def location(settings: Settings, name: str, reported: str) -> str:
    """Where backup `name` is: `reported`, Weaviate's word, but for backup-s3 with a prefix, which Weaviate 1.35
    reports twice (s3://bucket/prefix/prefix/name) though it writes under s3://bucket/prefix/name."""
    if settings.backup_backend != "s3" or not settings.backup_s3_bucket:
        return reported
    parts = (settings.backup_s3_bucket, (settings.backup_s3_path or "").strip("/"), name)
    return "s3://" + "/".join(p for p in parts if p)


def wait(status: Callable[[], BackupStatusReturn], doing: str, timeout_s: float = TIMEOUT_S) -> BackupStatusReturn:
    """Ask `status()` every POLL_S seconds until Weaviate reports success; a sentence when it failed, was
    cancelled or took longer than `timeout_s` seconds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = status()
        if now.status == BackupStatus.SUCCESS:
            return now
        if now.status in (BackupStatus.FAILED, BackupStatus.CANCELED):
            why = f": {now.error.rstrip('.')}" if now.error else "; its log says why"
            raise FaceSearchError(f"Weaviate could not {doing} ({now.status.value.lower()}){why}.")
        time.sleep(POLL_S)
    raise FaceSearchError(
        f"Weaviate did not {doing} within {timeout_s / 60:.0f} minutes; `backup --list` shows how it ends."
    )


def in_the_way(client: weaviate.WeaviateClient, names: list[str]) -> list[str]:
    """Of these collections and their reindex copies, those that exist (a restore cannot write over them)."""
    return [n for name in names for n in (name, reindex_name(name)) if client.collections.exists(n)]


def restore(client: weaviate.WeaviateClient, settings: Settings, name: str, *, replace: bool = False) -> Contents:
    """Restore backup `name` into Weaviate; with `replace`, delete its collections first when they exist.

    NotFound (naming the backups there are) for an unknown name; Conflict when the collections exist and
    `replace` is not set.
    """
    checked_name(name)
    backups = list_backups(client, settings)
    backup = next((b for b in backups if b.name == name), None)
    if backup is None:
        there = ", ".join(b.name for b in backups) or "none"
        raise NotFound(f"There is no backup named {name}; the backups there are: {there}.")
    if backup.status != "SUCCESS":
        raise Conflict(f"The backup {name} is not complete (Weaviate says {backup.status}); restore another one.")
    with weaviate_errors(settings, f"restore the backup {name}"):
        existing = in_the_way(client, backup.collections)
        if existing and not replace:
            raise Conflict(
                f"Weaviate already has {', '.join(existing)}, which the backup {name} would restore: run "
                f"`python -m facesearch restore {name} --replace` to delete them and restore the backup's."
            )
        for n in existing:
            client.collections.delete(n)
        where = backend(settings)
        client.backup.restore(backup_id=name, backend=where, include_collections=backup.collections)
        wait(lambda: client.backup.get_restore_status(backup_id=name, backend=where), f"restore the backup {name}")
        return contents(client, settings)


def space_note(client: weaviate.WeaviateClient, settings: Settings) -> str | None:
    """A sentence when a restored face collection holds vectors of another space than the vectorizer makes."""
    space = vector_space(settings)
    for name in (settings.collection, settings.library_collection):
        if client.collections.exists(name) and recorded_space(client, name).space != space:
            return (
                f"The collection {name} holds vectors of another face model than the configured one: with the "
                f"stack running, run `{REINDEX_COMMAND}`."
            )
    return None


def folder_size(path: Path) -> int | None:
    """Bytes of the files under `path`, or None when it is not a folder on this machine."""
    if not path.is_dir():
        return None
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
