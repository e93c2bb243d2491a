"""Commits and merged pull requests from local git repositories.

Why from git: a clone is the one export every team has, it keeps commit trailers
(``Co-authored-by: Claude <noreply@anthropic.com>``) verbatim for the build's AI detection, and
GitHub's merge messages name the PR each change came from.

Each path is a repository (work tree, any folder inside one, or a bare repository). ``git log``
runs once per repository over the history of ``HEAD`` (the checked-out branch; in a fresh clone
the default branch), not ``--all``: commits of unmerged branches belong to no merged PR, and
remote-tracking refs would only repeat them. Git runs with ``LC_ALL=C``, no pager, no system or
global configuration and no ``GIT_*`` variables from the caller, with ``-c core.quotepath=off``, so
nobody's settings change what is parsed. Output: ``-z`` separated records of
``%H %P %aI %cI %ae %an %B`` split on ``\\x1f`` (the message last, so it may hold anything).

Rows:

* ``commits``: every commit reachable from HEAD: sha, authored_at (author date), author (the
  email through the people map; a GitHub ``ID+login@users.noreply.github.com`` address the roster
  does not know is tried as ``login``), message verbatim but for git's trailing newline, and
  pr_id when the commit came in through a PR.
* ``pull_requests``, id ``REPO#N`` (REPO = the repository folder's name, ``.git`` stripped):

  - merge commits ``Merge pull request #N from owner/branch`` (title = the message's first line
    after the subject) or merge commits whose subject is ``Title (#N)``: the PR's commits are those
    reachable from the second parent and not from the first; author = the second parent's
    author; merged_at = the merge's committer date; the merge commit itself carries the PR's id;
  - squash merges, non-merge commits ``Title (#N)``: the commit is the PR; author = its author.

  Git has no PR creation time: created_at is the earliest author date among the PR's commits
  (never after merged_at), first_commit_at that same earliest date. A squash merge keeps only the
  squash commit, whose dates say nothing of when work started: its created_at is merged_at and
  first_commit_at is empty, which the metrics read as "start unknown" (N/A, never 0 h), and a
  note counts them (the github-prs import has the real times and merges over these rows).
  additions/deletions are not derived (that would need a diff per commit); rebase merges leave no
  trace of their PR.

PR membership is computed in one pass over the parsed graph, not one ``git rev-list`` per merge:
walking HEAD's first-parent chain oldest first, every commit already visited is an ancestor of
the current one, so a merge's PR commits are exactly what a walk from its second parent reaches
before meeting a visited commit. Side branches are walked the same way, so a PR merged into
another branch and then into main gets its own commits (a commit's pr_id is the innermost PR;
the outer PR's times cover both). Each commit is visited once: O(commits + parents).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

from .base import ImportContext, ImportFormatError, ImportResult, iso_utc

SOURCE = "git"
_FORMAT = "%H%x1f%P%x1f%aI%x1f%cI%x1f%ae%x1f%an%x1f%B"
_MERGE = re.compile(r"^Merge pull request #(\d+) from \S+")
_SQUASH = re.compile(r"^(.*?)\s*\(#(\d+)\)\s*$")
_NOREPLY = re.compile(r"^(?:\d+\+)?([^@]+)@users\.noreply\.github\.com$", re.I)


def git_env() -> dict[str, str]:
    """The caller's environment without GIT_* variables, locale and configuration pinned."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({
        "LC_ALL": "C", "LANG": "C", "LANGUAGE": "C",
        "GIT_PAGER": "cat", "PAGER": "cat", "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_OPTIONAL_LOCKS": "0",
    })
    return env


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = ["git", "--no-pager", "-c", "core.quotepath=off", "-c", "log.showSignature=false",
           "-c", "i18n.logOutputEncoding=UTF-8", "-c", "color.ui=false", "-C", str(repo), *args]
    try:
        return subprocess.run(cmd, capture_output=True, env=git_env(), stdin=subprocess.DEVNULL, check=False)
    except FileNotFoundError:
        raise ImportFormatError("git is not installed (or not on PATH): the git importer runs `git log`") from None


def _stderr(proc: subprocess.CompletedProcess) -> str:
    text = proc.stderr.decode("utf-8", "replace").strip()
    return text.splitlines()[-1] if text else f"git exited with {proc.returncode}"


def _repo_name(path: Path) -> str:
    """The repository's folder name; raises ImportFormatError for anything that is not a repo."""
    if not path.exists():
        raise ImportFormatError(f"{path}: not a git repository (no such folder)")
    if not path.is_dir():
        raise ImportFormatError(f"{path}: not a git repository (a file, expected a repository folder)")
    proc = _git(path, "rev-parse", "--is-bare-repository", "--absolute-git-dir")
    if proc.returncode != 0:
        reason = _stderr(proc)
        if "dubious ownership" in proc.stderr.decode("utf-8", "replace"):
            reason += " (the import ignores your global git config, so safe.directory does not apply: " \
                      "run it as the repository's owner)"
        raise ImportFormatError(f"{path}: not a git repository: {reason}")
    bare, git_dir = proc.stdout.decode("utf-8", "replace").splitlines()[:2]
    if bare.strip() == "true":
        top = Path(git_dir)
    else:
        proc = _git(path, "rev-parse", "--show-toplevel")
        top = Path(proc.stdout.decode("utf-8", "replace").strip()) if proc.returncode == 0 else path.resolve()
    name = top.name
    return name[:-4] if name.endswith(".git") and len(name) > 4 else name


def import_git(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """``commits`` and ``pull_requests`` rows from local repositories (module doc)."""
    from .github_prs import ai_detection_note

    result = ImportResult()
    seen_shas: set[str] = set()
    totals: Counter[str] = Counter()
    for path in paths:
        _import_repo(Path(path), ctx, result, seen_shas, totals)
    if totals["duplicate_commits"]:
        result.notes.append(f"{totals['duplicate_commits']} commits are in more than one repository (forks?); "
                            "each is kept once, from the first repository")
    if totals["prs"]:
        result.notes.append(
            "git has no PR creation time: created_at and first_commit_at are the earliest author date of the "
            "PR's commits; merged_at is the merge's committer date; additions/deletions are not derived")
    if totals["squash"]:
        result.notes.append(
            f"{totals['squash']} PRs are squash merges: git keeps only the squash commit, so their start is "
            "unknown (created_at = merged_at, no first_commit_at) and their cycle, coding and pickup times are N/A "
            "(import github-prs for the real times)")
    if totals["missing_parents"]:
        result.notes.append(f"{totals['missing_parents']} parent commits are outside the history read "
                            "(a shallow clone?): PRs there may lack early commits")
    if totals["duplicate_prs"]:
        result.notes.append(f"{totals['duplicate_prs']} commits name a PR number already taken (cherry-picks or "
                            "backports); the earliest merge is the PR, the others' commits carry its id")
    note = ai_detection_note(result, ctx.config)
    if note:
        result.notes.append(note)
    return result


def _author(email: str, name: str, ctx: ImportContext) -> str | None:
    """The roster's person for a commit's email (else a GitHub noreply login, else the raw email)."""
    identity = email or name
    if not identity:
        return None
    if email.lower() not in ctx.people.known:
        m = _NOREPLY.match(email)
        if m:
            return ctx.people.resolve(m.group(1), SOURCE)
    return ctx.people.resolve(identity, SOURCE)


def _import_repo(path: Path, ctx: ImportContext, result: ImportResult, seen_shas: set[str], totals: Counter) -> None:
    repo = _repo_name(path)
    proc = _git(path, "log", "-z", "--no-color", f"--format={_FORMAT}", "HEAD", "--")
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace")
        if any(t in err for t in ("does not have any commits", "unknown revision", "bad default revision",
                                  "bad revision 'HEAD'")):  # an unborn branch
            result.notes.append(f"{repo}: no commits on HEAD, nothing imported")
            return
        raise ImportFormatError(f"{path}: git log failed: {_stderr(proc)}")
    text = proc.stdout.decode("utf-8", "replace")
    label = f"{repo} (git log)"

    shas: list[str] = []
    parent_shas: list[list[str]] = []
    authored: list[dt.datetime] = []
    committed: list[dt.datetime] = []
    emails: list[str] = []
    names: list[str] = []
    messages: list[str] = []
    number = 0
    for record in text.split("\0"):
        if not record:
            continue
        number += 1
        parts = record.split("\x1f", 6)
        if len(parts) != 7:
            result.issue(label, number, "unreadable git log record", record[:40])
            continue
        sha, parents, a_iso, c_iso, email, name, message = parts
        sha = sha.strip()
        try:
            a_at = dt.datetime.fromisoformat(a_iso)
            c_at = dt.datetime.fromisoformat(c_iso)
        except ValueError:
            result.issue(label, number, f"unreadable author or committer date {a_iso!r} / {c_iso!r}", sha)
            continue
        shas.append(sha)
        parent_shas.append(parents.split())
        authored.append(a_at)
        committed.append(c_at)
        emails.append(email.strip())
        names.append(name.strip())
        messages.append(message.rstrip("\n"))

    n = len(shas)
    index = {sha: i for i, sha in enumerate(shas)}
    parents_of: list[list[int]] = []
    for ps in parent_shas:
        present = [index[p] for p in ps if p in index]
        totals["missing_parents"] += len(ps) - len(present)
        parents_of.append(present)
    is_merge = [len(ps) > 1 for ps in parent_shas]

    # Which commits are PRs: (number, title) by commit position.
    pr_at: dict[int, tuple[int, str | None]] = {}
    for i, message in enumerate(messages):
        subject, _, body = message.partition("\n")
        m = _MERGE.match(subject)
        if m:
            title = next((line.strip() for line in body.splitlines() if line.strip()), None)
            pr_at[i] = (int(m.group(1)), title)
            continue
        m = _SQUASH.match(subject)
        if m:
            pr_at[i] = (int(m.group(2)), m.group(1).strip() or None)

    owner = [-1] * n  # innermost PR (position of its commit) each commit came in through
    earliest: dict[int, dt.datetime] = {}  # PR commit position -> earliest author date of its commits
    _walk(n, parents_of, is_merge, pr_at, owner, earliest, authored)

    # PR rows: one per number, the earliest merge wins.
    by_number: dict[int, int] = {}
    for i in pr_at:
        num = pr_at[i][0]
        j = by_number.get(num)
        if j is None or (committed[i], shas[i]) < (committed[j], shas[j]):
            if j is not None:
                totals["duplicate_prs"] += 1
            by_number[num] = i
        else:
            totals["duplicate_prs"] += 1
    for num in sorted(by_number):
        i = by_number[num]
        merged = committed[i]
        if is_merge[i] and parent_shas[i][1] in index:  # the branch tip is known: its author
            p2 = index[parent_shas[i][1]]
            author = _author(emails[p2], names[p2], ctx)
            first = earliest.get(i)
        else:
            author = _author(emails[i], names[i], ctx)
            # A squash commit's author date is not the PR's first commit: the start is unknown.
            first = earliest.get(i) if is_merge[i] else None
            if not is_merge[i]:
                totals["squash"] += 1
        created = min(first, merged) if first is not None else merged
        merged_text = iso_utc(merged)
        _append(result, "pull_requests", {
            "id": f"{repo}#{num}", "repo": repo, "author": author,
            "created_at": iso_utc(created), "merged_at": merged_text, "closed_at": merged_text,
            "first_commit_at": iso_utc(first) if first is not None else None,
            "title": pr_at[i][1], "merge_commit_sha": shas[i],
        })
        totals["prs"] += 1

    pr_ids = {i: f"{repo}#{num}" for i, (num, _) in pr_at.items()}
    for i in range(n):
        if shas[i] in seen_shas:
            totals["duplicate_commits"] += 1
            continue
        seen_shas.add(shas[i])
        _append(result, "commits", {
            "sha": shas[i], "authored_at": iso_utc(authored[i]), "pr_id": pr_ids.get(owner[i]),
            "author": _author(emails[i], names[i], ctx), "message": messages[i]})


def _append(result: ImportResult, dataset: str, row: dict[str, str | None]) -> None:
    """``ImportResult.add`` for rows that are text already: empty cells left out, no per-value
    conversion (which would be most of the import's time on a large history)."""
    result.rows.setdefault(dataset, []).append({k: v for k, v in row.items() if v})


def _walk(n: int, parents_of: list[list[int]], is_merge: list[bool], pr_at: dict[int, tuple[int, str | None]],
          owner: list[int], earliest: dict[int, dt.datetime], authored: list[dt.datetime]) -> None:
    """Assign every commit to the innermost PR it came in through, in one pass (module doc).

    Position 0 is HEAD (git log starts there). A chain is a first-parent walk that stops at a
    visited commit; it is processed oldest first, and a merge's other parents are walked (as
    chains of their own, inside the merge's PR if it is one) before the merge itself is marked.
    """
    if n == 0:
        return
    visited = bytearray(n)
    # Stack items: ("chain", tip, prs) or ("mark", commit, prs), prs = enclosing PR positions.
    stack: list[tuple[str, int, tuple[int, ...]]] = [("chain", 0, ())]
    while stack:
        what, c, prs = stack.pop()
        if what == "chain":
            chain = []
            x = c
            while x >= 0 and not visited[x]:
                chain.append(x)
                ps = parents_of[x]
                x = ps[0] if ps else -1
            # newest at the bottom, oldest on top: each commit is expanded when it is reached
            for x in chain:
                stack.append(("expand", x, prs))
            continue
        if visited[c]:
            continue
        if what == "expand":
            own = c in pr_at
            stack.append(("mark", c, prs))
            if is_merge[c]:
                inner = prs + (c,) if own else prs
                for p in reversed(parents_of[c][1:]):
                    if not visited[p]:
                        stack.append(("chain", p, inner))
            continue
        # mark: the commit's owner is the innermost PR: itself if it is one, else the enclosing one
        visited[c] = 1
        own = c in pr_at
        owner[c] = c if own else (prs[-1] if prs else -1)
        at = authored[c]
        for pr in prs:
            if pr not in earliest or at < earliest[pr]:
                earliest[pr] = at
        if own and not is_merge[c]:
            earliest[c] = at if c not in earliest or at < earliest[c] else earliest[c]
