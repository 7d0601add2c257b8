"""Convert Intel's face-reidentification-retail-0095 from its OpenVINO IR (version 5, FP16) to ONNX, without OpenVINO.

    python tools/reid0095_to_onnx.py [--xml PATH] [--bin PATH] [--out PATH]
    python tools/reid0095_to_onnx.py --check            # the ONNX against this file's numpy forward pass of the IR
    python tools/reid0095_to_onnx.py --verify [--lfw DIR] [--seed N]   # LFW-style verification accuracy
    python tools/reid0095_to_onnx.py --reference-out tests/data/reid0095_reference.npz

Defaults: ../shared/models/openvino-face-reid-0095/face-reidentification-retail-0095.{xml,bin} (relative to the
repository root) -> facesearch/face/weights/face_reid_0095.onnx. Prints the sha256 of the file it writes; the
bytes are the same on every run (no timestamps, deterministic serialisation).

The model (Intel, Open Model Zoo, Apache-2.0; MobileNet V2 blocks with squeeze-excitation and PReLU): input
"input", float32 (N, 3, 128, 128), BGR planes, raw 0-255 pixel values of a face aligned onto Intel's 5-point
template at 128 px (facesearch.face.align.TEMPLATE_INTEL_128); output "embedding", float32 (N, 256), not
normalised, compared by cosine. The graph normalises the pixels itself: its first layer is a per-channel
ScaleShift, x * w[c] + b[c] with w = (0.01437, 0.02136, 0.01865) and b = (-0.9263, -1.445, -1.53) for planes
B, G, R: what Model Optimizer made of the scale 255 it was given (its meta data: scale_values 255,
reverse_input_channels True, no mean values) and the trained network's first normalisation.

Inputs:
  * .xml: <net version="5" batch="1"><layers>, each <layer id name type precision> with an optional <data/>
    of attributes, <input> and <output> <port id> holding <dim>s (shapes at batch 1) and <blobs> of
    <weights|biases offset="bytes" size="bytes"/> into the .bin; then <edges> of <edge from-layer from-port
    to-layer to-port/>. Layers may come in any order; they are run in an order the edges allow.
  * .bin: the blobs back to back, little-endian IEEE half floats (precision="FP16"). Each becomes float32,
    which is exact; nothing else is folded.

Layer types handled (the Inference Engine's IR v5 semantics), anything else refused:
  * Input: the (1, 3, 128, 128) picture; the ONNX batch size is dynamic.
  * ScaleShift: y = x * weights[c] + biases[c] per channel -> Mul, Add. Not folded into the Convolution
    after it: that one pads with zeros *after* the ScaleShift, so folding would change the border.
  * Convolution: weights (output, input / group, kh, kw), biases (output,); kernel, strides, dilations,
    pads_begin, pads_end ((y, x) each), group -> Conv.
  * PReLU: y = x for x >= 0, else slope * x; one slope (channel_shared="1") -> LeakyRelu, one per channel
    -> PRelu.
  * Activation type="sigmoid" -> Sigmoid.
  * Pooling pool-method="avg", rounding_type="floor" (exclude-pad true or false) -> GlobalAveragePool when
    the window is the whole unpadded input (all 15 here: the squeeze-excitation blocks), else AveragePool.
  * Eltwise operation="sum" or "mul" of two inputs, broadcast like numpy ((1, C, H, W) * (1, C, 1, 1) in
    the squeeze-excitation blocks) -> Add, Mul.
The one output, (1, 256, 1, 1) (the layer no edge leaves), is flattened to (N, 256): "embedding".

--check: `numpy_forward` runs the IR itself, independent of the ONNX graph: each layer type above in numpy
(float64), straight from the .xml and .bin, each output's shape checked against the .xml. The largest face of
each of CHECK_PHOTOS is found with facesearch's YuNet and aligned onto Intel's template; onnxruntime's outputs
(batched, and one chip at a time) must match numpy's within MIN_COSINE and MAX_ABS_DIFF. Also times the ONNX on
one core (one chip per run).

--verify: LFW-style verification on ../shared/lfw-dev (a folder per person; nothing is copied from it). Every
pair of photos of one person, and as many pairs of two people drawn at random (--seed); each photo's face is
the YuNet face nearest the photo's centre; similarity is the cosine; accuracy is 10-fold cross-validated (the
threshold chosen on nine folds, counted on the tenth). Embedders: this network through its model card
(facesearch/face/cards/reid0095.toml) and facesearch's other single-network cards (VERIFY_CARDS), each with
and without mirroring, and this network fed RGB instead of BGR (to show the channel order matters).

--reference-out: the chips of REFERENCE_PHOTOS (uint8 BGR, (3, 128, 128, 3)) and numpy_forward's embeddings
of them, for tests/unit/test_reid0095_onnx.py.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # facesearch, for --check, --verify and --reference-out (imported when used)
SHARED = ROOT.parent / "shared"
SOURCE_DIR = SHARED / "models" / "openvino-face-reid-0095"
DEFAULT_XML = SOURCE_DIR / "face-reidentification-retail-0095.xml"
DEFAULT_BIN = SOURCE_DIR / "face-reidentification-retail-0095.bin"
DEFAULT_OUT = ROOT / "facesearch" / "face" / "weights" / "face_reid_0095.onnx"
DEFAULT_LFW = SHARED / "lfw-dev"
OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17; newer runtimes read it too
INPUT, OUTPUT, SIZE, DIM = "input", "embedding", 128, 256
PRECISIONS = {"FP16": "<f2", "FP32": "<f4"}

CARD = "reid0095"
REFERENCE_PHOTOS = ("images/Dina_Titus/1.jpg", "images/Paul_Rudd/1.jpg", "look_for/Peggy_Whitson.jpg")
CHECK_PHOTOS = (*REFERENCE_PHOTOS, "look_for/Eileen_Collins.png", "look_for/Luciano_CODAIT.png",
                "look_for/Norma_Torres.jpg")
MIN_COSINE = 0.9999
MAX_ABS_DIFF = 1e-4  # values reach about 4, norms 13-19; float32 against float64 differs by about 2.5e-6
VERIFY_CARDS = ("mobileface_v2", "dlib_resnet")
FOLDS = 10


# ----------------------------------------------------------------------------------------------
# Reading the IR


@dataclass
class Layer:
    """One <layer> of the IR: attributes (<data>), port shapes (batch 1) and blobs as float32 arrays."""

    id: int
    name: str
    type: str
    data: dict[str, str]
    inputs: list[tuple[int, tuple[int, ...]]]  # (port id, dims), in the order the .xml lists them
    outputs: list[tuple[int, tuple[int, ...]]]
    blobs: dict[str, np.ndarray] = field(default_factory=dict)
    sources: list[tuple[int, int]] = field(default_factory=list)  # (layer id, port) feeding each input


@dataclass
class Net:
    """The IR's layers in an order the edges allow (inputs first), and the id of its one output layer."""

    layers: list[Layer]
    output: int


def ports(element: ET.Element | None) -> list[tuple[int, tuple[int, ...]]]:
    """<input> or <output> -> [(port id, dims)]."""
    if element is None:
        return []
    return [(int(p.get("id")), tuple(int(d.text) for d in p.findall("dim"))) for p in element.findall("port")]


def read_blobs(element: ET.Element | None, precision: str, weights: bytes, where: str) -> dict[str, np.ndarray]:
    """<blobs> -> {"weights": float32 array, "biases": ...}, flat, from their byte ranges in the .bin."""
    if element is None:
        return {}
    if precision not in PRECISIONS:
        raise ValueError(f"{where}: precision {precision!r} is not handled (only {', '.join(PRECISIONS)})")
    dtype = np.dtype(PRECISIONS[precision])
    out = {}
    for blob in element:
        if blob.tag not in ("weights", "biases"):
            raise ValueError(f"{where}: blob <{blob.tag}> is not handled (only weights and biases)")
        offset, size = int(blob.get("offset")), int(blob.get("size"))
        if offset < 0 or offset + size > len(weights) or size % dtype.itemsize:
            raise ValueError(f"{where}: blob {blob.tag} at bytes {offset}+{size} does not fit the .bin")
        out[blob.tag] = np.frombuffer(weights, dtype, size // dtype.itemsize, offset).astype(np.float32)
    return out


def read_layer(element: ET.Element, weights: bytes) -> Layer:
    """One <layer> element, its blobs read from the .bin bytes."""
    where = f"layer {element.get('id')} ({element.get('name')!r}, {element.get('type')})"
    data = element.find("data")
    return Layer(
        id=int(element.get("id")),
        name=element.get("name"),
        type=element.get("type"),
        data=dict(data.attrib) if data is not None else {},
        inputs=ports(element.find("input")),
        outputs=ports(element.find("output")),
        blobs=read_blobs(element.find("blobs"), element.get("precision"), weights, where),
    )


def run_order(layers: dict[int, Layer]) -> list[Layer]:
    """The layers so that each comes after those feeding it (Kahn's algorithm, lowest id first)."""
    waiting = {i: {src for src, _ in layer.sources} for i, layer in layers.items()}
    order: list[Layer] = []
    while waiting:
        ready = sorted(i for i, srcs in waiting.items() if not srcs)
        if not ready:
            raise ValueError(f"the edges have a cycle through layers {sorted(waiting)}")
        for i in ready:
            order.append(layers[i])
            del waiting[i]
        for srcs in waiting.values():
            srcs.difference_update(ready)
    return order


def connect(root: ET.Element, layers: dict[int, Layer]) -> int:
    """Fill each layer's `sources` from <edges>; returns the id of the one layer no edge leaves."""
    feeds = {}
    for edge in root.find("edges"):
        src, dst = (int(edge.get("from-layer")), int(edge.get("from-port"))), int(edge.get("to-layer"))
        feeds[(dst, int(edge.get("to-port")))] = src
    for layer in layers.values():
        missing = [port for port, _ in layer.inputs if (layer.id, port) not in feeds]
        if missing:
            raise ValueError(f"layer {layer.id} ({layer.name!r}): no edge into port(s) {missing}")
        layer.sources = [feeds[(layer.id, port)] for port, _ in layer.inputs]
    sinks = sorted(set(layers) - {src for src, _ in feeds.values()})
    if len(sinks) != 1:
        raise ValueError(f"expected one output layer, found {len(sinks)}: {sinks}")
    return sinks[0]


def read_ir(xml_bytes: bytes, weights: bytes) -> Net:
    """IR version 5 .xml and .bin bytes -> Net."""
    root = ET.fromstring(xml_bytes)
    if root.tag != "net" or root.get("version") != "5":
        raise ValueError(f"expected an OpenVINO IR version 5 <net>, found <{root.tag} version={root.get('version')}>")
    layers = {}
    for element in root.find("layers"):
        layer = read_layer(element, weights)
        if layer.id in layers:
            raise ValueError(f"two layers with id {layer.id}")
        layers[layer.id] = layer
    output = connect(root, layers)
    return Net(run_order(layers), output)


def attrs(layer: Layer, allowed: set[str], fixed: dict[str, set[str]] | None = None) -> dict[str, str]:
    """The layer's attributes, refusing any not in `allowed` and any value `fixed` does not list."""
    unknown = sorted(set(layer.data) - allowed)
    if unknown:
        raise ValueError(f"layer {layer.id} ({layer.name!r}, {layer.type}): attributes {unknown} are not handled")
    for key, values in (fixed or {}).items():
        if layer.data.get(key) not in values:
            raise ValueError(f"layer {layer.id} ({layer.name!r}, {layer.type}): {key}={layer.data.get(key)!r} "
                             f"is not handled (only {sorted(values)})")
    return layer.data


def ints(text: str) -> tuple[int, ...]:
    """IR's "1,1" -> (1, 1)."""
    return tuple(int(v) for v in text.split(","))


# ----------------------------------------------------------------------------------------------
# Layer parameters, shared by the ONNX graph and the numpy forward pass


@dataclass(frozen=True)
class ConvParams:
    """A Convolution: weights (O, I / group, kh, kw), biases (O,), and (y, x) strides, dilations and pads."""

    weights: np.ndarray
    biases: np.ndarray
    strides: tuple[int, ...]
    dilations: tuple[int, ...]
    pads_begin: tuple[int, ...]
    pads_end: tuple[int, ...]
    group: int


def conv_params(layer: Layer) -> ConvParams:
    """The Convolution's blobs shaped as the .xml's attributes and input port say."""
    a = attrs(layer, {"dilations", "group", "kernel", "output", "pads_begin", "pads_end", "strides"})
    kernel, group, out = ints(a["kernel"]), int(a.get("group", "1")), int(a["output"])
    channels = layer.inputs[0][1][1]
    if channels % group or out % group:
        raise ValueError(f"layer {layer.id} ({layer.name!r}): {channels} -> {out} channels in {group} groups")
    weights = layer.blobs["weights"].reshape(out, channels // group, *kernel)
    biases = layer.blobs["biases"] if "biases" in layer.blobs else np.zeros(out, np.float32)
    if biases.shape != (out,):
        raise ValueError(f"layer {layer.id} ({layer.name!r}): {biases.size} biases for {out} outputs")
    return ConvParams(weights, biases, ints(a["strides"]), ints(a.get("dilations", "1,1")), ints(a["pads_begin"]),
                      ints(a["pads_end"]), group)


@dataclass(frozen=True)
class PoolParams:
    """An average Pooling: (y, x) kernel, strides and pads; whether padding counts in the average."""

    kernel: tuple[int, ...]
    strides: tuple[int, ...]
    pads_begin: tuple[int, ...]
    pads_end: tuple[int, ...]
    exclude_pad: bool


def pool_params(layer: Layer) -> PoolParams:
    """The Pooling's attributes; only average pooling with floor rounding is handled."""
    a = attrs(layer, {"exclude-pad", "kernel", "pads_begin", "pads_end", "pool-method", "rounding_type", "strides"},
              {"pool-method": {"avg"}, "rounding_type": {"floor", None}})
    return PoolParams(ints(a["kernel"]), ints(a["strides"]), ints(a.get("pads_begin", "0,0")),
                      ints(a.get("pads_end", "0,0")), a.get("exclude-pad", "false") == "true")


def prelu_slope(layer: Layer) -> np.ndarray:
    """The PReLU's slopes, (1,) when channel_shared else (C, 1, 1): broadcastable against (N, C, H, W)."""
    a = attrs(layer, {"channel_shared"})
    slope = layer.blobs["weights"]
    if a.get("channel_shared", "0") == "1":
        if slope.size != 1:
            raise ValueError(f"layer {layer.id} ({layer.name!r}): channel_shared with {slope.size} slopes")
        return slope.reshape(1)
    return slope.reshape(-1, 1, 1)


def scale_shift(layer: Layer) -> tuple[np.ndarray, np.ndarray]:
    """The ScaleShift's per-channel weights and biases, each (1, C, 1, 1)."""
    attrs(layer, set())
    return layer.blobs["weights"].reshape(1, -1, 1, 1), layer.blobs["biases"].reshape(1, -1, 1, 1)


def eltwise_op(layer: Layer) -> str:
    """"sum" or "mul" (of exactly two inputs)."""
    a = attrs(layer, {"operation"}, {"operation": {"sum", "mul"}})
    if len(layer.inputs) != 2:
        raise ValueError(f"layer {layer.id} ({layer.name!r}): Eltwise of {len(layer.inputs)} inputs")
    return a["operation"]


def activation(layer: Layer) -> None:
    """Checks that the Activation is a sigmoid, the only kind handled."""
    attrs(layer, {"type"}, {"type": {"sigmoid"}})


# ----------------------------------------------------------------------------------------------
# Building the ONNX graph


@dataclass
class Graph:
    """ONNX nodes and initializers being built; `names` maps (IR layer id, port) to the tensor it is."""

    net: Net
    names: dict[tuple[int, int], str] = field(default_factory=dict)
    nodes: list = field(default_factory=list)
    inits: list = field(default_factory=list)

    def x(self, layer: Layer, k: int = 0) -> str:
        """The tensor feeding input k of `layer`."""
        return self.names[layer.sources[k]]

    def const(self, name: str, array: np.ndarray) -> str:
        """Add a float32 initializer and return its name."""
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array, np.float32), name))
        return name

    def op(self, op_type: str, inputs: list[str], output: str, **attributes: Any) -> str:
        """Add one ONNX node writing tensor `output`; returns `output`."""
        from onnx import helper

        self.nodes.append(helper.make_node(op_type, inputs, [output], name=output, **attributes))
        return output


def onnx_input(g: Graph, layer: Layer) -> str:
    """Input: the graph's float32 (N, 3, 128, 128) input."""
    attrs(layer, set())
    if layer.outputs[0][1][1:] != (3, SIZE, SIZE):
        raise ValueError(f"expected a (1, 3, {SIZE}, {SIZE}) input, the IR's is {layer.outputs[0][1]}")
    return INPUT


def onnx_scale_shift(g: Graph, layer: Layer) -> str:
    """ScaleShift -> Mul by the weights, then Add the biases, each (1, C, 1, 1)."""
    w, b = scale_shift(layer)
    scaled = g.op("Mul", [g.x(layer), g.const(f"{layer.name}/weights", w)], f"{layer.name}/scaled")
    return g.op("Add", [scaled, g.const(f"{layer.name}/biases", b)], layer.name)


def onnx_conv(g: Graph, layer: Layer) -> str:
    """Convolution -> Conv with its weights and biases."""
    p = conv_params(layer)
    inputs = [g.x(layer), g.const(f"{layer.name}/weights", p.weights), g.const(f"{layer.name}/biases", p.biases)]
    return g.op("Conv", inputs, layer.name, kernel_shape=list(p.weights.shape[2:]), strides=list(p.strides),
                dilations=list(p.dilations), pads=list(p.pads_begin + p.pads_end), group=p.group)


def onnx_prelu(g: Graph, layer: Layer) -> str:
    """PReLU -> LeakyRelu when its one slope is shared (the same function, which onnxruntime fuses into the
    convolution before it), else PRelu."""
    slope = prelu_slope(layer)
    if slope.size == 1:
        return g.op("LeakyRelu", [g.x(layer)], layer.name, alpha=float(slope[0]))
    return g.op("PRelu", [g.x(layer), g.const(f"{layer.name}/slope", slope)], layer.name)


def onnx_sigmoid(g: Graph, layer: Layer) -> str:
    """Activation sigmoid -> Sigmoid."""
    activation(layer)
    return g.op("Sigmoid", [g.x(layer)], layer.name)


def onnx_pool(g: Graph, layer: Layer) -> str:
    """Average Pooling -> GlobalAveragePool when its window is the whole unpadded input (the same mean, several
    times faster in onnxruntime), else AveragePool (floor rounding; exclude-pad as count_include_pad 0)."""
    p = pool_params(layer)
    if tuple(p.kernel) == tuple(layer.inputs[0][1][2:]) and not any(p.pads_begin + p.pads_end):
        return g.op("GlobalAveragePool", [g.x(layer)], layer.name)
    return g.op("AveragePool", [g.x(layer)], layer.name, kernel_shape=list(p.kernel), strides=list(p.strides),
                pads=list(p.pads_begin + p.pads_end), count_include_pad=int(not p.exclude_pad), ceil_mode=0)


def onnx_eltwise(g: Graph, layer: Layer) -> str:
    """Eltwise sum / mul -> Add / Mul (ONNX broadcasts like numpy, as the IR does here)."""
    op_type = {"sum": "Add", "mul": "Mul"}[eltwise_op(layer)]
    return g.op(op_type, [g.x(layer, 0), g.x(layer, 1)], layer.name)


ONNX_LAYERS: dict[str, Callable[[Graph, Layer], str]] = {
    "Input": onnx_input,
    "ScaleShift": onnx_scale_shift,
    "Convolution": onnx_conv,
    "PReLU": onnx_prelu,
    "Activation": onnx_sigmoid,
    "Pooling": onnx_pool,
    "Eltwise": onnx_eltwise,
}


def refuse_unknown(net: Net, handled: dict[str, Callable]) -> None:
    """A sentence naming the first layer whose type is not handled, and what is."""
    for layer in net.layers:
        if layer.type not in handled:
            raise ValueError(f"layer {layer.id} ({layer.name!r}) has type {layer.type!r}, which this converter does "
                             f"not handle (it handles {', '.join(handled)}); nothing was written")


def build(net: Net) -> tuple[Any, Counter]:
    """The IR -> (checked onnx.ModelProto, count of IR layer types converted)."""
    import onnx
    from onnx import TensorProto, helper

    refuse_unknown(net, ONNX_LAYERS)
    g, counts = Graph(net), Counter()
    for layer in net.layers:
        if len(layer.outputs) != 1:
            raise ValueError(f"layer {layer.id} ({layer.name!r}) has {len(layer.outputs)} outputs; one is handled")
        g.names[(layer.id, layer.outputs[0][0])] = ONNX_LAYERS[layer.type](g, layer)
        counts[layer.type] += 1
    last = next(layer for layer in net.layers if layer.id == net.output)
    if last.outputs[0][1][1:] != (DIM, 1, 1):
        raise ValueError(f"expected a (1, {DIM}, 1, 1) output, the IR's is {last.outputs[0][1]}")
    g.op("Flatten", [g.names[(last.id, last.outputs[0][0])]], OUTPUT, axis=1)
    graph = helper.make_graph(
        g.nodes,
        "face_reidentification_retail_0095",
        [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["N", 3, SIZE, SIZE])],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["N", DIM])],
        g.inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="facesearch tools/reid0095_to_onnx.py",
        doc_string=(
            "face-reidentification-retail-0095 (Intel, Open Model Zoo, Apache-2.0) converted from OpenVINO IR v5 "
            "FP16. Input: float32 (N, 3, 128, 128) BGR, raw 0-255 values, face aligned to Intel's 5-point 128 px "
            "template (the graph normalises). Output embedding: float32 (N, 256), not normalised; cosine."
        ),
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model, counts


def read_sources(xml_path: Path, bin_path: Path, quiet: bool = False) -> Net:
    """Read (and with `quiet` False, describe) the IR's two files."""
    xml_bytes, weights = xml_path.read_bytes(), bin_path.read_bytes()
    if not quiet:
        for path, data in ((xml_path, xml_bytes), (bin_path, weights)):
            print(f"read {path} ({len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()})")
    return read_ir(xml_bytes, weights)


def convert(xml_path: Path, bin_path: Path, out: Path) -> bytes:
    """Read the IR, write the ONNX model to `out`, print a summary; returns the bytes written."""
    net = read_sources(xml_path, bin_path)
    values = sum(b.size for layer in net.layers for b in layer.blobs.values())
    print(f"{len(net.layers)} layers, {values:,} weights")
    model, counts = build(net)
    print("converted: " + ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())))
    blob = model.SerializeToString(deterministic=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(blob)
    print(f"wrote {out}: {len(model.graph.node)} ONNX nodes, opset {OPSET}, {len(blob):,} bytes")
    print(f"sha256 {hashlib.sha256(blob).hexdigest()}")
    return blob


# ----------------------------------------------------------------------------------------------
# The IR run in numpy (float64), independent of the ONNX graph


def np_conv(x: np.ndarray, p: ConvParams) -> np.ndarray:
    """Grouped 2-D convolution of (N, C, H, W): one matrix product per kernel tap."""
    n, c = x.shape[:2]
    out_c, in_g, kh, kw = p.weights.shape
    (sy, sx), (dy, dx), g = p.strides, p.dilations, p.group
    x = np.pad(x, ((0, 0), (0, 0), (p.pads_begin[0], p.pads_end[0]), (p.pads_begin[1], p.pads_end[1])))
    oh, ow = (x.shape[2] - dy * (kh - 1) - 1) // sy + 1, (x.shape[3] - dx * (kw - 1) - 1) // sx + 1
    xg = x.reshape(n, g, c // g, *x.shape[2:])
    wg = p.weights.astype(np.float64).reshape(g, out_c // g, in_g, kh, kw)
    out = np.zeros((n, g, out_c // g, oh * ow))
    for i, j in itertools.product(range(kh), range(kw)):
        tap = xg[:, :, :, i * dy : i * dy + sy * (oh - 1) + 1 : sy, j * dx : j * dx + sx * (ow - 1) + 1 : sx]
        out += wg[:, :, :, i, j] @ tap.reshape(n, g, in_g, oh * ow)
    return out.reshape(n, out_c, oh, ow) + p.biases.astype(np.float64).reshape(1, -1, 1, 1)


def np_avg_pool(x: np.ndarray, p: PoolParams) -> np.ndarray:
    """Average pooling of (N, C, H, W), floor rounding; with exclude_pad the padding is not counted."""
    from numpy.lib.stride_tricks import sliding_window_view

    pads = ((0, 0), (0, 0), (p.pads_begin[0], p.pads_end[0]), (p.pads_begin[1], p.pads_end[1]))
    (sy, sx), axes = p.strides, (-2, -1)
    total = sliding_window_view(np.pad(x, pads), p.kernel, axis=(2, 3))[:, :, ::sy, ::sx].sum(axis=axes)
    if not p.exclude_pad:
        return total / np.prod(p.kernel)
    ones = np.pad(np.ones(x.shape[2:]), pads[2:])
    count = sliding_window_view(ones, p.kernel)[::sy, ::sx].sum(axis=axes)
    return total / count


def np_layer(layer: Layer, xs: list[np.ndarray]) -> np.ndarray:
    """One layer's output from its inputs' (float64, NCHW)."""
    if layer.type == "ScaleShift":
        w, b = scale_shift(layer)
        return xs[0] * w.astype(np.float64) + b.astype(np.float64)
    if layer.type == "Convolution":
        return np_conv(xs[0], conv_params(layer))
    if layer.type == "PReLU":
        return np.where(xs[0] >= 0, xs[0], xs[0] * prelu_slope(layer).astype(np.float64))
    if layer.type == "Activation":
        activation(layer)
        return 1 / (1 + np.exp(-xs[0]))
    if layer.type == "Pooling":
        return np_avg_pool(xs[0], pool_params(layer))
    if layer.type == "Eltwise":
        return xs[0] + xs[1] if eltwise_op(layer) == "sum" else xs[0] * xs[1]
    raise ValueError(f"layer {layer.id} ({layer.name!r}) has type {layer.type!r}, which numpy_forward does not run")


def numpy_forward(net: Net, x: np.ndarray) -> np.ndarray:
    """The IR's output for input x, (N, 3, 128, 128) BGR 0-255: (N, 256) float64, each shape checked."""
    values: dict[tuple[int, int], np.ndarray] = {}
    for layer in net.layers:
        port, dims = layer.outputs[0]
        if layer.type == "Input":
            y = x.astype(np.float64)
        else:
            y = np_layer(layer, [values[src] for src in layer.sources])
        if y.shape[1:] != dims[1:]:
            raise ValueError(f"layer {layer.id} ({layer.name!r}): numpy gives {y.shape[1:]}, the .xml says {dims[1:]}")
        values[(layer.id, port)] = y
    last = next(layer for layer in net.layers if layer.id == net.output)
    return values[(last.id, last.outputs[0][0])].reshape(len(x), -1)


# ----------------------------------------------------------------------------------------------
# Chips of the sample photos, and --check


def yunet() -> Any:
    """facesearch's face models with only its YuNet detector (imported here: the conversion needs neither)."""
    from facesearch.face import FaceModels

    return FaceModels.detector_only("yunet")


def bgr_chip(models: Any, path: Path) -> np.ndarray:
    """The largest face of the photo at `path` aligned onto Intel's template: (128, 128, 3) uint8 BGR."""
    from facesearch.face import largest, load_image
    from facesearch.face.align import template_chip

    image = load_image(path.read_bytes())
    faces = models.detect(image)
    if not faces:
        raise ValueError(f"no face found in {path}")
    return np.ascontiguousarray(template_chip(image, largest(faces).landmarks, SIZE, template="intel")[:, :, ::-1])


def nchw(chips: np.ndarray) -> np.ndarray:
    """(N, 128, 128, 3) uint8 BGR chips -> the network's (N, 3, 128, 128) float32 input."""
    return np.ascontiguousarray(chips.transpose(0, 3, 1, 2), dtype=np.float32)


def session(model: Path) -> Any:
    """onnxruntime on one core."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    return ort.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two (N, D) arrays, in float64."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def ms_per_chip(sess: Any, chip: np.ndarray, runs: int = 50) -> float:
    """Median milliseconds of one chip's embedding (batch of one), after a warm-up run."""
    x = nchw(chip[None])
    sess.run(None, {INPUT: x})
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        sess.run(None, {INPUT: x})
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def check(xml_path: Path, bin_path: Path, model: Path) -> bool:
    """Print how the ONNX's outputs compare with numpy_forward's on CHECK_PHOTOS' faces; True when they match."""
    net, models = read_sources(xml_path, bin_path), yunet()
    chips = np.stack([bgr_chip(models, ROOT / p) for p in CHECK_PHOTOS])
    start = time.perf_counter()
    ref = numpy_forward(net, nchw(chips))
    print(f"numpy forward pass (float64): {1000 * (time.perf_counter() - start) / len(chips):.0f} ms per chip")
    sess = session(model)
    got = sess.run(None, {INPUT: nchw(chips)})[0]
    alone = np.concatenate([sess.run(None, {INPUT: nchw(chip[None])})[0] for chip in chips])
    diff, cos = np.abs(got - ref).max(axis=1), cosines(got, ref)
    for photo, c, d, r in zip(CHECK_PHOTOS, cos, diff, ref, strict=True):
        print(f"{photo:32s} cosine {c:.9f}  max|diff| {d:.2e}  |numpy| {np.linalg.norm(r):.3f}")
    batch = float(np.abs(got - alone).max())
    print(f"{len(chips)} chips: min cosine {cos.min():.9f}, max |diff| {diff.max():.2e} (largest |value| "
          f"{np.abs(ref).max():.3f}); batch against one at a time: max |diff| {batch:.2e}")
    print(f"onnxruntime, one core: {ms_per_chip(sess, chips[0]):.2f} ms per chip")
    ok = cos.min() >= MIN_COSINE and diff.max() <= MAX_ABS_DIFF and batch <= 1e-5
    print("check passed" if ok else f"CHECK FAILED: needs cosine >= {MIN_COSINE} and max |diff| <= {MAX_ABS_DIFF}")
    return ok


def write_reference(out: Path, xml_path: Path, bin_path: Path) -> None:
    """Store REFERENCE_PHOTOS' BGR chips and numpy_forward's embeddings of them in a compressed .npz."""
    import cv2

    net, models = read_sources(xml_path, bin_path, quiet=True), yunet()
    chips = np.stack([bgr_chip(models, ROOT / p) for p in REFERENCE_PHOTOS])
    embeddings = numpy_forward(net, nchw(chips)).astype(np.float32)
    made_with = f"numpy {np.__version__} (float64 forward pass of the IR); chips: opencv {cv2.__version__}"
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out, chips=chips, embeddings=embeddings, photos=np.array(REFERENCE_PHOTOS), made_with=np.array(made_with)
    )
    print(f"wrote {out}: chips {chips.shape} uint8 BGR, numpy embeddings {embeddings.shape} ({made_with})")


# ----------------------------------------------------------------------------------------------
# --verify: LFW-style pairs


def lfw_pairs(folder: Path, seed: int) -> tuple[list[tuple[Path, Path]], np.ndarray]:
    """Every same-person pair of `folder` (a folder per person) and as many random two-person pairs:
    (pairs, labels: True for the same person), shuffled by `seed`."""
    people = [sorted(p for p in d.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
              for d in sorted(folder.iterdir()) if d.is_dir()]
    people = [photos for photos in people if photos]
    same = [pair for photos in people for pair in itertools.combinations(photos, 2)]
    rng, different = np.random.default_rng(seed), set()
    while len(different) < len(same):
        i, j = rng.choice(len(people), 2, replace=False)
        pair = (people[i][rng.integers(len(people[i]))], people[j][rng.integers(len(people[j]))])
        different.add(tuple(sorted(pair)))
    pairs = same + sorted(different)
    labels = np.array([True] * len(same) + [False] * len(different))
    order = rng.permutation(len(pairs))
    return [pairs[k] for k in order], labels[order]


def central_face(models: Any, image: np.ndarray) -> Any:
    """The face nearest the photo's centre (LFW's subject), or None."""
    h, w = image.shape[:2]
    return min(models.detect(image), key=lambda f: f.box.distance_to(w / 2, h / 2), default=None)


def embedders() -> dict[str, tuple[Any, Any]]:
    """{label: (FaceModels giving its chips, Network)}: this card, this card fed RGB, and VERIFY_CARDS."""
    from facesearch.face import FaceModels
    from facesearch.face.embed import Network, load_embedder, read_card

    detector, out = yunet().detector, {}
    for name in (CARD, *VERIFY_CARDS):
        models = FaceModels(detector, load_embedder(name), mirror=False, detector_name="yunet")
        out[name] = (models, models.embedder.parts[0][0])
    rgb = read_card(CARD).model_copy(update={"channels": "rgb"})
    out[f"{CARD} fed RGB (wrong order)"] = (out[CARD][0], Network(rgb))
    return out


def embed_photos(photos: list[Path], nets: dict[str, tuple[Any, Any]]) -> tuple[dict[str, np.ndarray], int]:
    """{label: (len(photos), 2, dim) raw vectors of each photo's central face and of its mirror image},
    and how many photos had no face (their rows stay zero)."""
    from facesearch.face import load_image

    detector = next(iter(nets.values()))[0]
    out = {label: np.zeros((len(photos), 2, net.dim), np.float32) for label, (_, net) in nets.items()}
    missing = 0
    for k, path in enumerate(photos):
        image = load_image(path.read_bytes())
        face = central_face(detector, image)
        if face is None:
            missing += 1
            continue
        for label, (models, net) in nets.items():
            chip = models.chips(image, [face])[net.chip]
            out[label][k] = net.embed(np.concatenate([chip, chip[:, :, ::-1]]))
    return out, missing


def cv_accuracy(scores: np.ndarray, labels: np.ndarray, folds: int = FOLDS) -> np.ndarray:
    """Per fold: accuracy of `score >= t`, t the best threshold on the other folds (pairs dealt round-robin)."""
    fold = np.arange(len(scores)) % folds
    out = []
    for f in range(folds):
        train, test = fold != f, fold == f
        ts = np.sort(scores[train])
        candidates = np.concatenate([[ts[0] - 1], (ts[1:] + ts[:-1]) / 2, [ts[-1] + 1]])
        correct = (scores[train][None, :] >= candidates[:, None]) == labels[train][None, :]
        t = candidates[np.argmax(correct.mean(axis=1))]
        out.append(np.mean((scores[test] >= t) == labels[test]))
    return np.array(out)


def pair_scores(vectors: np.ndarray, index: dict[Path, int], pairs: list[tuple[Path, Path]],
                mirror: bool) -> np.ndarray:
    """Cosine of each pair's two vectors (the chip's, or the chip's plus its mirror image's)."""
    v = vectors.sum(axis=1) if mirror else vectors[:, 0]
    a = v[[index[p] for p, _ in pairs]]
    b = v[[index[q] for _, q in pairs]]
    return (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-12)


def verify(folder: Path, seed: int) -> None:
    """Print each embedder's 10-fold verification accuracy on `folder`'s pairs (see the module docstring)."""
    pairs, labels = lfw_pairs(folder, seed)
    photos = sorted({p for pair in pairs for p in pair})
    print(f"{folder}: {len(pairs)} pairs ({labels.sum()} same person, {(~labels).sum()} different, seed {seed}), "
          f"{len(photos)} photos")
    start = time.perf_counter()
    vectors, missing = embed_photos(photos, embedders())
    print(f"embedded in {time.perf_counter() - start:.0f} s; {missing} photos without a face (their pairs count as "
          "scored 0)")
    index = {p: k for k, p in enumerate(photos)}
    for label, v in vectors.items():
        for mirror in (False, True):
            acc = cv_accuracy(pair_scores(v, index, pairs, mirror), labels)
            print(f"{label:36s} {'mirrored' if mirror else 'plain   '}  accuracy {acc.mean():.4f} +- {acc.std():.4f}")
    print("Open Model Zoo reports LFW 0.9947 for face-reidentification-retail-0095 (LFW's standard pairs, faces "
          "aligned from annotated landmarks); these pairs are lfw-dev's, drawn here, and the faces are found and "
          "aligned by facesearch's YuNet: expect a figure near it, not the same.")


def main(argv: list[str] | None = None) -> int:
    """Command line: convert (default), --check, --verify, or write the test reference with --reference-out."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--xml", type=Path, default=DEFAULT_XML, help="the IR's .xml")
    ap.add_argument("--bin", type=Path, default=DEFAULT_BIN, help="the IR's .bin")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"ONNX file to write or check ({DEFAULT_OUT})")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare the ONNX at --out with the numpy forward pass")
    mode.add_argument("--verify", action="store_true", help="LFW-style verification accuracy on --lfw")
    mode.add_argument("--reference-out", type=Path, help="instead of converting, write the test reference .npz")
    ap.add_argument("--lfw", type=Path, default=DEFAULT_LFW, help="folder per person, for --verify")
    ap.add_argument("--seed", type=int, default=0, help="draws the different-person pairs for --verify")
    args = ap.parse_args(argv)
    if args.check:
        return 0 if check(args.xml, args.bin, args.out) else 1
    if args.verify:
        verify(args.lfw, args.seed)
    elif args.reference_out:
        write_reference(args.reference_out, args.xml, args.bin)
    else:
        convert(args.xml, args.bin, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
