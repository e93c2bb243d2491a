"""GitHub team membership -> ``people`` (person = login, team = team slug), from ``gh api`` JSON.

A members response (``GET /orgs/ORG/teams/SLUG/members``) does not say which team it lists, so
files say it:

* a file (or ``gh api --paginate`` pages in it) holding a members array takes its team from its
  name: ``SLUG.json`` or ``members-SLUG.json`` (also ``team-SLUG.json``);
* or a bundle object ``{"team": "SLUG" or a team object, "members": [...]}`` names it;
* the teams list (``GET /orgs/ORG/teams``: objects with ``slug``, ``name``, ``parent``) is
  optional; with it, a file name must be one of its slugs, and parents are known.

A folder stands for every ``*.json`` inside it (sorted). The recipe in the README writes
``teams.json`` and ``members-SLUG.json`` per team into one folder.

A person in several teams gets one team, chosen deterministically: a team over its parent (the
teams list says who is whose parent), then the team with fewer members (the most specific), then
the first slug alphabetically; how many people this concerns is in the notes. Logins the roster
knows keep their roster person (``aliases``), so no one is added twice; bots are left out.
``team_map`` renames slugs (``{platform-eng: platform}``). GitHub has no role, e-mail or dates
here: re-importing keeps what ``people.csv`` already holds in those columns.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from .base import ImportContext, ImportFormatError, ImportResult
from .github import load_json_records
from .people import is_bot
from .work_items import plural

_PREFIX = re.compile(r"^(members|team)[-_]", re.I)


def _files(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".json")
            if not found:
                raise ImportFormatError(f"{path}: no .json files in this folder")
            out.extend(found)
        else:
            out.append(path)
    return out


def _kind(obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return None
    if "members" in obj and ("team" in obj or "slug" in obj):
        return "bundle"
    if "slug" in obj and ("members_url" in obj or "name" in obj):
        return "team"
    if isinstance(obj.get("login"), str):
        return "user"
    return None


def import_github_teams(paths: list[Path], ctx: ImportContext) -> ImportResult:
    """``people`` rows from team lists and member lists (module doc)."""
    result = ImportResult()
    teams: dict[str, dict] = {}  # slug -> team object
    members: dict[str, dict[str, str]] = defaultdict(dict)  # slug -> login -> "file record N"
    pending: list[tuple[str, str, list[tuple[int, dict]]]] = []  # (file, slug from name, users)
    bots = 0
    for path in _files(paths):
        name = path.name
        records = load_json_records(path)
        kinds = [_kind(r) for r in records]
        if records and not any(kinds):
            raise ImportFormatError(f"{name}: not a GitHub teams export: expected team objects (slug, name), member "
                                    "objects (login) or {team, members} bundles")
        users: list[tuple[int, dict]] = []
        for number, (obj, kind) in enumerate(zip(records, kinds), start=1):
            if kind == "team":
                teams[str(obj["slug"])] = obj
            elif kind == "user":
                users.append((number, obj))
            elif kind == "bundle":
                team = obj.get("team") if "team" in obj else obj
                slug = team.get("slug") if isinstance(team, dict) else team
                if not isinstance(slug, str) or not slug.strip():
                    result.issue(name, number, "bundle without a team slug")
                    continue
                if isinstance(team, dict):
                    teams.setdefault(slug, team)
                listed = obj.get("members") if isinstance(obj.get("members"), list) else []
                pending.append((name, slug.strip(), [(number, u) for u in listed]))
            else:
                result.issue(name, number, "not a team, member or bundle object")
        if users:
            pending.append((name, _PREFIX.sub("", path.stem), users))
    for name, slug, users in pending:
        if teams and slug not in teams:
            result.issue(name, None, f"members of team {slug!r}, which the teams list does not have (name the "
                                     "file SLUG.json or members-SLUG.json after a slug of the list)")
            continue
        for number, user in users:
            login = user.get("login") if isinstance(user, dict) else None
            if not isinstance(login, str) or not login.strip():
                result.issue(name, number, "member without a login")
                continue
            if is_bot(login) or user.get("type") == "Bot":
                bots += 1
                continue
            members[slug].setdefault(login.strip(), f"{name} record {number}")
    _emit(teams, members, ctx, result)
    if bots:
        result.notes.append(f"{plural(bots, 'bot membership')} left out (bots are not people)")
    return result


def _emit(teams: dict[str, dict], members: dict[str, dict[str, str]], ctx: ImportContext,
          result: ImportResult) -> None:
    """One people row per person: the most specific of their teams (module doc)."""
    team_map: dict[str, str] = dict(ctx.options.get("team_map") or {})
    parent = {slug: t["parent"]["slug"] for slug, t in teams.items()  # a slug that is not text: no parent
              if isinstance(t.get("parent"), dict) and isinstance(t["parent"].get("slug"), str)}
    size = {slug: len(logins) for slug, logins in members.items()}
    by_person: dict[str, set[str]] = defaultdict(set)
    for slug in sorted(members):
        for login in sorted(members[slug]):
            person = ctx.people.known.get(login.lower(), login)  # new logins become people: not "unmatched"
            by_person[person].add(slug)

    def ancestors(slug: str) -> set[str]:
        seen: set[str] = set()
        while slug in parent and parent[slug] not in seen:
            slug = parent[slug]
            seen.add(slug)
        return seen

    several = []
    for person in sorted(by_person):
        slugs = by_person[person]
        narrowed = [s for s in slugs if not any(s in ancestors(o) for o in slugs if o != s)]
        chosen = min(narrowed, key=lambda s: (size[s], s))
        if len(slugs) > 1:
            several.append(f"{person} -> {chosen} (of {', '.join(sorted(slugs))})")
        result.add("people", {"person": person, "team": team_map.get(chosen, chosen)})
    empty = sorted(s for s in teams if s not in members)
    if several:
        shown = "; ".join(several[:5]) + ("; ..." if len(several) > 5 else "")
        result.notes.append(f"{plural(len(several), 'person', 'people')} in several teams; each gets "
                            f"one: a team over its parent, then the smaller team, then the first slug ({shown})")
    if empty:
        result.notes.append(f"{plural(len(empty), 'team')} of the list without a members file: "
                            f"{', '.join(empty[:8])}{', ...' if len(empty) > 8 else ''}")
    if members:
        result.notes.append("team = the team slug" + (" (renamed by team_map)" if team_map else "")
                            + "; GitHub gives no role, e-mail or dates: people.csv keeps those it has")
