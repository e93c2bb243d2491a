"""``reporter import sonarqube FILES... --out DIR``: SonarQube / SonarCloud Web API JSON -> code_quality.

Files, recognised by content (each a saved response page; every page of a paged answer may be given):

* ``api/issues/search``: ``{"paging": {...}, "issues": [{"key", "project", "severity", "type",
  "creationDate", "pullRequest"?, "impacts"?...}]}``. Severity is ``severity`` (BLOCKER, CRITICAL,
  MAJOR, MINOR, INFO); a SonarQube 10 issue with only ``impacts`` takes its highest impact
  (BLOCKER -> blocker, HIGH -> critical, MEDIUM -> major, LOW -> minor, INFO -> info). An issue of
  type ``SECURITY_HOTSPOT`` (older servers) counts as a hotspot; one resolved ``FALSE-POSITIVE`` is
  no issue (counted in the notes). Fixed or closed issues still count: the PR introduced them.
* ``api/hotspots/search``: ``{"paging": {...}, "hotspots": [{"key", "project", "creationDate",
  "vulnerabilityProbability", "pullRequest"?...}]}``.
* ``api/measures/search_history``: ``{"paging": {...}, "measures": [{"metric": "complexity",
  "history": [{"date", "value"}]}, ...]}``. The response does not name its project: ``--project``
  (the repository) says which one.

Mapping to PRs (rows of OUT/pull_requests.*, which must exist: import git or github-prs first):

* a SonarQube project is the repository whose name equals its key or ends it after ``_``, ``:``
  or ``/`` (SonarCloud's default key is ``org_repo``);
* an issue or hotspot with ``pullRequest`` N (a pull-request analysis) belongs to ``REPO#N``;
* otherwise to the first PR of the repository merged at or after its creationDate and at most
  7 days later (SonarQube dates a new issue at the analysis or, backdated, at the line's commit:
  either way at or before the next merge that carries it). Anything with no such PR, an unknown
  project or an unreadable date is counted and listed in the notes, never dropped silently.
* measures history: between two consecutive analyses of a project, the change of ``complexity``
  (and of ``duplicated_lines``, when it did not fall) is the PR's when exactly one PR of the
  repository merged in between; with several the change cannot be split and is not attributed
  (counted). A PR the git analyser already measured keeps its own complexity.

Counts are written for the PRs of a mapped repository merged between the first and the last
record of that kind in the files (issues, hotspots): inside that span a PR with none has a real 0;
outside it the columns stay empty (not measured).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from ..inputs.spec import FILE_EXTENSIONS
from .base import ImportContext, ImportFormatError, ImportResult, load_json, parse_time

SEVERITIES = ("blocker", "critical", "major", "minor", "info")
_IMPACT = {"BLOCKER": "blocker", "HIGH": "critical", "MEDIUM": "major", "LOW": "minor", "INFO": "info"}
_RANK = {s: i for i, s in enumerate(SEVERITIES)}
MAX_GAP = dt.timedelta(days=7)


def _pull_requests(folder: Path | None) -> list[dict[str, Any]]:
    from ..inputs.readers import read_file

    if folder is not None:
        for ext in FILE_EXTENSIONS:
            path = Path(folder) / f"pull_requests{ext}"
            if path.is_file():
                frame = read_file(path)
                return [r for r in frame.to_dict("records") if isinstance(r.get("merged_at"), str) and r["merged_at"]]
    raise ImportFormatError("sonarqube: the output folder has no pull_requests file to map issues to PRs: "
                            "import git or github-prs into it first")


def repo_of(project: str, repos: set[str]) -> str | None:
    """The repository a SonarQube project key names (module doc), or None."""
    if project in repos:
        return project
    found = [r for r in repos if any(project.endswith(sep + r) for sep in ("_", ":", "/"))]
    return max(found, key=len) if found else None


def severity_of(issue: dict) -> str | None:
    sev = issue.get("severity")
    if isinstance(sev, str) and sev.lower() in _RANK:
        return sev.lower()
    impacts = [_IMPACT.get(str(i.get("severity", "")).upper()) for i in issue.get("impacts") or [] if isinstance(i, dict)]
    known = [i for i in impacts if i]
    return min(known, key=_RANK.__getitem__) if known else None


class _Prs:
    """Merged PRs per repository, by merge time, for the date rule."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.by_repo: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
        self.row: dict[str, dict[str, Any]] = {}
        for r in rows:
            at = parse_time(r["merged_at"])
            assert at is not None  # _pull_requests keeps only rows with a merged_at
            self.by_repo[str(r["repo"])].append((at, str(r["id"])))
            self.row[str(r["id"])] = r
        for v in self.by_repo.values():
            v.sort()

    def after(self, repo: str, at: dt.datetime) -> str | None:
        merges = self.by_repo.get(repo, [])
        i = bisect_left(merges, (at, ""))
        return merges[i][1] if i < len(merges) and merges[i][0] - at <= MAX_GAP else None

    def between(self, repo: str, lo: dt.datetime, hi: dt.datetime) -> list[str]:
        return [pr for at, pr in self.by_repo.get(repo, []) if lo < at <= hi]

    def within(self, repo: str, lo: dt.datetime, hi: dt.datetime) -> list[str]:
        return [pr for at, pr in self.by_repo.get(repo, []) if lo <= at <= hi + MAX_GAP]


def import_sonarqube(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """code_quality rows (issues, hotspots, complexity) from SonarQube Web API JSON (module doc)."""
    from .git_quality import measured_prs

    result = ImportResult()
    folder = Path(ctx.options["quality_dir"]) if ctx.options.get("quality_dir") else None
    prs = _Prs(_pull_requests(folder))
    repos = set(prs.by_repo)
    measured = measured_prs(folder)
    counts: dict[str, Counter] = defaultdict(Counter)  # pr -> column -> count
    spans: dict[tuple[str, str], list[dt.datetime]] = defaultdict(list)  # (repo, kind) -> record dates
    unmatched: Counter = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    matched: Counter[str] = Counter()
    histories: list[tuple[str, Path, dict]] = []

    def miss(why: str, what: str) -> None:
        unmatched[why] += 1
        if len(examples[why]) < 5:
            examples[why].append(what)

    def place(record: dict, kind: str, column: str, name: str) -> None:
        project = str(record.get("project") or str(record.get("component") or "").split(":")[0])
        repo = repo_of(project, repos)
        if repo is None:
            return miss(f"{kind} of a project no repository in pull_requests matches", project or "?")
        try:
            at = parse_time(record.get("creationDate"))
        except ValueError:
            at = None
        if at is None:
            return miss(f"{kind} without a readable creationDate", str(record.get("key")))
        spans[(repo, kind)].append(at)
        pr_number = record.get("pullRequest")
        pr: str | None
        if pr_number not in (None, ""):
            pr = f"{repo}#{pr_number}"
            if pr not in prs.row:
                return miss(f"{kind} of a pull request not merged in pull_requests", pr)
            matched[f"{kind} by pullRequest"] += 1
        else:
            pr = prs.after(repo, at)
            if pr is None:
                return miss(f"{kind} with no PR of its repository merged within 7 days after it", str(record.get("key")))
            matched[f"{kind} by date"] += 1
        counts[pr][column] += 1

    for path in paths:
        doc = load_json(Path(path))
        name = Path(path).name
        if not isinstance(doc, dict):
            raise ImportFormatError(f"{name}: expected a SonarQube Web API JSON object")
        paging = doc.get("paging") or {}
        if "issues" in doc:
            records = doc["issues"]
            for number, issue in enumerate(records if isinstance(records, list) else [], start=1):
                if not isinstance(issue, dict):
                    result.issue(name, number, "issue is not a JSON object")
                    continue
                if str(issue.get("resolution", "")).upper() == "FALSE-POSITIVE":
                    miss("issues resolved as false positives", str(issue.get("key")))
                    continue
                if str(issue.get("type", "")).upper() == "SECURITY_HOTSPOT":
                    place(issue, "hotspots", "security_hotspots_added", name)
                    continue
                sev = severity_of(issue)
                if sev is None:
                    result.issue(name, number, f"issue without a known severity: {issue.get('severity')!r}",
                                 issue.get("key"))
                    continue
                place(issue, "issues", f"issues_{sev}", name)
        elif "hotspots" in doc:
            for number, hotspot in enumerate(doc["hotspots"] if isinstance(doc["hotspots"], list) else [], start=1):
                if not isinstance(hotspot, dict):
                    result.issue(name, number, "hotspot is not a JSON object")
                    continue
                place(hotspot, "hotspots", "security_hotspots_added", name)
        elif "measures" in doc:
            histories.append((name, Path(path), doc))
        else:
            raise ImportFormatError(f"{name}: not an api/issues/search, api/hotspots/search or "
                                    "api/measures/search_history response (no issues, hotspots or measures)")
        total, size = paging.get("total"), paging.get("pageSize")
        if isinstance(total, int) and isinstance(size, int) and total > size:
            result.notes.append(f"{name}: page {paging.get('pageIndex', '?')} of a {total}-record answer: "
                                "give every page, or the counts are too low")

    history_rows = _histories(histories, ctx, prs, repos, measured, result)

    # Zeros are real only inside the span the files cover for that kind (module doc).
    columns_of = {"issues": [f"issues_{s}" for s in SEVERITIES], "hotspots": ["security_hotspots_added"]}
    rows: dict[str, dict[str, Any]] = {}
    for (repo, kind), dates in spans.items():
        for pr in prs.within(repo, min(dates), max(dates)):
            row = rows.setdefault(pr, {})
            for column in columns_of[kind]:
                row[column] = counts[pr][column]
    for pr, cols in counts.items():  # matched by pullRequest outside the date span
        row = rows.setdefault(pr, {})
        for column, k in cols.items():
            row[column] = k
        for kind, columns in columns_of.items():
            if any(c in cols for c in columns):
                for c in columns:
                    row.setdefault(c, 0)
    for pr, measures in history_rows.items():
        rows.setdefault(pr, {}).update(measures)
    for pr in sorted(rows):
        r = prs.row[pr]
        result.add("code_quality", {"pr_id": pr, "repo": r["repo"], "merged_at": r["merged_at"], **rows[pr]})
    summary = ", ".join(f"{k} {v}" for k, v in sorted(matched.items())) or "nothing matched"
    result.notes.append(f"sonarqube: mapped to PRs: {summary}")
    for why, k in sorted(unmatched.items()):
        result.notes.append(f"sonarqube: {k} {why}, not counted (e.g. {', '.join(examples[why])})")
    return result


def _histories(histories: list[tuple[str, Path, dict]], ctx: ImportContext, prs: _Prs, repos: set[str],
               measured: set[str], result: ImportResult) -> dict[str, dict[str, int]]:
    """complexity_added / duplicated_lines_added from measures history (module doc)."""
    if not histories:
        return {}
    project = ctx.options.get("project")
    if not project:
        raise ImportFormatError(f"{histories[0][0]}: a measures history does not name its project: "
                                "pass --project REPO")
    repo = repo_of(str(project), repos)
    if repo is None:
        raise ImportFormatError(f"--project {project}: no repository of that name in pull_requests")
    series: dict[str, dict[dt.datetime, float]] = defaultdict(dict)
    for name, _, doc in histories:
        for m in doc.get("measures") or []:
            metric = m.get("metric")
            for number, point in enumerate(m.get("history") or [], start=1):
                if point.get("value") in (None, ""):
                    continue  # an analysis without this metric
                try:
                    at = parse_time(point.get("date"))
                    if at is None:  # a missing date is unreadable too, never a None key
                        raise ValueError("no date")
                    series[metric][at] = float(point["value"])
                except (ValueError, TypeError):
                    result.issue(name, number, f"{metric}: unreadable date or value", point.get("date"))
    out: dict[str, dict[str, int]] = defaultdict(dict)
    shared = kept = 0
    for metric, column in (("complexity", "complexity_added"), ("duplicated_lines", "duplicated_lines_added")):
        points = sorted(series.get(metric, {}).items())
        for (t0, v0), (t1, v1) in zip(points, points[1:]):
            merged = prs.between(repo, t0, t1)
            if len(merged) != 1:
                shared += bool(merged) and v1 != v0
                continue
            pr = merged[0]
            if pr in measured:
                kept += 1
                continue
            delta = int(round(v1 - v0))
            if column == "duplicated_lines_added" and delta < 0:
                continue  # duplication fell: what was added is unknown
            out[pr][column] = delta
    if shared:
        result.notes.append(f"sonarqube: {shared} measure changes span several merged PRs and are not attributed")
    if kept:
        result.notes.append(f"sonarqube: {kept} measure changes belong to PRs the git analyser measured; its "
                            "values are kept")
    return out
