""""Use camera" in Debian's Chromium with a fake camera, against the real stack: frontend/e2e/camera.test.mjs.

The browser test makes a short video of a sample photo, Chromium's fake camera plays it, and the page must name
the person in the photo taken; it also cancels (the camera stops) and is refused the camera (a sentence, and a
chosen photo still works).
"""

from __future__ import annotations

from tests.browser.e2e import run_e2e
from tests.conftest import LOOK_FOR, Stack


def test_camera_end_to_end(stack: Stack) -> None:
    env = {
        "FACESEARCH_URL": stack.settings.api_url,
        "FACESEARCH_QUERY_PHOTO": str(LOOK_FOR / "Ted_Lieu.jpg"),  # not the photo he was enrolled with
        "FACESEARCH_PERSON_NAME": "Ted Lieu",
    }
    run_e2e("camera.test.mjs", env)
