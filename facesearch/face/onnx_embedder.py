"""dlib's face descriptor ResNet run by onnxruntime: the same numbers, over 10x faster.

The model file is made by tools/dlib_to_onnx.py from dlib_face_recognition_resnet_model_v1.dat.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).resolve().parent / "weights" / "dlib_face_recognition_resnet_model_v1.onnx"


class OnnxEmbedder:
    """Aligned face chips -> dlib's 128-d face descriptors."""

    def __init__(self, model_path: Path | None = None, threads: int = 1) -> None:
        """Load the ONNX model (default: the one shipped in weights/), running on `threads` CPU threads."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model_path or MODEL_PATH), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def embed(self, chips: np.ndarray) -> np.ndarray:
        """(N, 150, 150, 3) uint8 RGB chips, channels last (as from dlib.get_face_chip, size 150,
        padding 0.25) -> (N, 128) float32 descriptors, equal to dlib's compute_face_descriptor
        within about 1e-6; not L2-normalised (norms are about 1.3-1.6; the caller normalises).
        """
        if chips.dtype != np.uint8 or chips.ndim != 4 or chips.shape[1:] != (150, 150, 3):
            raise ValueError(f"expected (N, 150, 150, 3) uint8 chips, got {chips.shape} {chips.dtype}")
        if len(chips) == 0:
            return np.zeros((0, 128), np.float32)
        chips = np.ascontiguousarray(chips)
        return self._session.run(None, {"chips": chips})[0]
