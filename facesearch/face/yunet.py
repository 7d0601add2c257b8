"""YuNet's network run by onnxruntime, its outputs decoded as OpenCV's FaceDetectorYN decodes them.

The same ONNX file, the same input (the BGR image, zero-padded on the right and bottom to a multiple of 32 px)
and the same decoding (OpenCV's `FaceDetectorYNImpl::postProcess`: scores, boxes, landmarks, then non-maximum
suppression by `cv2.dnn.NMSBoxes`): the faces equal FaceDetectorYN's within float rounding (tests/unit/test_yunet.py
compares them), in 55 to 65 % of its CPU time (OpenCV 5's DNN: 130 ms for a 1600 x 1200 image, onnxruntime 87).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

STRIDES = (8, 16, 32)
"""The network's three heads: one cell every 8, 16 and 32 px of its input."""


class YuNetNetwork:
    """`detect(bgr)` -> (N, 15) float32 rows as FaceDetectorYN.detect gives them: x, y, w, h of the box, five (x, y)
    landmarks and the score, in pixels of the image (x right, y down); (0, 15) when there is no face."""

    def __init__(self, model: Path, score: float = 0.8, nms: float = 0.3, top_k: int = 5000, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self._score, self._nms, self._top_k = score, nms, top_k

    def detect(self, bgr: np.ndarray) -> np.ndarray:
        """Faces in an (H, W, 3) uint8 BGR image (see the class)."""
        height, width = bgr.shape[:2]
        pad_h, pad_w = -(-height // 32) * 32, -(-width // 32) * 32
        blob = np.zeros((1, 3, pad_h, pad_w), np.float32)
        blob[0, :, :height, :width] = bgr.transpose(2, 0, 1)
        outputs = self._session.run(None, {self._input: blob})
        rows = np.concatenate([self._decode(outputs, i, pad_w // s, pad_h // s, s) for i, s in enumerate(STRIDES)])
        return self._suppressed(rows)

    def _decode(self, outputs: list[np.ndarray], head: int, cols: int, rows: int, stride: int) -> np.ndarray:
        """One head's cells whose score reaches the threshold, as rows (see the class)."""
        n = len(STRIDES)
        cls, obj = (np.clip(outputs[head + n * k].reshape(-1), 0, 1) for k in (0, 1))
        score = np.sqrt(cls * obj)
        keep = np.flatnonzero(score >= self._score)
        bbox = outputs[head + 2 * n].reshape(-1, 4)[keep]
        kps = outputs[head + 3 * n].reshape(-1, 5, 2)[keep]
        cell = np.stack([keep % cols, keep // cols], axis=1).astype(np.float32)  # (column, row) of each cell
        centre = (cell + bbox[:, :2]) * stride
        size = np.exp(bbox[:, 2:]) * stride
        points = (kps + cell[:, None, :]) * stride
        return np.concatenate([centre - size / 2, size, points.reshape(-1, 10), score[keep, None]],
                              axis=1).astype(np.float32)

    def _suppressed(self, rows: np.ndarray) -> np.ndarray:
        """Non-maximum suppression as FaceDetectorYN makes it: on the boxes truncated to whole pixels."""
        if len(rows) <= 1:
            return rows
        import cv2

        boxes = [[int(x), int(y), int(w), int(h)] for x, y, w, h in rows[:, :4]]
        keep = cv2.dnn.NMSBoxes(boxes, rows[:, 14].tolist(), self._score, self._nms, 1.0, self._top_k)
        return rows[np.asarray(keep, dtype=np.int64).reshape(-1)]
