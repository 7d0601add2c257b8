"""The page in Debian's Chromium (playwright-core), against the real local stack: frontend/e2e/."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from facesearch.api import keys
from tests.browser.e2e import run_e2e
from tests.conftest import LOOK_FOR, Stack
from tests.integration.test_access import second_api
from tests.integration.test_formats import phone_photo

ROOT = LOOK_FOR.parent


def test_page_end_to_end(stack: Stack, tmp_path: Path) -> None:
    for fmt, ending in (("HEIF", "heic"), ("AVIF", "avif")):  # as an iPhone stores them: turned, EXIF orientation 6
        (tmp_path / f"Ted_Lieu.{ending}").write_bytes(phone_photo(Image.open(LOOK_FOR / "Ted_Lieu.jpg"), fmt))
    env = {
        "FACESEARCH_URL": stack.settings.api_url,
        "FACESEARCH_SAMPLES": str(LOOK_FOR),
        "FACESEARCH_KNOWN_CONFUSIONS": str(ROOT / "tests" / "known_confusions.json"),
        "FACESEARCH_API_KEY": stack.key,  # typed into the page's prompt (after a wrong one)
        "FACESEARCH_PHONE_PHOTOS": str(tmp_path),
    }
    run_e2e("page.test.mjs", env)


def test_page_when_reads_need_a_key(stack: Stack, tmp_path: Path) -> None:
    """A second API on the stack with FACESEARCH_API_READ_KEY_REQUIRED=true: the page asks on its first read."""
    record, reader = keys.create(stack.settings, "browser-reader", "read")
    try:
        with second_api(stack, tmp_path, api_read_key_required=True) as settings:
            env = {
                        "FACESEARCH_URL": settings.api_url,
                "FACESEARCH_API_KEY": reader,
                "FACESEARCH_QUERY_PHOTO": str(LOOK_FOR / "Seth_Moulton.jpg"),
                "FACESEARCH_PERSON_NAME": "Seth Moulton",
            }
            run_e2e("keys.test.mjs", env)
    finally:
        keys.revoke(stack.settings, record.id)
