"""Benchmark (not a test): ``reporter import git --quality`` on a generated 20,000-commit repository.

    python3 benchmarks/import_git_quality.py [--commits 20000] [--runs 3]

1. Generates (once; cached as benchmarks/data/quality-<commits>.git, which .gitignore keeps out
   of the repository) a bare repository with ``git fast-import``: 600 source files in Python,
   JavaScript and Go plus test files; each cycle is a PR branch of 3 commits, each adding or
   rewriting one function in a source file (and every other commit touching a test file),
   merged with ``Merge pull request #N``, then one squash commit ``Title (#N)``.
2. Times ``import_git_quality`` in-process (git children included), ``--runs`` times, and reports
   median / min / max with commits/s and PRs measured/s: the machines are shared and noisy, so
   the median is the figure. Then times an incremental re-import (everything already measured).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reporter.config import Config  # noqa: E402
from reporter.importers.base import ImportContext  # noqa: E402
from reporter.importers.git_quality import import_git_quality  # noqa: E402
from reporter.importers.people import PeopleMap  # noqa: E402

from gitrepo import fast_import, init_bare  # noqa: E402  (benchmarks/, first on sys.path when run as a script)
from timing import cpu_seconds  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
START = 1767225600  # 2026-01-01T00:00:00Z
FILES = 600

_PY = "def {name}(x, y):\n    total = 0\n{body}    return total\n\n"
_JS = "function {name}(x, y) {{\n  let total = 0;\n{body}  return total;\n}}\n\n"
_GO = "func {name}(x int, y int) int {{\n\ttotal := 0\n{body}\treturn total\n}}\n\n"


def _function(lang: str, name: str, branches: int) -> str:
    if lang == "py":
        body = "".join(f"    if x > {k}:\n        total += y * {k}\n" for k in range(branches))
        return _PY.format(name=name, body=body)
    if lang == "js":
        body = "".join(f"  if (x > {k}) {{\n    total += y * {k};\n  }}\n" for k in range(branches))
        return _JS.format(name=name, body=body)
    body = "".join(f"\tif x > {k} {{\n\t\ttotal += y * {k}\n\t}}\n" for k in range(branches))
    return _GO.format(name=name, body=body)


def _header(lang: str) -> str:
    return {"py": "", "js": "", "go": "package main\n\n"}[lang]


def generate(folder: Path, commits: int, seed: int = 7) -> int:
    """A bare repository of ``commits`` commits with real source files; returns how many PRs."""
    rng = random.Random(seed)
    init_bare(folder)
    paths = [(f"src/mod{i % 20}/file{i}.{('py', 'js', 'go')[i % 3]}", ("py", "js", "go")[i % 3]) for i in range(FILES)]
    content: dict[str, list[str]] = {p: [] for p, _ in paths}
    out: list[bytes] = []
    mark, at, pr = 0, START, 0

    def commit(ref: str, who: str, message: str, parent: int | None, merge: int | None, files: dict[str, str]) -> int:
        nonlocal mark, at
        mark += 1
        at += 600
        msg = message.encode()
        out.append(f"commit {ref}\nmark :{mark}\n".encode())
        out.append(f"author {who} <{who}@example.com> {at} +0000\ncommitter {who} <{who}@example.com> {at} +0000\n"
                   .encode())
        out.append(f"data {len(msg)}\n".encode() + msg + b"\n")
        if parent is not None:
            out.append(f"from :{parent}\n".encode())
        if merge is not None:
            out.append(f"merge :{merge}\n".encode())
        for path, text in files.items():
            data = text.encode()
            out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        out.append(b"\n")
        return mark

    def change(n: int) -> dict[str, str]:
        path, lang = paths[rng.randrange(FILES)]
        funcs = content[path]
        name = f"f{n}"
        if funcs and rng.random() < 0.4:
            funcs[rng.randrange(len(funcs))] = _function(lang, name, rng.randint(1, 20))
        else:
            funcs.append(_function(lang, name, rng.randint(1, 20)))
        files = {path: _header(lang) + "".join(funcs)}
        if n % 2 == 0:
            test = f"tests/test_mod{n % 50}.py"
            files[test] = "".join(f"def test_{k}():\n    assert {k} == {k}\n\n" for k in range(n % 40 + 1))
        return files

    tip = commit("refs/heads/main", "dev0", "Initial commit", None, None, {"README": "bench\n"})
    made, n = 1, 0
    while made < commits:
        pr += 1
        who = f"dev{pr % 50}"
        branch = tip
        touched: dict[str, str] = {}
        for _ in range(3):
            n += 1
            files = change(n)
            touched.update(files)
            branch = commit("refs/heads/pr", who, f"Work {n}", branch, None, files)
        # fast-import starts a commit from its first parent's tree: the merge repeats the branch's files
        tip = commit("refs/heads/main", "dev1", f"Merge pull request #{pr} from acme/branch-{pr}\n\nFeature {pr}",
                     tip, branch, touched)
        pr += 1
        n += 1
        tip = commit("refs/heads/main", who, f"Fix number {pr} (#{pr})", tip, None, change(n))
        made += 5
    fast_import(folder, out)
    return pr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    repo = DATA / f"quality-{args.commits}.git"
    if not (repo / "HEAD").is_file():
        DATA.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        prs = generate(repo, args.commits)
        print(f"generated {repo}: ~{args.commits} commits, {prs} PRs in {time.perf_counter() - started:.1f} s")
    walls, cpus = [], []
    result = None
    for _ in range(args.runs):
        ctx = ImportContext(PeopleMap(), Config(), options={"quality": "true"})
        c0, t0 = cpu_seconds(), time.perf_counter()
        result = import_git_quality([repo], ctx)
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
        print(f"  run {len(walls)}: {walls[-1]:.1f} s wall, {cpus[-1]:.1f} s CPU", flush=True)
    assert result is not None
    commits = len(result.rows.get("commits", []))
    measured = len(result.rows.get("code_quality", []))
    med = statistics.median(walls)
    print(f"rows: { {k: len(v) for k, v in result.rows.items()} }; issues: {len(result.issues)}")
    print(f"import git --quality: median {med:.1f} s, min {min(walls):.1f} s, max {max(walls):.1f} s over "
          f"{args.runs} runs: {commits / med:.0f} commits/s, {measured / med:.1f} PRs measured/s")
    cpu = statistics.median(cpus)
    print(f"CPU time (this process + git, load-independent): median {cpu:.1f} s: {commits / cpu:.0f} commits/s, "
          f"{measured / cpu:.1f} PRs measured/s per core")
    done = {r["pr_id"] for r in result.rows["code_quality"]}
    import reporter.importers.git_quality as gq

    original = gq.measured_prs
    gq.measured_prs = lambda folder: done  # as if OUT/code_quality.csv held every PR
    try:
        t0 = time.perf_counter()
        again = import_git_quality([repo], ImportContext(PeopleMap(), Config(), options={"quality": "true",
                                                                                          "quality_dir": "x"}))
        took = time.perf_counter() - t0
    finally:
        gq.measured_prs = original
    print(f"incremental re-import (all {len(done)} PRs already measured): {took:.1f} s, "
          f"{len(again.rows.get('code_quality', []))} PRs measured")


if __name__ == "__main__":
    main()
