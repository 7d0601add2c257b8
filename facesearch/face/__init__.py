"""The face layer: photo -> faces -> aligned chips -> identity vectors. It knows no database and no HTTP.

    image = load_image(data)                    # (H, W, 3) uint8 RGB, EXIF orientation applied
    models = FaceModels.load(settings)          # loads the models (explicitly, not at import)
    faces = models.detect(image)                # [Face(box, score, landmarks)], left to right
    vectors = models.embed(image, faces)        # (N, dim) float32, L2-normalised

Detectors are in detect.py, alignment in align.py, embedders and their model cards (with the thresholds
chosen for each, `decision_for`) in embed.py, photo reading in image.py. The names below are imported
when first used, so that importing one small part (box.py, say) does not load OpenCV and onnxruntime.
"""

from importlib import import_module

_WHERE = {
    "Box": "box", "Face": "detect", "EXTENSIONS": "image", "FORMATS": "image", "crop_face": "image",
    "encode_jpeg": "image", "load_image": "image", "CANON_SIZE": "models", "QUICK": "models", "THOROUGH": "models",
    "FaceModels": "models", "largest": "models", "decision_for": "embed",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> object:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
