"""Every benchmark script runs end to end on tiny inputs (`--smoke`), so none of them rots.

No timing is asserted: a smoke run only has to finish, print the machine it ran on and write its result.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from facesearch.settings import ROOT

SCRIPTS = ["accuracy", "latency", "import", "scale", "library", "detect", "fusion", "load", "cli", "bombs", "transfer",
           "formats", "camera", "cluster"]


@pytest.mark.integration
@pytest.mark.parametrize("name", SCRIPTS)
def test_bench_smoke(name: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), "--smoke"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    output = f"{done.stdout[-6000:]}\n{done.stderr[-4000:]}"
    assert done.returncode == 0, f"bench/{name}.py --smoke failed:\n{output}"
    assert "machine: " in done.stdout, output
    written = [line.removeprefix("result: ") for line in done.stdout.splitlines() if line.startswith("result: ")]
    assert written, f"bench/{name}.py printed no result file:\n{output}"
    result = json.loads(Path(written[-1]).read_text())
    assert result["machine"]["cores"] >= 1
    assert result["machine"]["cpu"]
