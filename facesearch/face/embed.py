"""Identity embedders, each described by a model card, behind one small interface.

A model card is a TOML file naming an ONNX network and how to feed it:

    name = "mobileface_v2"                 # part of the vector space's name
    file = "../weights/mobileface_v2.onnx" # relative to the card
    chip = "template"                      # "template": 5 landmarks onto a template; "dlib": dlib's chip
    template = "arcface"                   # for chip = "template": "arcface" (112 px) or "intel" (128 px),
                                           # scaled to input_size (facesearch.face.align.TEMPLATES)
    input_size = 112                       # chip side in pixels
    layout = "nchw"                        # or "nhwc"
    input_type = "float32"                 # or "uint8"
    channels = "rgb"                       # or "bgr"
    mean = 0.0                             # the network sees (pixel - mean) / std; a number or [r, g, b]
    std = 1.0
    dim = 256                              # output length
    licence = "MIT"

A fusion card lists other cards with weights instead: `parts = [{card = "dlib_resnet", weight = 0.6}, ...]`.
Each part's vector is L2-normalised and weighted, the parts are concatenated and the whole renormalised.
Optional `[decision.<detector>]` tables hold the thresholds bench/accuracy.py chose for the card.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from facesearch.errors import ConfigError
from facesearch.face.align import ChipSpec

if TYPE_CHECKING:
    from facesearch.settings import Settings

CARDS = Path(__file__).resolve().parent / "cards"
"""The shipped cards; `FACESEARCH_EMBEDDER` names one of them (without .toml) or is a card's path."""


class Decision(BaseModel):
    """Thresholds chosen by bench/accuracy.py and bench/library.py for one detector with this embedder."""

    model_config = ConfigDict(extra="forbid")
    threshold: float = Field(ge=0, le=1)
    margin: float = Field(ge=0, le=0.5)
    rule: Literal["best", "best2"] = "best"
    library_threshold: float | None = Field(default=None, ge=0, le=1)
    library_threshold_min: float | None = Field(default=None, ge=0, le=1)
    group_distance: float | None = Field(default=None, gt=0, le=2)
    """Cosine distance (0..2) within which a regroup links two library faces (bench/cluster.py)."""
    group_join_distance: float | None = Field(default=None, gt=0, le=2)
    """Cosine distance within which a new face joins a group or starts one with another face (bench/cluster.py)."""
    group_suggest_distance: float | None = Field(default=None, gt=0, le=2)
    """Cosine distance from a group's centre within which another group's faces make a merge suggestion."""


DEFAULT_DECISION = Decision(threshold=0.97, margin=0.0075, rule="best", library_threshold=0.98, library_threshold_min=0.96)
"""For a card without a [decision.<detector>] table (a user's own model): run bench/accuracy.py to choose."""


DECIDED = ("threshold", "margin", "rule", "library_threshold", "library_threshold_min", "group_distance",
           "group_join_distance", "group_suggest_distance")
"""What a card chooses for a detector; settings of the same names (where there is one) override."""


def decision_for(settings: Settings) -> Decision:
    """The known/unknown rule, the thresholds (certainties, 0..1) and the group distances (cosine, 0..2) in force:
    each one the settings set (FACESEARCH_THRESHOLD, _MARGIN, _RULE, _LIBRARY_THRESHOLD, _LIBRARY_THRESHOLD_MIN,
    _GROUP_DISTANCE) wins; the others are the embedder's model card's choice for the detector, else
    DEFAULT_DECISION's (None for the distances: GroupRule's). ConfigError for a bad card."""
    return _decision(settings.embedder, settings.detector, tuple(getattr(settings, name, None) for name in DECIDED))


@lru_cache(maxsize=16)
def _decision(embedder: str, detector: str, overrides: tuple[object, ...]) -> Decision:
    chosen = read_card(embedder).decision.get(detector, DEFAULT_DECISION)
    values = {}
    for name, override in zip(DECIDED, overrides):
        card_value = getattr(chosen, name)
        values[name] = override if override is not None else (
            card_value if card_value is not None else getattr(DEFAULT_DECISION, name))
    return Decision(**values)


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid")
    card: str
    weight: float = Field(gt=0)


class Card(BaseModel):
    """A model card (see the module docstring); `path` is where it was read from."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    path: Path
    file: Path | None = None
    chip: Literal["template", "dlib"] = "template"
    template: Literal["arcface", "intel"] = "arcface"
    input_size: int = Field(default=112, ge=16, le=1024)
    layout: Literal["nchw", "nhwc"] = "nchw"
    input_type: Literal["float32", "uint8"] = "float32"
    channels: Literal["rgb", "bgr"] = "rgb"
    mean: float | list[float] = 0.0
    std: float | list[float] = 1.0
    dim: int | None = Field(default=None, ge=1)
    parts: list[Part] = []
    licence: str = "unknown"
    source: str = ""
    trained_on: str = "not stated"
    decision: dict[str, Decision] = {}


RENAMED = {"onnx": "dlib_resnet", "dlib": "dlib_resnet"}
"""FACESEARCH_EMBEDDER values of facesearch before model cards, and the card that replaces them."""


def card_path(name_or_path: str) -> Path:
    """A shipped card's name ("reid0095") or a path to a card file."""
    if name_or_path in RENAMED:
        raise ConfigError(f"FACESEARCH_EMBEDDER={name_or_path} is now the model card {RENAMED[name_or_path]}; set "
                          "FACESEARCH_EMBEDDER=reid0095 (the default) or dlib_resnet, then run `python -m facesearch reindex`.")
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        return Path(name_or_path).expanduser().resolve()
    return CARDS / f"{name_or_path}.toml"


def read_card(name_or_path: str) -> Card:
    """Load and check a model card; ConfigError with a sentence when it cannot be used."""
    path = card_path(name_or_path)
    try:
        card = Card.model_validate({**tomllib.loads(path.read_text()), "path": path})
    except FileNotFoundError as e:
        shipped = ", ".join(sorted(p.stem for p in CARDS.glob("*.toml")))
        raise ConfigError(f"No model card {path}; use one of {shipped} or a path to a .toml card.") from e
    except (tomllib.TOMLDecodeError, ValidationError) as e:
        raise ConfigError(f"The model card {path} is not valid: {_first_problem(e)}.") from e
    if not card.parts and card.file is None:
        raise ConfigError(f"The model card {path} names no model file (file = ...) and no parts.")
    if card.file is not None and not (path.parent / card.file).is_file():
        raise ConfigError(f"The model file {(path.parent / card.file).resolve()} of card {path} does not exist.")
    return card


def _first_problem(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    return str(error)


class Network:
    """One ONNX network of a card: aligned chips -> raw (not normalised) vectors."""

    def __init__(self, card: Card, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.file = (card.path.parent / card.file).resolve()
        try:
            self._session = ort.InferenceSession(str(self.file), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own untyped errors for a bad file
            raise ConfigError(f"The model file {self.file} of card {card.path} does not load: {e}") from e
        self.card = card
        self.chip = ChipSpec(card.chip, card.input_size, template=card.template)
        self._input = self._session.get_inputs()[0].name
        self.dim = self._probe()

    def _probe(self) -> int:
        """Run one blank chip: the output's length, checked against the card."""
        c = self.card
        try:
            dim = self._run(np.zeros((1, c.input_size, c.input_size, 3), np.uint8)).shape[1]
        except Exception as e:  # onnxruntime's errors are untyped
            raise ConfigError(f"The model file {self.file} does not take the input card {c.path} describes "
                              f"({c.layout}, {c.input_type}, {c.input_size} px): {e}") from e
        if c.dim is not None and dim != c.dim:
            raise ConfigError(f"The card {c.path} says dim = {c.dim}, but {self.file} gives {dim} numbers per face.")
        return dim

    def embed(self, chips: np.ndarray) -> np.ndarray:
        """(N, size, size, 3) uint8 RGB chips -> (N, dim) float32, not normalised."""
        c = self.card
        if chips.dtype != np.uint8 or chips.ndim != 4 or chips.shape[1:] != (c.input_size, c.input_size, 3):
            raise ValueError(f"expected (N, {c.input_size}, {c.input_size}, 3) uint8 chips, got {chips.shape} {chips.dtype}")
        if len(chips) == 0:
            return np.zeros((0, self.dim), np.float32)
        return self._run(chips)

    def _run(self, chips: np.ndarray) -> np.ndarray:
        c = self.card
        x = chips
        if c.input_type == "float32":  # mean and std are given in R, G, B order
            x = (x.astype(np.float32) - np.float32(c.mean)) / np.float32(c.std)
        if c.channels == "bgr":
            x = x[..., ::-1]
        if c.layout == "nchw":
            x = x.transpose(0, 3, 1, 2)
        out = self._session.run(None, {self._input: np.ascontiguousarray(x)})[0]
        return out.reshape(len(chips), -1).astype(np.float32)


@dataclass
class Embedder:
    """Weighted networks (one, or several for a fusion): faces -> one L2-normalised vector each."""

    name: str
    parts: list[tuple[Network, float]]
    decision: dict[str, Decision]

    @property
    def dim(self) -> int:
        """The vector's length: the parts' lengths added up."""
        return sum(net.dim for net, _ in self.parts)

    @property
    def chips(self) -> list[ChipSpec]:
        """The aligned chips the parts need (kind and side in pixels), each once."""
        return list(dict.fromkeys(net.chip for net, _ in self.parts))

    @property
    def space(self) -> str:
        """Names the vectors' space: the card, each network file's first sha256 digits, and the weights."""
        parts = ",".join(f"{net.card.name}@{_digest(net.file)}*{weight:g}" for net, weight in self.parts)
        return f"{self.name}({parts})"

    def embed(self, chips: dict[ChipSpec, np.ndarray], mirror: bool = True) -> np.ndarray:
        """(N, dim) float32, L2-normalised, from each spec's (N, size, size, 3) chips.

        With `mirror`, each network's vector of a face is the sum of the chip's and its mirror image's.
        """
        pieces = []
        for net, weight in self.parts:
            batch = chips[net.chip]
            if mirror:
                both = net.embed(np.concatenate([batch, batch[:, :, ::-1]]))
                v = both[: len(batch)] + both[len(batch) :]
            else:
                v = net.embed(batch)
            pieces.append(weight * _normalise(v) if len(self.parts) > 1 else v)
        return _normalise(np.concatenate(pieces, axis=1))


def _normalise(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


_digests: dict[Path, str] = {}


def _digest(path: Path) -> str:
    if path not in _digests:
        _digests[path] = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    return _digests[path]


def load_embedder(name_or_path: str, threads: int = 1) -> Embedder:
    """The embedder a card describes, its networks loaded (for a fusion, each part's card)."""
    card = read_card(name_or_path)
    if not card.parts:
        return Embedder(card.name, [(Network(card, threads), 1.0)], card.decision)
    parts = []
    for part in card.parts:
        inner = read_card(str(card.path.parent / f"{part.card}.toml") if "/" not in part.card else part.card)
        if inner.parts:
            raise ConfigError(f"The fusion card {card.path} lists another fusion ({part.card}); list networks only.")
        parts.append((Network(inner, threads), part.weight))
    return Embedder(card.name, parts, card.decision)

