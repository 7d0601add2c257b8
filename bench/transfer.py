"""Moving an install's data: `export` and `import-data` rates, file size and memory at N synthetic library faces.

A private stack (one Weaviate node) gets N library faces, written straight into its library collections: 384-d unit
vectors (the fusion's length), each face with a crop of its own as `image` (random bytes of a crop's size),
FACES_PER_PHOTO faces to a photo, with their LibraryPhoto records. Then
`python -m facesearch export FILE` and `python -m facesearch import-data FILE` run as a user runs them, the import
into collections of other names in the same Weaviate (with `--nodes 3`, into a private cluster of three nodes
started once the source is stopped), and the same import once more (everything already there). Measured: wall
time of each command and when its steps ended, objects/s and faces/s, the file's size, and each command's peak
resident memory (VmHWM), which stays flat as N grows.

Usage: .venv/bin/python bench/transfer.py [--size 20000] [--nodes 3] [--smoke]
"""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import print_machine, running_stack, unit_vectors, write_result  # noqa: E402
from facesearch.local.stack import settings_env  # noqa: E402
from facesearch.settings import ROOT, Settings  # noqa: E402
from facesearch.store.connection import connect  # noqa: E402
from facesearch.store.library import ensure_library, face_id, photo_id  # noqa: E402
from facesearch.store.space import vector_space  # noqa: E402
from facesearch.store.writes import VECTOR  # noqa: E402

DIM = 384
FACES_PER_PHOTO = 4
BATCH = 200
"""Objects per insert request when filling the source."""


CROP_BYTES = 13_500
"""A face crop's size (bytes): the sample's crops average about 13.5 KB (18 KB as base64 text)."""


def crop(rng: np.random.Generator) -> str:
    """A crop as Weaviate holds it (base64), of random bytes: as incompressible as a JPEG, and different for every
    face, so that gzip finds no repeats a real library would not have (Weaviate does not read the blob)."""
    return base64.b64encode(rng.bytes(CROP_BYTES)).decode()


def fill(settings: Settings, size: int, folder: str) -> None:
    """`size` library faces and their photos, with their own vectors (Weaviate does not call the vectorizer)."""
    client = connect(settings)
    try:
        library = ensure_library(client, settings, vector_space(settings))
        rng = np.random.default_rng(7)
        photos = (size + FACES_PER_PHOTO - 1) // FACES_PER_PHOTO
        with library.photos.batch.fixed_size(batch_size=BATCH, concurrent_requests=2) as batch:
            for p in range(photos):
                path = f"p{p:07d}.jpg"
                batch.add_object(uuid=photo_id(folder, path), properties={
                    "folder": folder, "path": path, "sha256": f"{p:064x}", "size": 100_000, "mtime_ns": "1",
                    "width": 1024, "height": 768, "faces": FACES_PER_PHOTO, "skip_reason": ""})
        with library.faces.batch.fixed_size(batch_size=BATCH, concurrent_requests=2) as batch:
            for start in range(0, size, 10_000):
                vectors = unit_vectors(rng.standard_normal((min(10_000, size - start), DIM)))
                for k, vector in enumerate(vectors, start=start):
                    path, n = f"p{k // FACES_PER_PHOTO:07d}.jpg", k % FACES_PER_PHOTO + 1
                    batch.add_object(uuid=face_id(folder, path, n), vector={VECTOR: vector.tolist()}, properties={
                        "folder": folder, "path": path, "photo_id": photo_id(folder, path), "person_id": "",
                        "box": [n * 100, 100, n * 100 + 80, 200], "face_width": 80, "photo_width": 1024,
                        "photo_height": 768, "image": crop(rng)})
                print(f"  filled {min(start + 10_000, size):,}/{size:,} faces", flush=True)
        failed = len(library.faces.batch.failed_objects) + len(library.photos.batch.failed_objects)
        assert not failed, f"{failed} synthetic objects were refused"
    finally:
        client.close()


def peak_mib(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM, MiB); 0 once it has ended. Read here rather than taken
    from wait4's ru_maxrss, which on Linux also counts the memory of the process it was forked from."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(settings: Settings, *args: str) -> dict:
    """`python -m facesearch ARGS` with these settings: its wall time (s), peak resident memory (MiB), when each
    step it reports progress for ended (s from the start: "written", "verified", or a kind for an export), output."""
    steps: dict[str, float] = {}
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "facesearch", *args], cwd=ROOT, stdout=out,
                                   stderr=subprocess.PIPE, env={**os.environ, **settings_env(settings)}, text=True)
        peak = [0.0]

        def watch() -> None:
            while process.poll() is None:
                peak[0] = max(peak[0], peak_mib(process.pid))
                time.sleep(0.1)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        with process.stderr:  # type: ignore[union-attr]
            tail = []
            for line in process.stderr:  # type: ignore[union-attr]
                if line.startswith("[") and "] " in line:
                    steps[line.split("] ", 1)[1].strip()] = round(time.perf_counter() - started, 2)
                tail = (tail + [line])[-40:]
        process.wait()
        watcher.join()
        seconds = time.perf_counter() - started
        out.seek(0)
        stdout = out.read()
    if process.returncode != 0:
        raise SystemExit(f"facesearch {' '.join(args)} failed:\n{stdout}\n{''.join(tail)}")
    print(f"  {stdout.strip()}", flush=True)
    print(f"  steps ended at (s): {steps}", flush=True)
    return {"s": round(seconds, 2), "peak_mib": round(peak[0], 1), "steps_s": steps, "stdout": stdout}


def rates(result: dict, objects: int, faces: int) -> dict:
    return {**result, "objects_per_s": round(objects / result["s"], 1), "faces_per_s": round(faces / result["s"], 1)}


def renamed(settings: Settings) -> Settings:
    return settings.model_copy(update={"collection": "BenchMovedPeople", "library_collection": "BenchMovedLibFace",
                                       "library_photo_collection": "BenchMovedLibPhoto",
                                       "library_group_collection": "BenchMovedLibGroup"})


@contextmanager
def target(args: argparse.Namespace, work: Path, source: Settings) -> Iterator[Settings]:
    """Where the import goes: other collections of the source's Weaviate, or a new cluster of `--nodes`."""
    if args.nodes == 1:
        yield renamed(source)
        return
    (work / "cluster-images").mkdir()
    with running_stack(work / "cluster", work / "cluster-images", weaviate_nodes=args.nodes,
                       vectorizer_workers=1, import_workers=1) as (settings, _):
        yield settings


def measure(args: argparse.Namespace, work: Path) -> dict:
    file, faces = work / "export.jsonl.gz", args.size
    objects = faces + (faces + FACES_PER_PHOTO - 1) // FACES_PER_PHOTO
    (work / "images").mkdir()
    with running_stack(work, work / "images", vectorizer_workers=1, import_workers=1) as (settings, _):
        print(f"filling the source with {faces:,} library faces", flush=True)
        fill(settings, faces, str(work / "library" / "synthetic"))
        print("export", flush=True)
        exported = rates(run(settings, "export", str(file)), objects, faces)
        if args.nodes == 1:
            imported, again = import_twice(args, work, settings, file, objects, faces)
    if args.nodes > 1:
        imported, again = import_twice(args, work, settings, file, objects, faces)
    size = file.stat().st_size
    print(f"export: {exported['s']:.1f} s, {exported['faces_per_s']:,.0f} faces/s, {size / 2**20:,.1f} MiB "
          f"({size / objects / 1024:.1f} KiB an object), peak memory {exported['peak_mib']:.0f} MiB")
    print(f"import into {args.nodes} node(s): {imported['s']:.1f} s, {imported['faces_per_s']:,.0f} faces/s, peak "
          f"memory {imported['peak_mib']:.0f} MiB; again (all there): {again['s']:.1f} s, {again['faces_per_s']:,.0f} "
          "faces/s")
    return {"faces": faces, "objects": objects, "nodes": args.nodes, "file_mib": round(size / 2**20, 1),
            "export": exported, "import": imported, "import_again": again}


def import_twice(args: argparse.Namespace, work: Path, source: Settings, file: Path, objects: int,
                 faces: int) -> tuple[dict, dict]:
    with target(args, work, source) as settings:
        print(f"import-data into {args.nodes} node(s)", flush=True)
        first = rates(run(settings, "import-data", str(file)), objects, faces)
        print("import-data again", flush=True)
        return first, rates(run(settings, "import-data", str(file)), objects, faces)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=20_000, help="library faces in the source")
    parser.add_argument("--nodes", type=int, default=1, help="Weaviate nodes of the install imported into")
    parser.add_argument("--smoke", action="store_true", help="200 faces")
    args = parser.parse_args()
    if args.smoke:
        args.size = 200
    return args


def main() -> None:
    args = parse_args()
    machine = print_machine()
    with tempfile.TemporaryDirectory(prefix="facesearch-transfer-") as tmp:
        result = measure(args, Path(tmp))
    print(f"result: {write_result('transfer', {'machine': machine, **result})}")


if __name__ == "__main__":
    main()
