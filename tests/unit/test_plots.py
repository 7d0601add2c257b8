"""bench/plots.py on small results written by hand: PNG files of the documented size, and the errors it gives."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from bench.plots import ACCURACY_PX, LIBRARY_PX, accuracy_plot, library_plot
from facesearch.settings import ROOT

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
THRESHOLDS = [0.70, 0.75, 0.80, 0.85, 0.90, 0.95]


def config(detector: str, embedder: str, threshold: float, shift: float) -> dict:
    """A configuration of bench/accuracy.py's result on two sets; `shift` moves its curves along the threshold."""
    def curve(named_at_start: float) -> list[dict]:
        return [{"threshold": t, "named": max(0.0, named_at_start - 2 * max(0.0, t - 0.8 - shift)),
                 "strangers_named": max(0.0, 0.5 - 5 * (t - 0.7 - shift))} for t in THRESHOLDS]
    return {"detector": detector, "embedder": embedder,
            "joint": {"rule": "best", "threshold": threshold, "margin": 0.02,
                      "per_set": {"set-a": {"accepted": 0.95, "false_accepts": 0.01},
                                  "set-b": {"accepted": 0.9, "false_accepts": 0.0}},
                      "curve": {"set-a": curve(0.98), "set-b": curve(0.93)}}}


def accuracy_result() -> dict:
    return {"far": 0.01, "configs": [config("yunet", "reid0095", 0.8, 0.0), config("yunet", "fusion", 0.9, 0.1)]}


def library_result(embedder: str, chosen: bool) -> dict:
    """A result of bench/library.py: precision rises and recall falls with the threshold."""
    rows = [{"threshold": t, "recall": 1.0 - (t - 0.7) * 3, "precision": 0.5 + (t - 0.7) * 2,
             "returned": 100 - 100 * i // 6} for i, t in enumerate(THRESHOLDS)]
    pick = next((r for r in rows if r["precision"] >= 0.95), None) if chosen else None
    return {"detector": "yunet", "embedder": embedder, "accuracy": {"curve": rows, "chosen": pick, "map": 0.9786}}


def png_size(path: Path) -> tuple[int, int]:
    assert path.read_bytes()[:8] == PNG_MAGIC
    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


def test_accuracy_plot_writes_a_png_of_its_size(tmp_path: Path) -> None:
    out = accuracy_plot(accuracy_result(), tmp_path / "accuracy.png")
    assert out == tmp_path / "accuracy.png"
    assert png_size(out) == ACCURACY_PX == (1200, 800)


def test_a_configuration_without_a_curve_is_an_error_not_left_out(tmp_path: Path) -> None:
    result = accuracy_result()
    del result["configs"][1]["joint"]["curve"]
    with pytest.raises(ValueError, match="no joint.curve for yunet:fusion"):
        accuracy_plot(result, tmp_path / "accuracy.png")
    assert not (tmp_path / "accuracy.png").exists()


def test_library_plot_writes_a_png_of_its_size(tmp_path: Path) -> None:
    results = [library_result("reid0095", chosen=True), library_result("fusion", chosen=False)]  # no default: no dot
    out = library_plot(results, tmp_path / "deeper" / "library.png")
    assert out == tmp_path / "deeper" / "library.png"
    assert png_size(out) == LIBRARY_PX == (1200, 800)


def test_library_plot_needs_a_result(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no library result"):
        library_plot([], tmp_path / "library.png")


def test_the_script_writes_next_to_the_result_by_default(tmp_path: Path) -> None:
    source = tmp_path / "library-x.json"
    source.write_text(json.dumps(library_result("reid0095", chosen=True)))
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "plots.py"), "library", str(source)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"plot: {tmp_path / 'library-x.png'}"
    assert png_size(tmp_path / "library-x.png") == LIBRARY_PX
