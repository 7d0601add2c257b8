"""The ONNX port of Intel's face-reidentification-retail-0095 gives the IR's numbers.

tests/data/reid0095_reference.npz holds 3 uint8 BGR 128x128 chips of sample photos (aligned onto Intel's
template) and the outputs of a numpy (float64) forward pass of the OpenVINO IR for them, layer by layer from
its .xml and .bin (made by `tools/reid0095_to_onnx.py --reference-out`, see its docstring). The converter's
own test runs only where the IR files are (../shared, not on CI).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from facesearch.face.embed import Network, read_card

ROOT = Path(__file__).resolve().parents[2]
MODEL_PATH = ROOT / "facesearch" / "face" / "weights" / "face_reid_0095.onnx"
REFERENCE = ROOT / "tests" / "data" / "reid0095_reference.npz"
SOURCE_DIR = ROOT.parent / "shared" / "models" / "openvino-face-reid-0095"

MIN_COSINE = 0.9999
MAX_ABS_DIFF = 1e-4  # values reach about 4 and norms 13-19; observed differences about 2.5e-6


@pytest.fixture(scope="module")
def session() -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(MODEL_PATH), sess_options=options, providers=["CPUExecutionProvider"])


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    """{"chips": (3, 128, 128, 3) uint8 BGR, "embeddings": (3, 256) float32 from numpy, "photos": (3,) str}."""
    with np.load(REFERENCE) as data:
        return {key: data[key] for key in data.files}


def embed(session: ort.InferenceSession, chips: np.ndarray) -> np.ndarray:
    """(N, 128, 128, 3) uint8 BGR chips -> (N, 256) float32, the network's raw 0-255 NCHW input."""
    x = np.ascontiguousarray(chips.transpose(0, 3, 1, 2), dtype=np.float32)
    return session.run(None, {"input": x})[0]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two (N, D) arrays, in float64."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def compare(got: np.ndarray, reference: dict[str, np.ndarray]) -> None:
    ref = reference["embeddings"]
    diff, cos = np.abs(got - ref).max(axis=1), cosines(got, ref)
    rows = zip(reference["photos"], cos, diff, strict=True)
    lines = [f"{photo:28s} cosine {c:.9f}  max|diff| {d:.2e}" for photo, c, d in rows]
    print("\n" + "\n".join(lines))
    assert diff.max() < MAX_ABS_DIFF and cos.min() > MIN_COSINE, "ONNX differs from the IR:\n" + "\n".join(lines)


def test_interface(session) -> None:
    (inp,), (out,) = session.get_inputs(), session.get_outputs()
    assert (inp.name, inp.type, inp.shape[1:]) == ("input", "tensor(float)", [3, 128, 128])
    assert (out.name, out.type, out.shape[1:]) == ("embedding", "tensor(float)", [256])
    assert isinstance(inp.shape[0], str), "the batch size must be dynamic"


def test_reference_is_what_it_says(reference) -> None:
    assert reference["chips"].shape == (3, 128, 128, 3) and reference["chips"].dtype == np.uint8
    assert reference["embeddings"].shape == (3, 256) and reference["embeddings"].dtype == np.float32


def test_matches_the_ir(session, reference) -> None:
    compare(embed(session, reference["chips"]), reference)


def test_card_feeds_it_bgr(reference) -> None:
    rgb = np.ascontiguousarray(reference["chips"][..., ::-1])  # the face layer's chips are RGB
    compare(Network(read_card("reid0095")).embed(rgb), reference)


@pytest.mark.parametrize("n", [1, 3])
def test_output_shape(session, reference, n: int) -> None:
    got = embed(session, reference["chips"][:n])
    assert got.shape == (n, 256) and got.dtype == np.float32


def test_batch_equals_one_at_a_time(session, reference) -> None:
    chips = reference["chips"]
    together = embed(session, chips)
    alone = np.concatenate([embed(session, chip[None]) for chip in chips])
    np.testing.assert_allclose(together, alone, rtol=0, atol=1e-5)


@pytest.mark.skipif(not SOURCE_DIR.is_dir(), reason=f"OpenVINO IR files not here ({SOURCE_DIR})")
def test_converter_reproduces_shipped_file(tmp_path: Path) -> None:
    out = tmp_path / "face_reid_0095.onnx"
    cmd = [sys.executable, str(ROOT / "tools" / "reid0095_to_onnx.py"), "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    assert out.read_bytes() == MODEL_PATH.read_bytes(), "the shipped model differs from what the converter writes"
