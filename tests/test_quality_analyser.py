"""`reporter import git --quality`: complexity deltas checked against McCabe counts made by hand,
line counts against git's own numstat, the duplication rule, and the incremental re-import."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.importers.git import git_env
from reporter.importers.git_quality import complexity_delta, functions, is_test_path, measure_change

# Cyclomatic complexity by hand: 1 + one per if/elif/for/while/case/&&/||/and/or/?.
PY_BEFORE = "def a(x):\n    if x:\n        return 1\n    return 0\n\ndef b(x):\n    return x\n"  # a=2, b=1
PY_AFTER = ("def a(x):\n    if x and x > 1:\n        return 1\n    elif x < 0:\n        return 2\n    return 0\n\n"
            "def c(y):\n    for i in y:\n        if i:\n            pass\n")  # a=1+if+and+elif=4, c=1+for+if=3
TS_BEFORE = "function f(a: number): number {\n  return a ? 1 : 2;\n}\n"  # f=1+?=2
TS_AFTER = ("function f(a: number): number {\n  if (a > 1 && a < 5) {\n    return 1;\n  }\n  return 2;\n}\n"
            "function g(x: number): number {\n  switch (x) {\n    case 1: return 1;\n    case 2: return 2;\n"
            "    default: return 0;\n  }\n}\n")  # f=1+if+&&=3, g=1+case+case=3 (default is no branch)
GO_BEFORE = "package main\n\nfunc h(x int) int {\n\tif x > 0 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n"  # h=2
GO_AFTER = ("package main\n\nfunc h(x int) int {\n\tfor i := 0; i < x; i++ {\n\t\tif i%2 == 0 || i > 10 {\n"
            "\t\t\treturn i\n\t\t}\n\t}\n\treturn 0\n}\n")  # h=1+for+if+||=4
JAVA_BEFORE = "class A {\n  int k(int x) {\n    return x;\n  }\n}\n"  # k=1
JAVA_AFTER = "class A {\n  int k(int x) {\n    while (x > 0) { x--; }\n    return x;\n  }\n}\n"  # k=2


@pytest.mark.parametrize("path,before,after,delta,over", [
    # a: 2 -> 4 (+2), b deleted (-1), c new (+3): +4; above 2 after and not before: a and c
    ("src/app.py", PY_BEFORE, PY_AFTER, 4, 2),
    # f: 2 -> 3 (+1), g new (+3): +4; above 2: f (was 2) and g
    ("web/app.ts", TS_BEFORE, TS_AFTER, 4, 2),
    # h: 2 -> 4: +2; above 2: h
    ("cmd/main.go", GO_BEFORE, GO_AFTER, 2, 1),
    # k: 1 -> 2: +1; nothing above 2
    ("src/A.java", JAVA_BEFORE, JAVA_AFTER, 1, 0),
])
def test_complexity_delta_matches_hand_count(path, before, after, delta, over):
    assert complexity_delta(functions(path, before), functions(path, after), threshold=2) == (delta, over)


def test_new_file_counts_fully_and_deleted_file_negatively():
    assert measure_change([("src/app.py", None, PY_AFTER)], 15).complexity_added == 7
    assert measure_change([("src/app.py", PY_BEFORE, None)], 15).complexity_added == -3


def test_a_function_already_over_the_threshold_is_not_added_again():
    # threshold 3: a is 4 after but was 2 before -> added; with a already at 4 before, not added
    assert complexity_delta([("a", 4)], [("a", 5)], threshold=3) == (1, 0)
    assert complexity_delta([("a", 2)], [("a", 4)], threshold=3) == (2, 1)
    # two functions of one name pair in order: the second is new
    assert complexity_delta([("a", 1)], [("a", 1), ("a", 9)], threshold=3) == (9, 1)


def _block(tag: str, n: int) -> list[str]:
    return [f"    value_{k} = compute_{k}(x)  # {tag}" for k in range(n)]


def test_duplicated_lines_need_a_repeated_block_of_ten_significant_lines():
    block = [f"    total_{k} = total_{k - 1} + weight_{k}" for k in range(1, 11)]  # 10 significant lines
    first = ["def one():"] + block + ["    return total_10", ""]
    second = ["def two():"] + block + ["    return total_10", ""]
    text = "\n".join(first + second) + "\n"
    # the 10 lines plus the shared `return total_10` repeat (11 lines), the def lines differ: both copies are
    # added, so 22 duplicated lines; blank lines never count
    assert measure_change([("src/x.py", None, text)], 15).duplicated_lines_added == 22
    nine = "\n".join(["def one():"] + block[:9] + ["", "def two():"] + block[:9]) + "\n"
    assert measure_change([("src/x.py", None, nine)], 15).duplicated_lines_added == 0
    # an existing copy: only the newly added copy counts (its 11 repeated lines)
    old = "\n".join(first) + "\n"
    assert measure_change([("src/x.py", old, text)], 15).duplicated_lines_added == 11


@pytest.mark.parametrize("path,test", [
    ("tests/test_app.py", True), ("src/app_test.go", True), ("web/app.test.ts", True), ("web/app.spec.js", True),
    ("src/test/java/AppTest.java", True), ("pkg/__tests__/x.js", True), ("src/app.py", False),
    ("src/contest.py", False), ("src/latest.go", False),
])
def test_test_paths(path, test):
    assert is_test_path(path) is test


# -- the git import, end to end ------------------------------------------------------------------------


def _git(repo: Path, *args: str, at: str = "2026-03-02T10:00:00+00:00") -> str:
    env = {**git_env(), "GIT_AUTHOR_DATE": at, "GIT_COMMITTER_DATE": at, "GIT_AUTHOR_NAME": "Ann",
           "GIT_AUTHOR_EMAIL": "ann@example.com", "GIT_COMMITTER_NAME": "Ann", "GIT_COMMITTER_EMAIL": "ann@example.com"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env,
                          text=True).stdout


def _write(repo: Path, path: str, text: str) -> None:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "shop"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _write(repo, "src/app.py", PY_BEFORE)
    _write(repo, "README.md", "shop\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "Initial", at="2026-03-02T09:00:00+00:00")
    _git(repo, "checkout", "-q", "-b", "feature")
    _write(repo, "src/app.py", PY_AFTER)
    _write(repo, "tests/test_app.py", "def test_a():\n    assert a(2) == 1\n    assert a(-1) == 2\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "Rework a", at="2026-03-02T10:00:00+00:00")
    _git(repo, "checkout", "-q", "main")
    _git(repo, "merge", "-q", "--no-ff", "feature", "-m", "Merge pull request #1 from acme/feature\n\nRework a",
         at="2026-03-03T10:00:00+00:00")
    _write(repo, "web/app.ts", TS_AFTER)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "Add the web app (#2)", at="2026-03-04T10:00:00+00:00")
    return repo


def _import(repo: Path, out: Path, *extra: str) -> str:
    result = CliRunner().invoke(main, ["import", "git", str(repo), "--out", str(out), "--quality",
                                       "--complexity-threshold", "2", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "code_quality.csv", newline="", encoding="utf-8") as fh:
        return {r["pr_id"]: r for r in csv.DictReader(fh)}


def test_import_measures_each_merged_pr(repo: Path, tmp_path: Path):
    out = tmp_path / "out"
    _import(repo, out)
    rows = _rows(out)
    assert sorted(rows) == ["shop#1", "shop#2"]
    one, two = rows["shop#1"], rows["shop#2"]
    # lines: git's own count of the source file, an independent route
    numstat = _git(repo, "diff", "--numstat", "HEAD~2", "HEAD~1", "--", "src/app.py").split()
    assert (one["lines_added"], one["lines_removed"]) == (numstat[0], numstat[1]) == ("7", "3")
    assert one["complexity_added"] == "4" and one["functions_over_threshold_added"] == "2"
    assert one["complexity_threshold"] == "2"
    assert one["test_lines_touched"] == "3"  # the three lines of tests/test_app.py
    assert one["merged_at"] == "2026-03-03T10:00:00Z" and one["repo"] == "shop" and one["source"] == "git-lizard"
    assert one.get("security_hotspots_added", "") == "" and one.get("issues_major", "") == ""  # N/A, never 0
    # a new TypeScript file: f=3 and g=3 count fully, both above 2
    assert (two["complexity_added"], two["functions_over_threshold_added"]) == ("6", "2")
    assert (two["lines_added"], two["lines_removed"]) == (str(TS_AFTER.count("\n")), "0")


def test_reimport_measures_only_new_prs(repo: Path, tmp_path: Path):
    out = tmp_path / "out"
    first = _import(repo, out)
    assert "2 merged PRs measured" in first
    again = _import(repo, out)
    assert "0 merged PRs measured" in again and "2 already in code_quality" in again
    before = (out / "code_quality.csv").read_bytes()
    assert _rows(out)["shop#1"]["complexity_added"] == "4"
    _write(repo, "cmd/main.go", GO_BEFORE)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "Add the command (#3)", at="2026-03-05T10:00:00+00:00")
    third = _import(repo, out)
    assert "1 merged PRs measured" in third and "2 already in code_quality" in third
    rows = _rows(out)
    assert sorted(rows) == ["shop#1", "shop#2", "shop#3"] and rows["shop#3"]["complexity_added"] == "2"
    assert before.splitlines()[1:] == (out / "code_quality.csv").read_bytes().splitlines()[1:3]


def test_quality_flag_is_refused_for_other_sources(tmp_path: Path):
    f = tmp_path / "x.json"
    f.write_text("[]")
    result = CliRunner().invoke(main, ["import", "copilot", str(f), "--out", str(tmp_path / "o"), "--quality"])
    assert result.exit_code != 0 and "--quality does not apply to copilot" in result.output


def test_threshold_without_quality_is_a_usage_error(repo: Path, tmp_path: Path):
    result = CliRunner().invoke(main, ["import", "git", str(repo), "--out", str(tmp_path / "o"),
                                       "--complexity-threshold", "10"])
    assert result.exit_code == 2 and "--complexity-threshold applies to git --quality only" in result.output
