"""Benchmarks (not tests) of the windowed read on DuckDB (issue 14). Each figure is the median of
several whole processes (wall time and the process's own peak RSS, os.wait4).

    python3 benchmarks/windowed_read.py reference [--runs 5]   # 5,000 engineers: build vs DuckDB query
    python3 benchmarks/windowed_read.py history [--runs 3]     # 1,500 engineers over 1, 3 and 10 years
    python3 benchmarks/windowed_read.py cadences [--runs 3]    # monthly and quarterly, 5,000 engineers
    python3 benchmarks/windowed_read.py large [--runs 1]       # 50,000 engineers x 1 year
    python3 benchmarks/windowed_read.py parquet [--runs 3]     # 5,000 engineers as Parquet folders
    python3 benchmarks/windowed_read.py demo --old TREE [--runs 7]  # cold demo HTML+PDF, paired with TREE

Organisations are generated once into benchmarks/data/ (git-ignored) by `reporter sample`, all
ending 2026-11-22 with the same seed; the reported week is 2026-W47. ``reference`` alternates the
two processes (paired runs: a busy shared machine slows both alike) and checks that the values agree.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from build_large import generate
from timing import timed_process

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
WEEK = "2026-W47"
# The sample's fiscal year starts in February: fiscal 2027-Q3 is August to October 2026.
PERIODS = {"weekly": WEEK, "monthly": "2026-10", "quarterly": "2027-Q3"}
CORE = ("merged_prs", "pr_cycle_time_hours", "deployments", "lead_time_hours", "change_failure_rate")


def org(engineers: int, weeks: int, teams: int) -> Path:
    folder = DATA / f"org-{engineers}x{weeks}"
    generate(folder, engineers, teams, weeks)
    return folder


def build_cmd(folder: Path, out: Path, cadence: str = "weekly", formats: str = "json") -> list[str]:
    return [sys.executable, "-m", "reporter.cli", "build", cadence, "--input", str(folder), "--period",
            PERIODS[cadence], "--format", formats, "--out", str(out), "-q"]


def summary(label: str, walls: list[float], peaks: list[float]) -> str:
    return (f"{label}: median {statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f}); "
            f"peak RSS median {statistics.median(peaks):.0f} MiB (max {max(peaks):.0f})")


def timed(cmd: list[str], runs: int, label: str) -> tuple[float, float]:
    walls, peaks = [], []
    for i in range(runs):
        wall, peak = timed_process(cmd)
        walls.append(wall)
        peaks.append(peak)
        print(f"  {label} run {i + 1}: {wall:.2f} s, {peak:.0f} MiB", flush=True)
    print(summary(label, walls, peaks), flush=True)
    return statistics.median(walls), statistics.median(peaks)


def reference(runs: int) -> None:
    folder = org(5000, 52, 60)
    ours, theirs, ratios, peaks_ours, peaks_theirs = [], [], [], [], []
    with tempfile.TemporaryDirectory() as out:
        ref = [sys.executable, str(HERE / "reference_duckdb.py"), str(folder), WEEK]
        for i in range(runs):
            a, pa = timed_process(build_cmd(folder, Path(out)))
            b, pb = timed_process(ref)
            ours.append(a), theirs.append(b), ratios.append(a / b), peaks_ours.append(pa), peaks_theirs.append(pb)
            print(f"  pair {i + 1}: build {a:.2f} s {pa:.0f} MiB, DuckDB query {b:.2f} s {pb:.0f} MiB, "
                  f"ratio {a / b:.2f}", flush=True)
        doc = json.loads((Path(out) / "weekly" / WEEK / "metrics.json").read_text())
    values = json.loads(subprocess.run(ref, capture_output=True, text=True, check=True).stdout)
    agree = all(_close(doc["metrics"][k]["value"], values["week"][k]) for k in CORE)
    print(summary("reporter build weekly --format json", ours, peaks_ours))
    print(summary("independent DuckDB query", theirs, peaks_theirs))
    print(f"ratio (paired): median {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f}); "
          f"core values agree: {agree}")


def _close(a, b) -> bool:
    return a is None and b is None or a is not None and b is not None and abs(float(a) - float(b)) <= 1e-3 * max(
        1.0, abs(float(b)))


def history(runs: int) -> None:
    medians = {}
    with tempfile.TemporaryDirectory() as out:
        for weeks in (52, 156, 520):
            folder = org(1500, weeks, 20)
            medians[weeks], _ = timed(build_cmd(folder, Path(out)), runs, f"1,500 engineers, {weeks} weeks")
    print(f"3 years / 1 year: {medians[156] / medians[52]:.2f}x; 10 years / 1 year: {medians[520] / medians[52]:.2f}x")


def cadences(runs: int) -> None:
    folder = org(5000, 52, 60)
    with tempfile.TemporaryDirectory() as out:
        for cadence in ("monthly", "quarterly"):
            timed(build_cmd(folder, Path(out), cadence), runs, f"5,000 engineers, {cadence} JSON")


def large(runs: int) -> None:
    folder = org(50000, 52, 600)
    with tempfile.TemporaryDirectory() as out:
        timed(build_cmd(folder, Path(out)), runs, "50,000 engineers x 1 year, weekly JSON")


def parquet(runs: int) -> None:
    """The 5,000-engineer organisation as `reporter import --format parquet` writes it."""
    source = org(5000, 52, 60)
    folder = DATA / "org-5000x52-parquet"
    if not (folder / ".complete").exists():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, str(HERE / "to_parquet.py"), str(source), str(folder)], check=True)
        (folder / ".complete").write_text("ok\n")
    with tempfile.TemporaryDirectory() as out:
        timed(build_cmd(folder, Path(out)), runs, "5,000 engineers as Parquet folders, weekly JSON")


def demo(runs: int, old: Path | None = None) -> None:
    """The cold weekly demo build (HTML + PDF + JSON) of sample_inputs/, alternating with the same
    build by an older tree (a folder holding that version's reporter/, templates/, narratives/)."""
    import os
    import time

    def once(cwd: Path, out: Path) -> tuple[float, float]:
        cmd = [sys.executable, "-m", "reporter.cli", "build", "weekly", "--input", str(HERE.parent / "sample_inputs"),
               "--period", WEEK, "--out", str(out), "-q"]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(proc.stderr.read().decode())
        return time.perf_counter() - started, usage.ru_maxrss / 1024

    trees = [("this tree", HERE.parent)] + ([("older tree", old)] if old else [])
    results = {name: ([], []) for name, _ in trees}
    with tempfile.TemporaryDirectory() as out:
        for i in range(runs):
            for name, tree in trees:
                wall, peak = once(tree, Path(out) / name.replace(" ", "_"))
                results[name][0].append(wall)
                results[name][1].append(peak)
            print(f"  run {i + 1}: " + ", ".join(f"{n} {results[n][0][-1]:.2f} s" for n, _ in trees), flush=True)
    for name, (walls, peaks) in results.items():
        print(summary(f"cold demo build, {name}", walls, peaks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("reference", "history", "cadences", "large", "parquet", "demo"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--old", type=Path, help="demo: an older tree to compare with (paired runs)")
    args = parser.parse_args()
    if args.what == "demo":
        demo(args.runs, args.old)
    else:
        globals()[args.what](args.runs)


if __name__ == "__main__":
    main()
