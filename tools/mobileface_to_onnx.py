"""Convert the MobileFace V2 face-identity network from its MXNet files to ONNX, without MXNet.

    python tools/mobileface_to_onnx.py [--symbol PATH] [--params PATH] [--out PATH] [--no-fold]

Defaults: ../shared/models/mobileface/MobileFace_Identification_V2-{symbol.json,0000.params} (relative
to the repository root) -> facesearch/face/weights/mobileface_v2.onnx. Prints the sha256 of the file it
writes; the bytes are the same on every run (no timestamps, deterministic serialisation).

The model (becauseofAI/MobileFace, MIT): input "input", float32 (N, 3, 112, 112), RGB planes, raw 0-255
pixel values of a face aligned to the 5-point 112 px ArcFace template (the graph itself does
(x - 127.5) / 128); output "embedding", float32 (N, 256), not normalised.

Inputs:
  * symbol.json: MXNet's graph, {"nodes": [{"op", "name", "attrs", "inputs": [[node, output, version]]}],
    "heads": [[node, 0, 0]]}, nodes in topological order; "null" nodes are the data and the weights.
    V2 uses Convolution (plain and depthwise), BatchNorm, _maximum_scalar 0 + _minimum_scalar 6 (ReLU6),
    elemwise_add, _minus_scalar, _mul_scalar, Flatten and FullyConnected; anything else is refused.
  * .params: MXNet's NDArray-list binary (src/ndarray/ndarray.cc, NDArray::Save / Load), little-endian:
    uint64 magic 0x112, uint64 reserved, uint64 count, then per array: uint32 magic 0xF993FAC9 (V2) or
    0xF993FACA (V3), int32 storage type (0 = dense, the only one handled), int32 ndim, int64 dims[ndim],
    int32 dev_type, int32 dev_id, int32 dtype flag (0 = float32), the values; then uint64 count and
    per name uint64 length + bytes ("arg:conv1_weight", "aux:bn1_moving_mean", ...).

Semantics reproduced (MXNet 1.x defaults where symbol.json gives no attribute):
  * BatchNorm (inference): gamma * (x - moving_mean) / sqrt(moving_var + eps) + beta, eps = 1e-3 (MXNet's
    default, not ONNX's 1e-5), gamma = 1 if fix_gamma. Folded into the preceding Convolution or
    FullyConnected in float64 unless --no-fold (then kept as BatchNormalization nodes).
  * _maximum_scalar 0 followed only by _minimum_scalar 6 becomes one Clip(0, 6).
  * FullyConnected: x @ W.T (+ b), W of shape (num_hidden, inputs) -> Gemm with transB.

Reference for tests/unit/test_mobileface_onnx.py (made once; needs MXNet, which must stay out of the
project's venv, so it runs in a throwaway one: `python3.11 -m venv /tmp/mxvenv &&
/tmp/mxvenv/bin/pip install mxnet==1.9.1 'numpy<1.24'`):

    python tools/mobileface_to_onnx.py --reference-out tests/data/mobileface_v2_reference.npz \
        --mxnet-python /tmp/mxvenv/bin/python

In this interpreter (OpenCV 5: older OpenCV cannot read the dynamic YuNet) it detects the largest face
in each of REFERENCE_PHOTOS with YuNet and warps it onto the 112 px template (similarity transform,
cv2.estimateAffinePartial2D with LMEDS), giving uint8 RGB chips (3, 112, 112, 3); the --mxnet-python
interpreter then runs this script's hidden --mxnet-embed mode, MXNet's own forward pass of the same
symbol and params (plain operators, no MKLDNN fusion), giving float32 (3, 256). Both go into the .npz.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIR = ROOT.parent / "shared" / "models" / "mobileface"
DEFAULT_SYMBOL = SOURCE_DIR / "MobileFace_Identification_V2-symbol.json"
DEFAULT_PARAMS = SOURCE_DIR / "MobileFace_Identification_V2-0000.params"
DEFAULT_OUT = ROOT / "facesearch" / "face" / "weights" / "mobileface_v2.onnx"
OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17; newer runtimes read it too
INPUT, OUTPUT, SIZE, DIM = "input", "embedding", 112, 256

LIST_MAGIC = 0x112
ARRAY_MAGICS = (0xF993FAC9, 0xF993FACA)
DTYPES = {0: "<f4", 1: "<f8", 2: "<f2", 3: "u1", 4: "<i4", 5: "i1", 6: "<i8"}
BN_EPS_DEFAULT = 1e-3

YUNET = ROOT.parent / "shared" / "models" / "yunet" / "yunet_n_dynamic.onnx"
TEMPLATE = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)  # right eye, left eye, nose tip, right and left mouth corners in a 112x112 chip (x, y pixels)
REFERENCE_PHOTOS = ("images/Dina_Titus/1.jpg", "images/Paul_Rudd/1.jpg", "look_for/Peggy_Whitson.jpg")


# ----------------------------------------------------------------------------------------------
# Reading the MXNet files


class Reader:
    """Little-endian fields from a bytes buffer, front to back."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        """The next n bytes."""
        if self.pos + n > len(self.data):
            raise ValueError(f"unexpected end of .params at byte {self.pos}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple:
        """struct.unpack of the next fields, e.g. "<Q" or "<3i"."""
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))


def read_array(r: Reader) -> np.ndarray:
    """One dense NDArray as saved by MXNet 1.x (V2 or V3 magic); copies it out of the buffer."""
    magic, stype = r.unpack("<Ii")
    if magic not in ARRAY_MAGICS:
        raise ValueError(f"NDArray magic {magic:#x} (legacy V1 arrays are not handled)")
    if stype != 0:
        raise ValueError(f"NDArray storage type {stype} (only dense, 0, is handled)")
    (ndim,) = r.unpack("<i")
    shape = r.unpack(f"<{ndim}q")
    _dev_type, _dev_id, flag = r.unpack("<3i")
    if flag not in DTYPES:
        raise ValueError(f"NDArray dtype flag {flag}")
    dtype = np.dtype(DTYPES[flag])
    count = int(np.prod(shape))
    return np.frombuffer(r.take(count * dtype.itemsize), dtype=dtype).reshape(shape).copy()


def read_params(data: bytes) -> dict[str, np.ndarray]:
    """MXNet NDArray-list bytes -> {"conv1_weight": array, "bn1_moving_mean": array, ...} ("arg:"/"aux:" dropped)."""
    r = Reader(data)
    magic, _reserved, count = r.unpack("<3Q")
    if magic != LIST_MAGIC:
        raise ValueError(f"not an MXNet NDArray list (magic {magic:#x})")
    arrays = [read_array(r) for _ in range(count)]
    (n_names,) = r.unpack("<Q")
    names = [r.take(r.unpack("<Q")[0]).decode("utf-8") for _ in range(n_names)]
    if n_names != count or r.pos != len(data):
        raise ValueError(f"{count} arrays, {n_names} names, {len(data) - r.pos} bytes left over")
    out = {}
    for name, array in zip(names, arrays, strict=True):
        kind, _, key = name.partition(":")
        if kind not in ("arg", "aux") or key in out:
            raise ValueError(f"unexpected parameter name {name!r}")
        out[key] = array
    return out


def parse_tuple(text: str) -> tuple[int, ...]:
    """MXNet's "(3, 3)" -> (3, 3)."""
    return tuple(int(v) for v in text.strip("()[] ").split(",") if v.strip())


def parse_bool(text: str) -> bool:
    """MXNet's "True" / "False" / "1" / "0"."""
    return text.strip().lower() in ("true", "1")


# ----------------------------------------------------------------------------------------------
# Building the ONNX graph


@dataclass
class Context:
    """Conversion state: MXNet nodes in, ONNX nodes and initializers out."""

    nodes: list[dict]
    params: dict[str, np.ndarray]
    fold: bool
    head: int
    consumers: list[list[int]] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # MXNet node index -> ONNX tensor with its output
    used: set[str] = field(default_factory=set)
    counts: Counter = field(default_factory=Counter)
    onnx_nodes: list = field(default_factory=list)
    inits: list = field(default_factory=list)

    def out(self, i: int) -> str:
        """The ONNX tensor name for MXNet node i's output: its MXNet name, or "embedding" for the head."""
        return OUTPUT if i == self.head else self.nodes[i]["name"]

    def const(self, name: str, array: np.ndarray) -> str:
        """Add an initializer (float64 arrays become float32) and return its name."""
        from onnx import numpy_helper

        if array.dtype == np.float64:
            array = array.astype(np.float32)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type: str, inputs: list[str], output: str, **attrs: Any) -> None:
        """Add one ONNX node writing tensor `output`."""
        from onnx import helper

        self.onnx_nodes.append(helper.make_node(op_type, inputs, [output], name=output, **attrs))

    def data(self, node: dict, k: int = 0) -> str:
        """The ONNX tensor feeding input k of `node` (an op's output or the network input)."""
        src, index, _ = node["inputs"][k]
        if index != 0 or src not in self.names:
            raise ValueError(f"{node['name']}: input {k} is output {index} of node {src}, not converted")
        return self.names[src]

    def param(self, node: dict, k: int) -> np.ndarray:
        """Input k of `node` as the weight array it names."""
        name = self.nodes[node["inputs"][k][0]]["name"]
        self.used.add(name)
        return self.params[name]

    def sole_consumer(self, i: int, op: str) -> int | None:
        """Index of the only node reading node i's output, if it has op `op` and i is not the head."""
        users = self.consumers[i]
        if i == self.head or len(users) != 1 or self.nodes[users[0]]["op"] != op:
            return None
        return users[0]


def attrs_of(node: dict, allowed: set[str]) -> dict[str, str]:
    """The node's attributes, refusing any that change the maths and are not handled."""
    attrs = node.get("attrs", node.get("attr", node.get("param", {})))
    ignorable = {"workspace", "cudnn_tune", "cudnn_off", "momentum", "use_global_stats", "layout"}
    unknown = {k for k in attrs if not k.startswith("__")} - allowed - ignorable
    if unknown:
        raise ValueError(f"{node['name']} ({node['op']}): attributes {sorted(unknown)} not handled")
    if attrs.get("layout", "NCHW") not in ("NCHW", "None"):
        raise ValueError(f"{node['name']}: layout {attrs['layout']}")
    return attrs


def bn_params(ctx: Context, bn: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """A BatchNorm's gamma, beta, moving mean, moving var (float32, (C,) each) and eps."""
    attrs = attrs_of(bn, {"eps", "fix_gamma", "axis", "output_mean_var"})
    if int(attrs.get("axis", "1")) != 1 or parse_bool(attrs.get("output_mean_var", "False")):
        raise ValueError(f"{bn['name']}: only axis 1 without output_mean_var is handled")
    gamma, beta, mean, var = (ctx.param(bn, k) for k in range(1, 5))
    if parse_bool(attrs.get("fix_gamma", "True")):  # MXNet's default is fix_gamma=True
        gamma = np.ones_like(gamma)
    return gamma, beta, mean, var, float(attrs.get("eps", BN_EPS_DEFAULT))


def bn_affine(ctx: Context, bn: dict) -> tuple[np.ndarray, np.ndarray]:
    """Inference BatchNorm as y = x * scale + shift per channel: float64 (C,), (C,)."""
    gamma, beta, mean, var, eps = bn_params(ctx, bn)
    scale = gamma.astype(np.float64) / np.sqrt(var.astype(np.float64) + eps)
    return scale, beta.astype(np.float64) - mean.astype(np.float64) * scale


def fold_bn(ctx: Context, i: int, w: np.ndarray, b: np.ndarray | None) -> tuple[str, np.ndarray, np.ndarray | None]:
    """If node i feeds only a BatchNorm (and folding is on), fold it into weights w (C_out, ...) and bias b.

    Returns the ONNX output name (the BatchNorm's, when folded) and the weights and bias to use.
    """
    j = ctx.sole_consumer(i, "BatchNorm") if ctx.fold else None
    if j is None:
        return ctx.out(i), w, b
    scale, shift = bn_affine(ctx, ctx.nodes[j])
    w = w.astype(np.float64) * scale.reshape(-1, *[1] * (w.ndim - 1))
    b = shift if b is None else b.astype(np.float64) * scale + shift
    ctx.names[j] = ctx.out(j)
    ctx.counts["BatchNorm (folded)"] += 1
    return ctx.out(j), w, b


def convolution(ctx: Context, i: int, node: dict) -> None:
    """Convolution, NCHW, weights (C_out, C_in / groups, kh, kw) -> Conv (+ a folded BatchNorm)."""
    attrs = attrs_of(node, {"kernel", "stride", "pad", "dilate", "num_filter", "num_group", "no_bias"})
    kernel = parse_tuple(attrs["kernel"])
    nd = len(kernel)
    w = ctx.param(node, 1)
    b = None if parse_bool(attrs.get("no_bias", "False")) else ctx.param(node, 2)
    if w.shape[0] != int(attrs["num_filter"]) or w.shape[2:] != kernel:
        raise ValueError(f"{node['name']}: weight shape {w.shape} does not match {attrs}")
    name, w, b = fold_bn(ctx, i, w, b)
    inputs = [ctx.data(node), ctx.const(f"{name}_W", w)] + ([ctx.const(f"{name}_B", b)] if b is not None else [])
    pad = parse_tuple(attrs.get("pad", str((0,) * nd)))
    ctx.op(
        "Conv",
        inputs,
        name,
        kernel_shape=list(kernel),
        strides=list(parse_tuple(attrs.get("stride", str((1,) * nd)))),
        pads=list(pad + pad),
        dilations=list(parse_tuple(attrs.get("dilate", str((1,) * nd)))),
        group=int(attrs.get("num_group", "1")),
    )
    ctx.names[i] = name


def fully_connected(ctx: Context, i: int, node: dict) -> None:
    """FullyConnected: (N, K) x W (num_hidden, K) -> (N, num_hidden) as Gemm (+ a folded BatchNorm)."""
    attrs = attrs_of(node, {"num_hidden", "no_bias", "flatten"})
    w = ctx.param(node, 1)
    b = None if parse_bool(attrs.get("no_bias", "False")) else ctx.param(node, 2)
    if w.shape[0] != int(attrs["num_hidden"]):
        raise ValueError(f"{node['name']}: weight shape {w.shape}, num_hidden {attrs['num_hidden']}")
    x = ctx.data(node)
    if parse_bool(attrs.get("flatten", "True")) and ctx.nodes[node["inputs"][0][0]]["op"] != "Flatten":
        ctx.op("Flatten", [x], f"{node['name']}_flatten", axis=1)
        x = f"{node['name']}_flatten"
    name, w, b = fold_bn(ctx, i, w, b)
    inputs = [x, ctx.const(f"{name}_W", w)] + ([ctx.const(f"{name}_B", b)] if b is not None else [])
    ctx.op("Gemm", inputs, name, transB=1)
    ctx.names[i] = name


def batch_norm(ctx: Context, i: int, node: dict) -> None:
    """A BatchNorm not folded into its producer -> BatchNormalization with MXNet's eps."""
    *arrays, eps = bn_params(ctx, node)
    name = ctx.out(i)
    consts = [ctx.const(f"{name}_{k}", v) for k, v in zip(("gamma", "beta", "mean", "var"), arrays, strict=True)]
    ctx.op("BatchNormalization", [ctx.data(node), *consts], name, epsilon=eps)
    ctx.names[i] = name


def clip_scalar(ctx: Context, i: int, node: dict) -> None:
    """_maximum_scalar a [then _minimum_scalar b] -> Clip(a, b); a lone one -> Max or Min with a scalar."""
    attrs = attrs_of(node, {"scalar"})
    value = np.array(float(attrs["scalar"]), np.float32)
    j = ctx.sole_consumer(i, "_minimum_scalar") if node["op"] == "_maximum_scalar" else None
    if j is None:
        name = ctx.out(i)
        op_type = "Max" if node["op"] == "_maximum_scalar" else "Min"
        ctx.op(op_type, [ctx.data(node), ctx.const(f"{name}_c", value)], name)
        ctx.names[i] = name
        return
    name = ctx.out(j)
    upper = np.array(float(attrs_of(ctx.nodes[j], {"scalar"})["scalar"]), np.float32)
    ctx.op("Clip", [ctx.data(node), ctx.const(f"{name}_min", value), ctx.const(f"{name}_max", upper)], name)
    ctx.names[i] = ctx.names[j] = name
    ctx.counts["_minimum_scalar (merged into Clip)"] += 1


def scalar_arith(ctx: Context, i: int, node: dict) -> None:
    """_minus_scalar / _mul_scalar: elementwise x - s / x * s with a float32 scalar."""
    value = np.array(float(attrs_of(node, {"scalar"})["scalar"]), np.float32)
    name = ctx.out(i)
    op_type = {"_minus_scalar": "Sub", "_mul_scalar": "Mul"}[node["op"]]
    ctx.op(op_type, [ctx.data(node), ctx.const(f"{name}_c", value)], name)
    ctx.names[i] = name


def elemwise_add(ctx: Context, i: int, node: dict) -> None:
    """elemwise_add of two same-shape tensors -> Add."""
    attrs_of(node, set())
    ctx.op("Add", [ctx.data(node, 0), ctx.data(node, 1)], ctx.out(i))
    ctx.names[i] = ctx.out(i)


def flatten(ctx: Context, i: int, node: dict) -> None:
    """Flatten (N, C, H, W) -> (N, C*H*W), C-order like MXNet's."""
    attrs_of(node, set())
    ctx.op("Flatten", [ctx.data(node)], ctx.out(i), axis=1)
    ctx.names[i] = ctx.out(i)


HANDLERS: dict[str, Callable[[Context, int, dict], None]] = {
    "Convolution": convolution,
    "FullyConnected": fully_connected,
    "BatchNorm": batch_norm,
    "_maximum_scalar": clip_scalar,
    "_minimum_scalar": clip_scalar,
    "_minus_scalar": scalar_arith,
    "_mul_scalar": scalar_arith,
    "elemwise_add": elemwise_add,
    "Flatten": flatten,
}


def make_context(symbol: dict, params: dict[str, np.ndarray], fold: bool) -> Context:
    """Index the symbol: who reads whom, which node is the output, which is the data input."""
    nodes = symbol["nodes"]
    if len(symbol["heads"]) != 1:
        raise ValueError(f"expected one output, the symbol has {len(symbol['heads'])}")
    ctx = Context(nodes=nodes, params=params, fold=fold, head=symbol["heads"][0][0])
    ctx.consumers = [[] for _ in nodes]
    for i, node in enumerate(nodes):
        for src, _, _ in node["inputs"]:
            ctx.consumers[src].append(i)
    data = [i for i, n in enumerate(nodes) if n["op"] == "null" and n["name"] not in params]
    if [nodes[i]["name"] for i in data] != ["data"]:
        raise ValueError(f"expected one data input, found {[nodes[i]['name'] for i in data]}")
    ctx.names[data[0]] = INPUT
    return ctx


def build(symbol: dict, params: dict[str, np.ndarray], fold: bool = True) -> tuple[Any, Counter]:
    """MXNet symbol + weights -> (checked onnx.ModelProto, count of MXNet ops converted)."""
    import onnx
    from onnx import TensorProto, helper

    ctx = make_context(symbol, params, fold)
    for i, node in enumerate(ctx.nodes):
        if node["op"] == "null" or i in ctx.names:  # weights, the input, or already merged into a producer
            continue
        if node["op"] not in HANDLERS:
            raise ValueError(f"{node['name']}: MXNet op {node['op']!r} is not handled")
        HANDLERS[node["op"]](ctx, i, node)
        ctx.counts[node["op"]] += 1
    unused = sorted(set(params) - ctx.used)
    if unused or ctx.head not in ctx.names:
        raise ValueError(f"unused parameters {unused} or unconverted output")
    graph = helper.make_graph(
        ctx.onnx_nodes,
        "mobileface_v2",
        [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["N", 3, SIZE, SIZE])],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["N", DIM])],
        ctx.inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="facesearch tools/mobileface_to_onnx.py",
        doc_string=(
            "MobileFace_Identification_V2 (becauseofAI/MobileFace, MIT) converted from MXNet. Input: float32 "
            "(N, 3, 112, 112) RGB, raw 0-255 values, face aligned to the 5-point 112 px ArcFace template. "
            "Output embedding: float32 (N, 256), not normalised."
        ),
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model, ctx.counts


def convert(symbol_path: Path, params_path: Path, out: Path, fold: bool = True) -> bytes:
    """Read the MXNet files, write the ONNX model to `out`, print a summary; returns the bytes written."""
    symbol_bytes, params_bytes = symbol_path.read_bytes(), params_path.read_bytes()
    for path, data in ((symbol_path, symbol_bytes), (params_path, params_bytes)):
        print(f"read {path} ({len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()})")
    params = read_params(params_bytes)
    print(f"{len(params)} arrays, {sum(a.size for a in params.values()):,} values")
    model, counts = build(json.loads(symbol_bytes), params, fold)
    print("converted: " + ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())))
    blob = model.SerializeToString(deterministic=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(blob)
    print(f"wrote {out}: {len(model.graph.node)} ONNX nodes, opset {OPSET}, {len(blob):,} bytes")
    print(f"sha256 {hashlib.sha256(blob).hexdigest()}")
    return blob


# ----------------------------------------------------------------------------------------------
# The reference for the unit test (needs cv2 and MXNet; see the module docstring)


def align_largest_face(image_bgr: np.ndarray) -> np.ndarray:
    """BGR photo (H, W, 3) uint8 -> RGB chip (112, 112, 3) uint8 of its largest YuNet face on TEMPLATE."""
    import cv2

    h, w = image_bgr.shape[:2]
    detector = cv2.FaceDetectorYN.create(str(YUNET), "", (w, h), 0.6, 0.3, 5000)
    _, faces = detector.detect(image_bgr)
    if faces is None or len(faces) == 0:
        raise ValueError("no face found")
    face = max(faces, key=lambda f: f[2] * f[3])
    landmarks = face[4:14].reshape(5, 2).astype(np.float32)
    matrix, _ = cv2.estimateAffinePartial2D(landmarks, TEMPLATE, method=cv2.LMEDS)
    chip = cv2.warpAffine(image_bgr, matrix, (SIZE, SIZE))
    return np.ascontiguousarray(chip[:, :, ::-1])


def mxnet_embed(symbol: Path, params: Path, chips: np.ndarray) -> np.ndarray:
    """MXNet's own forward pass (inference mode): (N, 112, 112, 3) uint8 RGB -> (N, 256) float32.

    MXNet's plain operators: its MKLDNN subgraph fusion (conv + BatchNorm, etc.) is switched off.
    """
    os.environ.setdefault("MXNET_SUBGRAPH_BACKEND", "NONE")
    import mxnet as mx

    sym = mx.sym.load(str(symbol))
    saved = mx.nd.load(str(params))
    args = {k[4:]: v for k, v in saved.items() if k.startswith("arg:")}
    aux = {k[4:]: v for k, v in saved.items() if k.startswith("aux:")}
    x = mx.nd.array(chips.transpose(0, 3, 1, 2).astype(np.float32))
    exe = sym.bind(mx.cpu(), {**args, "data": x}, aux_states=aux, grad_req="null")
    return exe.forward(is_train=False)[0].asnumpy().astype(np.float32)


def mxnet_embed_files(chips_in: Path, out: Path, symbol: Path, params: Path) -> None:
    """The hidden --mxnet-embed mode: chips .npy -> .npz with "embeddings" and "version" (MXNet's)."""
    import mxnet

    embeddings = mxnet_embed(symbol, params, np.load(chips_in))
    np.savez(out, embeddings=embeddings, version=np.array(f"mxnet {mxnet.__version__}, numpy {np.__version__}"))


def embed_in(python: str, symbol: Path, params: Path, chips: np.ndarray) -> tuple[np.ndarray, str]:
    """Run mxnet_embed in another interpreter (the one with MXNet): chips -> (embeddings, its versions)."""
    with tempfile.TemporaryDirectory() as tmp:
        chips_path, out = Path(tmp) / "chips.npy", Path(tmp) / "out.npz"
        np.save(chips_path, chips)
        cmd = [python, __file__, "--mxnet-embed", str(chips_path), str(out)]
        cmd += ["--symbol", str(symbol), "--params", str(params)]
        subprocess.run(cmd, check=True)
        with np.load(out) as result:
            return result["embeddings"], str(result["version"])


def write_reference(out: Path, symbol: Path, params: Path, python: str) -> None:
    """Store REFERENCE_PHOTOS' chips and MXNet's embeddings of them (run by `python`) in a compressed .npz."""
    import cv2

    chips = np.stack([align_largest_face(cv2.imread(str(ROOT / p), cv2.IMREAD_COLOR)) for p in REFERENCE_PHOTOS])
    embeddings, versions = embed_in(python, symbol, params, chips)
    made_with = f"{versions}; chips: opencv {cv2.__version__}"
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out, chips=chips, embeddings=embeddings, photos=np.array(REFERENCE_PHOTOS), made_with=np.array(made_with)
    )
    print(f"wrote {out}: chips {chips.shape} uint8 RGB, MXNet embeddings {embeddings.shape} ({made_with})")


def main(argv: list[str] | None = None) -> None:
    """Command line: convert (default), or write the test reference with --reference-out."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--symbol", type=Path, default=DEFAULT_SYMBOL, help="MXNet *-symbol.json")
    ap.add_argument("--params", type=Path, default=DEFAULT_PARAMS, help="MXNet *-0000.params")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"ONNX file to write (default: {DEFAULT_OUT})")
    ap.add_argument("--no-fold", action="store_true", help="keep BatchNorm as BatchNormalization nodes")
    ap.add_argument("--reference-out", type=Path, help="instead of converting, write the test reference .npz")
    ap.add_argument("--mxnet-python", default=sys.executable, help="interpreter with MXNet, for --reference-out")
    ap.add_argument("--mxnet-embed", nargs=2, type=Path, metavar=("CHIPS_NPY", "OUT_NPZ"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.mxnet_embed:
        mxnet_embed_files(*args.mxnet_embed, args.symbol, args.params)
    elif args.reference_out:
        write_reference(args.reference_out, args.symbol, args.params, args.mxnet_python)
    else:
        convert(args.symbol, args.params, args.out, fold=not args.no_fold)


if __name__ == "__main__":
    sys.exit(main())
