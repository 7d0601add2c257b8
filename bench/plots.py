"""Plots of benchmark results as PNG: naming over the threshold (accuracy), find's precision against recall (library).

- accuracy: one column per set of the run. Top row: enrolled people named right (%); bottom row: strangers named
  (%), with the allowed share (the run's `far`). One colour per configuration (detector:embedder), each at its own
  chosen rule and margin; a dotted line and a dot at its chosen threshold. The curves are the result's
  `joint.curve`: a configuration without one is an error (ValueError), never left out, so that a plot cannot
  compare fewer configurations than the run measured.
- library: precision against recall of find over thresholds, one line per result, its default threshold (the
  lowest with precision >= 0.95) marked.

Thresholds are certainties (0 .. 1). The results hold shares as fractions; the accuracy plot draws them in percent.
Images are PNG, ACCURACY_PX and LIBRARY_PX (width, height) pixels. matplotlib is in requirements-dev.lock only:
facesearch never imports it.

Usage: .venv/bin/python bench/plots.py accuracy RESULT.json [--out PNG]
       .venv/bin/python bench/plots.py library RESULT.json [RESULT.json ...] [--out PNG]
The PNG is written next to the first RESULT.json (its name, .png) unless --out says where.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

matplotlib.use("Agg")  # files only, no display; before pyplot is imported

import matplotlib.pyplot as plt  # noqa: E402

DPI = 100
ACCURACY_PX = (1200, 800)
"""The accuracy plot's (width, height) in pixels."""
LIBRARY_PX = (1200, 800)
"""The library plot's (width, height) in pixels."""
PRECISION = 0.95
"""The precision bench/library.py's default threshold must reach (its PRECISION)."""
NAMED_FLOOR = 60.0
"""The named-right panels show NAMED_FLOOR .. 100 % (lower when a chosen point is below it)."""
STRANGERS_CEILING = 10.0
"""The strangers-named panels show 0 .. STRANGERS_CEILING % (higher when the allowed share is above a third of it)."""
FONT = {"font.size": 11, "axes.titlesize": 12, "legend.fontsize": 10}
LABEL_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}
"""A white box behind a value written over the lines."""


def label(item: dict) -> str:
    """A configuration's or result's name: "detector:embedder"."""
    return f"{item['detector']}:{item['embedder']}"


def inches(px: tuple[int, int]) -> tuple[float, float]:
    return px[0] / DPI, px[1] / DPI


def save(fig: Figure, out: Path) -> Path:
    """Write the figure as PNG at DPI (its pixel size is its size in inches x DPI) and close it."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(out, format="png", dpi=DPI)
    finally:
        plt.close(fig)
    return out


def set_names(configs: list[dict]) -> list[str]:
    """The sets of the configurations' curves, in the order they first appear."""
    return list(dict.fromkeys(name for c in configs for name in c["joint"]["curve"]))


def check_curves(configs: list[dict]) -> None:
    if not configs:
        raise ValueError("the accuracy result has no configs")
    missing = [label(c) for c in configs if "curve" not in c["joint"]]
    if missing:
        raise ValueError(f"no joint.curve for {', '.join(missing)}: the result was written by a bench/accuracy.py "
                         "that did not keep its curves; run it again")


def named_floor(configs: list[dict]) -> float:
    """The named-right panels' lowest percent: NAMED_FLOOR, or 10 below the lowest chosen point, in tens."""
    lowest = min((100 * s["accepted"] for c in configs for s in c["joint"].get("per_set", {}).values()), default=100.0)
    return max(0.0, min(NAMED_FLOOR, 10 * math.floor(lowest / 10) - 10))


def accuracy_plot(result: dict, out: Path) -> Path:
    """Named right (top row) and strangers named (bottom row) over the threshold, one column per set, one colour per
    configuration at its chosen rule and margin; the PNG written to `out`. ValueError when a configuration has no
    `joint.curve` (or there is none)."""
    configs = result["configs"]
    check_curves(configs)
    sets = set_names(configs)
    far = 100 * result["far"]
    with plt.rc_context(FONT):
        fig, axes = plt.subplots(2, len(sets), figsize=inches(ACCURACY_PX), dpi=DPI, sharex="col", sharey="row",
                                 squeeze=False, layout="constrained")
        for i, config in enumerate(configs):
            draw_config(axes, sets, config, f"C{i % 10}")
        dress_accuracy(fig, axes, sets, far, named_floor(configs))
        return save(fig, out)


def draw_config(axes: np.ndarray, sets: list[str], config: dict, colour: str) -> None:
    """One configuration's curves in every panel, and its chosen threshold: a dotted line, a dot with its percent."""
    joint = config["joint"]
    t = joint["threshold"]
    name = f"{label(config)} ({joint['rule']}, threshold {t:g}, margin {joint['margin']:g})"
    for col, set_name in enumerate(sets):
        rows = joint["curve"].get(set_name)
        if not rows:
            continue
        chosen = joint.get("per_set", {}).get(set_name)
        x = [r["threshold"] for r in rows]
        # Both curves fall as the threshold rises: the value goes below left of a named dot, above right of a
        # strangers one, where its own curve is not.
        for ax, key, chosen_key, offset, align in ((axes[0, col], "named", "accepted", (-6, -16), "right"),
                                                   (axes[1, col], "strangers_named", "false_accepts", (6, 5), "left")):
            ax.plot(x, [100 * r[key] for r in rows], color=colour, linewidth=1.8, label=name)
            ax.axvline(t, color=colour, linestyle=":", linewidth=1.3)
            if chosen is not None:
                y = 100 * chosen[chosen_key]
                ax.plot([t], [y], "o", color=colour, markersize=7, zorder=3)
                ax.annotate(f"{y:.1f}%", (t, y), xytext=offset, textcoords="offset points", ha=align, color=colour,
                            fontsize=10, fontweight="bold", zorder=4, bbox=LABEL_BOX)


def dress_accuracy(fig: Figure, axes: np.ndarray, sets: list[str], far: float, floor: float) -> None:
    """Titles, axis labels and ranges, the allowed line, the legend."""
    for col, set_name in enumerate(sets):
        top, bottom = axes[0, col], axes[1, col]
        top.set_title(f"{set_name}: enrolled people named right")
        bottom.set_title(f"{set_name}: strangers named")
        bottom.axhline(far, color="0.3", linestyle="--", linewidth=1.2)
        bottom.text(0.01, far, f"allowed {far:g}%", transform=bottom.get_yaxis_transform(), va="bottom", color="0.3")
        bottom.set_xlabel("threshold (certainty)")
        for ax in (top, bottom):
            ax.grid(True, alpha=0.3)
    axes[0, 0].set_ylabel("named right (%)")
    axes[1, 0].set_ylabel("strangers named (%)")
    axes[0, 0].set_ylim(floor, 100.5)
    axes[1, 0].set_ylim(-0.25, max(STRANGERS_CEILING, 3 * far))
    fig.suptitle("Named right vs strangers named, over the threshold", fontsize=14, fontweight="bold")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    fig.legend(unique.values(), unique.keys(), loc="outside lower center", ncols=min(len(unique), 2))


def library_plot(results: list[dict], out: Path) -> Path:
    """Find's precision (y) against recall (x) over the threshold, one line per result, its default threshold a dot;
    the PNG written to `out`. ValueError when there is no result."""
    if not results:
        raise ValueError("no library result to plot")
    with plt.rc_context(FONT):
        fig, ax = plt.subplots(figsize=inches(LIBRARY_PX), dpi=DPI, layout="constrained")
        for i, result in enumerate(results):
            draw_library(ax, result, f"C{i % 10}", i)
        ax.axhline(PRECISION, color="0.3", linestyle="--", linewidth=1.2)
        ax.text(0.01, PRECISION, f"precision {PRECISION:g}", transform=ax.get_yaxis_transform(), va="bottom",
                color="0.3")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.03)
        ax.set_xlabel("recall (share of the identity's other photos returned)")
        ax.set_ylabel("precision (share of the returned photos that are the identity)")
        ax.set_title("Find in the library: precision against recall, over the threshold", fontsize=14,
                     fontweight="bold")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="lower left")
        return save(fig, out)


def draw_library(ax: Axes, result: dict, colour: str, index: int) -> None:
    """One result's curve and, when it has one, its default threshold: a dot, and "default <threshold>" stacked by
    `index` below the top right corner (where a precision-recall curve seldom goes), a line to its dot."""
    acc = result["accuracy"]
    rows = acc["curve"]
    ax.plot([r["recall"] for r in rows], [r["precision"] for r in rows], color=colour, linewidth=1.8,
            marker=".", markersize=4, label=f"{label(result)}, mAP {acc['map']:.3f}")
    chosen = acc.get("chosen")
    if chosen:
        ax.plot([chosen["recall"]], [chosen["precision"]], "o", color=colour, markersize=9, zorder=3)
        ax.annotate(f"default {chosen['threshold']:g}", (chosen["recall"], chosen["precision"]),
                    xytext=(0.8, 0.8 - 0.08 * index), textcoords="axes fraction", ha="right", color=colour,
                    fontsize=11, fontweight="bold", bbox={**LABEL_BOX, "boxstyle": "round", "edgecolor": colour},
                    arrowprops={"arrowstyle": "-", "color": colour, "linewidth": 1})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    kinds = parser.add_subparsers(dest="kind", required=True)
    accuracy = kinds.add_parser("accuracy", help="a bench/accuracy.py result")
    accuracy.add_argument("results", type=Path, nargs=1, metavar="RESULT.json")
    library = kinds.add_parser("library", help="bench/library.py results, one line each")
    library.add_argument("results", type=Path, nargs="+", metavar="RESULT.json")
    for sub in (accuracy, library):
        sub.add_argument("--out", type=Path, help="the PNG to write (default: the first RESULT.json, .png)")
    args = parser.parse_args()
    loaded = [json.loads(p.read_text()) for p in args.results]
    out = args.out or args.results[0].with_suffix(".png")
    try:
        written = accuracy_plot(loaded[0], out) if args.kind == "accuracy" else library_plot(loaded, out)
    except ValueError as e:
        raise SystemExit(f"{args.results[0]}: {e}") from None
    print(f"plot: {written}")


if __name__ == "__main__":
    main()
