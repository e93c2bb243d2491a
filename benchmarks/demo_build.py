"""Benchmark (not a test): the cold demo build, HTML + PDF + JSON, for sample_inputs/.

    python3 benchmarks/demo_build.py [--runs 7] [--input sample_inputs]

1. Times `reporter build weekly` on sample_inputs/ (or --input, e.g. a copy of an older sample
   to compare before and after a change) as a whole new process each run (cold:
   every import paid), reporting median / min / max wall time and peak RSS.
2. Splits one cold run into imports, metrics, charts, HTML and PDF, each measured in a fresh
   process so that no stage rides on another's warm caches (median of 3).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import timed_process

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_inputs"
PERIOD = "2026-W47"

SPLIT = r"""
import json, sys, time
t0 = time.perf_counter()
import reporter.build, reporter.metrics.suite, scipy.special, pyarrow.csv
t1 = time.perf_counter()
import matplotlib.figure, matplotlib.backends.backend_svg, jinja2
t2 = time.perf_counter()
import weasyprint
t3 = time.perf_counter()
from pathlib import Path
from reporter.build import compute_report
from reporter.views.weekly import build_weekly
from reporter.render import charts
from reporter.render.html import render_weekly
from reporter.render.pdf import html_to_pdf
doc = compute_report("weekly", Path(sys.argv[1]), period_id=sys.argv[2])
t4 = time.perf_counter()
report = build_weekly(doc, "reporter build weekly")
for spec in report.charts:
    charts.render(spec)
t5 = time.perf_counter()
html = render_weekly(report)  # draws the charts again: subtract the chart time below
t6 = time.perf_counter()
html_to_pdf(html)
t7 = time.perf_counter()
print(json.dumps({"imports: pandas, pyarrow, scipy, reporter": t1 - t0, "imports: matplotlib, jinja2": t2 - t1,
                  "imports: WeasyPrint": t3 - t2, "metrics (read, validate, compute)": t4 - t3,
                  "charts (3 SVG)": t5 - t4, "HTML (template, fonts)": max(0.0, (t6 - t5) - (t5 - t4)),
                  "PDF (WeasyPrint layout and write)": t7 - t6}))
"""


def run_once(sample: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one whole `reporter build` process."""
    cmd = [sys.executable, "-m", "reporter.cli", "build", "weekly", "--input", str(sample), "--period", PERIOD,
           "--out", str(out), "-q"]
    return timed_process(cmd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--input", type=Path, default=SAMPLE, help="the folder to build (default: sample_inputs/)")
    args = parser.parse_args()
    sample = args.input.resolve()
    walls, peaks = [], []
    with tempfile.TemporaryDirectory() as out:
        for i in range(args.runs):
            wall, peak = run_once(sample, Path(out))
            walls.append(wall)
            peaks.append(peak)
            print(f"run {i + 1}: {wall:.2f} s wall, {peak:.0f} MiB peak RSS")
        sizes = {p.name: p.stat().st_size for p in (Path(out) / "weekly" / PERIOD).iterdir()}
    print(f"cold demo build (HTML+PDF+JSON), {args.runs} runs: median {statistics.median(walls):.2f} s "
          f"(min {min(walls):.2f}, max {max(walls):.2f}); peak RSS median {statistics.median(peaks):.0f} MiB")
    print("outputs: " + ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in sorted(sizes.items())))
    splits = []
    for _ in range(3):
        result = subprocess.run([sys.executable, "-c", SPLIT, str(sample), PERIOD], capture_output=True, text=True,
                                check=True, cwd=ROOT)
        splits.append(json.loads(result.stdout))
    print("split of a cold run (median of 3 fresh processes):")
    for name in splits[0]:
        print(f"  {name:40s} {statistics.median(s[name] for s in splits):.2f} s")


if __name__ == "__main__":
    main()
