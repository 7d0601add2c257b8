"""The API's key store (facesearch.api.keys) and the command line around it, on a temporary keys file."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from pathlib import Path
from threading import Barrier

import pytest

from facesearch.api import keys
from facesearch.cli import keys as keys_cli
from facesearch.cli.main import main
from facesearch.errors import ConfigError
from facesearch.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, state_dir=tmp_path / "state")


def test_a_new_key_verifies_and_is_kept_only_as_a_hash(settings: Settings) -> None:
    record, key = keys.create(settings, "page")
    assert key.startswith(f"fs_{record.id}_") and len(key) == len("fs_12345678_") + 43  # 32 bytes, base64url
    assert keys.verify(keys.load(settings.api_keys_file), key) == record
    text = settings.api_keys_file.read_text()
    assert key not in text and key.split("_", 2)[2] not in text
    assert [e["name"] for e in json.loads(text)] == ["page"]
    assert stat.S_IMODE(settings.api_keys_file.stat().st_mode) == 0o600


def test_rights(settings: Settings) -> None:
    reader, _ = keys.create(settings, "r", "read")
    writer, _ = keys.create(settings, "w")
    assert reader.allows("read") and not reader.allows("write")
    assert writer.allows("read") and writer.allows("write")


@pytest.mark.parametrize(
    "presented",
    ["", "fs", "fs_", "fs__", "nonsense", "Bearer fs_x_y", "fs_00000000_" + "A" * 43, "ünïcödé_ß_✓",
     "fs_x_" + "y" * 10_000],
)
def test_malformed_and_unknown_keys_are_not_accepted(settings: Settings, presented: str) -> None:
    keys.create(settings, "page")
    assert keys.verify(keys.load(settings.api_keys_file), presented) is None


def test_a_key_with_another_keys_id_is_not_accepted(settings: Settings) -> None:
    first, key = keys.create(settings, "a")
    second, _ = keys.create(settings, "b")
    forged = key.replace(first.id, second.id, 1)
    assert keys.verify(keys.load(settings.api_keys_file), forged) is None


def test_revoke_by_id_or_name_leaves_the_others(settings: Settings) -> None:
    a, key_a = keys.create(settings, "a")
    b, key_b = keys.create(settings, "b")
    assert keys.revoke(settings, a.id) == [a]
    assert keys.revoke(settings, "b") == [b]
    assert keys.revoke(settings, "nobody") == []
    assert keys.load(settings.api_keys_file) == []
    assert keys.verify([], key_a) is None and keys.verify([], key_b) is None


def test_no_file_is_no_keys_and_a_broken_file_is_a_sentence(settings: Settings) -> None:
    assert keys.load(settings.api_keys_file) == []
    settings.api_keys_file.parent.mkdir(parents=True)
    for broken in ("{not json", '{"id": "x"}', '[{"id": "x"}]'):
        settings.api_keys_file.write_text(broken)
        with pytest.raises(ConfigError, match="cannot be read"):
            keys.load(settings.api_keys_file)


PROCESSES, PER_PROCESS = 6, 15


def make_keys(settings: Settings, start: Barrier, count: int) -> None:
    """One program starting: keys of its own, and the watcher's kept key."""
    start.wait(30)
    for n in range(count):
        keys.create(settings, f"p{os.getpid()}-{n}")
    keys.kept_key(settings, settings.state_dir / "watcher.key", "folder watcher")


def test_processes_making_keys_at_once_keep_every_key_and_one_kept_key(settings: Settings) -> None:
    """The folder watcher and the command line make their keys as they start, maybe at the same moment: no key is
    lost, the file stays whole, a program's kept key is made once, and no temporary file is left."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES)
    workers = [context.Process(target=make_keys, args=(settings, start, PER_PROCESS)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0] * PROCESSES
    stored = keys.load(settings.api_keys_file)
    assert len({k.id for k in stored if k.name != "folder watcher"}) == PROCESSES * PER_PROCESS
    assert [k.name for k in stored].count("folder watcher") == 1
    kept = (settings.state_dir / "watcher.key").read_text().strip()
    assert keys.verify(stored, kept) is not None
    assert not [p.name for p in settings.state_dir.iterdir() if p.name.endswith(".tmp")]


def run(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *args: str
        ) -> tuple[int, str, str]:
    monkeypatch.setattr(keys_cli, "get_settings", lambda: settings)
    code = main(["keys", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_command_line_creates_once_with_if_none(settings: Settings, monkeypatch, capsys) -> None:  # noqa: ANN001
    code, out, _ = run(settings, monkeypatch, capsys, "create", "--name", "page", "--if-none")
    key, sentence = out.splitlines()
    assert code == 0 and "shown only now" in sentence
    assert keys.verify(keys.load(settings.api_keys_file), key) is not None
    assert run(settings, monkeypatch, capsys, "create", "--name", "page", "--if-none") == (0, "", "")
    code, out, _ = run(settings, monkeypatch, capsys, "create", "--read-only", "--if-none")  # no read key yet
    assert code == 0 and "read rights" in out
    assert len(keys.load(settings.api_keys_file)) == 2


def test_the_command_line_refuses_unprintable_and_empty_names(settings: Settings, monkeypatch, capsys) -> None:  # noqa: ANN001
    assert run(settings, monkeypatch, capsys, "create", "--name", "a\nb")[0] == 1
    assert run(settings, monkeypatch, capsys, "revoke", " ") == (
        1, "", "error: Name the key to revoke by its id or its name (see `python -m facesearch keys list`).\n"
    )
    assert keys.load(settings.api_keys_file) == []
