"""Wall and CPU time of the whole test suite: this checkout against another (an earlier commit's
clone), run alternately so that both see the same load on a shared machine.

    python benchmarks/suite_time.py --baseline ../old [--runs 3] [--args "-n auto"] [--baseline-args ""]

Each run is `python -m pytest -q -p no:cacheprovider ARGS` in the checkout's folder, so that the
checkout's own `reporter` is imported (the current directory comes first on sys.path). Prints each
run, then the medians and their ratio. Tests that fail or skip make the comparison void: the script
says so.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path


def run(folder: Path, args: str) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of pytest and everything it started, pytest's summary line)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *shlex.split(args)],
                          cwd=folder, capture_output=True, text=True, env={**os.environ, "CI": "1"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    if done.returncode != 0 or re.search(r"\b(failed|error|errors)\b", summary):
        print(f"  {folder}: the suite did not pass ({summary}): its time is no measure", file=sys.stderr)
    return wall, cpu, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True, help="another checkout to compare with")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--args", default="-n auto", help="pytest options for this checkout")
    parser.add_argument("--baseline-args", default="", help="pytest options for the baseline")
    ns = parser.parse_args()
    here = Path(__file__).resolve().parent.parent
    times: dict[str, list[tuple[float, float]]] = {"this": [], "baseline": []}
    for k in range(ns.runs):
        for name, folder, args in (("baseline", ns.baseline.resolve(), ns.baseline_args), ("this", here, ns.args)):
            wall, cpu, summary = run(folder, args)
            times[name].append((wall, cpu))
            print(f"run {k + 1} {name:8} wall {wall:6.1f} s  cpu {cpu:6.1f} s  {summary}", flush=True)
    med = {name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t)) for name, t in times.items()}
    for name, (wall, cpu) in med.items():
        print(f"median {name:8} wall {wall:6.1f} s  cpu {cpu:6.1f} s")
    print(f"this / baseline: wall {med['this'][0] / med['baseline'][0]:.2f}, cpu {med['this'][1] / med['baseline'][1]:.2f}")


if __name__ == "__main__":
    main()
