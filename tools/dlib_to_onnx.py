"""Convert dlib's face descriptor ResNet (dlib_face_recognition_resnet_model_v1.dat) to ONNX.

    python tools/dlib_to_onnx.py [--dat PATH] [--out PATH] [--no-fold] [--verify]

The dlib-bin wheel has no `net_to_xml`, so this reads dlib's binary serialization of the network
directly (pure Python + numpy) and rebuilds the same graph with the `onnx` helpers. The network is
`anet_type` from dlib/tools/python/src/face_recognition.cpp (= dlib/examples/dnn_face_recognition_ex.cpp):

    loss_metric<fc_no_bias<128,avg_pool_everything<alevel0<alevel1<alevel2<alevel3<alevel4<
        max_pool<3,3,2,2,relu<affine<con<32,7,7,2,2,input_rgb_image_sized<150>>>>>>>>>>>>>

Format notes (dlib 20.0 sources: dlib/serialize.h, dlib/float_details.h, dlib/cuda/tensor.h,
dlib/dnn/core.h, layers.h, input.h, loss.h):
  * integers: one control byte (low 4 bits = byte count, 0x80 = negative), then that many
    little-endian magnitude bytes; bools: ASCII '1'/'0'; strings: integer length + bytes;
    float/double: integer mantissa then integer exponent (value = mantissa * 2**exponent).
  * tensor: int version 2, num_samples, k, nr, nc, then float32 little-endian values;
    alias_tensor: int version 1, num_samples, k, nr, nc (a view into the layer's `params`).
  * add_loss_layer: version, loss details, subnet. add_layer: version, subnet, details, 3 bools,
    x_grad, cached_output, [params_grad if version 2]. The bottom add_layer (over the input):
    version, input details, details, 3 bools, x_grad, cached_output, grad_final,
    [_sample_expansion_factor if version 3]. tag / skip layers: version, subnet.
    So the file is: loss, then the version of every layer from the top down, then the layers'
    contents from the input up.

Semantics reproduced (dlib/cuda/cpu_dlib.cpp):
  * input: (pixel - mean) / 256 per channel, mean RGB from the file (122.782, 117.001, 104.298),
    planes in R, G, B order.
  * con_: cross-correlation, output 1 + (n + 2*pad - k) // stride; padding stored in the file
    (0 for the stride-2 convs, 1 for 3x3 stride 1).
  * max_pool / avg_pool: window centred at (r*stride + k//2 - pad), i.e. plain ONNX pooling with
    symmetric pads; padding 0 here. avg_pool_everything = global average.
  * add_prev: output has the larger of each dimension; the smaller input is zero-padded at the end
    (channels and bottom/right). 150x150 goes 72 (7x7/2 conv) -> 35 (3x3/2 max pool) -> 17 -> 8 ->
    4 (main path 3x3 padded to the skip path's 4x4) -> 2 (main 1x1 padded to 2x2) -> global average.
  * affine_ (CONV mode): y = gamma[c] * x + beta[c]; folded into the preceding conv unless --no-fold.
  * fc_no_bias: y = x @ W with W of shape (num_inputs, num_outputs).

The ONNX model takes uint8 RGB chips (N, 150, 150, 3) named "chips" and returns float32 (N, 128)
"descriptors" (not normalised), like dlib's compute_face_descriptor. Output bytes are deterministic.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

DEFAULT_OUT = (
    Path(__file__).resolve().parents[1]
    / "facesearch"
    / "face"
    / "weights"
    / "dlib_face_recognition_resnet_model_v1.onnx"
)
OPSET = 13
IR_VERSION = 7


# ----------------------------------------------------------------------------------------------
# dlib's serialization primitives


class Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError(f"unexpected end of file at byte {self.pos}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def int(self) -> int:
        ctrl = self._take(1)[0]
        size = ctrl & 0x0F
        if size == 0 or size > 8 or ctrl & 0x70:
            raise ValueError(f"bad integer control byte {ctrl:#04x} at byte {self.pos - 1}")
        value = int.from_bytes(self._take(size), "little")
        return -value if ctrl & 0x80 else value

    def bool(self) -> bool:
        ch = self._take(1)
        if ch not in (b"0", b"1"):
            raise ValueError(f"bad bool {ch!r} at byte {self.pos - 1}")
        return ch == b"1"

    def float(self) -> float:
        if self.data[self.pos] & 0x70:
            raise ValueError(f"old ASCII float format at byte {self.pos} is not supported")
        mantissa, exponent = self.int(), self.int()
        if exponent >= 32000:  # float_details: is_inf, is_ninf, is_nan
            return {32000: math.inf, 32001: -math.inf}.get(exponent, math.nan)
        return math.ldexp(mantissa, exponent)

    def string(self) -> str:
        return self._take(self.int()).decode("ascii")

    def expect_version(self, allowed: tuple[int, ...], what: str) -> int:
        version = self.int()
        if version not in allowed:
            raise ValueError(f"{what}: version {version} not in {allowed}")
        return version

    def tensor(self) -> np.ndarray:
        self.expect_version((2,), "tensor")
        shape = tuple(self.int() for _ in range(4))
        count = math.prod(shape)
        return np.frombuffer(self._take(4 * count), dtype="<f4").reshape(shape).astype(np.float32)

    def alias(self) -> tuple[int, int, int, int]:
        self.expect_version((1,), "alias_tensor")
        return tuple(self.int() for _ in range(4))  # type: ignore[return-value]


def view(params: np.ndarray, shape: tuple[int, ...], offset: int) -> np.ndarray:
    """alias_tensor(shape)(params, offset): a slice of a layer's flat parameter tensor."""
    flat = params.reshape(-1)
    n = math.prod(shape)
    if offset + n > flat.size:
        raise ValueError("alias_tensor runs past the parameter tensor")
    return flat[offset : offset + n].reshape(shape)


# ----------------------------------------------------------------------------------------------
# The network's structure, outermost layer first, as in the C++ template


@dataclass
class Node:
    kind: str  # con, affine, relu, max_pool, avg_pool, add_prev, fc, tag, skip
    args: tuple = ()
    params: dict = field(default_factory=dict)


def block(n: int, stride: int) -> list[Node]:
    # BN<con<N,3,3,1,1,relu<BN<con<N,3,3,stride,stride,SUBNET>>>>> with BN = affine
    return [Node("affine"), Node("con", (n, 3, 1)), Node("relu"), Node("affine"), Node("con", (n, 3, stride))]


def ares(n: int) -> list[Node]:
    # relu<add_prev1<block<N,affine,1,tag1<SUBNET>>>>
    return [Node("relu"), Node("add_prev", (1,)), *block(n, 1), Node("tag", (1,))]


def ares_down(n: int) -> list[Node]:
    # relu<add_prev2<avg_pool<2,2,2,2,skip1<tag2<block<N,affine,2,tag1<SUBNET>>>>>>>
    return [
        Node("relu"),
        Node("add_prev", (2,)),
        Node("avg_pool", (2, 2)),
        Node("skip", (1,)),
        Node("tag", (2,)),
        *block(n, 2),
        Node("tag", (1,)),
    ]


def anet_type() -> list[Node]:
    return [
        Node("fc", (128,)),
        Node("avg_pool", (0, 1)),  # avg_pool_everything
        *ares_down(256),  # alevel0
        *ares(256), *ares(256), *ares_down(256),  # alevel1
        *ares(128), *ares(128), *ares_down(128),  # alevel2
        *ares(64), *ares(64), *ares(64), *ares_down(64),  # alevel3
        *ares(32), *ares(32), *ares(32),  # alevel4
        Node("max_pool", (3, 2)),
        Node("relu"),
        Node("affine"),
        Node("con", (32, 7, 2)),
    ]  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Parsing


def read_details(r: Reader, node: Node) -> None:
    name = r.string()
    p = node.params
    if node.kind == "con":
        if name not in ("con_4", "con_5", "con_6"):
            raise ValueError(f"expected con_, found {name!r}")
        params = r.tensor()
        num_filters, nr, nc, sy, sx, py, px = (r.int() for _ in range(7))
        want_n, want_k, want_s = node.args
        if (num_filters, nr, nc, sy, sx) != (want_n, want_k, want_k, want_s, want_s):
            raise ValueError(f"con_ shape {(num_filters, nr, nc, sy, sx)} != {node.args}")
        filters, biases = r.alias(), r.alias()
        for _ in range(4):  # learning rate / weight decay multipliers
            r.float()
        use_bias = r.bool() if name in ("con_5", "con_6") else True
        if name == "con_6" and r.bool():
            raise ValueError("con_ with a fused relu is not handled")
        w = view(params, filters, 0)
        b = view(params, biases, w.size).reshape(-1) if use_bias else np.zeros(num_filters, np.float32)
        p.update(w=w, b=b, stride=sy, pad=(py, px))
    elif node.kind == "affine":
        if name not in ("affine_", "affine_2"):
            raise ValueError(f"expected affine_ (bn_ is not handled), found {name!r}")
        params = r.tensor()
        gamma, beta = r.alias(), r.alias()
        mode = r.int()
        if name == "affine_2" and r.bool():
            raise ValueError("disabled affine_ layer is not handled")
        g = view(params, gamma, 0)
        b = view(params, beta, g.size)
        if mode == 0 or g.shape[2:] == (1, 1):  # CONV_MODE, or FC_MODE over 1x1 planes: per channel
            g, b = g.reshape(-1), b.reshape(-1)
        else:
            raise ValueError("affine_ in FC_MODE over spatial planes is not handled")
        p.update(gamma=g, beta=b, mode=mode)
    elif node.kind == "relu":
        if name == "relu_2":
            if r.bool():
                raise ValueError("disabled relu_ is not handled")
        elif name != "relu_":
            raise ValueError(f"expected relu_, found {name!r}")
    elif node.kind in ("max_pool", "avg_pool"):
        if name != node.kind + "_2":
            raise ValueError(f"expected {node.kind}_2, found {name!r}")
        nr, nc, sy, sx, py, px = (r.int() for _ in range(6))
        k, s = node.args
        if (nr, nc, sy, sx) != (k, k, s, s) or (py, px) != ((0, 0) if s != 1 else (k // 2, k // 2)):
            raise ValueError(f"{node.kind} {(nr, nc, sy, sx, py, px)} does not match {node.args}")
        p.update(pad=(py, px))
    elif node.kind == "add_prev":
        if name != "add_prev_":
            raise ValueError(f"expected add_prev_, found {name!r}")
    elif node.kind == "fc":
        if name not in ("fc_2", "fc_3"):
            raise ValueError(f"expected fc_, found {name!r}")
        num_outputs, num_inputs = r.int(), r.int()
        params = r.tensor()
        weights, _biases = r.alias(), r.alias()
        if r.int() != 1:  # fc_bias_mode FC_NO_BIAS
            raise ValueError("expected fc_no_bias")
        for _ in range(4):
            r.float()
        if name == "fc_3":
            r.bool()
        if num_outputs != node.args[0]:
            raise ValueError(f"fc_ has {num_outputs} outputs")
        p.update(w=view(params, weights, 0).reshape(num_inputs, num_outputs))
    else:
        raise AssertionError(node.kind)


def read_trailer(r: Reader, bottom_version: int | None = None) -> None:
    """What add_layer writes after its layer's details (flags and scratch tensors, all ignored)."""
    for _ in range(3):
        r.bool()
    r.tensor()  # x_grad
    r.tensor()  # cached_output
    if bottom_version is not None:
        r.tensor()  # grad_final
        if bottom_version == 3:
            r.int()  # _sample_expansion_factor


def parse(data: bytes) -> tuple[dict, list[Node]]:
    r = Reader(data)
    nodes = anet_type()
    r.expect_version((1,), "add_loss_layer")
    loss = r.string()
    if loss == "loss_metric_2":
        r.float(), r.float()
    elif loss != "loss_metric_":
        raise ValueError(f"expected loss_metric_, found {loss!r}")

    versions = []
    for node in nodes[:-1]:  # top-down: each layer's version comes before its subnet
        allowed = (1,) if node.kind in ("tag", "skip") else (1, 2)
        versions.append(r.expect_version(allowed, f"{node.kind} layer"))
    bottom_version = r.expect_version((2, 3), "input add_layer")

    if r.string() != "input_rgb_image_sized":
        raise ValueError("expected input_rgb_image_sized")
    mean = np.array([r.float(), r.float(), r.float()], dtype=np.float32)
    size = (r.int(), r.int())
    if size != (150, 150):
        raise ValueError(f"input size {size}")
    read_details(r, nodes[-1])
    read_trailer(r, bottom_version)

    for node, version in zip(reversed(nodes[:-1]), reversed(versions), strict=True):  # bottom-up contents
        if node.kind in ("tag", "skip"):
            continue
        read_details(r, node)
        read_trailer(r)
        if version == 2:
            r.tensor()  # params_grad
    if r.pos != len(data):
        raise ValueError(f"{len(data) - r.pos} bytes left over after the network")
    return {"mean": mean, "size": size[0], "loss": loss}, nodes


# ----------------------------------------------------------------------------------------------
# ONNX graph


def build(info: dict, nodes: list[Node], fold: bool):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph_nodes, inits = [], []
    counter = {"n": 0}

    def name(prefix: str) -> str:
        counter["n"] += 1
        return f"{prefix}_{counter['n']}"

    def const(prefix: str, array: np.ndarray) -> str:
        n = name(prefix)
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), n))
        return n

    def op(op_type: str, inputs: list[str], prefix: str | None = None, **attrs) -> str:
        out = name(prefix or op_type.lower())
        graph_nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    size = info["size"]
    x = op("Cast", ["chips"], "input_f", to=TensorProto.FLOAT)
    x = op("Sub", [x, const("mean_rgb", info["mean"])])
    x = op("Mul", [x, const("inv256", np.array(1.0 / 256.0, dtype=np.float32))])
    x = op("Transpose", [x], "input_nchw", perm=[0, 3, 1, 2])
    shape = (3, size, size)  # (channels, rows, cols) of x, the current output
    tags: dict[int, tuple[str, tuple]] = {}
    counts: dict[str, int] = {}

    bottom_up = list(reversed(nodes))
    i = 0
    while i < len(bottom_up):
        node = bottom_up[i]
        counts[node.kind] = counts.get(node.kind, 0) + 1
        p = node.params
        if node.kind == "con":
            w, b = p["w"].astype(np.float64), p["b"].astype(np.float64)
            nxt = bottom_up[i + 1] if i + 1 < len(bottom_up) else None
            if fold and nxt is not None and nxt.kind == "affine":
                g, beta = nxt.params["gamma"].astype(np.float64), nxt.params["beta"].astype(np.float64)
                w, b = w * g[:, None, None, None], b * g + beta
                counts["affine"] = counts.get("affine", 0) + 1
                i += 1
            py, px = p["pad"]
            s = p["stride"]
            x = op(
                "Conv",
                [x, const("W", w.astype(np.float32)), const("B", b.astype(np.float32))],
                kernel_shape=list(w.shape[2:]),
                strides=[s, s],
                pads=[py, px, py, px],
            )
            k = w.shape[2]
            shape = (w.shape[0], 1 + (shape[1] + 2 * py - k) // s, 1 + (shape[2] + 2 * px - k) // s)
        elif node.kind == "affine":
            g = p["gamma"].reshape(1, -1, 1, 1)
            x = op("Mul", [x, const("gamma", g)])
            x = op("Add", [x, const("beta", p["beta"].reshape(1, -1, 1, 1))])
        elif node.kind == "relu":
            x = op("Relu", [x])
        elif node.kind in ("max_pool", "avg_pool"):
            k, s = node.args
            if k == 0:
                x = op("GlobalAveragePool", [x])
                shape = (shape[0], 1, 1)
            else:
                py, px = p["pad"]
                x = op(
                    "MaxPool" if node.kind == "max_pool" else "AveragePool",
                    [x],
                    kernel_shape=[k, k],
                    strides=[s, s],
                    pads=[py, px, py, px],
                )
                shape = (shape[0], 1 + (shape[1] + 2 * py - k) // s, 1 + (shape[2] + 2 * px - k) // s)
        elif node.kind == "tag":
            tags[node.args[0]] = (x, shape)
        elif node.kind == "skip":
            x, shape = tags[node.args[0]]
        elif node.kind == "add_prev":
            y, yshape = tags[node.args[0]]
            out = tuple(max(a, c) for a, c in zip(shape, yshape, strict=True))
            padded = []
            for t, tshape in ((x, shape), (y, yshape)):
                if tshape != out:  # zero-pad at the end of channels, rows and cols, like tt::add
                    ends = [o - d for o, d in zip(out, tshape, strict=True)]
                    t = op("Pad", [t, const("pads", np.array([0, 0, 0, 0, 0, *ends], dtype=np.int64))])
                padded.append(t)
            x = op("Add", padded)
            shape = out
        elif node.kind == "fc":
            x = op("Flatten", [x], axis=1)
            if p["w"].shape[0] != math.prod(shape):
                raise ValueError(f"fc_ expects {p['w'].shape[0]} inputs, gets {shape}")
            x = op("MatMul", [x, const("fc_W", p["w"])])
            shape = (p["w"].shape[1],)
        i += 1

    graph_nodes.append(helper.make_node("Identity", [x], ["descriptors"], name="descriptors"))
    graph = helper.make_graph(
        graph_nodes,
        "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("chips", TensorProto.UINT8, ["N", size, size, 3])],
        [helper.make_tensor_value_info("descriptors", TensorProto.FLOAT, ["N", shape[0]])],
        inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="facesearch tools/dlib_to_onnx.py",
        doc_string=(
            "dlib_face_recognition_resnet_model_v1 (dlib, public domain) converted to ONNX. "
            "Input chips: uint8 RGB (N, 150, 150, 3) aligned face chips (dlib.get_face_chip, size 150, "
            "padding 0.25). Output descriptors: float32 (N, 128), not normalised, equal to "
            "dlib's compute_face_descriptor."
        ),
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model, counts, shape


# ----------------------------------------------------------------------------------------------


def verify(out: Path, dat: Path) -> None:
    """Compare with dlib on a few random 150x150 chips (dlib and onnxruntime must be installed)."""
    import dlib
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    chips = rng.integers(0, 256, size=(4, 150, 150, 3), dtype=np.uint8)
    net = dlib.face_recognition_model_v1(str(dat))
    ref = np.array(net.compute_face_descriptor(list(chips)), dtype=np.float32)
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"chips": chips})[0]
    diff = float(np.abs(ref - got).max())
    cos = float(np.min(np.sum(ref * got, 1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(got, axis=1)))
    print(f"verify: 4 random chips vs dlib: max |diff| {diff:.2e}, min cosine {cos:.9f}")
    if diff > 1e-4:
        raise SystemExit("verify: ONNX output differs from dlib")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dat", type=Path, help="dlib .dat (default: the face_recognition_models package's)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"ONNX file to write (default: {DEFAULT_OUT})")
    ap.add_argument("--no-fold", action="store_true", help="keep affine layers as Mul/Add, not folded into convs")
    ap.add_argument("--verify", action="store_true", help="compare the result with dlib on random chips")
    args = ap.parse_args(argv)

    start = time.perf_counter()
    dat = args.dat
    if dat is None:
        import face_recognition_models

        dat = Path(face_recognition_models.face_recognition_model_location())
    data = dat.read_bytes()
    print(f"read {dat} ({len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}...)")
    info, nodes = parse(data)
    n_params = sum(v.size for n in nodes for v in n.params.values() if isinstance(v, np.ndarray) and v.ndim)
    print(
        f"parsed {info['loss']} network: {len(nodes)} layers (tags/skips included), "
        f"{n_params:,} parameters, input {info['size']}x{info['size']} RGB, mean {info['mean'].tolist()}, /256"
    )
    model, counts, out_shape = build(info, nodes, fold=not args.no_fold)
    summary = ", ".join(f"{k} x{v}" for k, v in sorted(counts.items()))
    print(
        f"built graph: {summary}; affine {'folded into convs' if not args.no_fold else 'kept'}; "
        f"{len(model.graph.node)} ONNX nodes, opset {OPSET}, output {out_shape}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    blob = model.SerializeToString(deterministic=True)
    args.out.write_bytes(blob)
    print(
        f"wrote {args.out} ({len(blob):,} bytes, sha256 {hashlib.sha256(blob).hexdigest()[:16]}...) "
        f"in {time.perf_counter() - start:.1f} s"
    )
    if args.verify:
        verify(args.out, dat)


if __name__ == "__main__":
    sys.exit(main())
