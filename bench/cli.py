"""How fast the command line answers: `--help`, and `find` on an indexed folder with the stack warm.

A private stack (free ports, its own state) with the sample people imported and a copy of library/samples
under its library root, indexed once. Then, each run a new process as a user's would be:
  help:       python -m facesearch --help
  find (API): python -m facesearch find -q look_for/Ted_Lieu.jpg -t <root>/samples  (the API does the work)
  find (here): the same with FACESEARCH_CLI_LOCAL=1 (the command loads the detector and a Weaviate client)
The median of --runs runs each (3 unless set), interleaved; and `python -X importtime`'s three slowest
imports of the in-process find, the cost the API path avoids.

Usage: .venv/bin/python bench/cli.py [--runs 3] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import goal, print_machine, running_stack, write_result  # noqa: E402
from facesearch.local.stack import settings_env  # noqa: E402
from facesearch.settings import ROOT  # noqa: E402

QUERY = ROOT / "look_for" / "Ted_Lieu.jpg"


def run(command: list[str], env: dict[str, str]) -> float:
    """Seconds one command took, wall clock; it must succeed."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return seconds


def slowest_imports(command: list[str], env: dict[str, str], n: int = 3) -> list[tuple[str, float]]:
    """The `n` top-level imports with the largest cumulative time (s) when `command` runs with -X importtime."""
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    rows = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[2].startswith(" ") and not parts[2].startswith("  ") and parts[1].strip().isdigit():
            rows.append((parts[2].strip(), int(parts[1]) / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="one run each")
    args = parser.parse_args()
    runs = 1 if args.smoke else args.runs
    result = {"machine": print_machine(), "runs": runs}
    with tempfile.TemporaryDirectory(prefix="facesearch-cli-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "images", work / "images")
        shutil.copytree(ROOT / "library" / "samples", work / "library" / "samples")
        with running_stack(work, work / "images", library_root=work / "library") as (settings, _):
            env = {**os.environ, **settings_env(settings)}
            py = [sys.executable, "-m", "facesearch"]
            run(py + ["import"], env)
            find = py + ["find", "-q", str(QUERY), "-t", str(work / "library" / "samples")]
            run(find, {**env, "FACESEARCH_CLI_LOCAL": "1"})  # indexes the folder once
            commands = {"help": (py + ["--help"], env), "find (API)": (find, env),
                        "find (here)": (find, {**env, "FACESEARCH_CLI_LOCAL": "1"})}
            times: dict[str, list[float]] = {name: [] for name in commands}
            for _ in range(runs):
                for name, (command, command_env) in commands.items():
                    times[name].append(run(command, command_env))
            imports = slowest_imports(find, {**env, "FACESEARCH_CLI_LOCAL": "1"})
    print(f"command line, median of {runs} run(s), wall clock:")
    for name, seconds in times.items():
        print(f"  {name:<12} {statistics.median(seconds):6.2f} s   (runs: {', '.join(f'{s:.2f}' for s in seconds)})")
    print("  slowest imports of find (here): " + ", ".join(f"{m} {s:.2f} s" for m, s in imports))
    print(goal("--help <= 0.3 s", statistics.median(times["help"]) <= 0.3))
    print(goal("find on an indexed folder, stack warm <= 1.5 s", statistics.median(times["find (API)"]) <= 1.5))
    result["seconds"] = {name: {"median": statistics.median(s), "runs": s} for name, s in times.items()}
    result["slowest_imports"] = imports
    print(f"result: {write_result('cli', result)}")


if __name__ == "__main__":
    main()
