""""Find in photos" in Debian's Chromium (playwright-core), against the real stack: frontend/e2e/library.test.mjs.

The test makes a library folder of group photos under the stack's library root, indexes it through the
API, and the page must find every photo a face appears in, by a dropped photo and from a person's card.
"""

from __future__ import annotations

import json
import shutil


from tests.browser.e2e import FRONTEND, run_e2e
from tests.conftest import IMAGES, LOOK_FOR, Stack
from tests.integration.test_library_api import index
from tools.make_library_samples import compose


def test_find_in_photos_end_to_end(stack: Stack) -> None:
    folder = stack.settings.library_root / "e2e"
    (folder / "trip").mkdir(parents=True)
    ted, dina, seth, norma = (IMAGES / p / "1.jpg" for p in ("Ted_Lieu", "Dina_Titus", "Seth_Moulton", "Norma_Torres"))
    compose([dina, ted, seth])[0].save(folder / "trip" / "group.jpg")
    compose([ted, norma])[0].save(folder / "pair.jpg")
    compose([dina, norma])[0].save(folder / "without-ted.jpg")
    try:
        assert index(stack.api, "e2e")["state"] == "done"
        env = {
                "FACESEARCH_URL": stack.settings.api_url,
            "FACESEARCH_LIBRARY_FOLDER": "e2e",
            "FACESEARCH_QUERY_PHOTO": str(LOOK_FOR / "Ted_Lieu.jpg"),  # another photo of him
            "FACESEARCH_EXPECTED_PATHS": json.dumps(["trip/group.jpg", "pair.jpg"]),
            "FACESEARCH_PERSON_ID": "Ted_Lieu",
            "FACESEARCH_SCREENSHOT_DIR": str(FRONTEND / "e2e" / "screenshots"),
        }
        run_e2e("library.test.mjs", env)
    finally:
        stack.api.delete("/api/library/folders/e2e")
        shutil.rmtree(folder)
