"""What the benchmarks share: the machine they ran on, result files, percentiles, a private stack, synthetic faces.

Times are seconds unless a name ends in `_ms`; sizes are bytes unless a name ends in `_mb` (MiB).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import platform
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import httpx
import numpy as np
import psutil
from weaviate.collections import Collection

from facesearch import WEAVIATE_VERSION
from facesearch.local.stack import LocalStack
from facesearch.settings import ROOT, Settings
from facesearch.store.writes import VECTOR
from facesearch.testing import isolated_settings

RESULTS = ROOT / "bench" / "results"
"""Where every run writes `<name>-<UTC timestamp>.json` (git-ignored)."""

PACKAGES = ("numpy", "dlib-bin", "onnxruntime", "pillow", "weaviate-client", "fastapi", "uvicorn", "httpx")

DIM = 128
"""Length of a face vector."""

CHUNK = 10_000
"""Synthetic faces are inserted (and progress is reported) this many at a time."""


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def ram_gib() -> float:
    """Total memory in GiB, from /proc/meminfo (kB)."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return 0.0


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine() -> dict:
    """The machine and software a result was measured on."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": round(ram_gib(), 1),
        "date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "os": platform.platform(),
        "load_average_1m": os.getloadavg()[0],
        "python": platform.python_version(),
        "weaviate": WEAVIATE_VERSION,
        "packages": {name: package_version(name) for name in PACKAGES},
    }


def print_machine() -> dict:
    """Print the `machine:` and `software:` lines and return what they say."""
    m = machine()
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}, {m['date_utc']}, "
          f"load average {m['load_average_1m']:.2f} (other work on the machine skews the numbers)")
    packages = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    print(f"software: Python {m['python']}, Weaviate {m['weaviate']}, {packages}", flush=True)
    return m


def write_result(name: str, result: dict) -> Path:
    """Write `bench/results/<name>-<UTC timestamp>.json` and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return path


def percentiles(seconds: list[float]) -> dict:
    """p50 and p95 in milliseconds, and how many samples they come from."""
    ms = np.asarray(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "n": len(seconds)}


def timed(call: Callable[[], object]) -> tuple[object, float]:
    """What `call()` returns and how long it took (s)."""
    started = time.perf_counter()
    value = call()
    return value, time.perf_counter() - started


def post_crops(settings: Settings, crops: list[bytes]) -> tuple[int, float]:
    """POST /vectors with every crop, `vectorizer_workers` requests at a time: how many the vectorizer answered, and
    the seconds it took. Each request opens a connection of its own: a kept-alive connection stays with the worker
    process that accepted it, and two of them can both land on one worker and leave the other idle."""
    bodies = [{"id": str(i), "image": base64.b64encode(c).decode()} for i, c in enumerate(crops)]
    with httpx.Client(base_url=settings.vectorizer_url, timeout=120, headers={"Connection": "close"}) as client:
        def post(body: dict) -> bool:
            return client.post("/vectors", json=body).is_success

        with ThreadPoolExecutor(settings.vectorizer_workers) as pool:
            done, seconds = timed(lambda: list(pool.map(post, bodies)))
    return sum(done), seconds


def goal(label: str, ok: bool) -> str:
    """A goal line: printed next to the numbers, never asserted."""
    return f"  goal {'met' if ok else 'NOT met'}: {label}"


@contextmanager
def running_stack(work: Path, images: Path, **overrides: object) -> Iterator[tuple[Settings, LocalStack]]:
    """Vectorizer, Weaviate and the API on free ports with state in `work`; stopped on the way out."""
    settings = isolated_settings(work / "state", images, **overrides)
    stack = LocalStack(settings)
    try:
        stack.start(log=lambda line: print(f"  stack: {line}", flush=True))
        yield settings, stack
    finally:
        stack.stop(log=lambda _: None)


def stack_processes(stack: LocalStack, here: str) -> dict[str, int]:
    """The processes whose CPU a run accounts for: this one (named `here`: it and the worker processes it starts
    do the importing or indexing), and the stack's services that run (their workers are their children)."""
    pids = {name: stack.pid(name) for name in ("vectorizer", "weaviate", "api")}
    return {here: os.getpid(), **{name: pid for name, pid in pids.items() if pid}}


def cpu_seconds(roots: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system) each process has used so far: each root as its name, the children it has waited
    for as "<name>, ended children", each live descendant as "<name> <kind> <pid>" (with the children it waited
    for: a fork server's, say, are the detection workers it started and that ended). Processes gone are left out."""
    out: dict[str, float] = {}
    for name, pid in roots.items():
        try:
            root = psutil.Process(pid)
            times = root.cpu_times()
            descendants = root.children(recursive=True)
        except psutil.Error:
            continue
        out[name] = times.user + times.system
        out[f"{name}, ended children"] = times.children_user + times.children_system
        for process in descendants:
            try:
                t = process.cpu_times()
            except psutil.Error:
                continue
            out[f"{name} {_kind(process)} {process.pid}"] = t.user + t.system + t.children_user + t.children_system
    return out


def _kind(process: psutil.Process) -> str:
    """What a child process is, for a row's name: multiprocessing's fork server or a worker forked from it (the
    detection workers), its resource tracker, a spawned worker (uvicorn's), else "child"."""
    try:
        command, parent = " ".join(process.cmdline()), process.parent()
        forked = parent is not None and "forkserver" in " ".join(parent.cmdline())
    except psutil.Error:
        return "child"
    if "forkserver" in command:
        return "fork server's worker" if forked else "fork server"
    kinds = {"resource_tracker": "resource tracker", "spawn_main": "worker"}
    return next((label for key, label in kinds.items() if key in command), "child")


@contextmanager
def cpu_account(roots: dict[str, int]) -> Iterator[dict[str, float]]:
    """The CPU seconds each process of `cpu_seconds(roots)` used inside the block, filled in on the way out.
    A process started and ended inside it counts under its parent's ended children once waited for."""
    before, used = cpu_seconds(roots), {}
    yield used
    after = cpu_seconds(roots)
    for name, seconds in after.items():
        spent = seconds - before.get(name, 0.0)
        if spent >= 0.005 or name in roots:
            used[name] = round(spent, 3)


def cpu_table(used: dict[str, float], photos: int, faces: int) -> dict[str, dict]:
    """Per process and in total: CPU seconds, and CPU ms per photo and per face."""
    rows = {**used, "total": sum(used.values())}
    return {name: {"cpu_s": round(s, 2), "ms_per_photo": round(1000 * s / max(photos, 1), 1),
                   "ms_per_face": round(1000 * s / max(faces, 1), 1)} for name, s in rows.items()}


def print_cpu_table(table: dict[str, dict], title: str) -> None:
    """`cpu_table` as a Markdown table."""
    print(f"\n{title}\n| process | CPU s | CPU ms per photo | CPU ms per face |\n|---|---|---|---|")
    for name, row in table.items():
        print(f"| {name} | {row['cpu_s']:.2f} | {row['ms_per_photo']:.1f} | {row['ms_per_face']:.1f} |")
    print(flush=True)


def unit_vectors(rows: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (float32)."""
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def synthetic_id(i: int) -> uuid.UUID:
    """Object id of synthetic face `i` (>= 0); `id.int - 1` gives `i` back (the nil UUID is avoided)."""
    return uuid.UUID(int=i + 1)


def insert_synthetic(
    collection: Collection, vectors: np.ndarray, first: int = 0, progress: Callable[[int, float], None] | None = None,
    batch_size: int = 1000,
) -> int:
    """Insert rows as faces with their own vectors (Weaviate skips the vectorizer); returns how many failed.

    Face `first + k` gets `vectors[k]`, name "synthetic", person_id "synthetic-<i>", filename "<i>.jpg", no image.
    `progress(done, seconds)` is called after every CHUNK rows.
    """
    failed, started = 0, time.perf_counter()
    for start in range(0, len(vectors), CHUNK):
        with collection.batch.fixed_size(batch_size=batch_size, concurrent_requests=2) as batch:
            for k, vector in enumerate(vectors[start : start + CHUNK], start=first + start):
                properties = {"name": "synthetic", "person_id": f"synthetic-{k}", "filename": f"{k}.jpg"}
                batch.add_object(properties=properties, uuid=synthetic_id(k), vector={VECTOR: vector.tolist()})
        failed += len(collection.batch.failed_objects)
        for reason in sorted({e.message for e in collection.batch.failed_objects})[:3]:
            print(f"  failed: {reason}", flush=True)
        if progress:
            progress(min(start + CHUNK, len(vectors)), time.perf_counter() - started)
    return failed


def print_progress(total: int) -> Callable[[int, float], None]:
    """A `progress` for insert_synthetic that prints rows done and the rate so far (rows/s)."""
    return lambda done, seconds: print(f"  inserted {done:,}/{total:,} ({done / seconds:,.0f}/s)", flush=True)


def allow_heic_writing() -> None:
    """Let Pillow save HEIF through pillow-heif (a package of the tests and tools only: facesearch reads HEIC with
    pi-heif, which has no encoder). Only saving is registered: what is read still goes through facesearch's reader."""
    import facesearch.face.image  # noqa: F401 - registers the reader first
    from PIL import Image
    from pillow_heif import as_plugin

    Image.register_save("HEIF", as_plugin._save_heif)
    Image.register_save_all("HEIF", as_plugin._save_all_heif)


def place(source: Path, target: Path) -> None:
    """Put a development photo at `target` without copying it into the project: a hard link where both are on
    one file system, else a copy (in a temporary folder). Not a symbolic link: facesearch reads nothing
    through a link that leaves the folder it scans."""
    try:
        os.link(source.resolve(), target)
    except OSError:
        shutil.copy2(source.resolve(), target)


def reset_peak_memory() -> None:
    """Start this process's peak resident memory (VmHWM) again from what it holds now (Linux: /proc/self/clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_memory_mb() -> float:
    """This process's peak resident memory (MiB) since it started or since `reset_peak_memory`."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
