"""Derive, once for all periods, what every metric needs: AI cohorts, teams, and which
deployment shipped which pull request and which deployment an incident belongs to.

Pure: canonical frames + config in, frames out. Nothing here knows about periods.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import Config
from ..inputs.load import Inputs
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
    warnings: list[str] = field(default_factory=list)
    ai_sources: dict[str, int] = field(default_factory=dict)
    excluded_deployments: dict[str, int] = field(default_factory=dict)


def hours(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    return ((later - earlier) / _HOUR).to_numpy(dtype=float, na_value=np.nan)


def prepare(inputs: Inputs, config: Config) -> Prepared:
    warnings: list[str] = []
    people = inputs["people"].copy()
    idmap, conflicts = ppl.identity_map(people)
    warnings.extend(conflicts)
    people["engineer"] = ppl.is_engineer(people)
    team_of = dict(zip(people["person"], people["team"]))

    prs, ai_sources = _prepare_prs(inputs, config, idmap, team_of, warnings)
    deployments, excluded = _prepare_deployments(inputs, config)
    prs, deployments = _attribute_deployments(prs, deployments, warnings)
    incidents = _prepare_incidents(inputs, config, deployments, warnings)
    deployments["failed"] = deployments["rolled_back"].fillna(False).to_numpy(dtype=bool) | deployments["id"].isin(
        incidents["deployment"].dropna()
    ).to_numpy()

    usage = inputs["ai_usage"].copy()
    usage["who"] = ppl.resolve(usage["person"], idmap)
    note = ppl.unmatched_summary(usage["person"], usage["who"], "ai_usage")
    if note:
        warnings.append(note)

    seats = inputs["seats"].copy()
    seats["who"] = ppl.resolve(seats["person"], idmap)
    seats["team"] = seats["who"].map(team_of)
    costs = inputs["ai_costs"].copy()
    costs["currency"] = costs["currency"].astype("string").str.upper().fillna(config.currency).astype(object)
    return Prepared(prs, deployments, incidents, people, usage, costs, seats, warnings, ai_sources, excluded)


def _prepare_prs(inputs: Inputs, config: Config, idmap: dict, team_of: dict, warnings: list[str]):
    prs = inputs["pull_requests"].copy()
    commits = inputs["commits"]
    source = ai.detect(prs, commits, config.ai_detection)
    prs["ai"] = source.notna().to_numpy()
    counts = source.value_counts()
    ai_sources = {name: int(counts.get(name, 0)) for name in ai.SOURCES}

    # A PR without first_commit_at takes the earliest authored_at of its commits, if any.
    if not commits.empty and prs["first_commit_at"].isna().any():
        first = commits.dropna(subset=["pr_id"]).groupby("pr_id")["authored_at"].min()
        fill = prs["id"].astype(object).map(first)
        prs["first_commit_at"] = prs["first_commit_at"].fillna(fill)
    prs["start_at"] = prs["first_commit_at"].fillna(prs["created_at"])

    prs["person"] = ppl.resolve(prs["author"], idmap)
    prs["service"] = prs["repo"].astype(object).map(config.service_of_repo)
    service_team = prs["service"].map(lambda s: config.team_of_service(s) or UNASSIGNED)
    author_team = prs["person"].map(team_of).astype(object)
    prs["team"] = author_team.where(author_team.notna(), service_team.astype(object))
    # AI agents (bot authors) are not people: only unknown human identities are worth a warning.
    human = (source != "bot_author").to_numpy()
    note = ppl.unmatched_summary(prs["author"][human], prs["person"][human], "pull_requests")
    if note:
        warnings.append(note + "; their PRs count for the organisation and the team owning the repository's service")
    size = prs["additions"] + prs["deletions"]
    prs["size"] = size.to_numpy(dtype=float, na_value=np.nan)
    prs["cycle_h"] = hours(prs["merged_at"], prs["start_at"])
    prs["coding_h"] = hours(prs["created_at"], prs["first_commit_at"])
    prs["pickup_h"] = hours(prs["first_review_at"], prs["created_at"])
    prs["review_h"] = hours(prs["merged_at"], prs["first_review_at"])
    return prs, ai_sources


def _prepare_deployments(inputs: Inputs, config: Config) -> tuple[pd.DataFrame, dict[str, int]]:
    deps = inputs["deployments"].copy()
    env = deps["environment"].astype("string").str.strip().str.lower().fillna("production")
    status = deps["status"].astype("string").str.strip().str.lower().fillna("success")
    prod = env.isin(PRODUCTION).to_numpy(dtype=bool)
    ok = status.isin(SUCCESS).to_numpy(dtype=bool)
    excluded = {"not_production": int((~prod).sum()), "production_not_successful": int((prod & ~ok).sum())}
    deps = deps.loc[prod & ok].reset_index(drop=True)
    deps["team"] = deps["service"].astype(object).map(lambda s: config.team_of_service(s) or UNASSIGNED)
    return deps, excluded


def _attribute_deployments(prs: pd.DataFrame, deps: pd.DataFrame, warnings: list[str]):
    """First successful production deployment shipping each merged PR (DESIGN section 5)."""
    merged = prs["merged_at"].notna()
    listed = deps.loc[deps["pr_ids"].notna(), ["id", "finished_at", "pr_ids"]]
    links = (
        listed.assign(pr_id=listed["pr_ids"].astype(str).str.split(";"))
        .explode("pr_id")
        .assign(pr_id=lambda d: d["pr_id"].str.strip())
    )
    links = links[links["pr_id"] != ""]
    known = links["pr_id"].isin(prs["id"].astype(object))
    if (~known).any():
        unknown = links.loc[~known, "pr_id"]
        warnings.append(
            f"{len(unknown)} deployments.pr_ids entries name PRs that are not in pull_requests "
            f"(e.g. {', '.join(sorted(unknown.unique())[:5])}); they cannot contribute lead times"
        )
    links = links[known]
    first_explicit = links.sort_values(["finished_at", "id"], kind="stable").drop_duplicates("pr_id")
    explicit = first_explicit.set_index("pr_id")
    pr_ids = prs["id"].astype(object)
    deployed_at = pd.Series(pd.NaT, index=prs.index, dtype="datetime64[ns, UTC]")
    deploy_id = pd.Series(None, index=prs.index, dtype=object)
    at = explicit.index.get_indexer(pr_ids)
    found = np.flatnonzero(at >= 0)
    if found.size:
        deployed_at.iloc[found] = explicit["finished_at"].iloc[at[found]].array
        deploy_id.iloc[found] = explicit["id"].astype(object).iloc[at[found]].to_numpy()

    # Time-based: merged PRs no deployment lists go out with the next deployment of their service.
    need = merged & deployed_at.isna()
    if need.any() and not deps.empty:
        left = prs.loc[need, ["merged_at", "service"]].assign(_pos=np.flatnonzero(need.to_numpy()))
        left = left.sort_values("merged_at", kind="stable")
        right = deps[["finished_at", "service", "id"]].sort_values(["finished_at", "id"], kind="stable")
        left["service"] = left["service"].astype(object)
        right = right.assign(service=right["service"].astype(object))
        hit = pd.merge_asof(left, right, left_on="merged_at", right_on="finished_at", by="service",
                            direction="forward", allow_exact_matches=True)
        pos = hit["_pos"].to_numpy()
        deployed_at.iloc[pos] = hit["finished_at"].array
        deploy_id.iloc[pos] = hit["id"].astype(object).to_numpy()
    prs["deployed_at"] = deployed_at.where(merged)
    prs["deployment"] = deploy_id.where(merged.to_numpy(), None)
    prs["lead_h"] = hours(prs["deployed_at"], prs["start_at"])
    prs["deploy_h"] = hours(prs["deployed_at"], prs["merged_at"])

    # A deployment is AI-touched when it ships at least one AI-assisted PR (listed or attributed).
    ai_ids = set(prs.loc[prs["ai"], "id"].astype(str))
    touched = set(links.loc[links["pr_id"].isin(ai_ids), "id"].astype(str))
    touched |= set(prs.loc[prs["ai"] & prs["deployment"].notna(), "deployment"].astype(str))
    deps["ai"] = deps["id"].astype(str).isin(touched).to_numpy()
    return prs, deps


def _prepare_incidents(inputs: Inputs, config: Config, deps: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    inc = inputs["incidents"].copy()
    explicit = inc["deployment_id"].astype(object)
    dep_ids = set(deps["id"].astype(str))
    unknown = explicit.notna() & ~explicit.isin(dep_ids)
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
    dep = deps.set_index(deps["id"].astype(str))
    inc_service = inc["service"].astype(object).fillna(inc["deployment"].map(dep["service"]))
    inc["team"] = inc_service.map(lambda s: (config.team_of_service(s) if isinstance(s, str) else None) or UNASSIGNED)
    inc["ai"] = inc["deployment"].map(dep["ai"]).fillna(False).to_numpy(dtype=bool)
    inc["recovery_h"] = hours(inc["resolved_at"], inc["opened_at"])
    return inc
