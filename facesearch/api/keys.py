"""The API's keys: made and revoked with `facesearch keys`, kept hashed in `settings.api_keys_file`.

A key reads `fs_<id>_<secret>`: `id` (8 hex digits) names it in lists and logs; the secret is 32 random
bytes, so a SHA-256 of the whole key is enough to store (nothing to guess from the hash). The file holds
only ids, names, rights, creation times and hashes, and is written with mode 0600. Every change reads, changes and
writes it holding a lock (an flock on `<file>.lock`): the folder watcher, the command line and `keys` may make keys
at the same moment, and each keeps its own.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from facesearch.errors import ConfigError
from facesearch.settings import Settings

Right = Literal["read", "write"]
"""write: every request; read: searches and lists, no change."""


@dataclass(frozen=True)
class ApiKey:
    """A stored key: what `keys list` shows, and the hash a presented key is checked against."""

    id: str
    name: str
    rights: Right
    created: str  # ISO 8601, UTC
    sha256: str

    def allows(self, needed: Right) -> bool:
        return self.rights == "write" or needed == "read"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def load(path: Path) -> list[ApiKey]:
    """The stored keys, oldest first (none when the file does not exist); ConfigError when it cannot be read."""
    try:
        return parse(path.read_bytes(), path)
    except FileNotFoundError:
        return []


def parse(data: bytes, path: Path) -> list[ApiKey]:
    """The keys in the keys file's bytes; ConfigError (naming `path`) when they are not a list of keys."""
    try:
        return [ApiKey(**entry) for entry in json.loads(data)]
    except (ValueError, TypeError) as e:  # not JSON, not a list of keys
        raise ConfigError(f"The API keys file {path} cannot be read; restore it or remove it and make new keys.") from e


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the lock of the keys file `path` (an flock on `<path>.lock`, made mode 0600): one read-modify-write of
    the file at a time, across processes. Not re-entrant: take it once per change."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the state folder: the owner's only
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # and with it the lock


def _write_private(path: Path, text: str) -> None:
    """Write `path` whole with mode 0600, replacing the old one in one step (through a temporary file of its own in
    the same folder, so that two writers never share one)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _save(path: Path, keys: list[ApiKey]) -> None:
    """Write the keys file whole (mode 0600); call it holding `_locked(path)`."""
    _write_private(path, json.dumps([asdict(k) for k in keys], indent=1))


def _add(path: Path, name: str, rights: Right) -> tuple[ApiKey, str]:
    """Make a key and add it to the keys file `path`; call it holding `_locked(path)`."""
    key_id = secrets.token_hex(4)
    key = f"fs_{key_id}_{secrets.token_urlsafe(32)}"
    record = ApiKey(key_id, name, rights, datetime.now(UTC).isoformat(timespec="seconds"), _digest(key))
    _save(path, [*load(path), record])
    return record, key


def create(settings: Settings, name: str, rights: Right = "write") -> tuple[ApiKey, str]:
    """A new key: the stored record and the key itself, which is shown once and kept nowhere."""
    with _locked(settings.api_keys_file):
        return _add(settings.api_keys_file, name, rights)


OWN_KEYS = ("command line", "folder watcher")
"""The names of the keys programs make for themselves (`kept_key`): no person holds them, so they do not count as
"a key exists already" (`keys create --if-none`, which start.sh runs to give the page its key)."""


def kept_key(settings: Settings, path: Path, name: str) -> str:
    """A program's own write key (the command line's, the folder watcher's), kept in `path` (mode 0600) and made,
    named `name`, when `path` holds none the keys file accepts (the first use, or after it was revoked). Under the
    keys file's lock, so that two processes of the same program make one key between them."""
    with _locked(settings.api_keys_file):
        try:
            held = path.read_text().strip()
        except FileNotFoundError:
            held = ""
        if held and verify(load(settings.api_keys_file), held):
            return held
        _, key = _add(settings.api_keys_file, name, "write")
        _write_private(path, key + "\n")
    return key


def revoke(settings: Settings, id_or_name: str) -> list[ApiKey]:
    """Remove the keys with this id or name; the removed ones (none when nothing matched)."""
    with _locked(settings.api_keys_file):
        keys = load(settings.api_keys_file)
        gone = [k for k in keys if id_or_name in (k.id, k.name)]
        if gone:
            _save(settings.api_keys_file, [k for k in keys if k not in gone])
    return gone


def verify(keys: list[ApiKey], presented: str) -> ApiKey | None:
    """The stored key this presented key is, or None; compares hashes in constant time."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != "fs":
        return None
    digest = _digest(presented)
    for key in keys:
        if key.id == parts[1] and hmac.compare_digest(key.sha256, digest):
            return key
    return None
