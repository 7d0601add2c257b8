"""What the tests of a converted network share (test_mobileface_onnx, test_reid0095_onnx): its ONNX file on one
core, a reference .npz of chips and the source framework's embeddings, and the comparison of the two."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort


def one_core(model: Path) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])


def load_reference(path: Path) -> dict[str, np.ndarray]:
    """{"chips": (N, S, S, 3) uint8, "embeddings": (N, D) float32 from the source, "photos": (N,) str}."""
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def embed(session: ort.InferenceSession, chips: np.ndarray) -> np.ndarray:
    """(N, S, S, 3) uint8 chips -> (N, D) float32, fed as the network's raw 0-255 NCHW input "input"."""
    x = np.ascontiguousarray(chips.transpose(0, 3, 1, 2), dtype=np.float32)
    return session.run(None, {"input": x})[0]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two (N, D) arrays, in float64."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def assert_same(got: np.ndarray, reference: dict[str, np.ndarray], source: str, max_abs_diff: float,
                min_cosine: float) -> None:
    """Each row of `got` within `max_abs_diff` of the reference's and at cosine above `min_cosine`; the figures
    are printed, and said on failure ("ONNX differs from <source>")."""
    ref = reference["embeddings"]
    diff, cos = np.abs(got - ref).max(axis=1), cosines(got, ref)
    rows: Sequence[tuple[str, float, float]] = list(zip(reference["photos"], cos, diff, strict=True))
    lines = [f"{photo:28s} cosine {c:.9f}  max|diff| {d:.2e}" for photo, c, d in rows]
    print("\n" + "\n".join(lines))
    assert diff.max() < max_abs_diff and cos.min() > min_cosine, f"ONNX differs from {source}:\n" + "\n".join(lines)
