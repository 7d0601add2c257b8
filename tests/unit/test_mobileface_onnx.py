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

from tests.unit.onnx_port import assert_same, embed, load_reference, one_core

ROOT = Path(__file__).resolve().parents[2]
MODEL_PATH = ROOT / "facesearch" / "face" / "weights" / "mobileface_v2.onnx"
REFERENCE = ROOT / "tests" / "data" / "mobileface_v2_reference.npz"
SOURCE_DIR = ROOT.parent / "shared" / "models" / "mobileface"

MIN_COSINE = 0.9999
MAX_ABS_DIFF = 5e-4  # outputs reach about 15 and norms about 60-75; observed differences about 2.5e-5


@pytest.fixture(scope="module")
def session() -> ort.InferenceSession:
    return one_core(MODEL_PATH)


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    return load_reference(REFERENCE)


def test_interface(session) -> None:
    (inp,), (out,) = session.get_inputs(), session.get_outputs()
    assert (inp.name, inp.type, inp.shape[1:]) == ("input", "tensor(float)", [3, 112, 112])
    assert (out.name, out.type, out.shape[1:]) == ("embedding", "tensor(float)", [256])
    assert isinstance(inp.shape[0], str), "the batch size must be dynamic"


def test_reference_is_what_it_says(reference) -> None:
    assert reference["chips"].shape == (3, 112, 112, 3) and reference["chips"].dtype == np.uint8
    assert reference["embeddings"].shape == (3, 256) and reference["embeddings"].dtype == np.float32


def test_matches_mxnet(session, reference) -> None:
    assert_same(embed(session, reference["chips"]), reference, "MXNet", MAX_ABS_DIFF, MIN_COSINE)


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
