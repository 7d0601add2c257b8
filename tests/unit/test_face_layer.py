"""The face layer on real sample photos: YuNet's faces and landmarks, alignment, model cards, embedders,
canonical crops, and settings taken from a card."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from facesearch.errors import ConfigError
from facesearch.face import CANON_SIZE, QUICK, THOROUGH, FaceModels, largest, load_image
from facesearch.face.align import TEMPLATE_112, TEMPLATES, similarity, template_chip
from facesearch.face.detect import MIRRORED, Dlib, YuNet
from facesearch.face.embed import Network, decision_for, load_embedder, read_card
from facesearch.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
LOOK_FOR = ROOT / "look_for"
REFERENCE = ROOT / "tests" / "data" / "mobileface_v2_reference.npz"


@pytest.fixture(scope="module")
def fusion() -> FaceModels:
    return FaceModels(YuNet(), load_embedder("fusion"), mirror=True, detector_name="yunet")


def photo(name: str) -> np.ndarray:
    return load_image((LOOK_FOR / name).read_bytes())


# Alignment.

def test_similarity_undoes_a_rotation_scale_and_shift() -> None:
    turn = np.deg2rad(20)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    landmarks = (TEMPLATE_112 @ rotation.T) * 2.5 + (40, 70)
    matrix = similarity(landmarks.astype(np.float32), 112)
    mapped = np.c_[landmarks, np.ones(5)] @ matrix.T
    np.testing.assert_allclose(mapped, TEMPLATE_112, atol=1e-3)


@pytest.mark.parametrize(("template", "size"), [("arcface", 112), ("intel", 128), ("intel", 64)])
def test_template_chip_puts_the_landmarks_on_the_template(template: str, size: int) -> None:
    points, side = TEMPLATES[template]
    image = np.zeros((400, 300, 3), np.uint8)
    landmarks = points * 2 + (50, 90)
    for x, y in landmarks.round().astype(int):
        image[y - 2 : y + 3, x - 2 : x + 3] = 255
    chip = template_chip(image, landmarks.astype(np.float32), size, template=template)
    assert chip.shape == (size, size, 3)
    for x, y in (points * size / side).round().astype(int):
        assert chip[y, x].min() > 100, f"no dot at the template point ({x}, {y})"


def test_templates_list_the_points_in_yunets_order() -> None:
    for points, _ in TEMPLATES.values():
        right_eye, left_eye, nose, right_mouth, left_mouth = points  # the subject's; the image's left first
        assert right_eye[0] < nose[0] < left_eye[0] and right_mouth[0] < left_mouth[0]
        assert max(right_eye[1], left_eye[1]) < nose[1] < min(right_mouth[1], left_mouth[1])


def test_degenerate_landmarks_are_refused() -> None:
    with pytest.raises(ValueError):
        similarity(np.full((5, 2), 10, np.float32), 112)


# Detection.

def test_yunet_finds_one_face_with_landmarks_inside_its_box() -> None:
    [face] = YuNet().detect_at(photo("Paul_Rudd.jpg"), 640)
    b = face.box
    assert face.landmarks.shape == (5, 2) and 0.5 < face.score <= 1
    assert all(b.left <= x <= b.right and b.top <= y <= b.bottom for x, y in face.landmarks)
    right_eye, left_eye, nose, right_mouth, left_mouth = face.landmarks
    assert right_eye[0] < left_eye[0] and right_mouth[0] < left_mouth[0]  # the subject's right is the image's left
    assert max(right_eye[1], left_eye[1]) < nose[1] < min(right_mouth[1], left_mouth[1])


@pytest.mark.parametrize("name", ["Seth_Moulton.jpg", "Ted_Lieu.jpg", "Paul_Rudd.jpg"])
def test_averaged_landmarks_agree_with_a_mirrored_photo_better_than_coarse_ones(name: str) -> None:
    """A face's landmarks found in a mirrored photo, mirrored back, should be the same points. Averaging
    each crop's landmarks with its mirror's brings them closer than a single pass (not exactly: the two
    photos' first passes give slightly different boxes, hence crops)."""
    image = photo(name)

    def disagreement(detector: YuNet) -> tuple[float, int]:
        [face] = detector.detect_at(image, 640)
        [other] = detector.detect_at(np.ascontiguousarray(image[:, ::-1]), 640)
        back = other.landmarks[MIRRORED].copy()
        back[:, 0] = image.shape[1] - back[:, 0]
        return float(np.abs(back - face.landmarks).max()), face.box.width

    averaged, width = disagreement(YuNet())
    coarse, _ = disagreement(YuNet(landmarks="coarse"))
    assert averaged < coarse and averaged < 0.025 * width, (averaged, coarse, width)


def test_yunet_finds_one_face_in_each_sample_portrait(fusion: FaceModels) -> None:
    photos = sorted([*ROOT.glob("images/*/1.jpg"), *LOOK_FOR.iterdir()])
    counts = {p.name if p.parent == LOOK_FOR else p.parent.name: len(fusion.detect(load_image(p.read_bytes()))) for p in photos}
    assert len(counts) == 22 and set(counts.values()) == {1}, counts


def test_find_one_gives_the_chosen_face_as_find_gives_it(fusion: FaceModels) -> None:
    """Only the chosen face's landmarks are looked at again, and they come out as `find` gives them."""
    from facesearch.face.photo import Photo

    photo = Photo((LOOK_FOR / "Ted_Lieu.jpg").read_bytes())
    [found] = fusion.find(photo, THOROUGH)
    one = fusion.find_one(photo, lambda boxes: boxes[0])
    assert one.box == found.box and np.array_equal(one.landmarks, found.landmarks)
    assert fusion.find_one(Photo(photo.data), lambda boxes: "none of these") == "none of these"


def test_no_face_in_a_blank_image(fusion: FaceModels) -> None:
    assert fusion.detect(np.full((300, 300, 3), 128, np.uint8)) == []


# Model cards.

def test_shipped_cards_load() -> None:
    for name, dim in (("dlib_resnet", 128), ("mobileface_v2", 256), ("fusion", 384), ("reid0095", 256)):
        embedder = load_embedder(name)
        assert embedder.dim == dim, name
        assert embedder.name in embedder.space


@pytest.mark.parametrize(("text", "says"), [
    ('name = "x"\n', "names no model file"),
    ('name = "x"\nfile = "missing.onnx"\n', "does not exist"),
    ('name = "x"\nfile = "m.onnx"\ncolour = "rgb"\n', "colour"),
    ('name = "x"\nfile = "m.onnx"\nlayout = "hwc"\n', "layout"),
    ('name = "x"\nfile = "m.onnx\n', "not valid"),
    ('name = "x"\nfile = "m.onnx"\ndim = 7\n', "dim = 7"),
    ('name = "x"\nfile = "m.onnx"\ninput_size = 64\n', "does not take the input"),
])
def test_card_errors_are_sentences(tmp_path: Path, text: str, says: str) -> None:
    write_model(tmp_path / "m.onnx", "nchw")
    (tmp_path / "card.toml").write_text(text)
    with pytest.raises(ConfigError, match=says):
        load_embedder(str(tmp_path / "card.toml"))


def test_unknown_card_name_lists_the_shipped_ones() -> None:
    with pytest.raises(ConfigError, match="dlib_resnet, fusion, mobileface_v2"):
        read_card("no_such_model")


def write_model(path: Path, layout: str, size: int = 112) -> None:
    """A stand-in network whose output is the mean of each input channel, in input order: (N, 3)."""
    shape = ["N", 3, size, size] if layout == "nchw" else ["N", size, size, 3]
    axes = [2, 3] if layout == "nchw" else [1, 2]
    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["x", "axes"], ["y"], keepdims=0)], "mean",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor("axes", TensorProto.INT64, [2], axes)],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), path)


@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
def test_generic_card_feeds_channels_layout_and_scaling_as_described(tmp_path: Path, layout: str) -> None:
    write_model(tmp_path / "m.onnx", layout)
    (tmp_path / "card.toml").write_text(
        f'name = "mean"\nfile = "m.onnx"\nlayout = "{layout}"\nchannels = "bgr"\nmean = 127.5\nstd = 128.0\n')
    network = Network(read_card(str(tmp_path / "card.toml")))
    chips = np.zeros((2, 112, 112, 3), np.uint8)
    chips[..., 0] = 255  # red
    out = network.embed(chips)
    np.testing.assert_allclose(out, [[-127.5 / 128, -127.5 / 128, 127.5 / 128]] * 2, atol=1e-6)  # B, G, R


def test_mobileface_card_gives_mxnet_numbers() -> None:
    with np.load(REFERENCE) as data:
        chips, expected = data["chips"], data["embeddings"]
    got = Network(read_card("mobileface_v2")).embed(chips)
    np.testing.assert_allclose(got, expected, atol=5e-4)


# Embedding.

def test_each_embedder_gives_unit_vectors_of_its_size(fusion: FaceModels) -> None:
    image = photo("Ted_Lieu.jpg")
    faces = fusion.detect(image)
    for name, dim in (("dlib_resnet", 128), ("mobileface_v2", 256), ("fusion", 384), ("reid0095", 256)):
        models = FaceModels(fusion.detector, load_embedder(name), detector_name="yunet")
        vectors = models.embed(image, faces)
        assert vectors.shape == (1, dim) and vectors.dtype == np.float32, name
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)


def test_fusion_is_the_weighted_parts(fusion: FaceModels) -> None:
    image = photo("Ted_Lieu.jpg")
    faces = fusion.detect(image)
    parts = [FaceModels(fusion.detector, load_embedder(n), detector_name="yunet").embed(image, faces)[0]
             for n in ("dlib_resnet", "mobileface_v2")]
    expected = np.concatenate([0.7 * parts[0], 0.3 * parts[1]])
    np.testing.assert_allclose(fusion.embed(image, faces)[0], expected / np.linalg.norm(expected), atol=1e-5)


def test_same_person_is_nearer_than_another(fusion: FaceModels) -> None:
    def vector(path: Path) -> np.ndarray:
        image = load_image(path.read_bytes())
        return fusion.embed(image, [largest(fusion.detect(image))])[0]

    ted, ted_again, dina = vector(ROOT / "images/Ted_Lieu/1.jpg"), vector(LOOK_FOR / "Ted_Lieu.jpg"), vector(LOOK_FOR / "Dina_Titus.jpg")
    assert ted @ ted_again > ted @ dina + 0.2


def test_template_embedder_needs_landmarks() -> None:
    with pytest.raises(ConfigError, match="FACESEARCH_DETECTOR=yunet"):
        FaceModels(Dlib("hog"), load_embedder("mobileface_v2"), detector_name="hog")


# Canonical crops: what the API sends to Weaviate.

def test_canonical_crop_is_recognised_and_gives_the_same_vector(fusion: FaceModels) -> None:
    image = photo("Norma_Torres.jpg")
    face = largest(fusion.detect(image, THOROUGH))
    crop = fusion.crop(image, face)
    assert crop.shape == (CANON_SIZE, CANON_SIZE, 3)
    seen = fusion.canonical_face(crop)
    assert seen is not None
    assert fusion.embed(crop, [seen])[0] @ fusion.embed(image, [face])[0] > 0.995


def test_other_images_are_not_taken_for_canonical_crops(fusion: FaceModels) -> None:
    square = np.asarray(load_image((LOOK_FOR / "Luciano_CODAIT.png").read_bytes()))[:CANON_SIZE, :CANON_SIZE]
    assert square.shape[:2] == (CANON_SIZE, CANON_SIZE)
    assert fusion.canonical_face(square) is None
    assert fusion.canonical_face(np.zeros((CANON_SIZE, CANON_SIZE, 3), np.uint8)) is None
    assert fusion.detect(fusion.crop(photo("Luciano_CODAIT.png"), largest(fusion.detect(photo("Luciano_CODAIT.png")))), QUICK)


# The decision from the card.

def test_thresholds_come_from_the_card_unless_set() -> None:
    card = read_card("fusion").decision["yunet"]
    d = decision_for(Settings(_env_file=None, detector="yunet", embedder="fusion"))
    assert (d.threshold, d.margin, d.rule, d.library_threshold) == (card.threshold, card.margin, card.rule, card.library_threshold)
    assert decision_for(Settings(_env_file=None, embedder="fusion", threshold=0.5)).threshold == 0.5


def test_a_missing_card_fails_the_decision_with_a_sentence() -> None:
    with pytest.raises(ConfigError, match="No model card"):
        decision_for(Settings(_env_file=None, embedder="nope"))
