"""The face layer: photo -> faces -> aligned chips -> identity vectors.

    image = load_image(data)                  # (H, W, 3) uint8 RGB, EXIF orientation applied
    models = FaceModels()                     # loads dlib's models (explicitly, not at import)
    boxes = models.detect(image)              # [Box(left, top, right, bottom)], left to right
    chips = [models.align(image, b) for b in boxes]
    vectors = models.embed(chips)             # (N, 128) float32, L2-normalised
"""

from facesearch.face.box import Box
from facesearch.face.image import EXTENSIONS, FORMATS, crop_face, encode_jpeg, load_image
from facesearch.face.models import QUICK, THOROUGH, FaceModels

__all__ = ["Box", "EXTENSIONS", "FORMATS", "FaceModels", "QUICK", "THOROUGH", "crop_face", "encode_jpeg", "load_image"]
