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
from tests.unit.onnx_port import assert_same, embed, load_reference, one_core

ROOT = Path(__file__).resolve().parents[2]
MODEL_PATH = ROOT / "facesearch" / "face" / "weights" / "face_reid_0095.onnx"
REFERENCE = ROOT / "tests" / "data" / "reid0095_reference.npz"
SOURCE_DIR = ROOT.parent / "shared" / "models" / "openvino-face-reid-0095"

MIN_COSINE = 0.9999
MAX_ABS_DIFF = 1e-4  # values reach about 4 and norms 13-19; observed differences about 2.5e-6


@pytest.fixture(scope="module")
def session() -> ort.InferenceSession:
    return one_core(MODEL_PATH)


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    return load_reference(REFERENCE)


def test_interface(session) -> None:
    (inp,), (out,) = session.get_inputs(), session.get_outputs()
    assert (inp.name, inp.type, inp.shape[1:]) == ("input", "tensor(float)", [3, 128, 128])
    assert (out.name, out.type, out.shape[1:]) == ("embedding", "tensor(float)", [256])
    assert isinstance(inp.shape[0], str), "the batch size must be dynamic"


def test_reference_is_what_it_says(reference) -> None:
    assert reference["chips"].shape == (3, 128, 128, 3) and reference["chips"].dtype == np.uint8
    assert reference["embeddings"].shape == (3, 256) and reference["embeddings"].dtype == np.float32


def test_matches_the_ir(session, reference) -> None:
    assert_same(embed(session, reference["chips"]), reference, "the IR", MAX_ABS_DIFF, MIN_COSINE)


def test_card_feeds_it_bgr(reference) -> None:
    rgb = np.ascontiguousarray(reference["chips"][..., ::-1])  # the face layer's chips are RGB
    assert_same(Network(read_card("reid0095")).embed(rgb), reference, "the IR", MAX_ABS_DIFF, MIN_COSINE)


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
