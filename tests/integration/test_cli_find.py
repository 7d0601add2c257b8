"""`python -m facesearch find` on a folder under the library root: through the running API, and in its own
process (FACESEARCH_CLI_LOCAL=1), the same answers on stdout; the command line's key; the stack down."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from facesearch.api import keys
from facesearch.local.stack import settings_env
from facesearch.settings import ROOT
from facesearch.testing import free_port
from tests.conftest import IMAGES, LOOK_FOR, Stack
from tools.make_library_samples import compose


def cli(stack: Stack, *args: str, local: bool = False, **env: str) -> subprocess.CompletedProcess:
    environ = {**os.environ, **settings_env(stack.settings), **env, "FACESEARCH_CLI_LOCAL": "1" if local else "0"}
    return subprocess.run([sys.executable, "-m", "facesearch", *args], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def folder(stack: Stack) -> Iterator[Path]:
    """library/cli/ under the stack's library root: a group photo, a portrait, and a file that is no photo."""
    path = stack.settings.library_root / "cli"
    path.mkdir(parents=True)
    compose([IMAGES / p / "1.jpg" for p in ("Ted_Lieu", "Dina_Titus", "Seth_Moulton")])[0].save(path / "group.jpg")
    shutil.copy(LOOK_FOR / "Ted_Lieu.jpg", path / "ted.jpg")
    (path / "broken.jpg").write_bytes(b"\xff\xd8 not a photo")
    yield path
    stack.api.delete("/api/library/folders/cli")
    shutil.rmtree(path)


def test_find_through_the_api_prints_what_find_in_its_own_process_prints(stack: Stack, folder: Path) -> None:
    for n, args in enumerate((["-q", str(LOOK_FOR / "Ted_Lieu.jpg")], ["-q", str(folder / "group.jpg"), "--face", "1"],
                              ["--person", "Ted_Lieu"])):
        there = cli(stack, "find", *args, "-t", str(folder))  # the first indexes the folder, through the API
        here = cli(stack, "find", *args, "-t", str(folder), local=True)
        assert here.returncode == 0 and there.returncode == 0, here.stderr + there.stderr
        assert there.stdout == here.stdout and here.stdout, (args, here.stdout, there.stdout)
        if n == 0:
            assert "skipped: broken.jpg: " in there.stderr and f"{folder}: new 3, " in there.stderr, there.stderr
            assert stack.api.get("/api/library").json()["job"]["folder"] == "cli"  # the API indexed it
        as_json = cli(stack, "find", *args, "-t", str(folder), "--json")
        assert [r["path"] for r in json.loads(as_json.stdout)] == [line.split()[0] for line in here.stdout.splitlines()]


def test_find_through_the_api_says_what_indexing_did_and_refuses_in_sentences(stack: Stack, folder: Path) -> None:
    shutil.copy(LOOK_FOR / "Ted_Lieu.jpg", folder / "ted-again.jpg")
    try:
        done = cli(stack, "find", "-q", str(LOOK_FOR / "Ted_Lieu.jpg"), "-t", str(folder), "--json")
        assert done.returncode == 0, done.stderr
        assert f"{folder}: new 1, " in done.stderr
        assert "ted-again.jpg" in {r["path"] for r in json.loads(done.stdout)}
    finally:
        (folder / "ted-again.jpg").unlink()
    nobody = cli(stack, "find", "--person", "Nobody", "-t", str(folder))
    assert nobody.returncode == 1 and nobody.stdout == ""
    assert [line for line in nobody.stderr.splitlines() if line.startswith("error: ")] == [
        "error: There is no person 'Nobody'."]


def test_the_command_line_key_is_made_once_and_kept_private(stack: Stack, folder: Path) -> None:
    assert cli(stack, "find", "--person", "Ted_Lieu", "-t", str(folder)).returncode == 0
    key_file = stack.settings.state_dir / "cli.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    held = key_file.read_text().strip()
    assert keys.verify(keys.load(stack.settings.api_keys_file), held) is not None
    assert cli(stack, "find", "--person", "Ted_Lieu", "-t", str(folder)).returncode == 0
    assert key_file.read_text().strip() == held
    assert sum(k.name == "command line" for k in keys.load(stack.settings.api_keys_file)) == 1


def test_with_the_stack_down_find_says_what_to_run(stack: Stack, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(LOOK_FOR / "Ted_Lieu.jpg", photos / "ted.jpg")
    down = {"FACESEARCH_WEAVIATE_PORT": str(free_port()), "FACESEARCH_API_PORT": str(free_port())}
    done = cli(stack, "find", "-q", str(LOOK_FOR / "Ted_Lieu.jpg"), "-t", str(photos), **down)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "Weaviate is not reachable at" in done.stderr and "bash start.sh" in done.stderr


def test_find_skips_links_out_of_the_root_and_refuses_to_follow_them_there(stack: Stack, folder: Path,
                                                                           tmp_path: Path) -> None:
    shutil.copy(LOOK_FOR / "Ted_Lieu.jpg", tmp_path / "ted.jpg")
    (folder / "out.jpg").symlink_to(tmp_path / "ted.jpg")
    try:
        done = cli(stack, "find", "-q", str(LOOK_FOR / "Ted_Lieu.jpg"), "-t", str(folder), "--json")
        assert done.returncode == 0, done.stderr
        assert ("skipped: out.jpg: This is a link to a file outside the library folder; links that leave it are not "
                "followed.") in done.stderr
        assert "out.jpg" not in {r["path"] for r in json.loads(done.stdout)}
        follow = cli(stack, "find", "-q", str(LOOK_FOR / "Ted_Lieu.jpg"), "-t", str(folder), "--follow-links")
        errors = [line for line in follow.stderr.splitlines() if line.startswith("error: ")]
        assert follow.returncode == 1 and len(errors) == 1 and "--follow-links" in errors[0], follow.stderr
    finally:
        (folder / "out.jpg").unlink()
