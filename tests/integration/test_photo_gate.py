"""The API's bound on decoding uploaded photos and finding their faces (facesearch.api.gate), on a private stack
of its own with 2 places, none waiting, and photos of more than 80 million pixels counted as large.

The slow photos are made here with Pillow: solid grey JPEGs, small files whose decoding takes seconds (8000 x
8000: 64 million pixels, an ordinary photo for this stack; 9400 x 9400: 88 million, a large one). A burst of
them is sent at once, each on its own connection: whichever arrive while the places are taken are refused at
once with 503 `busy`. Only answers are asserted, never times.
"""

from __future__ import annotations

import io
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest
from PIL import Image

from facesearch.api import keys
from facesearch.api.gate import BUSY
from facesearch.people.scan import scan_images
from facesearch.people.sync import ImportReport, import_people
from facesearch.settings import Settings
from facesearch.store.connection import connect
from facesearch.store.people import ensure_people
from facesearch.store.space import vector_space
from tests.conftest import IMAGES, LOOK_FOR, bearer, private_settings, started

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

PLACES = 2


def grey_jpeg(side: int) -> bytes:
    """A side x side solid grey JPEG at quality 10: about a megabyte, seconds to decode, no face."""
    out = io.BytesIO()
    Image.new("RGB", (side, side), (128, 128, 128)).save(out, "JPEG", quality=10)
    return out.getvalue()


SLOW, LARGE = grey_jpeg(8000), grey_jpeg(9400)
TED = (LOOK_FOR / "Ted_Lieu.jpg").read_bytes()


@dataclass
class Api:
    settings: Settings
    key: str

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.settings.api_url, timeout=300, headers=bearer(self.key))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A private stack with the sample people imported, and a write key."""
    root = tmp_path_factory.mktemp("gate")
    shutil.copytree(IMAGES, root / "images")
    settings = private_settings(root / "state", root / "images", photo_concurrency=PLACES, photo_queue=0,
                                large_photo_mp=80)
    with started(settings):
        _, key = keys.create(settings, "tests")
        assert len(import_samples(settings).imported) == 8
        yield Api(settings, key)


def import_samples(settings: Settings) -> ImportReport:
    client = connect(settings)
    try:
        return import_people(ensure_people(client, settings, vector_space(settings)), scan_images(settings.images_dir))
    finally:
        client.close()


Send = Callable[[httpx.Client, int], httpx.Response]

SENDERS: dict[str, Send] = {
    "POST /api/search": lambda c, i: c.post("/api/search", files={"photo": ("slow.jpg", SLOW)}),
    "POST /api/library/find": lambda c, i: c.post("/api/library/find", files={"photo": ("slow.jpg", SLOW)}),
    "POST /api/people": lambda c, i: c.post("/api/people", data={"name": f"Grey {i}"},
                                            files=[("photos", ("slow.jpg", SLOW))]),
    "POST /api/people/{id}/photos": lambda c, i: c.post("/api/people/Ted_Lieu/photos",
                                                        files=[("photos", ("slow.jpg", SLOW))]),
}


def burst(api: Api, send: Send, n: int) -> list[httpx.Response]:
    """`n` requests sent at once, each from its own thread on its own connection."""
    def one(i: int) -> httpx.Response:
        with api.client() as client:
            return send(client, i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def search_ted(client: httpx.Client) -> httpx.Response:
    return client.post("/api/search", files={"photo": ("ted.jpg", TED)})


def is_ted(response: httpx.Response) -> bool:
    return response.status_code == 200 and response.json()["faces"][0]["match"]["person_id"] == "Ted_Lieu"


@pytest.mark.parametrize("route", SENDERS)
def test_past_the_bound_a_photo_is_refused_busy_at_once_and_then_searches_go_on(api: Api, route: str) -> None:
    answered = burst(api, SENDERS[route], PLACES + 3)
    counts = Counter(r.status_code for r in answered)
    busy = [r.json() for r in answered if r.status_code == 503]
    assert busy and all(b == {"error": BUSY, "code": "busy"} for b in busy), counts
    worked = [r for r in answered if r.status_code != 503]  # no face in grey: 422, or 200 with it skipped
    assert worked and all(r.status_code in (200, 422) for r in worked), [r.text for r in worked]
    with api.client() as client:
        assert is_ted(search_ted(client))


def test_a_large_photo_is_worked_on_alone_and_other_searches_go_on_meanwhile(api: Api) -> None:
    """Three large photos at once: one is worked on, the others are busy; every search sent while they are in
    flight finds Ted Lieu (a place is always left to photos that are not large)."""
    larges: list[httpx.Response] = []
    large = lambda c, i: c.post("/api/search", files={"photo": ("large.jpg", LARGE)})  # noqa: E731
    sending = threading.Thread(target=lambda: larges.extend(burst(api, large, 3)))
    sending.start()
    meanwhile = []
    with api.client() as client:
        while sending.is_alive():
            meanwhile.append(search_ted(client))
    sending.join()
    counts = Counter(r.status_code for r in larges)
    assert counts[422] >= 1 and counts[503] >= 1 and set(counts) == {422, 503}, counts
    assert all(r.json() == {"error": BUSY, "code": "busy"} for r in larges if r.status_code == 503)
    assert meanwhile and all(is_ted(r) for r in meanwhile), [r.text for r in meanwhile if not is_ted(r)]
