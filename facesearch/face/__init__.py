"""The face layer: photo -> faces -> aligned chips -> identity vectors.

    image = load_image(data)                    # (H, W, 3) uint8 RGB, EXIF orientation applied
    models = FaceModels.load(settings)          # loads the models (explicitly, not at import)
    faces = models.detect(image)                # [Face(box, score, landmarks)], left to right
    vectors = models.embed(image, faces)        # (N, dim) float32, L2-normalised

Detectors are in detect.py, alignment in align.py, embedders and their model cards in embed.py.
"""

from facesearch.face.box import Box
from facesearch.face.detect import Face
from facesearch.face.image import EXTENSIONS, FORMATS, crop_face, encode_jpeg, load_image
from facesearch.face.models import CANON_SIZE, QUICK, THOROUGH, FaceModels, largest

__all__ = ["Box", "CANON_SIZE", "EXTENSIONS", "FORMATS", "Face", "FaceModels", "QUICK", "THOROUGH", "crop_face",
           "encode_jpeg", "largest", "load_image"]
