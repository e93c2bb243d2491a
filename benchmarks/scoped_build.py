"""Benchmark (not a test): every team's weekly report of the 5,000-engineer organisation (issue 16).

    python3 benchmarks/scoped_build.py [--runs 3] [--formats json json,html json,html,pdf]

Uses the organisation benchmarks/build_large.py generates (5,000 engineers, 60 teams, 52 weeks;
generated once into benchmarks/data/ and reused). For each format set it times, as whole
processes (os.wait4 wall time and peak RSS), several runs of

    A: reporter build weekly --format F                 (the organisation alone)
    B: reporter build weekly --format F --all-teams     (the organisation and every team)

and reports the median of each and the per-additional-team figure (median B - median A) / teams
written. Then, in process, where one team's time goes (cut, metrics document, render).
Figures are medians because these machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from build_large import PERIOD, generate
from timing import timed_process

HERE = Path(__file__).resolve().parent


def command(folder: Path, out: Path, formats: str, all_teams: bool) -> list[str]:
    cmd = [sys.executable, "-m", "reporter.cli", "build", "weekly", "--input", str(folder), "--period", PERIOD,
           "--format", formats, "--out", str(out), "-q"]
    return cmd + (["--all-teams"] if all_teams else [])


def teams_written(out: Path) -> int:
    return sum(1 for p in (out / "weekly" / PERIOD).iterdir() if p.is_dir() and p.name.startswith("team-"))


def measure(folder: Path, formats: str, runs: int) -> dict:
    alone, every, teams = [], [], 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            alone.append(timed_process(command(folder, Path(tmp) / "a", formats, False)))
            every.append(timed_process(command(folder, Path(tmp) / "b", formats, True)))
            teams = teams_written(Path(tmp) / "b")
    a = statistics.median(w for w, _ in alone)
    b = statistics.median(w for w, _ in every)
    return {"formats": formats, "runs": runs, "organisation_s": a, "all_teams_s": b, "teams": teams,
            "per_team_s": (b - a) / teams if teams else float("nan"),
            "peak_mib": max(m for _, m in every), "spread_b": (min(w for w, _ in every), max(w for w, _ in every))}


def stages(folder: Path, formats: tuple[str, ...], sample: int = 5) -> dict[str, float]:
    """In-process seconds per team for each step, over the first ``sample`` eligible teams."""
    from reporter import scopes as scoping
    from reporter.build import compute_document, load_context, render_outputs
    from reporter.metrics.suite import TeamFolder, make_window

    t0 = time.perf_counter()
    ctx = load_context("weekly", folder, period_id=PERIOD)
    t1 = time.perf_counter()
    org = compute_document(ctx)
    t2 = time.perf_counter()
    folder_ = TeamFolder(ctx.prep, ctx.config, make_window([ctx.period], ctx.config))
    wanted = [s for s in scoping.resolve(ctx.config, ctx.prep.people, all_teams=True)
              if not scoping.ineligible(s, folder_)][:sample]
    cut = doc_s = render = 0.0
    for scope in wanted:
        a = time.perf_counter()
        scoping.cut_prepared(ctx.prep, scope)
        b = time.perf_counter()
        doc = compute_document(ctx, scope, org)
        c = time.perf_counter()
        render_outputs(doc, formats, "reporter build", ctx.config.templates_path)
        d = time.perf_counter()
        cut, doc_s, render = cut + b - a, doc_s + c - b, render + d - c
    n = len(wanted)
    return {"load+prepare (once)": t1 - t0, "organisation document": t2 - t1,
            "per team: cut frames": cut / n, "per team: document (incl. cut)": doc_s / n,
            f"per team: render {','.join(formats)}": render / n}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engineers", type=int, default=5000)
    parser.add_argument("--teams", type=int, default=60)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--formats", nargs="+", default=["json", "json,html"])
    parser.add_argument("--stages", action="store_true", help="Also time the steps in process.")
    args = parser.parse_args()
    folder = HERE / "data" / f"org-{args.engineers}x{args.weeks}"
    generate(folder, args.engineers, args.teams, args.weeks)
    for formats in args.formats:
        r = measure(folder, formats, args.runs)
        print(f"{formats}: organisation {r['organisation_s']:.1f} s; organisation + {r['teams']} teams "
              f"{r['all_teams_s']:.1f} s (runs {r['spread_b'][0]:.1f}-{r['spread_b'][1]:.1f}); "
              f"per additional team {r['per_team_s']:.2f} s; peak {r['peak_mib']:.0f} MiB "
              f"(median of {r['runs']} runs)")
        sys.stdout.flush()
    if args.stages:
        for name, seconds in stages(folder, tuple(args.formats[-1].split(","))).items():
            print(f"  {name}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
