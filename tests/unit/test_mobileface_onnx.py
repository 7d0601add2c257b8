"""The ONNX port of MobileFace V2 gives MXNet's numbers.

tests/data/mobileface_v2_reference.npz holds 3 aligned 112x112 RGB chips of sample photos and MXNet
1.9.1's own outputs for them (made by `tools/mobileface_to_onnx.py --reference-out`, see its docstring).
The converter's own test runs only where the MXNet source files are (not on CI).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL_PATH = ROOT / "facesearch" / "face" / "weights" / "mobileface_v2.onnx"
REFERENCE = ROOT / "tests" / "data" / "mobileface_v2_reference.npz"
SOURCE_DIR = ROOT.parent / "shared" / "models" / "mobileface"

MIN_COSINE = 0.9999
MAX_ABS_DIFF = 5e-4  # outputs reach about 15 and norms about 60-75; observed differences about 2.5e-5


@pytest.fixture(scope="module")
def session() -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(MODEL_PATH), sess_options=options, providers=["CPUExecutionProvider"])


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    """{"chips": (3, 112, 112, 3) uint8 RGB, "embeddings": (3, 256) float32 from MXNet, "photos": (3,) str}."""
    with np.load(REFERENCE) as data:
        return {key: data[key] for key in data.files}


def embed(session: ort.InferenceSession, chips: np.ndarray) -> np.ndarray:
    """(N, 112, 112, 3) uint8 RGB chips -> (N, 256) float32, the network's raw 0-255 NCHW input."""
    x = np.ascontiguousarray(chips.transpose(0, 3, 1, 2), dtype=np.float32)
    return session.run(None, {"input": x})[0]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two (N, D) arrays, in float64."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def test_interface(session) -> None:
    (inp,), (out,) = session.get_inputs(), session.get_outputs()
    assert (inp.name, inp.type, inp.shape[1:]) == ("input", "tensor(float)", [3, 112, 112])
    assert (out.name, out.type, out.shape[1:]) == ("embedding", "tensor(float)", [256])
    assert isinstance(inp.shape[0], str), "the batch size must be dynamic"


def test_reference_is_what_it_says(reference) -> None:
    assert reference["chips"].shape == (3, 112, 112, 3) and reference["chips"].dtype == np.uint8
    assert reference["embeddings"].shape == (3, 256) and reference["embeddings"].dtype == np.float32


def test_matches_mxnet(session, reference) -> None:
    got = embed(session, reference["chips"])
    ref = reference["embeddings"]
    diff, cos = np.abs(got - ref).max(axis=1), cosines(got, ref)
    rows = zip(reference["photos"], cos, diff, strict=True)
    lines = [f"{photo:28s} cosine {c:.9f}  max|diff| {d:.2e}" for photo, c, d in rows]
    print("\n" + "\n".join(lines))
    assert diff.max() < MAX_ABS_DIFF and cos.min() > MIN_COSINE, "ONNX differs from MXNet:\n" + "\n".join(lines)


@pytest.mark.parametrize("n", [1, 3])
def test_output_shape(session, reference, n: int) -> None:
    got = embed(session, reference["chips"][:n])
    assert got.shape == (n, 256) and got.dtype == np.float32


def test_batch_equals_one_at_a_time(session, reference) -> None:
    chips = reference["chips"]
    together = embed(session, chips)
    alone = np.concatenate([embed(session, chip[None]) for chip in chips])
    np.testing.assert_allclose(together, alone, rtol=0, atol=1e-5)


@pytest.mark.skipif(not SOURCE_DIR.is_dir(), reason=f"MXNet source files not here ({SOURCE_DIR})")
def test_converter_reproduces_shipped_file(tmp_path: Path) -> None:
    out = tmp_path / "mobileface_v2.onnx"
    cmd = [sys.executable, str(ROOT / "tools" / "mobileface_to_onnx.py"), "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    assert out.read_bytes() == MODEL_PATH.read_bytes(), "the shipped model differs from what the converter writes"
