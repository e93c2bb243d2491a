"""Apache DevLake domain tables (CSV exports) -> canonical pull_requests, commits, deployments, incidents.

DevLake already did the hard joins (PR <-> merge commit <-> deployment, incident <-> deployment);
this importer replays its DORA-plugin rules (``backend/plugins/dora/tasks``) on the exported tables
so that reporter's own metric code, fed with the canonical rows, gives DevLake's numbers wherever
the two definitions agree. Conformance: ``tests/test_devlake_conformance.py`` against DevLake's
e2e fixtures (``shared/conformance/devlake``).

Tables (known by file name, ``NAME.csv``, or ``NAME.tsv``/``.csv`` as ``mysql --batch`` prints it,
tab-separated with ``NULL`` cells; other files are noted and not read):
- ``pull_requests`` -> pull_requests: created_date/merged_date/closed_date, base_repo_id (as the
  repo's ``repos.name`` when repos.csv has one), author (the roster person of author_name or
  author_id, else author_name, else author_id, else ``unknown``), title, additions, deletions,
  merge_commit_sha.
- ``pull_request_commits`` -> commits (sha, authored_at, pr_id) and the PR's ``first_commit_at``
  (earliest commit_authored_date). ``commits.csv``, when present, adds message and author.
- ``pull_request_comments`` -> the PR's ``first_review_at``: the earliest comment whose
  account_id differs from author_id (every comment with an account when author_id is empty);
  equal times go to the lower comment id.
- ``cicd_deployment_commits`` -> deployments, one per ``cicd_deployment_id`` (DevLake's
  deployment; ``split_by_repo`` makes one per deployment id and repo instead). ``pr_ids`` are the
  merged PRs whose merge commit lies, per ``commits_diffs``, between a successful production
  deployment commit and its ``prev_success_deployment_commit_id``; a PR is listed once, on the
  earliest-started such commit, as DevLake's change-lead-time calculator does.
- ``incidents`` -> incidents, with ``deployment_id`` = the cicd_deployment_id of the latest
  successful production deployment commit of the project finished strictly before created_date.
- ``project_mapping`` (+ ``repos``, ``cicd_scopes`` for names) scopes everything to a project.

Where reporter and DevLake define a number differently (documented, not papered over):
- Deploy time. DevLake measures merged -> ``finished_date`` of the one deployment *commit* (repo)
  that shipped the PR; a canonical deployment has one ``finished_at``, the last of its
  successful production commits (what DevLake's dashboards use for a deployment). When one
  pipeline deploys several repos, reporter's deploy time ends when the whole pipeline ended.
  ``split_by_repo=True`` reproduces DevLake's per-PR spans exactly, at the price of counting one
  deployment per repo (deployment frequency and change failure rate then differ from DevLake's).
- Lead time / cycle time. DevLake's ``pr_cycle_time`` = coding + (created -> merged) + deploy,
  a negative or missing part counting 0. Reporter's ``lead_time`` is first commit (else created)
  -> deployed, and ``pr_cycle_time`` first commit -> merged: the same number when every part is
  non-negative; when the first commit comes after the PR was opened, DevLake starts at created
  and reporter at the first commit; when the deployment finished before the merge, DevLake's
  cycle stops at the merge.
- Pickup and review use the first non-author *comment* of any kind (DevLake); reporter calls it
  first_review_at. A comment by another account of the same roster person does not count here.
- Medians: reporter interpolates; DevLake's dashboard "median" is the largest value with
  percent_rank <= 0.5 (the lower middle value for an even count).
- Reporter links a merged PR that no deployment lists to the next deployment of its repo's
  service (DESIGN section 5); DevLake leaves it without deployment. This only happens when a PR's
  repo name equals a deployment's service (with repos.csv names, or a services config).
- Incidents are attributed by DevLake's time window (any repo of the project), not by service.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .base import ImportContext, ImportFormatError, ImportResult, _read_text, parse_time, read_csv_dicts
from .merge import _digits

SOURCE = "devlake"

# table -> columns a row cannot do without (a file lacking one is unusable)
REQUIRED: dict[str, tuple[str, ...]] = {
    "pull_requests": ("id", "base_repo_id", "created_date", "merged_date"),
    "pull_request_commits": ("commit_sha", "pull_request_id", "commit_authored_date"),
    "pull_request_comments": ("id", "pull_request_id", "created_date", "account_id"),
    "cicd_deployment_commits": ("id", "cicd_deployment_id", "cicd_scope_id", "result", "environment",
                                "commit_sha", "repo_url", "finished_date"),
    "commits_diffs": ("new_commit_sha", "old_commit_sha", "commit_sha"),
    "incidents": ("id", "created_date"),
    "project_mapping": ("project_name", "table", "row_id"),
    "repos": ("id",),
    "cicd_scopes": ("id",),
    "commits": ("sha",),
}
_NULLS = {"NULL", "\\N"}  # how MySQL/Workbench exports write a NULL cell

_LOOSE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?\s*"
    r"(Z|UTC|[+-]\d{2}:?\d{2})?$", re.I)


def devlake_time(value: str | None) -> dt.datetime | None:
    """Both DevLake forms (``2023-4-11 4:51:47``, ``2023-04-10T06:51:47.000+00:00``) as aware UTC.

    DevLake stores UTC; a value without an offset is UTC. Raises ValueError with a readable reason.
    """
    if value is None or not value.strip():
        return None
    m = _LOOSE.match(value.strip())
    if not m:
        return parse_time(value)
    year, month, day, hour, minute, second, frac, zone = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    tz = dt.timezone.utc
    if zone and zone.upper() not in ("Z", "UTC"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tz = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        parsed = dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tz)
    except ValueError as exc:
        raise ValueError(f"not a valid timestamp: {value[:40]!r} ({exc})") from None
    return parsed.astimezone(dt.timezone.utc)


@dataclass
class Table:
    """One DevLake table: rows with their file name and line (header = line 1)."""

    name: str
    columns: set[str] = field(default_factory=set)
    rows: list[tuple[str, int, dict[str, str]]] = field(default_factory=list)


def _table_name(path: Path) -> str | None:
    name = path.name.lower()
    if not name.endswith((".csv", ".tsv")) or ".expected." in name:
        return None
    stem = name[:-4]
    return stem if stem in REQUIRED else None


_MYSQL_ESCAPES = {"n": "\n", "t": "\t", "0": "\0", "\\": "\\", "r": "\r", "b": "\b"}


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """CSV, or the tab-separated text ``mysql --batch`` prints (told apart by the header line)."""
    text = _read_text(path)
    first = text.split("\n", 1)[0]
    if path.suffix.lower() != ".tsv" and ("\t" not in first or "," in first):
        return read_csv_dicts(path)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ImportFormatError(f"{path.name}: empty file, expected a header line")
    header = [h.strip() for h in lines[0].split("\t")]
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        fields = [re.sub(r"\\(.)", lambda m: _MYSQL_ESCAPES.get(m.group(1), m.group(0)), f) for f in line.split("\t")]
        if len(fields) != len(header):
            raise ImportFormatError(f"{path.name}: line {number}: {len(fields)} fields where the header has "
                                    f"{len(header)} (a truncated or malformed file)")
        rows.append((number, dict(zip(header, fields))))
    return header, rows


def read_tables(paths: list[Path], result: ImportResult) -> dict[str, Table]:
    """Every known table among ``paths`` (folders or files); a file missing columns fails."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")))
        elif path.exists():
            files.append(path)
        else:
            raise ImportFormatError(f"{path}: no such file or folder")
    tables: dict[str, Table] = {}
    for path in files:
        name = _table_name(path)
        if name is None:
            result.notes.append(f"{path.name}: not a DevLake table this importer reads; not read")
            continue
        header, rows = _read_rows(path)
        missing = [c for c in REQUIRED[name] if c not in header]
        if missing:
            raise ImportFormatError(
                f"{path.name}: required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing "
                f"(found: {', '.join(header)})")
        table = tables.setdefault(name, Table(name))
        table.columns.update(header)
        for line, row in rows:
            clean = {k: ("" if v.strip() in _NULLS else v.strip()) for k, v in row.items()}
            table.rows.append((path.name, line, clean))
    if not any(t in tables for t in ("pull_requests", "cicd_deployment_commits", "incidents")):
        raise ImportFormatError(
            "no DevLake pull_requests.csv, cicd_deployment_commits.csv or incidents.csv among "
            + ", ".join(p.name for p in map(Path, paths)))
    return tables


@dataclass
class Scope:
    """Which rows belong to the chosen project(s); None = no project_mapping, everything counts."""

    projects: list[str]
    rows: dict[str, set[str]] | None  # mapping table (repos, cicd_scopes, boards) -> row ids

    def has(self, table: str, row_id: str) -> bool:
        return self.rows is None or row_id in self.rows.get(table, set())


def _scope(tables: dict[str, Table], project: str | None, result: ImportResult) -> Scope:
    mapping = tables.get("project_mapping")
    if mapping is None:
        if project is not None:
            raise ImportFormatError(f"project {project!r} asked for, but there is no project_mapping.csv")
        result.notes.append("no project_mapping.csv: every row is imported, not one project's")
        return Scope([], None)
    by_project: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for _, _, row in mapping.rows:
        if row["project_name"] and row["table"] and row["row_id"]:
            by_project[row["project_name"]][row["table"]].add(row["row_id"])
    names = sorted(by_project)
    if project is not None:
        if project not in by_project:
            raise ImportFormatError(
                f"project_mapping.csv has no project {project!r} (projects: {', '.join(names) or 'none'})")
        chosen = [project]
    else:
        chosen = names
        if len(names) > 1:
            result.notes.append(
                f"project_mapping.csv holds {len(names)} projects ({', '.join(names)}): all are imported "
                "together, while DevLake computes each apart; keep one project's rows in project_mapping.csv "
                "to import that project alone")
    merged: dict[str, set[str]] = defaultdict(set)
    for name in chosen:
        for table, ids in by_project[name].items():
            merged[table] |= ids
    return Scope(chosen, dict(merged))


def _url_key(url: str) -> str:
    return url.strip().lower().removesuffix("/").removesuffix(".git")


class Names:
    """Readable repo and CI scope names from repos.csv / cicd_scopes.csv, else the raw value."""

    def __init__(self, tables: dict[str, Table]) -> None:
        self.repo_by_id: dict[str, str] = {}
        self.repo_by_url: dict[str, str] = {}
        for _, _, row in tables.get("repos", Table("repos")).rows:
            name = row.get("name") or row["id"]
            self.repo_by_id[row["id"]] = name
            if row.get("url"):
                self.repo_by_url[_url_key(row["url"])] = name
        self.scope_by_id = {row["id"]: row.get("name") or row["id"]
                            for _, _, row in tables.get("cicd_scopes", Table("cicd_scopes")).rows}

    def repo(self, repo_id: str) -> str:
        return self.repo_by_id.get(repo_id, repo_id)

    def repo_of_url(self, url: str) -> str:
        """``https://github.com/org/app.git`` -> repos.name for that url, else ``org/app``."""
        if not url:
            return ""
        known = self.repo_by_url.get(_url_key(url))
        if known:
            return known
        path = re.sub(r"^[a-z]+://[^/]+/|^[^@/]+@[^:]+:", "", url.strip(), flags=re.I)
        path = path.removesuffix("/").removesuffix(".git")
        return path or url


@dataclass
class _PR:
    id: str
    author_id: str
    author: str | None
    merged: dt.datetime | None
    merge_sha: str
    row: dict


@dataclass
class _DC:
    """One deployment commit (a row of cicd_deployment_commits)."""

    id: str
    deployment: str
    scope: str
    result: str
    environment: str
    sha: str
    repo_url: str
    prev: str
    started: dt.datetime | None
    finished: dt.datetime | None
    file: str
    line: int

    @property
    def production_success(self) -> bool:
        return self.result == "SUCCESS" and self.environment == "PRODUCTION"


def _times(result: ImportResult, file: str, line: int, record: str | None, row: dict,
           columns: tuple[str, ...]) -> dict[str, dt.datetime | None] | None:
    """Parsed timestamps of ``columns``, or None after reporting the first bad one."""
    out: dict[str, dt.datetime | None] = {}
    for column in columns:
        try:
            out[column] = devlake_time(row.get(column))
        except ValueError as exc:
            result.issue(file, line, f"{column}: {exc}", record)
            return None
    return out


def _int(result: ImportResult, file: str, line: int, record: str, row: dict, column: str) -> tuple[bool, int | None]:
    text = row.get(column, "")
    if not text:
        return True, None
    try:
        value = int(float(text)) if re.fullmatch(r"\d+(\.0+)?", text) else int(text)
    except (ValueError, OverflowError):  # OverflowError: 400 digits and ".0" are a float infinity
        result.issue(file, line, f"{column}: not a whole number: {text[:40]!r}", record)
        return False, None
    if value < 0:
        result.issue(file, line, f"{column}: negative count {value}", record)
        return False, None
    return True, value


def _person(ctx: ImportContext, *identities: str) -> str | None:
    """The roster person of the first identity the roster knows, else the first identity, raw."""
    present = [i for i in identities if i]
    for identity in present:
        if identity.strip().lower() in ctx.people.known:
            return ctx.people.resolve(identity, SOURCE)
    return ctx.people.resolve(present[0], SOURCE) if present else None


def _pull_requests(tables: dict[str, Table], scope: Scope, names: Names, ctx: ImportContext,
                   result: ImportResult) -> dict[str, _PR]:
    prs: dict[str, _PR] = {}
    table = tables.get("pull_requests")
    if table is None:
        return prs
    outside = 0
    for file, line, row in table.rows:
        pr_id = row["id"]
        if not pr_id:
            result.issue(file, line, "id is empty")
            continue
        if not row["created_date"]:
            result.issue(file, line, "created_date is empty", pr_id)
            continue
        if not scope.has("repos", row["base_repo_id"]):
            outside += 1
            continue
        if pr_id in prs:
            result.issue(file, line, "duplicate pull request id (the first row is kept)", pr_id)
            continue
        times = _times(result, file, line, pr_id, row, ("created_date", "merged_date", "closed_date"))
        if times is None:
            continue
        ok_add, additions = _int(result, file, line, pr_id, row, "additions")
        ok_del, deletions = _int(result, file, line, pr_id, row, "deletions")
        if not (ok_add and ok_del):
            continue
        # A login (author_name) is what a roster alias holds and reads better than an account id.
        author = _person(ctx, row.get("author_name", ""), row.get("author_id", ""))
        merge_sha = row.get("merge_commit_sha", "")
        prs[pr_id] = _PR(pr_id, row.get("author_id", ""), author, times["merged_date"], merge_sha, {
            "id": pr_id, "repo": names.repo(row["base_repo_id"]), "author": author or "unknown",
            "created_at": times["created_date"], "merged_at": times["merged_date"],
            "closed_at": times["closed_date"], "title": row.get("title"),
            "additions": additions, "deletions": deletions, "merge_commit_sha": row.get("merge_commit_sha"),
        })
    if outside:
        result.notes.append(f"pull_requests.csv: {outside} PRs of repos outside project "
                            f"{', '.join(scope.projects)} not imported")
    anonymous = sum(1 for pr in prs.values() if pr.author is None)
    if anonymous:
        result.notes.append(f"pull_requests.csv: {anonymous} PRs have no author_id or author_name; "
                            "imported with author 'unknown'")
    return prs


def _commits(tables: dict[str, Table], prs: dict[str, _PR], ctx: ImportContext, result: ImportResult) -> None:
    """Commits of the imported PRs, and each PR's first commit time (earliest authored)."""
    table = tables.get("pull_request_commits")
    if table is None:
        return
    details = {row["sha"]: row for _, _, row in tables.get("commits", Table("commits")).rows if row["sha"]}
    first: dict[str, dt.datetime] = {}
    seen: set[str] = set()
    shared = 0
    for file, line, row in table.rows:
        sha, pr_id = row["commit_sha"], row["pull_request_id"]
        if pr_id not in prs:
            continue  # counted in import_devlake_project
        if not sha:
            result.issue(file, line, "commit_sha is empty", pr_id)
            continue
        times = _times(result, file, line, sha, row, ("commit_authored_date",))
        if times is None:
            continue
        authored = times["commit_authored_date"]
        if authored is None:
            result.issue(file, line, "commit_authored_date is empty", sha)
            continue
        if pr_id not in first or authored < first[pr_id]:
            first[pr_id] = authored
        if sha in seen:
            shared += 1
            continue
        seen.add(sha)
        extra = details.get(sha, {})
        author = _person(ctx, row.get("commit_author_email", "") or extra.get("author_email", ""),
                         row.get("commit_author_name", "") or extra.get("author_name", ""))
        result.add("commits", {"sha": sha, "authored_at": authored, "pr_id": pr_id, "author": author,
                               "message": extra.get("message")})
    for pr_id, at in first.items():
        prs[pr_id].row["first_commit_at"] = at
    if shared:
        result.notes.append(f"pull_request_commits.csv: {shared} commits belong to more than one PR; "
                            "each is listed once, under its first PR (it still counts for every PR's first commit)")


def _first_reviews(tables: dict[str, Table], prs: dict[str, _PR], ctx: ImportContext, result: ImportResult) -> None:
    """first_review_at = the earliest comment by another account (DevLake's pickup/review boundary)."""
    table = tables.get("pull_request_comments")
    if table is None:
        return
    best: dict[str, tuple[dt.datetime, str]] = {}
    for file, line, row in table.rows:
        pr = prs.get(row["pull_request_id"])
        if pr is None:
            continue
        times = _times(result, file, line, row["id"] or None, row, ("created_date",))
        if times is None:
            continue
        at = times["created_date"]
        if at is None:
            result.issue(file, line, "created_date is empty", row["id"] or None)
            continue
        account = row["account_id"]
        person = _person(ctx, account)
        if account == pr.author_id:  # DevLake: account_id != author_id
            continue
        if pr.author_id and person is not None and person == pr.author:
            continue  # another account of the author's own roster person
        key = (at, row["id"])
        if pr.id not in best or key < best[pr.id]:
            best[pr.id] = key
    for pr_id, (at, _) in best.items():
        prs[pr_id].row["first_review_at"] = at


def _deployment_commits(tables: dict[str, Table], scope: Scope,
                        result: ImportResult) -> tuple[list[_DC], dict[str, _DC]]:
    """(in-scope deployment commits, every parsed one by id)."""
    table = tables.get("cicd_deployment_commits")
    if table is None:
        return [], {}
    every: dict[str, _DC] = {}
    for file, line, row in table.rows:
        dc_id = row["id"]
        if not dc_id:
            result.issue(file, line, "id is empty")
            continue
        if not row["cicd_deployment_id"]:
            result.issue(file, line, "cicd_deployment_id is empty", dc_id)
            continue
        if dc_id in every:
            result.issue(file, line, "duplicate deployment commit id (the first row is kept)", dc_id)
            continue
        times = _times(result, file, line, dc_id, row, ("started_date", "finished_date"))
        if times is None:
            continue
        every[dc_id] = _DC(dc_id, row["cicd_deployment_id"], row["cicd_scope_id"], row["result"].upper(),
                           row["environment"].upper(), row["commit_sha"], row["repo_url"],
                           row.get("prev_success_deployment_commit_id", ""), times["started_date"],
                           times["finished_date"], file, line)
    mine = [dc for dc in every.values() if scope.has("cicd_scopes", dc.scope)]
    if len(mine) < len(every):
        result.notes.append(f"cicd_deployment_commits.csv: {len(every) - len(mine)} deployment commits of CI "
                            f"scopes outside project {', '.join(scope.projects)} not imported")
    if "prev_success_deployment_commit_id" not in table.columns:
        chain_previous_success(mine)
        result.notes.append("cicd_deployment_commits.csv has no prev_success_deployment_commit_id: "
                            "chained here as DevLake's DORA plugin does")
    return mine, every


def chain_previous_success(commits: list[_DC]) -> None:
    """DevLake's prev_deployment_commit_enricher: each SUCCESS row points at the previous one.

    Rows with an environment, a repo_url and a finished time are ordered by (scope, repo_url,
    environment, finished); FAILURE rows keep no baseline and do not break the chain.
    """
    last: dict[tuple[str, str, str], str] = {}
    usable = [c for c in commits if c.result == "SUCCESS" and c.environment and c.repo_url and c.finished]
    for c in commits:
        c.prev = ""
    for c in sorted(usable, key=lambda c: (c.scope, c.repo_url, c.environment, c.finished)):
        key = (c.scope, c.repo_url, c.environment)
        c.prev = last.get(key, "")
        last[key] = c.id


def previous_success_ids(rows: list[dict[str, str]]) -> dict[str, str]:
    """id -> prev_success_deployment_commit_id for raw cicd_deployment_commits rows (DevLake's rule)."""
    commits = [_DC(r["id"], r.get("cicd_deployment_id", ""), r.get("cicd_scope_id", ""), r.get("result", "").upper(),
                   r.get("environment", "").upper(), r.get("commit_sha", ""), r.get("repo_url", ""), "",
                   devlake_time(r.get("started_date")), devlake_time(r.get("finished_date")), "", 0) for r in rows]
    chain_previous_success(commits)
    return {c.id: c.prev for c in commits}


def _ship(tables: dict[str, Table], prs: dict[str, _PR], mine: list[_DC], every: dict[str, _DC],
          result: ImportResult) -> dict[str, list[str]]:
    """deployment commit id -> PR ids it shipped (each PR on its earliest-started commit only)."""
    diffs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for _, _, row in tables.get("commits_diffs", Table("commits_diffs")).rows:
        diffs[(row["new_commit_sha"], row["old_commit_sha"])].append(row["commit_sha"])
    by_merge: dict[str, list[str]] = defaultdict(list)
    for pr in prs.values():
        if pr.merged is not None and pr.merge_sha:
            by_merge[pr.merge_sha].append(pr.id)
    choice: dict[str, _DC] = {}
    dangling = 0
    never = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
    for dc in mine:
        if not dc.production_success or not dc.prev:
            continue
        prev = every.get(dc.prev)
        if prev is None:
            dangling += 1
            continue
        for merge_sha in diffs.get((dc.sha, prev.sha), ()):
            for pr_id in by_merge.get(merge_sha, ()):
                held = choice.get(pr_id)
                if held is None or (dc.started or never, _natural(dc.id)) < (held.started or never, _natural(held.id)):
                    choice[pr_id] = dc
    if dangling:
        result.notes.append(f"cicd_deployment_commits.csv: {dangling} rows name a prev_success_deployment_commit_id "
                            "that is not in the file; the PRs they shipped cannot be found")
    if "commits_diffs" not in tables and mine and prs:
        result.notes.append("no commits_diffs.csv: deployments list no PRs; reporter falls back to "
                            "the next deployment of the PR's repo's service")
    shipped: dict[str, list[str]] = defaultdict(list)
    for pr_id, dc in choice.items():
        shipped[dc.id].append(pr_id)
    return shipped


def _natural(text: str) -> tuple:
    return tuple((0, _digits(p), "") if p.isdecimal() else (1, (0, ""), p) for p in re.split(r"(\d+)", text) if p)


def _group_key(dc: _DC, split_by_repo: bool) -> tuple[str, str]:
    return (dc.deployment, dc.repo_url if split_by_repo else "")


def _deployments(mine: list[_DC], shipped: dict[str, list[str]], names: Names, split_by_repo: bool,
                 result: ImportResult) -> dict[tuple[str, str], str]:
    """One canonical deployment per DevLake deployment (or per deployment and repo); key -> id."""
    groups: dict[tuple[str, str], list[_DC]] = defaultdict(list)
    for dc in mine:
        groups[_group_key(dc, split_by_repo)].append(dc)
    repos_per_deployment: dict[str, set[str]] = defaultdict(set)
    for dc in mine:
        repos_per_deployment[dc.deployment].add(dc.repo_url)
    ids: dict[tuple[str, str], str] = {}
    for key, rows in groups.items():
        ok = [r for r in rows if r.production_success]
        prod = [r for r in rows if r.environment == "PRODUCTION"]
        basis = ok or prod or rows
        if ok:
            status = "success"
        else:
            results = {r.result for r in basis}
            status = "failure" if "FAILURE" in results else (sorted(results)[0].lower() or "unknown")
        environment = "production" if prod else (sorted({r.environment for r in rows})[-1].lower() or "unspecified")
        timed = [r for r in basis if r.finished is not None]
        deployment_id = key[0]
        if split_by_repo and len(repos_per_deployment[key[0]]) > 1:
            deployment_id = f"{key[0]}:{names.repo_of_url(key[1])}"
        if not timed:
            first = min(rows, key=lambda r: (r.file, r.line))
            result.issue(first.file, first.line, "deployment has no finished_date (still running?); not imported",
                         deployment_id)
            continue
        last = max(timed, key=lambda r: (r.finished, _natural(r.id)))
        repos = sorted({names.repo_of_url(r.repo_url) for r in basis if r.repo_url})
        scopes = sorted({names.scope_by_id.get(r.scope, r.scope) for r in basis if r.scope})
        service = repos[0] if len(repos) == 1 else (scopes[0] if len(scopes) == 1 else "+".join(repos or scopes))
        pr_ids = sorted({p for r in rows for p in shipped.get(r.id, ())}, key=_natural)
        result.add("deployments", {"id": deployment_id, "service": service or "unknown",
                                   "finished_at": last.finished, "environment": environment, "status": status,
                                   "pr_ids": pr_ids, "sha": last.sha})
        ids[key] = deployment_id
    return ids


def _incidents(tables: dict[str, Table], scope: Scope, names: Names, mine: list[_DC],
               deployment_ids: dict[tuple[str, str], str], split_by_repo: bool, result: ImportResult) -> None:
    table = tables.get("incidents")
    if table is None:
        return
    scoped = "table" in table.columns and "scope_id" in table.columns
    if scope.rows is not None and not scoped:
        result.notes.append("incidents.csv has no table/scope_id columns: every incident is imported, "
                            "not only the project's")
    window = sorted(((dc.finished, _natural(dc.id), dc) for dc in mine if dc.production_success and dc.finished),
                    key=lambda t: (t[0], t[1]))
    finishes = [t[0] for t in window]
    outside = 0
    seen: set[str] = set()
    for file, line, row in table.rows:
        inc_id = row["id"]
        if not inc_id:
            result.issue(file, line, "id is empty")
            continue
        if scoped and not scope.has(row["table"], row["scope_id"]):
            outside += 1
            continue
        if inc_id in seen:
            result.issue(file, line, "duplicate incident id (the first row is kept)", inc_id)
            continue
        times = _times(result, file, line, inc_id, row, ("created_date", "resolution_date"))
        if times is None:
            continue
        opened = times["created_date"]
        if opened is None:
            result.issue(file, line, "created_date is empty", inc_id)
            continue
        seen.add(inc_id)
        at = bisect.bisect_left(finishes, opened)  # finished strictly before the incident
        deployment = None
        if at > 0:
            dc = window[at - 1][2]
            deployment = deployment_ids.get(_group_key(dc, split_by_repo))
        service = names.repo(row["scope_id"]) if scoped and row.get("table") == "repos" and row["scope_id"] else None
        result.add("incidents", {"id": inc_id, "opened_at": opened, "resolved_at": times["resolution_date"],
                                 "service": service, "severity": row.get("severity") or row.get("priority"),
                                 "deployment_id": deployment})
    if outside:
        result.notes.append(f"incidents.csv: {outside} incidents of boards or repos outside project "
                            f"{', '.join(scope.projects)} not imported")


def import_devlake_project(paths: list[Path], ctx: ImportContext, project: str | None = None,
                           split_by_repo: bool = False) -> ImportResult:
    """Import one DevLake project (``project``), or every project in project_mapping when None.

    ``split_by_repo`` makes one canonical deployment per DevLake deployment and repo, which
    reproduces DevLake's per-PR deploy times when a pipeline deploys several repos.
    """
    result = ImportResult()
    tables = read_tables(paths, result)
    scope = _scope(tables, project, result)
    names = Names(tables)
    prs = _pull_requests(tables, scope, names, ctx, result)
    _commits(tables, prs, ctx, result)
    _first_reviews(tables, prs, ctx, result)
    for pr in prs.values():
        result.add("pull_requests", pr.row)
    mine, every = _deployment_commits(tables, scope, result)
    shipped = _ship(tables, prs, mine, every, result)
    deployment_ids = _deployments(mine, shipped, names, split_by_repo, result)
    _incidents(tables, scope, names, mine, deployment_ids, split_by_repo, result)
    orphans = Counter(row["pull_request_id"] for t in ("pull_request_commits", "pull_request_comments")
                      for _, _, row in tables.get(t, Table(t)).rows if row["pull_request_id"] not in prs)
    if orphans and "pull_requests" in tables:
        result.notes.append(f"{sum(orphans.values())} PR commit/comment rows belong to PRs not imported "
                            "(outside the project or not in pull_requests.csv); not used")
    return result


def import_devlake(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """Registry entry point: ``--project`` (ctx.options), else the single project of project_mapping,
    else all of them (with a note)."""
    return import_devlake_project(paths, ctx, project=ctx.options.get("project"),
                                  split_by_repo=bool(ctx.options.get("per_repo")))
