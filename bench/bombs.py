"""Searches while other clients send huge photos: what one caller's decompression-bomb-sized uploads cost the others.

For each of two configurations of the API's photo bound (facesearch.api.gate), a private local stack with the 8
sample people imported: `bounded`, the default settings (as many photos worked on at once as CPU cores, 8 times
as many waiting, one large photo at a time), and `unbounded`, the bound set so high that nothing is refused.
For `--seconds`, `--bombers` clients each send POST /api/search with a `--side` x `--side` solid grey JPEG (9,400
x 9,400 = 88 million pixels, just under the limit: about 1.4 MB at quality 10, seconds of CPU to decode, no
face), one request at a time, while `--clients` clients search with the look_for photos (bench/load.py's client).

Prints, per configuration: the ordinary searches' p50/p95/p99 and errors, and the huge photos' answers by kind
(`422 no_face`: decoded and searched; `503 busy`: refused at once) with their latency; and, for reference, the
same searches with no huge photos (a window of their own on the bounded stack, before the other).

Usage: .venv/bin/python bench/bombs.py [--bombers 6] [--clients 4] [--seconds 30] [--side 9400] [--smoke]
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import goal, print_machine, running_stack, write_result  # noqa: E402
from bench.load import REQUEST_TIMEOUT_S, Client, error_kind, percentiles_ms, run_client  # noqa: E402
from facesearch.people.scan import scan_images  # noqa: E402
from facesearch.people.sync import import_people  # noqa: E402
from facesearch.settings import ROOT, Settings  # noqa: E402
from facesearch.store.connection import connect  # noqa: E402
from facesearch.store.people import ensure_people  # noqa: E402
from facesearch.store.space import vector_space  # noqa: E402

UNBOUNDED = {"photo_concurrency": 10_000, "photo_queue": 10_000, "large_photo_mp": 10_000.0}
"""Settings under which the API's gate never refuses a photo (nothing is large either)."""

CONFIGURATIONS = {"bounded": {}, "unbounded": UNBOUNDED}


def grey_jpeg(side: int) -> bytes:
    """A side x side solid grey JPEG at quality 10."""
    out = io.BytesIO()
    Image.new("RGB", (side, side), (128, 128, 128)).save(out, "JPEG", quality=10)
    return out.getvalue()


def run_bomber(api_url: str, photo: bytes, deadline: float, out: Client, answers: Counter) -> None:
    """Send the huge photo until `deadline` (time.monotonic()); every answer's latency (s) and kind."""
    with httpx.Client(base_url=api_url, timeout=REQUEST_TIMEOUT_S) as api:
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                response = api.post("/api/search", files={"photo": ("huge.jpg", photo)})
            except httpx.HTTPError as e:
                answers[type(e).__name__] += 1
                continue
            out.latencies.append(time.perf_counter() - began)
            answers[error_kind(response) if response.status_code != 200 else "200"] += 1
            if response.status_code == 503:
                time.sleep(0.05)  # what a client told "try again in a moment" does; the API's work is what is measured


def window(settings: Settings, args: argparse.Namespace, photo: bytes, bombers: int) -> dict:
    """`bombers` clients sending the huge photo and `args.clients` searching, for `args.seconds`; what each saw."""
    searchers, bombers_seen = [Client() for _ in range(args.clients)], [Client() for _ in range(bombers)]
    answers: Counter = Counter()
    deadline = time.monotonic() + args.seconds
    threads = [threading.Thread(target=run_client, args=(settings.api_url, i, deadline, c))
               for i, c in enumerate(searchers)]
    threads += [threading.Thread(target=run_bomber, args=(settings.api_url, photo, deadline, c, answers))
                for c in bombers_seen]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "searches": {"latency": percentiles_ms([s for c in searchers for s in c.latencies]),
                     "errors": dict(sum((c.errors for c in searchers), Counter()))},
        "huge_photos": {"answers": dict(answers),
                        "latency": percentiles_ms([s for c in bombers_seen for s in c.latencies])},
    }


def measure(work: Path, name: str, overrides: dict, args: argparse.Namespace, photo: bytes) -> dict:
    """One configuration on a stack of its own: the sample people imported, then the window (and, for `bounded`,
    a window of searches alone before it, for reference)."""
    with running_stack(work / name, work / "people", **overrides) as (settings, _):
        client = connect(settings)
        try:
            people = ensure_people(client, settings, vector_space(settings))
            print(f"{name}: sample people {import_people(people, scan_images(work / 'people')).summary()}", flush=True)
        finally:
            client.close()
        bound = (f"{settings.photo_concurrency} working, {settings.photo_queue} waiting, "
                 f"large above {settings.large_photo_mp:g} MP")
        alone = {}
        if name == "bounded":
            print(f"no huge photos: {args.clients} clients searching for {args.seconds:g} s", flush=True)
            alone = {"searches_alone": window(settings, args, photo, 0)["searches"]}
        print(f"{name} ({bound}): {args.bombers} clients sending the huge photo, {args.clients} searching, "
              f"for {args.seconds:g} s", flush=True)
        return {"bound": bound, **alone, **window(settings, args, photo, args.bombers)}


def print_searches(label: str, searches: dict) -> None:
    lat = searches["latency"]
    errors = ", ".join(f"{n} x {k}" for k, n in searches["errors"].items()) or "no errors"
    if lat["n"]:
        print(f"  {label} (ms): p50 {lat['p50_ms']:.0f}, p95 {lat['p95_ms']:.0f}, p99 {lat['p99_ms']:.0f}, "
              f"max {lat['max_ms']:.0f} ({lat['n']} answers); {errors}")
    else:
        print(f"  {label}: no answers; {errors}")


def print_result(name: str, r: dict) -> None:
    huge = r["huge_photos"]
    print(f"\n{name} ({r['bound']})")
    if "searches_alone" in r:
        print_searches("searches, no huge photos", r["searches_alone"])
    print_searches("searches beside the huge photos", r["searches"])
    answers = ", ".join(f"{n} x {k}" for k, n in sorted(huge["answers"].items())) or "none"
    print(f"  huge photos: {answers}" + (f"; p50 {huge['latency']['p50_ms']:.0f} ms, max "
                                         f"{huge['latency']['max_ms']:.0f} ms" if huge["latency"]["n"] else ""))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bombers", type=int, default=6, help="clients sending the huge photo")
    parser.add_argument("--clients", type=int, default=4, help="clients searching with the look_for photos")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each configuration's window (s)")
    parser.add_argument("--side", type=int, default=9400, help="width and height of the huge photo (pixels)")
    parser.add_argument("--smoke", action="store_true", help="1 of each client, 3 s, a 2000 x 2000 photo")
    args = parser.parse_args()
    if args.smoke:
        args.bombers, args.clients, args.seconds, args.side = 1, 1, 3.0, 2000
    if not (1 <= args.bombers <= 64 and 1 <= args.clients <= 64 and 0 < args.seconds <= 600
            and 16 <= args.side <= 9400):
        parser.error("use 1..64 clients of each kind, 0..600 seconds and a side of 16..9400 pixels")
    return args


def main() -> None:
    args = parse_args()
    machine = print_machine()
    photo = grey_jpeg(args.side)
    print(f"huge photo: {args.side} x {args.side} px, {len(photo):,} bytes", flush=True)
    results = {}
    with tempfile.TemporaryDirectory(prefix="facesearch-bombs-") as tmp:
        shutil.copytree(ROOT / "images", Path(tmp) / "people")
        for name, overrides in CONFIGURATIONS.items():
            results[name] = measure(Path(tmp), name, overrides, args, photo)
    for name, r in results.items():
        print_result(name, r)
    bounded, unbounded = (results[n]["searches"]["latency"] for n in ("bounded", "unbounded"))
    if bounded["n"] and unbounded["n"]:
        print(goal("searches beside huge photos no slower with the bound than without (p95)",
                   bounded["p95_ms"] <= unbounded["p95_ms"]))
    result = {"machine": machine, "bombers": args.bombers, "clients": args.clients, "side": args.side,
              "photo_bytes": len(photo), "seconds": args.seconds, **results}
    print(f"result: {write_result('bombs', result)}")


if __name__ == "__main__":
    main()
