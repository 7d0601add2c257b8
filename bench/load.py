"""Searches under load while an import runs: requests/s, latency and errors of the search API.

A private local stack (default settings) with the 8 sample people imported. Then, for `--seconds`, `--clients`
concurrent clients each send POST /api/search with the look_for/ photos in turn (one request at a time per
client, loopback only), while `python -m facesearch import` adds a larger people folder: the sample people's
photos and `--per-person` copies of each person's photos (tools/derive_people.py: cropped, rescaled, rotated,
mirrored), written to a temporary folder. An import still running when the window ends is left to finish
(at most IMPORT_LIMIT_S more seconds), so that its summary shows whether it imported every photo.

Prints requests/s, latency p50/p95/p99 (ms), errors by kind (HTTP status and error code, or the client's
exception), how many photos the import did within the window, and the machine. The goal: no errors.

Usage: .venv/bin/python bench/load.py [--clients 16] [--seconds 60] [--per-person 96] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import goal, print_machine, running_stack, write_result  # noqa: E402
from facesearch.local.stack import settings_env  # noqa: E402
from facesearch.people.scan import scan_images  # noqa: E402
from facesearch.people.sync import import_people  # noqa: E402
from facesearch.settings import ROOT, Settings  # noqa: E402
from facesearch.store.connection import connect  # noqa: E402
from facesearch.store.people import ensure_people  # noqa: E402
from facesearch.store.space import vector_space  # noqa: E402
from tools.derive_people import MAX_PER_PERSON, derive_people  # noqa: E402

LOOK_FOR = sorted((ROOT / "look_for").iterdir())
"""The queries, in turn: the sample people's other photos and people who are not enrolled."""

REQUEST_TIMEOUT_S = 120.0
"""How long a client waits for one answer before counting it as an error (s)."""

IMPORT_LIMIT_S = 900.0
"""How long an import still running at the end of the window may take to finish before it is stopped (s)."""


@dataclass
class Client:
    """What one client saw: the latency of each answered request (s) and its errors by kind."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)


def error_kind(response: httpx.Response) -> str:
    """"<status> <code>" of an error answer, e.g. "503 busy"."""
    try:
        code = response.json().get("code", "?")
    except ValueError:
        code = "not JSON"
    return f"{response.status_code} {code}"


def run_client(api_url: str, start: int, deadline: float, out: Client) -> None:
    """Search with the look_for photos in turn, from the `start`-th, until `deadline` (time.monotonic())."""
    photos = [(p.name, p.read_bytes()) for p in LOOK_FOR]
    with httpx.Client(base_url=api_url, timeout=REQUEST_TIMEOUT_S) as api:
        n = start
        while time.monotonic() < deadline:
            name, data = photos[n % len(photos)]
            n += 1
            began = time.perf_counter()
            try:
                response = api.post("/api/search", files={"photo": (name, data)})
            except httpx.HTTPError as e:
                out.errors[type(e).__name__] += 1
                continue
            if response.status_code == 200:
                out.latencies.append(time.perf_counter() - began)
            else:
                out.errors[error_kind(response)] += 1


@dataclass
class Import:
    """`python -m facesearch import` in the background, with the time (time.monotonic()) of each photo it reports."""

    process: subprocess.Popen
    began: float = field(default_factory=time.monotonic)
    done_at: list[float] = field(default_factory=list)
    total: int = 0
    lines: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    @classmethod
    def start(cls, settings: Settings, folder: Path) -> Import:
        process = subprocess.Popen(
            [sys.executable, "-m", "facesearch", "import", str(folder)], cwd=ROOT,
            env={**os.environ, **settings_env(settings)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        started = cls(process)
        started.reader = threading.Thread(target=started.read, daemon=True)
        started.reader.start()
        return started

    def read(self) -> None:
        """Note the time of every `[done/total] path` line the importer prints."""
        for line in self.process.stdout:  # type: ignore[union-attr]
            if line.startswith("[") and "/" in line:
                self.done_at.append(time.monotonic())
                self.total = int(line[1:].split("]", 1)[0].split("/")[1])
            else:
                self.lines.append(line.rstrip())

    def finish(self) -> tuple[int, float]:
        """Wait for the import to end (SIGTERM after IMPORT_LIMIT_S seconds); its exit code and how long it ran (s)."""
        try:
            self.process.wait(timeout=IMPORT_LIMIT_S)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait()
        seconds = time.monotonic() - self.began  # at most this long: it is asked only now
        assert self.reader is not None
        self.reader.join(timeout=10)
        self.process.stdout.close()  # type: ignore[union-attr]
        return self.process.returncode, seconds


def build_people(work: Path, per_person: int) -> tuple[Path, Path]:
    """The sample people (images/) and, apart, a larger folder: the same people with their sample photos and
    `per_person` derived copies each, so that importing it keeps the sample faces and adds the copies."""
    small, large = work / "people", work / "more-people"
    shutil.copytree(ROOT / "images", small)
    shutil.copytree(ROOT / "images", large)
    derive_people(large, per_person)
    return small, large


def window(settings: Settings, clients: int, seconds: float, large: Path) -> dict:
    """The clients for `seconds` while the import of `large` runs; what each saw and what the import did."""
    outcome = [Client() for _ in range(clients)]
    began = time.monotonic()
    deadline = began + seconds
    importing = Import.start(settings, large)
    threads = [
        threading.Thread(target=run_client, args=(settings.api_url, i, deadline, c)) for i, c in enumerate(outcome)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ended = time.monotonic()
    code, import_s = importing.finish()
    return summarise(outcome, ended - began, importing, ended, code, import_s)


def percentiles_ms(seconds: list[float]) -> dict:
    """p50, p95, p99 and the largest, in ms, and how many samples they come from."""
    if not seconds:
        return {"n": 0}
    ms = np.asarray(seconds) * 1000
    marks = {f"p{q}_ms": round(float(np.percentile(ms, q)), 1) for q in (50, 95, 99)}
    return {**marks, "max_ms": round(float(ms.max()), 1), "n": len(seconds)}


def summarise(
    outcome: list[Client], elapsed: float, importing: Import, ended: float, code: int, import_s: float
) -> dict:
    """The window's figures: requests, latency, errors by kind, and what the import did within it and in all."""
    latencies = [s for c in outcome for s in c.latencies]
    errors = sum((c.errors for c in outcome), Counter())
    in_window = sum(1 for t in importing.done_at if t <= ended)
    return {
        "seconds": round(elapsed, 2),
        "requests": len(latencies) + sum(errors.values()),
        "answered": len(latencies),
        "requests_per_s": round((len(latencies) + sum(errors.values())) / elapsed, 2),
        "latency": percentiles_ms(latencies),
        "errors": dict(errors),
        "import": {
            "photos_to_import": importing.total,
            "photos_done_in_window": in_window,
            "photos_per_s_in_window": round(in_window / elapsed, 2),
            "photos_done": len(importing.done_at),
            "seconds": round(import_s, 1),
            "exit_code": code,
            "summary": next((line for line in reversed(importing.lines) if line.startswith("imported ")), None),
        },
    }


def print_result(r: dict, clients: int) -> None:
    lat, imp = r["latency"], r["import"]
    print(f"\n{clients} clients for {r['seconds']:.0f} s: {r['requests']} requests, "
          f"{r['requests_per_s']:.1f} requests/s")
    if lat["n"]:
        print(f"latency (ms): p50 {lat['p50_ms']:.0f}, p95 {lat['p95_ms']:.0f}, p99 {lat['p99_ms']:.0f}, "
              f"max {lat['max_ms']:.0f} ({lat['n']} answers)")
    print("errors: " + (", ".join(f"{n} x {kind}" for kind, n in r["errors"].items()) or "none"))
    print(f"import: {imp['photos_done_in_window']} of {imp['photos_to_import']} photos within the window "
          f"({imp['photos_per_s_in_window']:.1f} photos/s); all of it took {imp['seconds']:.0f} s, exit code "
          f"{imp['exit_code']}: {imp['summary']}")
    print(goal("no errors", not r["errors"]))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent search clients")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the window (s)")
    parser.add_argument("--per-person", type=int, default=MAX_PER_PERSON,
                        help=f"derived photos per person in the imported folder (at most {MAX_PER_PERSON})")
    parser.add_argument("--smoke", action="store_true", help="2 clients, 3 s, 2 derived photos per person")
    args = parser.parse_args()
    if args.smoke:
        args.clients, args.seconds, args.per_person = 2, 3.0, 2
    if not (1 <= args.clients <= 256 and 0 < args.seconds <= 3600 and 1 <= args.per_person <= MAX_PER_PERSON):
        parser.error(f"use 1..256 clients, 0..3600 seconds and 1..{MAX_PER_PERSON} photos per person")
    return args


def main() -> None:
    args = parse_args()
    machine = print_machine()
    with tempfile.TemporaryDirectory(prefix="facesearch-load-") as tmp:
        small, large = build_people(Path(tmp), args.per_person)
        with running_stack(Path(tmp), small) as (settings, _):
            client = connect(settings)
            try:
                people = ensure_people(client, settings, vector_space(settings))
                print(f"sample people: {import_people(people, scan_images(small)).summary()}", flush=True)
            finally:
                client.close()
            print(f"window: {args.clients} clients searching for {args.seconds:g} s while {large} is imported "
                  f"({8 * args.per_person} new photos)", flush=True)
            result = window(settings, args.clients, args.seconds, large)
    print_result(result, args.clients)
    result = {"machine": machine, "clients": args.clients, "per_person": args.per_person, **result}
    print(f"result: {write_result('load', result)}")


if __name__ == "__main__":
    main()
