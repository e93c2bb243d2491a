"""Benchmark (not a test): the git importer on a generated repository of 20,000 commits.

    python3 benchmarks/import_git.py [--commits 20000] [--runs 5]

1. Generates a repository with ``git fast-import`` (seconds, no working tree): a main line where
   each cycle is a PR branch of 3 commits merged with ``Merge pull request #N``, one squash
   commit ``Title (#N)`` and, every third cycle, a Claude trailer.
2. Times ``import_git`` in-process (the ``git log`` child included), several runs, and reports
   median / min / max: the machines are shared and noisy, so the median is the figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reporter.config import Config  # noqa: E402
from reporter.importers.base import ImportContext  # noqa: E402
from reporter.importers.git import import_git  # noqa: E402
from reporter.importers.people import PeopleMap  # noqa: E402

from gitrepo import fast_import, init_bare  # noqa: E402  (benchmarks/, first on sys.path when run as a script)
from timing import cpu_seconds  # noqa: E402

PEOPLE = [f"dev{i}" for i in range(50)]
START = 1767225600  # 2026-01-01T00:00:00Z


def _commit(out: list[bytes], ref: str, mark: int, who: str, at: int, message: str,
            parent: int | None, merge: int | None = None) -> None:
    msg = message.encode()
    out.append(f"commit {ref}\nmark :{mark}\n".encode())
    out.append(f"author {who} <{who}@example.com> {at} +0000\n".encode())
    out.append(f"committer {who} <{who}@example.com> {at} +0000\n".encode())
    out.append(f"data {len(msg)}\n".encode() + msg + b"\n")
    if parent is not None:
        out.append(f"from :{parent}\n".encode())
    if merge is not None:
        out.append(f"merge :{merge}\n".encode())
    out.append(b"\n")


def generate(folder: Path, commits: int) -> int:
    """A repository of ``commits`` commits; returns how many PRs it holds."""
    init_bare(folder)
    out: list[bytes] = []
    mark, at, pr = 1, START, 0
    _commit(out, "refs/heads/main", mark, "dev0", at, "Initial commit", None)
    tip = mark
    made = 1
    while made < commits:
        cycle = pr // 2
        who = PEOPLE[cycle % len(PEOPLE)]
        branch_tip = tip
        for k in range(3):
            mark += 1
            at += 600
            trailer = "\n\nCo-authored-by: Claude <noreply@anthropic.com>" if cycle % 3 == 0 and k == 2 else ""
            _commit(out, "refs/heads/pr", mark, who, at, f"Work {cycle}.{k}{trailer}", branch_tip)
            branch_tip = mark
        pr += 1
        mark += 1
        at += 600
        _commit(out, "refs/heads/main", mark, "dev1", at,
                f"Merge pull request #{pr} from acme/branch-{pr}\n\nFeature {pr}", tip, branch_tip)
        tip = mark
        pr += 1
        mark += 1
        at += 600
        _commit(out, "refs/heads/main", mark, who, at, f"Fix number {pr} (#{pr})", tip)
        tip = mark
        made += 5
    fast_import(folder, out)
    return pr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "bench.git"
        started = time.perf_counter()
        prs = generate(repo, args.commits)
        print(f"generated {repo.name}: ~{args.commits} commits, {prs} PRs in {time.perf_counter() - started:.1f} s")
        roster = [{"person": p, "team": "t", "email": f"{p}@example.com"} for p in PEOPLE]
        walls, cpus = [], []
        for _ in range(args.runs):
            ctx = ImportContext(PeopleMap.from_rows(roster), Config())
            c0, t0 = cpu_seconds(), time.perf_counter()
            result = import_git([repo], ctx)
            walls.append(time.perf_counter() - t0)
            cpus.append(cpu_seconds() - c0)
        rows = {k: len(v) for k, v in result.rows.items()}
        print(f"rows: {rows}; issues: {len(result.issues)}")
        print(f"import_git: median {statistics.median(walls):.3f} s, min {min(walls):.3f} s, "
              f"max {max(walls):.3f} s over {args.runs} runs (cpus: {os.cpu_count()})")
        print(f"CPU time (this process + git): median {statistics.median(cpus):.3f} s")
        _whole_command(repo, Path(tmp), roster, args.runs)


def _whole_command(repo: Path, tmp: Path, roster: list[dict], runs: int) -> None:
    """The command a cron job runs: a fresh process, the merge into canonical CSVs and the write.

    First import into an empty folder, then a re-import of the same history (which must change
    no byte): both as whole processes, so interpreter start-up and imports count too.
    """
    import csv

    def once(out: Path) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "reporter.cli", "import", "git", str(repo), "--out", str(out),
                        "--quiet"], check=True, cwd=Path(__file__).resolve().parent.parent)
        return time.perf_counter() - t0

    first, again = [], []
    for run in range(runs):
        out = tmp / f"out{run}"
        out.mkdir()
        with (out / "people.csv").open("w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=["person", "team", "email"])
            writer.writeheader()
            writer.writerows(roster)
        first.append(once(out))
        before = {p.name: p.read_bytes() for p in out.glob("*.csv")}
        again.append(once(out))
        assert {p.name: p.read_bytes() for p in out.glob("*.csv")} == before, "re-import changed bytes"
    print(f"reporter import git (whole process, into an empty folder): median {statistics.median(first):.2f} s, "
          f"min {min(first):.2f} s over {runs} runs")
    print(f"reporter import git (re-import, no change): median {statistics.median(again):.2f} s, "
          f"min {min(again):.2f} s over {runs} runs")


if __name__ == "__main__":
    main()
