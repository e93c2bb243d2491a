"""Scopes: the organisation, one team, or a configured group of teams (issue 16).

A scoped report is the organisation's report computed on the rows of the scope's teams only:
the data is loaded and prepared once (cohorts, deployment attribution, incident links are
organisation facts), then every prepared frame is cut to the scope before any metric, so the
scope's baseline, noise tests, AI cohorts and privacy folding are its own.

Privacy across reports: a team the organisation's report pools into 'other' (too small, or
pooled to bring 'other' to the minimum) gets no report of its own, and no group may contain
one; otherwise 'other' minus a team report, or a group minus its named teams, would give a
pooled team back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .config import Config
from .errors import EXIT_USAGE, ReporterError
from .frames import is_in

ORGANISATION = "organisation"
TEAM = "team"
GROUP = "group"
_POOL_NAMES = {"other", "unassigned"}


class ScopeError(ReporterError):
    """An unknown or ineligible team or group, or a scope the cadence does not allow (exit 2)."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class Scope:
    kind: str  # organisation | team | group
    id: str
    name: str
    teams: tuple[str, ...] = ()  # empty for the organisation: every row

    @property
    def folder(self) -> str | None:
        """The sub-folder of OUT/<cadence>/<period>/ (and of the site) holding this scope's files;
        None for the organisation, whose files stay where they always were."""
        return None if self.kind == ORGANISATION else f"{self.kind}-{slug(self.id)}"

    @property
    def is_organisation(self) -> bool:
        return self.kind == ORGANISATION

    def as_dict(self) -> dict:
        """metrics.json ``scope``."""
        return {"kind": self.kind, "id": self.id, "name": self.name, "teams": list(self.teams),
                "folder": self.folder}


def slug(text: str) -> str:
    """A file-name-safe, lower-case form of a team or group id."""
    return re.sub(r"[^a-z0-9_]+", "-", str(text).lower()).strip("-") or "x"


def organisation(config: Config) -> Scope:
    return Scope(ORGANISATION, ORGANISATION, config.organization)


def team_name(config: Config, team: str) -> str:
    configured = config.teams.get(team)
    return (configured.name if configured and configured.name else team[:1].upper() + team[1:])


def known_teams(config: Config, people: pd.DataFrame) -> list[str]:
    """Teams of the roster and of the config (never the pool names 'other' / 'unassigned')."""
    roster = {str(t) for t in people["team"].dropna().astype(object)} if "team" in people else set()
    return sorted((roster | set(config.teams)) - _POOL_NAMES)


def resolve(config: Config, people: pd.DataFrame, *, teams: tuple[str, ...] = (), groups: tuple[str, ...] = (),
            all_teams: bool = False, all_groups: bool = False) -> list[Scope]:
    """The scopes asked for, in a stable order (teams, then groups, by id); unknown ones are an error
    naming the known ones. Without any option: none (the organisation is always built)."""
    known = known_teams(config, people)
    wanted_teams = known if all_teams else list(dict.fromkeys(teams))
    unknown = [t for t in wanted_teams if t not in known]
    if unknown:
        raise ScopeError(f"unknown team {', '.join(map(repr, unknown))}; known teams: {', '.join(known) or 'none'}")
    wanted_groups = sorted(config.groups) if all_groups else list(dict.fromkeys(groups))
    missing = [g for g in wanted_groups if g not in config.groups]
    if missing:
        names = ", ".join(sorted(config.groups)) or "none (configure `groups:` in reporter.yaml)"
        raise ScopeError(f"unknown group {', '.join(map(repr, missing))}; configured groups: {names}")
    for g in wanted_groups:
        strays = [t for t in config.groups[g] if t not in known]
        if strays:
            raise ScopeError(f"group {g!r} names unknown team {', '.join(map(repr, strays))}; "
                             f"known teams: {', '.join(known) or 'none'}")
    out = [Scope(TEAM, t, team_name(config, t), (t,)) for t in sorted(wanted_teams)]
    out += [Scope(GROUP, g, g[:1].upper() + g[1:], tuple(sorted(config.groups[g]))) for g in wanted_groups]
    folders: dict[str, str] = {}
    for s in out:
        assert s.folder is not None  # only the organisation has no folder, and it is not in `out`
        if s.folder in folders and folders[s.folder] != s.id:
            raise ScopeError(f"{s.kind}s {folders[s.folder]!r} and {s.id!r} share the folder name {s.folder}; "
                             "rename one")
        folders[s.folder] = s.id
    return out


def ineligible(scope: Scope, folder) -> str | None:
    """Why the organisation's privacy decision for the period (``folder``, its suite.TeamFolder)
    forbids this scope a report, or None."""
    minimum = folder.minimum
    if scope.is_organisation:
        return None
    if folder.withheld:
        return f"the organisation has fewer than {minimum} engineers in the period: no team is shown"
    absent = [t for t in scope.teams if t not in folder.headcount]
    if absent:
        return (f"{scope.kind} {scope.id}: nobody of team {', '.join(absent)} was employed in the period "
                "(people.csv), so there is nothing of its own to report")
    hidden = [t for t in scope.teams if t not in folder.named]
    if not hidden:
        return None
    which = ", ".join(hidden)
    if scope.kind == TEAM:
        return (f"team {which} is pooled into 'other' in the organisation's report (fewer than {minimum} engineers "
                f"in the period, or pooled to bring 'other' to {minimum}); it has no report of its own, so that no "
                "pooled team can be recovered by subtraction")
    return (f"group {scope.id} contains {which}, pooled into 'other' in the organisation's report; a group "
            "report minus its named teams would give a pooled team back")


def _team_in(frame: pd.DataFrame, teams: set[str], column: str = "team", codes: dict | None = None) -> pd.DataFrame:
    """The frame's rows whose ``column`` is one of ``teams``. ``codes`` caches each frame's factorized
    column, so that cutting it for the next scope costs a lookup, not a string comparison per row."""
    if column not in frame:
        return frame.iloc[0:0]
    if codes is None:
        keep = is_in(frame[column], teams)
    else:
        key = (id(frame), column)
        if key not in codes:
            codes[key] = (frame, *pd.factorize(frame[column], use_na_sentinel=True))
        _, code, uniques = codes[key]
        wanted = np.flatnonzero(pd.Index(np.asarray(uniques, dtype=object)).isin(list(teams)))
        keep = np.isin(code, wanted) if wanted.size else np.zeros(len(frame), dtype=bool)
    return frame.loc[keep].reset_index(drop=True)


def cut_prepared(prep, scope: Scope, codes: dict | None = None):
    """The prepared frames restricted to the scope's teams (the organisation: unchanged).

    Rows are kept by the team prepare.py gave them: a PR by its author's team (else its
    service's owner), deployments, incidents and support tickets by their service's owner, AI
    usage by its person's team, seats and costs by their team. Costs without a team stay with
    the organisation (said in ``scope_notes``)."""
    if scope.is_organisation:
        return prep
    teams = set(scope.teams)
    people = _team_in(prep.people, teams, codes=codes)
    persons = set(people["person"].dropna().astype(object))
    return replace(
        prep, prs=_team_in(prep.prs, teams, codes=codes), deployments=_team_in(prep.deployments, teams, codes=codes),
        incidents=_team_in(prep.incidents, teams, codes=codes), people=people,
        usage=_team_in(prep.usage, persons, "who", codes=codes), costs=_team_in(prep.costs, teams, codes=codes),
        seats=_team_in(prep.seats, teams, codes=codes), work_items=_team_in(prep.work_items, teams, codes=codes),
        support=_team_in(prep.support, teams, codes=codes), warnings=list(prep.warnings))


def cut_inputs(inputs, scope: Scope, config: Config):
    """The raw datasets metrics read directly (releases, surveys, security findings), cut to the scope."""
    if scope.is_organisation:
        return inputs
    teams = set(scope.teams)
    frames = dict(inputs.frames)
    for name in ("releases", "surveys"):
        if name in frames:
            frames[name] = _team_in(frames[name], teams)
    if "security_findings" in frames and len(frames["security_findings"]):
        f = frames["security_findings"]
        owner = np.asarray([config.team_of_service(s) if isinstance(s, str) else None
                            for s in f["service"].astype(object)], dtype=object)
        frames["security_findings"] = f.loc[is_in(pd.Series(owner, index=f.index), teams)].reset_index(drop=True)
    return replace(inputs, frames=frames)


def scope_notes(prep, scope: Scope) -> list[str]:
    """What the scope leaves to the organisation, stated in the scoped document."""
    if scope.is_organisation:
        return []
    notes = []
    costs = prep.costs
    if len(costs) and "team" in costs and costs["team"].isna().any():
        notes.append(f"{int(costs['team'].isna().sum())} AI cost lines name no team: they count for the "
                     "organisation only, not in this scope's AI spend")
    return notes


def organisation_context(org_metrics: dict) -> dict:
    """metrics.json ``organisation_context``: the organisation's figure of each metric for the same
    period, shown beside the scope's (context, never a target)."""
    out = {}
    for name, entry in org_metrics.items():
        if not isinstance(entry, dict):
            continue
        out[name] = {k: entry.get(k) for k in ("value", "unit", "n", "change", "reason") if k in entry}
    return out
