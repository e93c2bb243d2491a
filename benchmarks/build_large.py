"""Benchmark (not a test): the weekly JSON build on a 5,000-engineer, 52-week organisation.

    python3 benchmarks/build_large.py [--runs 5] [--engineers 5000] [--teams 60] [--weeks 52]

1. Generates the organisation once into benchmarks/data/ (git-ignored; reused when present).
2. Times `reporter build weekly --format json` as a whole process, several runs: wall time
   and peak RSS of each (os.wait4), reporting median / min / max.
3. Times the stages in-process (read+validate, prepare, metrics, JSON) to show where the time goes.

Figures are medians because these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import timed_process

HERE = Path(__file__).resolve().parent
PERIOD = "2026-W47"


def generate(folder: Path, engineers: int, teams: int, weeks: int) -> None:
    marker = folder / ".complete"
    if marker.exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "reporter.cli", "sample", "--out", str(folder), "--engineers",
                    str(engineers), "--teams", str(teams), "--weeks", str(weeks), "-q"], check=True)
    marker.write_text("ok\n")
    print(f"generated {folder} in {time.perf_counter() - started:.1f} s")


def run_once(folder: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one whole `reporter build` process."""
    cmd = [sys.executable, "-m", "reporter.cli", "build", "weekly", "--input", str(folder), "--period", PERIOD,
           "--format", "json", "--out", str(out), "-q"]
    return timed_process(cmd)


def stages(folder: Path) -> dict[str, float]:
    from reporter.build import compute_report, to_json
    from reporter.config import load_config
    from reporter.inputs.load import load_inputs
    from reporter.metrics.prepare import prepare
    from reporter.metrics.suite import Suite
    from reporter.periods import parse_period, preceding

    config = load_config(folder / "reporter.yaml")
    t0 = time.perf_counter()
    inputs = load_inputs(folder, config.tz)
    t1 = time.perf_counter()
    prep = prepare(inputs, config)
    t2 = time.perf_counter()
    period = parse_period("weekly", PERIOD)
    present = {k for k, v in inputs.present.items() if v}
    Suite(prep, config, period, preceding(period, 4), True).compute(present)
    t3 = time.perf_counter()
    doc = compute_report("weekly", folder, period_id=PERIOD)
    t4 = time.perf_counter()
    to_json(doc)
    t5 = time.perf_counter()
    return {"read+validate": t1 - t0, "prepare (AI, teams, attribution)": t2 - t1, "metric suite": t3 - t2,
            "JSON": t5 - t4}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--engineers", type=int, default=5000)
    parser.add_argument("--teams", type=int, default=60)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--no-stages", action="store_true")
    args = parser.parse_args()

    folder = HERE / "data" / f"org-{args.engineers}x{args.weeks}"
    generate(folder, args.engineers, args.teams, args.weeks)
    walls, peaks = [], []
    with tempfile.TemporaryDirectory() as out:
        for i in range(args.runs):
            wall, peak = run_once(folder, Path(out))
            walls.append(wall)
            peaks.append(peak)
            print(f"run {i + 1}: {wall:.2f} s wall, {peak:.0f} MiB peak RSS")
        doc = json.loads((Path(out) / "weekly" / PERIOD / "metrics.json").read_text())
    print("records:", ", ".join(f"{k} {v['rows']:,}" for k, v in doc["inputs"].items()))
    print(f"merged PRs in {PERIOD}: {doc['metrics']['merged_prs']['value']:,}; "
          f"in its baseline: {doc['metrics']['merged_prs']['baseline_n']:,}")
    print(f"whole process, {args.runs} runs: median {statistics.median(walls):.2f} s "
          f"(min {min(walls):.2f}, max {max(walls):.2f}); peak RSS median {statistics.median(peaks):.0f} MiB")

    if not args.no_stages:
        runs = [stages(folder) for _ in range(3)]
        print("stages in-process (median of 3):")
        for name in runs[0]:
            print(f"  {name:36s} {statistics.median(r[name] for r in runs):.2f} s")


if __name__ == "__main__":
    main()
