"""The API's keys: made and revoked with `facesearch keys`, kept hashed in `settings.api_keys_file`.

A key reads `fs_<id>_<secret>`: `id` (8 hex digits) names it in lists and logs; the secret is 32 random
bytes, so a SHA-256 of the whole key is enough to store (nothing to guess from the hash). The file holds
only ids, names, rights, creation times and hashes, and is written with mode 0600.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
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


def _save(path: Path, keys: list[ApiKey]) -> None:
    """Write the file whole with mode 0600, replacing the old one in one step."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the state folder: the owner's only
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump([asdict(k) for k in keys], out, indent=1)
    os.replace(tmp, path)


def create(settings: Settings, name: str, rights: Right = "write") -> tuple[ApiKey, str]:
    """A new key: the stored record and the key itself, which is shown once and kept nowhere."""
    key_id = secrets.token_hex(4)
    key = f"fs_{key_id}_{secrets.token_urlsafe(32)}"
    record = ApiKey(key_id, name, rights, datetime.now(UTC).isoformat(timespec="seconds"), _digest(key))
    _save(settings.api_keys_file, [*load(settings.api_keys_file), record])
    return record, key


def revoke(settings: Settings, id_or_name: str) -> list[ApiKey]:
    """Remove the keys with this id or name; the removed ones (none when nothing matched)."""
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
