"""A deterministic, realistic sample organisation in the canonical format (DESIGN.md 4).

The data is synthetic but plants, on purpose, the story the reports must be able to tell:

1. AI is rolled out to four teams in staggered waves (organisation.WAVES), anchored to the end
   of the data so that the weekly, monthly and quarterly demo periods each follow a rollout with a
   quarter of history before it; two teams have not adopted and are the comparison group (with
   a few early adopters of their own).
2. Adoption in a rolled-out team grows from ~30% of its engineers in the first week to ~85%.
3. AI-assisted PRs are ~1.7x larger; small ones are coded faster, large ones pay a review tax.
4. AI assistance is marked by the column, a label, a commit trailer, a PR body or the bot author.
5. The review queue of the busy team (payments) grows while its coding time falls.
6. One service (edge-gateway) ships bugs faster after its team's rollout.
7. Incidents, costs, seats, work items, releases, survey pulses and security findings complete
   the picture.
8. Code quality per merged PR (quality.py): AI-assisted PRs of the fragile service's team (platform)
   add about twice the complexity per changed line; elsewhere AI-assisted and other work match.

Modules, by what they generate: ``organisation`` (calendar, teams, rollouts, people, config),
``delivery`` (PRs, commits, work items), ``operations`` (deployments, incidents, support),
``ai`` (usage, seats, costs), ``business`` (releases, surveys, security findings) and ``writer``
(CSV files whose columns come from the data contract, ``reporter.inputs.spec``).

Same arguments give byte-identical files: randomness comes only from child streams of
``np.random.default_rng(seed)`` (one per dataset, so changing one does not reshuffle the
others), dates only from ``end_date``. Rows are built with vectorised numpy, never one Python
iteration per PR, so a 5000-engineer organisation generates in seconds.
"""

from __future__ import annotations

import datetime
import pathlib

import numpy as np

from . import ai, business, delivery, operations, organisation as orgs, quality
from .writer import Table, write_dataset

DEFAULT_WEEKS = 70  # 2025-07-21 .. 2026-11-22 with the default end date: 15 whole months and more
DEFAULT_END_DATE = datetime.date(2026, 11, 22)
STREAMS = (
    "org", "people", "activity", "usage", "prs", "commits", "deployments", "incidents",
    "work_items", "costs", "seats", "support", "releases", "surveys", "security",
    "quality",  # last: a new stream must not reshuffle the others
)


def generate(
    out: pathlib.Path,
    *,
    engineers: int = 58,
    teams: int = 6,
    weeks: int = DEFAULT_WEEKS,
    seed: int = 7,
    end_date: datetime.date = DEFAULT_END_DATE,
) -> dict[str, int]:
    """Write a realistic organisation in the canonical format into `out`; return {file name: data rows}."""
    _validate(engineers, teams, weeks)
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = dict(zip(STREAMS, np.random.default_rng(seed).spawn(len(STREAMS))))

    org = orgs.organisation(engineers, teams, orgs.Period.ending(end_date, weeks), rng["org"])
    people = orgs.people(org, rng["people"], rng["activity"])
    counts: dict[str, int] = {}

    def write(dataset: str, table: Table) -> None:
        counts[f"{dataset}.csv"] = write_dataset(table, out, dataset)

    write("people", orgs.people_table(org, people))
    usage = ai.usage(org, people, rng["usage"])
    write("ai_usage", ai.usage_table(people, usage))
    write("seats", ai.seats_table(org, people, usage, rng["seats"]))
    write("ai_costs", ai.costs_table(org, people, usage, rng["costs"]))
    prs = delivery.pull_requests(org, people, rng["prs"])
    deps = operations.deployments(org, prs, rng["deployments"])
    incidents = operations.incidents(org, deps, rng["incidents"])
    work, pr_item = delivery.work_items(org, prs, rng["work_items"])
    write("commits", delivery.commits_table(org, people, prs, rng["commits"]))
    write("pull_requests", delivery.pull_requests_table(org, prs, pr_item))
    write("work_items", delivery.work_items_table(org, work))
    write("deployments", operations.deployments_table(org, deps, prs))
    write("incidents", operations.incidents_table(org, incidents, deps))
    write("support_tickets", operations.support_table(org, incidents, rng["support"]))
    write("security_findings", business.security_table(org, prs, rng["security"]))
    write("code_quality", quality.quality_table(org, prs, rng["quality"]))
    write("releases", business.releases_table(org, people, usage, rng["releases"]))
    write("surveys", business.surveys_table(org, people, rng["surveys"]))
    (out / "reporter.yaml").write_text(orgs.config_yaml(org, engineers, seed), encoding="utf-8")
    return counts


def _validate(engineers: int, teams: int, weeks: int) -> None:
    if teams < 1 or engineers < teams:
        raise ValueError("need at least one team and at least one engineer per team")
    if weeks < 4:
        raise ValueError("need at least 4 weeks for a rollout to have a before and an after")
