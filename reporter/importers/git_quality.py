"""``reporter import git --quality``: what each merged PR did to the code, measured from git alone.

For every merged PR the git importer finds (git.py: merge commits and squash commits), the PR's
change is the diff from its commit's first parent (the main line before the merge) to the commit
itself (after the merge). The changed files are read from git's object store, never from a work
tree, and measured with no network:

* Complexity with lizard (PyPI ``lizard``): one pure-Python analyser for ~25 languages (Python,
  Java, JavaScript/TypeScript, Go, C/C++, C#, Kotlin, Rust, Ruby, PHP, Swift...), reporting each
  function's cyclomatic complexity (CCN, McCabe) from source text alone: no build, no compiler, no
  network. A file is a *source file* when lizard has a reader for its extension.
  ``complexity_added`` = sum over the PR's changed functions of CCN after minus CCN before: new
  functions count fully, deleted ones negatively, unchanged ones add 0, so it equals the CCN sum of
  the changed files after minus before.
  ``functions_over_threshold_added``: functions whose CCN is above the threshold (default 15,
  lizard's own warning level; ``--complexity-threshold``) after the merge and were not above it
  before (absent, or at most the threshold). Functions are matched by lizard's ``long_name``
  (name and parameters); several of one name pair in order of appearance.
* Duplicated lines added: the PR's added lines (in source files) that lie inside a block of 10
  consecutive significant lines (whitespace collapsed; lines with fewer than 3 letters or digits,
  such as ``}`` or ``else:``, skipped) appearing more than once among the changed source files
  after the merge (the same file or another). 10 lines is SonarQube's default duplication block.
  A copy of a file the PR did not touch is not seen: the column is a lower bound.
* Test lines touched: lines added plus removed in test files (a ``test``/``tests``/``__tests__``/
  ``spec`` folder, ``test_*``, ``*_test.*``, ``*.test.*``, ``*.spec.*``, ``*Test(s).*``). Test files
  are not source files: their lines, complexity and copies are not counted above.
* Lines added/removed: a line diff (difflib) of each changed source file.

Static-analysis issues and security hotspots are not measured from git (their columns stay
empty, N/A): import SonarQube for them.

Incremental: the PRs already measured in OUT/code_quality.* (a row with ``complexity_added`` or
``lines_added``) are skipped, so a re-import measures only the new ones. Binary or undecodable
files are skipped and counted in a note; a PR whose first parent is outside the history (the root
commit, a shallow clone) cannot be measured and is listed in a note.
"""

from __future__ import annotations

import difflib
import re
import subprocess
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..inputs.spec import FILE_EXTENSIONS
from .base import ImportContext, ImportFormatError, ImportResult
from .git import _git, _repo_name, git_env, import_git

SOURCE = "git-lizard"
DEFAULT_THRESHOLD = 15
DUPLICATE_BLOCK = 10
_NULL_SHA = "0" * 40
_TEST_PATH = re.compile(
    r"(^|/)(tests?|__tests__|spec|specs)/|(^|/)test_[^/]*$|_test\.[^/.]+$|\.(test|spec)\.[^/]+$|"
    r"[A-Za-z0-9](?-i:Tests?)\.[^/.]+$", re.I)  # AppTest.java, not contest.py
_WORDISH = re.compile(r"[A-Za-z0-9]")


def is_test_path(path: str) -> bool:
    """Whether a repository path is a test file (module doc)."""
    return bool(_TEST_PATH.search(path))


def is_source_path(path: str) -> bool:
    """Whether lizard has a language reader for the file (its extension)."""
    from lizard_languages import get_reader_for

    return get_reader_for(path) is not None


def functions(path: str, text: str) -> list[tuple[str, int]]:
    """(long_name, CCN) of every function lizard finds in ``text``, in order of appearance."""
    from lizard import analyze_file

    info = analyze_file.analyze_source_code(path, text)
    return [(f.long_name, int(f.cyclomatic_complexity)) for f in info.function_list]


def complexity_delta(before: list[tuple[str, int]], after: list[tuple[str, int]], threshold: int) -> tuple[int, int]:
    """(CCN after minus before over the functions, functions newly above ``threshold``).

    Functions pair by long_name in order of appearance; an unpaired function after is new, an
    unpaired one before was deleted."""
    delta = sum(c for _, c in after) - sum(c for _, c in before)
    old: dict[str, list[int]] = defaultdict(list)
    for name, ccn in before:
        old[name].append(ccn)
    seen: Counter = Counter()
    over = 0
    for name, ccn in after:
        k = seen[name]
        seen[name] += 1
        prior = old[name][k] if k < len(old[name]) else None
        if ccn > threshold and (prior is None or prior <= threshold):
            over += 1
    return delta, over


def line_diff(before: list[str], after: list[str]) -> tuple[set[int], int]:
    """(0-based indexes of added lines in ``after``, number of removed lines)."""
    added: set[int] = set()
    removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added.update(range(j1, j2))
    return added, removed


def _norm(line: str) -> str | None:
    text = " ".join(line.split())
    return text if len(_WORDISH.findall(text)) >= 3 else None


def duplicated_added(files: list[tuple[list[str], set[int]]], block: int = DUPLICATE_BLOCK) -> int:
    """Added lines inside a block of ``block`` significant lines that occurs more than once
    among ``files`` ((lines after, added indexes) each); module doc."""
    windows: list[tuple[int, list[int], int]] = []  # (file, line indexes, hash)
    counts: Counter = Counter()
    for f, (lines, _) in enumerate(files):
        sig = [(i, n) for i, n in ((i, _norm(x)) for i, x in enumerate(lines)) if n is not None]
        for s in range(len(sig) - block + 1):
            chunk = sig[s:s + block]
            h = hash(tuple(n for _, n in chunk))
            counts[h] += 1
            windows.append((f, [i for i, _ in chunk], h))
    dup: set[tuple[int, int]] = set()
    for f, idx, h in windows:
        if counts[h] > 1:
            added = files[f][1]
            dup.update((f, i) for i in idx if i in added)
    return len(dup)


@dataclass
class PrQuality:
    lines_added: int = 0
    lines_removed: int = 0
    complexity_added: int = 0
    functions_over_threshold_added: int = 0
    duplicated_lines_added: int = 0
    test_lines_touched: int = 0
    skipped_files: list[str] = field(default_factory=list)


Analyse = Callable[[str, str, "str | None"], list[tuple[str, int]]]


def measure_change(changes: list[tuple[str, str | None, str | None]], threshold: int,
                   blobs: Sequence[tuple[str | None, str | None]] | None = None,
                   analyse: Analyse | None = None) -> PrQuality:
    """One PR from its changed files: (path, text before or None if added, text after or None if
    deleted). ``blobs`` (the texts' git object ids) let ``analyse`` reuse a file's functions: a
    PR's "before" is usually an earlier PR's "after"."""
    q = PrQuality()
    dup_files: list[tuple[list[str], set[int]]] = []

    def funcs(path: str, text: str | None, sha: str | None) -> list[tuple[str, int]]:
        if not text:
            return []
        return analyse(path, text, sha) if analyse else functions(path, text)

    for k, (path, before, after) in enumerate(changes):
        old_sha, new_sha = blobs[k] if blobs else (None, None)
        a = before.splitlines() if before else []
        b = after.splitlines() if after else []
        added, removed = line_diff(a, b)
        if is_test_path(path):
            q.test_lines_touched += len(added) + removed
            continue
        q.lines_added += len(added)
        q.lines_removed += removed
        delta, over = complexity_delta(funcs(path, before, old_sha), funcs(path, after, new_sha), threshold)
        q.complexity_added += delta
        q.functions_over_threshold_added += over
        if b:
            dup_files.append((b, added))
    q.duplicated_lines_added = duplicated_added(dup_files)
    return q


# ---------------------------------------------------------------------------
# git plumbing: one diff-tree and one cat-file process per repository


class _Blobs:
    """``git cat-file --batch`` kept open: blob text by sha (None when binary or not UTF-8)."""

    def __init__(self, repo: Path) -> None:
        self.proc = subprocess.Popen(["git", "-C", str(repo), "cat-file", "--batch"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=git_env())

    def texts(self, shas: list[str]) -> dict[str, str | None]:
        """Several blobs in one round trip (one write, then the answers in order)."""
        assert self.proc.stdin and self.proc.stdout
        wanted = list(dict.fromkeys(shas))
        out: dict[str, str | None] = {}
        # At most 512 ids (21 KB) per write: it fits the pipe's buffer, so the write never waits on
        # git, which may be blocked writing answers nobody reads yet.
        for start in range(0, len(wanted), 512):
            out.update(self._batch(wanted[start:start + 512]))
        return out

    def _batch(self, wanted: list[str]) -> dict[str, str | None]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(b"".join(sha.encode() + b"\n" for sha in wanted))
        self.proc.stdin.flush()
        out: dict[str, str | None] = {}
        for sha in wanted:
            header = self.proc.stdout.readline().split()
            if len(header) < 3 or header[1] != b"blob":
                raise ImportFormatError(f"git cat-file: cannot read blob {sha}")
            data = self.proc.stdout.read(int(header[2]) + 1)[:-1]
            try:
                out[sha] = None if b"\0" in data[:8000] else data.decode("utf-8")
            except UnicodeDecodeError:
                out[sha] = None
        return out

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


class _FunctionCache:
    """lizard's functions per (path, blob): the blob a PR leaves is the next PR's "before"."""

    SIZE = 8192

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[str, str], list[tuple[str, int]]] = OrderedDict()

    def functions(self, path: str, text: str, sha: str | None) -> list[tuple[str, int]]:
        if sha is None:
            return functions(path, text)
        key = (path, sha)
        if key in self.entries:
            self.entries.move_to_end(key)
            return self.entries[key]
        found = self.entries[key] = functions(path, text)
        if len(self.entries) > self.SIZE:
            self.entries.popitem(last=False)
        return found


def _first_parents(path: Path) -> dict[str, str]:
    proc = _git(path, "log", "--format=%H %P", "HEAD", "--")
    if proc.returncode != 0:
        return {}
    out = {}
    for line in proc.stdout.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) > 1:
            out[parts[0]] = parts[1]
    return out


def _changed_files(path: Path, pairs: list[tuple[str, str]]) -> list[list[tuple[str, str, str]]]:
    """For each (before, after): [(path, old blob, new blob)] of the files that changed."""
    if not pairs:
        return []
    stdin = "".join(f"{after} {before}\n" for before, after in pairs).encode()
    cmd = ["git", "-C", str(path), "diff-tree", "--stdin", "--always", "-r", "-z", "--raw", "--no-renames"]
    proc = subprocess.run(cmd, input=stdin, capture_output=True, env=git_env(), check=False)
    if proc.returncode != 0:
        raise ImportFormatError(f"{path}: git diff-tree failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
    tokens = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    out: list[list[tuple[str, str, str]]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.startswith(":"):
            meta = tok[1:].split()
            if out and len(meta) >= 5 and meta[0] != "160000" and meta[1] != "160000":  # submodules are not files
                out[-1].append((tokens[i + 1], meta[2], meta[3]))
            i += 2
            continue
        if tok.strip():
            out.append([])
        i += 1
    if len(out) != len(pairs):
        raise ImportFormatError(f"{path}: git diff-tree returned {len(out)} diffs for {len(pairs)} PRs")
    return out


def measured_prs(folder: Path | None) -> set[str]:
    """pr_ids OUT/code_quality.* already holds with the analyser's columns (the incremental skip)."""
    if folder is None or not Path(folder).is_dir():
        return set()
    from ..inputs.readers import read_file

    files = [Path(folder) / f"code_quality{ext}" for ext in FILE_EXTENSIONS]
    files = [f for f in files if f.is_file()] + sorted((Path(folder) / "code_quality").rglob("*.parquet"))
    done: set[str] = set()
    for f in files:
        frame = read_file(f)
        if "pr_id" not in frame:
            continue
        measured = frame.get("complexity_added")
        lines = frame.get("lines_added")
        for k, pr in enumerate(frame["pr_id"].tolist()):
            has = any(col is not None and str(col.iloc[k]) not in ("", "nan", "None", "<NA>")
                      for col in (measured, lines))
            if has and isinstance(pr, str):
                done.add(pr.strip())
    return done


def import_git_any(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """The ``git`` source: commits and PRs, plus ``code_quality`` with ``--quality``."""
    if not ctx.options.get("quality"):
        return import_git(paths, ctx)
    return import_git_quality(paths, ctx)


def import_git_quality(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """``commits``, ``pull_requests`` and one ``code_quality`` row per merged PR not yet measured."""
    try:
        import lizard  # noqa: F401
    except ImportError:  # pragma: no cover - a declared dependency
        raise ImportFormatError("the --quality analyser needs the lizard package (pip install lizard)") from None
    threshold = int(ctx.options.get("complexity_threshold") or DEFAULT_THRESHOLD)
    result = import_git(paths, ctx)
    done = measured_prs(Path(ctx.options["quality_dir"]) if ctx.options.get("quality_dir") else None)
    totals: Counter = Counter()
    no_parent: list[str] = []
    for path in paths:
        repo = _repo_name(Path(path))
        prs = [r for r in result.rows.get("pull_requests", []) if r.get("repo") == repo]
        todo = [r for r in prs if r["id"] not in done]
        totals["already"] += len(prs) - len(todo)
        parents = _first_parents(Path(path))
        pairs, rows = [], []
        for r in todo:
            before = parents.get(r["merge_commit_sha"])
            if before is None:
                no_parent.append(r["id"])
                continue
            pairs.append((before, r["merge_commit_sha"]))
            rows.append(r)
        blobs = _Blobs(Path(path))
        cache = _FunctionCache()
        try:
            for r, files in zip(rows, _changed_files(Path(path), pairs)):
                changes, shas = [], []
                files = [f for f in files if is_test_path(f[0]) or is_source_path(f[0])]
                text = blobs.texts([sha for _, old, new in files for sha in (old, new) if sha != _NULL_SHA])
                for fpath, old, new in files:
                    before = None if old == _NULL_SHA else text[old]
                    after = None if new == _NULL_SHA else text[new]
                    if (old != _NULL_SHA and before is None) or (new != _NULL_SHA and after is None):
                        totals["binary"] += 1
                        continue
                    changes.append((fpath, before, after))
                    shas.append((old, new))
                q = measure_change(changes, threshold, shas, cache.functions)
                totals["measured"] += 1
                result.add("code_quality", {
                    "pr_id": r["id"], "repo": repo, "merged_at": r["merged_at"], "source": SOURCE,
                    "lines_added": q.lines_added, "lines_removed": q.lines_removed,
                    "complexity_added": q.complexity_added,
                    "functions_over_threshold_added": q.functions_over_threshold_added,
                    "complexity_threshold": threshold, "duplicated_lines_added": q.duplicated_lines_added,
                    "test_lines_touched": q.test_lines_touched,
                })
        finally:
            blobs.close()
    result.notes.append(
        f"code quality: {totals['measured']} merged PRs measured with lizard (CCN threshold {threshold}), "
        f"{totals['already']} already in code_quality and skipped; issues and security hotspots are not "
        "measured from git (N/A; import sonarqube for them)")
    if no_parent:
        result.notes.append(f"code quality: {len(no_parent)} PRs have no parent commit in the history read (a root "
                            f"commit or a shallow clone) and were not measured: {', '.join(no_parent[:10])}"
                            + (" ..." if len(no_parent) > 10 else ""))
    if totals["binary"]:
        result.notes.append(f"code quality: {totals['binary']} changed files were binary or not UTF-8 and were "
                            "not measured")
    return result
