""""Use camera" in Debian's Chromium with a fake camera, against the real stack: frontend/e2e/camera.test.mjs.

The browser test makes a short video of a sample photo, Chromium's fake camera plays it, and the page must name
the person in the photo taken; it also cancels (the camera stops) and is refused the camera (a sentence, and a
chosen photo still works).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import LOOK_FOR, Stack

FRONTEND = LOOK_FOR.parent / "frontend"


def test_camera_end_to_end(stack: Stack) -> None:
    if not (FRONTEND / "node_modules").is_dir() or not (FRONTEND / "dist" / "index.html").is_file():
        pytest.fail("The page is not built: run `bash tests/run.sh`, which installs and builds it.")
    env = {
        **os.environ,
        "FACESEARCH_URL": stack.settings.api_url,
        "FACESEARCH_QUERY_PHOTO": str(LOOK_FOR / "Ted_Lieu.jpg"),  # not the photo he was enrolled with
        "FACESEARCH_PERSON_NAME": "Ted Lieu",
    }
    done = subprocess.run(
        [shutil.which("node") or "node", "--test", "--test-reporter=spec", "e2e/camera.test.mjs"],
        cwd=FRONTEND, env=env, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, f"browser tests failed:\n{done.stdout[-8000:]}\n{done.stderr[-4000:]}"
