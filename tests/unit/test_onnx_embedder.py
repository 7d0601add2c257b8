"""The ONNX port of dlib's face descriptor ResNet gives dlib's numbers.

Every sample photo (images/ and look_for/) is detected (dlib HOG, largest face), aligned by dlib's
5-point landmarks into a 150x150 chip, and described by both dlib and the dlib_resnet model card's ONNX network.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dlib
import face_recognition_models
import numpy as np
import pytest
from PIL import Image, ImageOps

from facesearch.face.embed import Network, read_card

CARD = read_card("dlib_resnet")
MODEL_PATH = (CARD.path.parent / CARD.file).resolve()

ROOT = Path(__file__).resolve().parents[2]
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}

MIN_COSINE = 0.9999
MAX_ABS_DIFF = 1e-4


def sample_photos() -> list[Path]:
    photos = sorted(p for p in [*ROOT.glob("images/*/*"), *ROOT.glob("look_for/*")] if p.suffix.lower() in PHOTO_SUFFIXES)
    assert len(photos) == 22, f"expected the 22 sample photos, found {len(photos)}"
    return photos


@pytest.fixture(scope="module")
def dlib_net() -> dlib.face_recognition_model_v1:
    return dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location())


@pytest.fixture(scope="module")
def embedder() -> Network:
    return Network(CARD, threads=1)


@pytest.fixture(scope="module")
def chips() -> dict[str, np.ndarray]:
    """{"Person/1.jpg": (150, 150, 3) uint8 RGB chip of the photo's largest face}."""
    detector = dlib.get_frontal_face_detector()
    landmarks = dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())
    out, missing = {}, []
    for path in sample_photos():
        with Image.open(path) as im:
            image = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
        faces = detector(image, 1)
        name = str(path.relative_to(ROOT))
        if not faces:
            missing.append(name)
            continue
        face = max(faces, key=lambda r: r.area())
        out[name] = dlib.get_face_chip(image, landmarks(image, face), size=150, padding=0.25)
    assert not missing, f"dlib HOG found no face in: {missing}"
    return out


def test_model_file_is_shipped() -> None:
    assert MODEL_PATH.is_file(), f"{MODEL_PATH} missing: run python tools/dlib_to_onnx.py"
    assert MODEL_PATH.stat().st_size > 20_000_000


def test_converter_reproduces_shipped_file(tmp_path: Path) -> None:
    out = tmp_path / "model.onnx"
    subprocess.run([sys.executable, str(ROOT / "tools" / "dlib_to_onnx.py"), "--out", str(out)], check=True)
    assert out.read_bytes() == MODEL_PATH.read_bytes(), "the shipped model differs from what the converter writes"


def test_matches_dlib_on_sample_faces(chips, dlib_net, embedder) -> None:
    lines, bad, cosines, diffs = [], [], [], []
    for name, chip in chips.items():
        ref = np.array(dlib_net.compute_face_descriptor(chip), dtype=np.float32)
        got = embedder.embed(chip[None])[0]
        assert got.shape == (128,) and got.dtype == np.float32
        r64, g64 = ref.astype(np.float64), got.astype(np.float64)
        cosine = float(r64 @ g64 / np.linalg.norm(r64) / np.linalg.norm(g64))
        diff = float(np.abs(ref - got).max())
        cosines.append(cosine)
        diffs.append(diff)
        lines.append(f"{name:28s} cosine {cosine:.9f}  max|diff| {diff:.2e}  |dlib| {np.linalg.norm(ref):.4f}")
        if cosine < MIN_COSINE or diff > MAX_ABS_DIFF:
            bad.append(lines[-1])
    print("\n" + "\n".join(lines))
    print(f"{len(lines)} faces: min cosine {min(cosines):.9f}, max abs diff {max(diffs):.2e}")
    assert not bad, "ONNX descriptors differ from dlib's:\n" + "\n".join(bad)


def test_batch_equals_one_at_a_time(chips, embedder) -> None:
    batch = np.stack(list(chips.values()))
    together = embedder.embed(batch)
    alone = np.concatenate([embedder.embed(chip[None]) for chip in batch])
    assert together.shape == (len(batch), 128) and together.dtype == np.float32
    np.testing.assert_allclose(together, alone, rtol=0, atol=1e-6)


def test_rejects_wrong_input(embedder) -> None:
    with pytest.raises(ValueError):
        embedder.embed(np.zeros((1, 150, 150, 3), np.float32))
    with pytest.raises(ValueError):
        embedder.embed(np.zeros((150, 150, 3), np.uint8))
    assert embedder.embed(np.zeros((0, 150, 150, 3), np.uint8)).shape == (0, 128)
