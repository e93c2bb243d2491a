"""Derive, once for all periods, what every metric needs: AI cohorts, teams, and which
deployment shipped which pull request and which deployment an incident belongs to.

Pure: canonical frames + config in, frames out. Nothing here knows about periods.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd

from ..config import Config
from ..inputs.load import Inputs
from ..frames import is_in, map_values, positions, to_arrow
from . import ai, people as ppl

UNASSIGNED = "unassigned"
PRODUCTION = {"production", "prod"}
SUCCESS = {"success", "succeeded", "successful"}
_HOUR = np.timedelta64(3600, "s")


@dataclass
class Prepared:
    prs: pd.DataFrame
    deployments: pd.DataFrame  # successful production deployments only
    incidents: pd.DataFrame
    people: pd.DataFrame
    usage: pd.DataFrame
    costs: pd.DataFrame
    seats: pd.DataFrame
    work_items: pd.DataFrame
    support: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    ai_sources: dict[str, int] = field(default_factory=dict)
    excluded_deployments: dict[str, int] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)  # whole-file facts of a windowed read (inputs.facts)


def hours(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    return ((later - earlier) / _HOUR).to_numpy(dtype=float, na_value=np.nan)


def prepare(inputs: Inputs, config: Config) -> Prepared:
    warnings: list[str] = []
    people = inputs["people"].copy(deep=False)
    idmap, conflicts = ppl.identity_map(people)
    warnings.extend(conflicts)
    people["engineer"] = ppl.is_engineer(people)
    team_of = dict(zip(people["person"], people["team"]))

    prs, ai_sources = _prepare_prs(inputs, config, idmap, team_of, warnings)
    deployments, excluded = _prepare_deployments(inputs, config)
    # facts maps names to values of several types; the loader stores (entries, ids) under this one.
    unknown_links = cast("tuple[int, list[str]] | None", inputs.facts.get("unknown_pr_links"))
    prs, deployments = _attribute_deployments(prs, deployments, warnings, unknown_links)
    incidents = _prepare_incidents(inputs, config, deployments, warnings)
    deployments["failed"] = deployments["rolled_back"].fillna(False).to_numpy(dtype=bool) | is_in(
        deployments["id"], set(incidents["deployment"].dropna())
    )

    usage = inputs["ai_usage"].copy(deep=False)
    usage["who"] = ppl.resolve(usage["person"], idmap)
    note = ppl.unmatched_summary(usage["person"], usage["who"], "ai_usage")
    if note:
        warnings.append(note)

    seats = inputs["seats"].copy(deep=False)
    seats["who"] = ppl.resolve(seats["person"], idmap)
    seats["team"] = map_values(seats["who"], team_of)
    costs = inputs["ai_costs"].copy(deep=False)
    costs["currency"] = costs["currency"].astype("string").str.upper().fillna(config.currency).astype(object)
    work = inputs["work_items"].copy(deep=False)
    work["team"] = work["team"].astype(object).where(work["team"].notna(), UNASSIGNED)
    work["ai"] = work["ai_assisted"].fillna(False).to_numpy(dtype=bool)
    support = inputs["support_tickets"].copy(deep=False)
    support["team"] = map_values(support["service"], lambda s: config.team_of_service(s) or UNASSIGNED)
    support["team"] = support["team"].where(support["team"].notna(), UNASSIGNED)
    return Prepared(prs, deployments, incidents, people, usage, costs, seats, work, support, warnings, ai_sources,
                    excluded, dict(inputs.facts))


def _prepare_prs(inputs: Inputs, config: Config, idmap: dict, team_of: dict, warnings: list[str]):
    prs = inputs["pull_requests"].copy(deep=False)
    commits = inputs["commits"]
    found = ai.detect_rules(prs, commits, config.ai_detection)
    source = found["ai_source"]
    prs["ai_source"] = source  # which evidence (ai.SOURCES) and rule (trailer:claude...) made the PR AI:
    prs["ai_rule"] = found["ai_rule"]  # ai.counts_in counts them among a period's PRs
    prs["ai"] = source.notna().to_numpy()
    counts = source.value_counts()
    ai_sources = {name: int(counts.get(name, 0)) for name in ai.SOURCES}

    # A PR without first_commit_at takes the earliest authored_at of its commits, if any; its own merge
    # or squash commit is not one (it is authored at the merge: a squash-merged PR would get a
    # zero-hour cycle time instead of an unknown start).
    lacking = np.flatnonzero(prs["first_commit_at"].isna().to_numpy())
    if not commits.empty and lacking.size:
        lacking_ids = prs["id"].to_numpy(dtype=object)[lacking]
        theirs = commits[is_in(commits["pr_id"], set(lacking_ids))]
        if "merge_commit_sha" in prs and "sha" in theirs:
            merges = {str(v).lower() for v in prs["merge_commit_sha"].dropna()}
            theirs = theirs[~theirs["sha"].astype(str).str.lower().isin(merges).to_numpy(dtype=bool)]
        first = theirs.groupby(theirs["pr_id"].astype(object))["authored_at"].min()
        at = positions(lacking_ids, first.index.to_numpy(dtype=object))
        found = at >= 0
        if found.any():
            filled = prs["first_commit_at"].copy()
            filled.iloc[lacking[found]] = first.iloc[at[found]].array
            prs["first_commit_at"] = filled
    # No first commit and created at the instant of merging: the start is unknown (a squash merge
    # imported from git), not a zero-hour PR. Such spans are N/A, and the reason says why.
    prs["start_unknown"] = (prs["first_commit_at"].isna() & (prs["created_at"] == prs["merged_at"])).to_numpy(
        dtype=bool, na_value=False)
    prs["start_at"] = prs["first_commit_at"].fillna(prs["created_at"]).where(~prs["start_unknown"])

    prs["person"] = ppl.resolve(prs["author"], idmap)
    prs["service"] = map_values(prs["repo"], config.service_of_repo)
    service_team = map_values(prs["service"], lambda s: config.team_of_service(s) or UNASSIGNED)
    author_team = map_values(prs["person"], team_of)
    prs["team"] = np.where(pd.isna(author_team), service_team, author_team)
    # AI agents (bot authors) are not people: only unknown human identities are worth a warning.
    human = (source != "bot_author").to_numpy()
    note = ppl.unmatched_summary(prs["author"][human], prs["person"][human], "pull_requests")
    if note:
        warnings.append(note + "; their PRs count for the organisation and the team owning the repository's service")
    size = prs["additions"] + prs["deletions"]
    prs["size"] = size.to_numpy(dtype=float, na_value=np.nan)
    prs["cycle_h"] = hours(prs["merged_at"], prs["start_at"])
    prs["coding_h"] = hours(prs["created_at"], prs["first_commit_at"])
    created = prs["created_at"].where(~prs["start_unknown"])
    prs["pickup_h"] = hours(prs["first_review_at"], created)
    prs["review_h"] = hours(prs["merged_at"], prs["first_review_at"])
    return prs, ai_sources


def _prepare_deployments(inputs: Inputs, config: Config) -> tuple[pd.DataFrame, dict[str, int]]:
    deps = inputs["deployments"].copy(deep=False)
    env = deps["environment"].astype("string").str.strip().str.lower().fillna("production")
    status = deps["status"].astype("string").str.strip().str.lower().fillna("success")
    prod = is_in(env, PRODUCTION)
    ok = is_in(status, SUCCESS)
    excluded = {"not_production": int((~prod).sum()), "production_not_successful": int((prod & ~ok).sum())}
    deps = deps.loc[prod & ok].sort_values(["finished_at", "id"], kind="stable").reset_index(drop=True)
    deps["team"] = map_values(deps["service"], lambda s: config.team_of_service(s) or UNASSIGNED)
    return deps, excluded


def _ns(series: pd.Series) -> np.ndarray:
    """UTC instants as int64 nanoseconds; missing is NaT's integer (the minimum int64)."""
    return series.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT")).view(np.int64)


_NAT = np.iinfo(np.int64).min


def _by_service(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Common integer codes for two arrays of service names (missing = -1)."""
    codes, _ = pd.factorize(np.concatenate([first, second]), use_na_sentinel=True)
    return codes[: len(first)], codes[len(first):]


def _attribute_deployments(prs: pd.DataFrame, deps: pd.DataFrame, warnings: list[str],
                           unknown_links: tuple[int, list[str]] | None = None):
    """First successful production deployment shipping each merged PR (DESIGN section 5).

    ``unknown_links`` (entries, ids): the loader's count of pr_ids naming no PR in the whole file,
    when it read only some PRs (a PR outside the window is not unknown).

    Works on positions and int64 instants: ``deps`` is sorted by (finished_at, id), so a
    lower position is an earlier deployment, and ties break by id.
    """
    n = len(prs)
    merged = prs["merged_at"].notna().to_numpy()
    dep_fin = _ns(deps["finished_at"])
    link_dep, link_pr_id = _pr_links(deps)
    link_pr = positions(link_pr_id, prs["id"])
    unknown = link_pr < 0
    count, names = unknown_links if unknown_links is not None else (
        int(unknown.sum()), sorted(set(link_pr_id[unknown])))
    if count:
        warnings.append(
            f"{count} deployments.pr_ids entries name PRs that are not in pull_requests "
            f"(e.g. {', '.join(names[:5])}); they cannot contribute lead times"
        )
    link_dep, link_pr = link_dep[~unknown], link_pr[~unknown]

    # Explicit: the earliest deployment listing the PR.
    ship = np.full(n, -1, dtype=np.int64)
    order = np.argsort(link_dep, kind="stable")
    listed_prs, first = np.unique(link_pr[order], return_index=True)
    ship[listed_prs] = link_dep[order][first]
    ship[~merged] = -1

    # Time-based: the first deployment of the PR's service finishing at or after merged_at.
    need = np.flatnonzero(merged & (ship < 0))
    if need.size and len(deps):
        pr_service, dep_service = _by_service(prs["service"].to_numpy(dtype=object)[need],
                                              deps["service"].to_numpy(dtype=object))
        merged_ns = _ns(prs["merged_at"])[need]
        for code in np.unique(pr_service[pr_service >= 0]):
            dep_pos = np.flatnonzero(dep_service == code)
            mine = np.flatnonzero(pr_service == code)
            at = np.searchsorted(dep_fin[dep_pos], merged_ns[mine], side="left")
            ok = at < dep_pos.size
            ship[need[mine[ok]]] = dep_pos[at[ok]]

    shipped = ship >= 0
    deployed = np.where(shipped, dep_fin[np.maximum(ship, 0)], _NAT) if len(deps) else np.full(n, _NAT)
    prs["deployed_at"] = pd.to_datetime(deployed.view("datetime64[ns]")).tz_localize("UTC")
    dep_ids = deps["id"].to_numpy(dtype=object)
    prs["deployment"] = np.where(shipped, dep_ids[np.maximum(ship, 0)] if len(deps) else None, None)
    prs["lead_h"] = hours(prs["deployed_at"], prs["start_at"])
    prs["deploy_h"] = hours(prs["deployed_at"], prs["merged_at"])

    # A deployment is AI-touched when it ships at least one AI-assisted PR (listed or attributed).
    ai = prs["ai"].to_numpy(dtype=bool)
    touched = np.zeros(len(deps), dtype=bool)
    touched[link_dep[ai[link_pr]]] = True
    touched[ship[ai & shipped]] = True
    deps["ai"] = touched
    return prs, deps


def _pr_links(deps: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(deployment position, listed PR id) pairs: the explicit shipping records."""
    import pyarrow.compute as pc

    lists = pc.split_pattern(to_arrow(deps["pr_ids"]), ";")
    ids = pc.utf8_trim_whitespace(pc.list_flatten(lists))
    positions = pc.list_parent_indices(lists).to_numpy().astype(np.int64)
    keep = pc.greater(pc.utf8_length(ids), 0).to_numpy(zero_copy_only=False)
    return positions[keep], np.asarray(ids.to_pylist(), dtype=object)[keep]


def _prepare_incidents(inputs: Inputs, config: Config, deps: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    inc = inputs["incidents"].copy(deep=False)
    explicit = inc["deployment_id"].astype(object)
    dep_ids = set(deps["id"].to_numpy(dtype=object))
    unknown = explicit.notna() & ~is_in(explicit, dep_ids)
    if unknown.any():
        warnings.append(
            f"{int(unknown.sum())} incidents name a deployment_id that is not a successful production "
            f"deployment (e.g. {', '.join(sorted(explicit[unknown].astype(str).unique())[:5])}); "
            "they count for recovery time but fail no deployment"
        )
    link = explicit.where(~unknown, None)
    # Without deployment_id: the last production deployment of the service before opened_at.
    infer = explicit.isna() & inc["service"].notna()
    if infer.any() and not deps.empty:
        left = inc.loc[infer, ["opened_at", "service"]].assign(_pos=np.flatnonzero(infer.to_numpy()))
        left = left.assign(service=left["service"].astype(object)).sort_values("opened_at", kind="stable")
        right = deps[["finished_at", "service", "id"]].sort_values(["finished_at", "id"], kind="stable")
        right = right.assign(service=right["service"].astype(object))
        hit = pd.merge_asof(left, right, left_on="opened_at", right_on="finished_at", by="service",
                            direction="backward", allow_exact_matches=False)
        link.iloc[hit["_pos"].to_numpy()] = hit["id"].to_numpy()
    inc["deployment"] = link.where(link.notna(), None)
    at = positions(inc["deployment"].astype("string"), deps["id"]) if len(deps) else np.full(len(inc), -1)
    linked = at >= 0
    own = inc["service"].to_numpy(dtype=object, na_value=None)
    dep_service = deps["service"].to_numpy(dtype=object)
    inc_service = np.where(pd.isna(own) & linked, dep_service[np.maximum(at, 0)] if len(deps) else None, own)
    inc["team"] = [(config.team_of_service(s) if isinstance(s, str) else None) or UNASSIGNED for s in inc_service]
    inc["ai"] = linked & (deps["ai"].to_numpy(dtype=bool)[np.maximum(at, 0)] if len(deps) else False)
    inc["recovery_h"] = hours(inc["resolved_at"], inc["opened_at"])
    return inc
