"""Running one of the page's browser tests (frontend/e2e/*.test.mjs: playwright-core driving Debian's Chromium)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import LOOK_FOR

FRONTEND = LOOK_FOR.parent / "frontend"


def run_e2e(script: str, env: dict[str, str]) -> None:
    """Run frontend/e2e/`script` with node's test runner and these variables added to the environment; fail with
    its output when a test of it fails, or when the page is not built."""
    if not (FRONTEND / "node_modules").is_dir() or not (FRONTEND / "dist" / "index.html").is_file():
        pytest.fail("The page is not built: run `bash tests/run.sh`, which installs and builds it.")
    done = subprocess.run(
        [shutil.which("node") or "node", "--test", "--test-reporter=spec", f"e2e/{script}"],
        cwd=FRONTEND, env={**os.environ, **env}, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, f"browser tests failed:\n{done.stdout[-8000:]}\n{done.stderr[-4000:]}"
