"""GitHub releases -> ``releases``, from ``GET /repos/{owner}/{repo}/releases`` JSON.

Per release object (GitHub's REST "List releases"): date = ``published_at`` as a calendar day in
the configured time zone; title = ``name`` (a release named only by its tag: ``REPO TAG``, as a
bare ``v1.2.0`` says nothing and two repos' would collide); summary = the first paragraph of
``body`` that is not a heading (the rest of the notes are too long for a Success Stream line);
team = ``--team`` (option ``team``), else the team of the service that lists the repo in
``services`` (a repo not listed is its own service). Repo = ``REPO`` of ``url`` /
``html_url``. Drafts have no ``published_at`` and prereleases are not releases to customers:
both are left out and counted in the notes. Customer, contract value and initiative are not in
GitHub's data; add them to releases.csv by hand (a re-import keeps them).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from .base import ImportContext, ImportFormatError, ImportResult, parse_time
from .github import load_json_records

_REPO = re.compile(r"/repos/[^/]+/([^/]+)/releases|^https?://[^/]+/[^/]+/([^/]+)/releases")


def _repo(obj: dict) -> str | None:
    for key in ("url", "html_url"):
        m = _REPO.search(str(obj.get(key) or ""))
        if m:
            return m.group(1) or m.group(2)
    return None


def summary_of(body: Any) -> str | None:
    """The first paragraph of release notes that is not a heading, as one line."""
    if not isinstance(body, str):
        return None
    for block in re.split(r"\n\s*\n", body.replace("\r\n", "\n")):
        lines = [ln.strip() for ln in block.strip().splitlines() if ln.strip()]
        lines = [ln for ln in lines if not ln.startswith("#") and not ln.startswith("<!--")]
        if lines:
            return " ".join(lines)
    return None


def import_github_releases(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """``releases`` rows from REST release lists (module doc)."""
    result = ImportResult()
    fixed_team = ctx.options.get("team")
    tz = ctx.config.tz if ctx.config is not None else None
    skipped: Counter[str] = Counter()
    seen: set[str] = set()
    for path in paths:
        name = Path(path).name
        records = load_json_records(Path(path))
        if records and not any(isinstance(r, dict) and "tag_name" in r for r in records):
            raise ImportFormatError(f"{name}: not a GitHub releases export: expected release objects "
                                    "(tag_name, name, published_at, body) from repos/OWNER/REPO/releases")
        for number, obj in enumerate(records, start=1):
            if not isinstance(obj, dict) or "tag_name" not in obj:
                result.issue(name, number, "not a release object (no tag_name)")
                continue
            ident = str(obj.get("id") or obj.get("tag_name"))
            if obj.get("draft") is True:
                skipped["draft"] += 1
                continue
            if obj.get("prerelease") is True:
                skipped["prerelease"] += 1
                continue
            try:
                published = parse_time(obj.get("published_at"))
            except ValueError as exc:
                result.issue(name, number, f"published_at: {exc}", obj.get("tag_name"))
                continue
            if published is None:
                result.issue(name, number, "no published_at", obj.get("tag_name"))
                continue
            repo = _repo(obj)
            tag = str(obj.get("tag_name") or "").strip()
            title = str(obj.get("name") or "").strip()
            if (not title or title == tag) and repo and tag:
                title = f"{repo} {tag}"  # a bare tag says nothing, and v1.2.0 of two repos would collide
            title = title or tag
            if not title:
                result.issue(name, number, "no name or tag_name", ident)
                continue
            team = fixed_team
            if team is None:
                if repo is None:
                    result.issue(name, number, "cannot tell the repository (no url/html_url): pass --team",
                                 obj.get("tag_name"))
                    continue
                service = ctx.config.service_of_repo(repo) if ctx.config is not None else repo
                team = ctx.config.team_of_service(service) if ctx.config is not None else None
                if team is None:
                    result.issue(name, number, f"no team for repository {repo!r}: map it to a service with a team "
                                               "in reporter.yaml (services: NAME: {team, repos}) or pass --team",
                                 obj.get("tag_name"))
                    continue
            key = f"{repo}/{ident}"
            if key in seen:
                skipped["listed twice"] += 1
                continue
            seen.add(key)
            day = published.astimezone(tz).date() if tz is not None else published.date()
            result.add("releases", {"date": day, "team": team, "title": title, "summary": summary_of(obj.get("body"))})
    if skipped:
        parts = ", ".join(f"{n} {why}" for why, n in sorted(skipped.items()))
        result.notes.append(f"left out {parts} (drafts are unpublished, prereleases are not "
                            "customer releases, a release listed twice counts once)")
    if result.rows.get("releases"):
        result.notes.append("customer, contract_value and initiative are not in GitHub's data; "
                            "add them in releases.csv (a re-import keeps them)")
    return result
