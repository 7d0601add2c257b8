"""The page in Debian's Chromium (playwright-core), against the real local stack: frontend/e2e/."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import LOOK_FOR, Stack

ROOT = LOOK_FOR.parent
FRONTEND = ROOT / "frontend"


def test_page_end_to_end(stack: Stack) -> None:
    if not (FRONTEND / "node_modules").is_dir() or not (FRONTEND / "dist" / "index.html").is_file():
        pytest.fail("The page is not built: run `bash tests/run.sh`, which installs and builds it.")
    env = {
        **os.environ,
        "FACESEARCH_URL": stack.settings.api_url,
        "FACESEARCH_SAMPLES": str(LOOK_FOR),
        "FACESEARCH_KNOWN_CONFUSIONS": str(ROOT / "tests" / "known_confusions.json"),
    }
    done = subprocess.run(
        [shutil.which("node") or "node", "--test", "--test-reporter=spec", "e2e/page.test.mjs"],
        cwd=FRONTEND, env=env, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, f"browser tests failed:\n{done.stdout[-8000:]}\n{done.stderr[-4000:]}"
