"""The one catalogue of metrics: every document, the site, the narrative engine, metrics.json's
`definitions` and the README's metric table read names, units and definitions from here, so
one quantity has one name everywhere (tests/test_catalogue.py fails when a copy drifts).

Declared as data (dbt-style): one Metric per id `reporter build` writes into metrics.json.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import dora

ALL = ("weekly", "monthly", "quarterly")
OUTCOMES = ("monthly", "quarterly")

MEDIAN_TEST = "difference of medians, 95% interval from order statistics"
RATE_TEST = "difference of proportions, 95% mid-p exact interval (MOVER)"
COUNT_TEST = "exact conditional test of two Poisson rates (95% Clopper-Pearson)"
EXACT_TEST = "exact quantity: a move of 5% of the baseline or more"
DERIVED = "derived, not tested"


@dataclass(frozen=True)
class Metric:
    """One quantity: how documents name it, show it and say what it means."""

    id: str
    label: str  # the one name, in tables, definitions and bullets
    short: str  # KPI cards and chart axes
    unit: str  # as metrics.json's `unit`
    better: str | None  # "lower" | "higher" | None (neither direction is better)
    definition: str  # one sentence; dora.dev wording for the DORA five
    cadences: tuple[str, ...] = ALL
    test: str = DERIVED
    digits: int = 1  # decimals shown (percent points for ratios), the same on card, bullet and table
    bands: tuple[tuple[str, str], ...] = ()  # (band, DevLake/DORA 2023 cut-off) from best to worst
    band_source: str | None = None
    dora_name: str | None = None  # the dora.dev name of the DORA five
    measured: str = ""  # how reporter measures it, where the definition is dora.dev's general wording

    @property
    def footer(self) -> str:
        """The definitions footer's sentence: how it is measured here, then dora.dev's wording."""
        return f"{self.measured[:1].upper()}{self.measured[1:]} (DORA: {self.definition[:1].lower()}{self.definition[1:-1]})" \
            if self.measured else self.definition

    @property
    def in_sentence(self) -> str:
        """The label inside a sentence: 'review wait', but 'PR cycle time' and 'AI adoption' keep their capitals."""
        text = self.label
        return text if text[1:2].isupper() else text[:1].lower() + text[1:]

    @property
    def lower_is_better(self) -> bool:
        return self.better == "lower"

    def as_json(self) -> dict:
        """The metrics.json `definitions` entry."""
        return {"label": self.label, "short_label": self.short, "unit": self.unit, "better": self.better,
                "definition": self.definition, "measured": self.measured or None, "cadences": list(self.cadences), "test": self.test,
                "digits": self.digits,
                "bands": dict(self.bands) or None, "band_source": self.band_source,
                "dora_name": self.dora_name}


def _bands(name: str) -> tuple[tuple[str, str], ...]:
    return tuple(dora._LABELS[name].items())


METRICS: tuple[Metric, ...] = (
    # The DORA five (definitions: dora.dev, "DORA's software delivery metrics: the four keys").
    Metric("lead_time_hours", "Change lead time", "Lead time", "hours", "lower",
           "The time it takes for a code commit or change to be successfully deployed to production.", test=MEDIAN_TEST, bands=_bands("lead_time"), band_source=dora.TABLE, dora_name="Change lead time",
           measured="median hours from first commit to the production deployment that shipped the PR."),
    Metric("deployments", "Deployment frequency", "Deployments", "count", "higher",
           "How often application changes are deployed to production.",
           test=COUNT_TEST, digits=0, bands=_bands("deployment_frequency"), band_source=dora.TABLE, dora_name="Deployment frequency",
           measured="successful production deployments finished in the period."),
    Metric("recovery_time_hours", "Failed deployment recovery time", "Recovery time", "hours", "lower",
           "The time it takes to recover from a failed deployment.",
           test=MEDIAN_TEST, bands=_bands("recovery_time"), band_source=dora.TABLE, dora_name="Failed deployment recovery time",
           measured="median hours from incident opened to resolved, incidents resolved in the period."),
    Metric("change_failure_rate", "Change failure rate", "Change failure rate", "ratio", "lower",
           "The percentage of deployments that cause failures in production, requiring hotfixes or rollbacks.",
           test=RATE_TEST, bands=_bands("change_failure_rate"), band_source=dora.TABLE, dora_name="Change fail rate",
           measured="deployments rolled back or linked to an incident, of all deployments."),
    Metric("rework_rate", "Deployment rework rate", "Rework rate", "ratio", "lower",
           "The ratio of deployments that are unplanned but happen as a result of an incident in production.",
           test=RATE_TEST, dora_name="Deployment rework rate",
           measured="unplanned deployments of the deployments that say whether they were unplanned."),
    Metric("deployment_days", "Deployment days", "Deployment days", "days", "higher",
           "Distinct local calendar days with at least one successful production deployment.", digits=0),
    # Flow of pull requests.
    Metric("pr_cycle_time_hours", "PR cycle time", "PR cycle time", "hours", "lower",
           "Median hours from first commit (else PR opened) to merge, over PRs merged in the period.",
           test=MEDIAN_TEST),
    Metric("coding_time_hours", "Coding time", "Coding time", "hours", "lower",
           "Median hours from first commit to PR opened.", test=MEDIAN_TEST),
    Metric("pickup_time_hours", "Review wait", "Review wait", "hours", "lower",
           "Median hours from PR opened to its first review by someone other than the author.",
           test=MEDIAN_TEST),
    Metric("review_time_hours", "Review time", "Review time", "hours", "lower",
           "Median hours from first review to merge.", test=MEDIAN_TEST),
    Metric("deploy_time_hours", "Deploy time", "Deploy time", "hours", "lower",
           "Median hours from merge to the production deployment that shipped the PR.", test=MEDIAN_TEST),
    Metric("pr_size_lines", "PR size", "PR size", "lines", None,
           "Median lines added plus deleted over merged PRs.", test=MEDIAN_TEST, digits=0),
    Metric("merged_prs", "Merged PRs", "Merged PRs", "count", None, "Pull requests merged in the period.",
           test=COUNT_TEST, digits=0),
    # People and AI.
    Metric("engineers", "Engineers", "Engineers", "people", None,
           "People with role engineer employed at any time in the period.", digits=0),
    Metric("active_ai_users", "Active AI users", "Active AI users", "people", "higher",
           "Engineers with any AI tool activity in the period.", test=EXACT_TEST, digits=0),
    Metric("ai_adoption_rate", "AI adoption", "AI adoption", "ratio", "higher",
           "Active AI users of all engineers employed in the period.", test=RATE_TEST, digits=0),
    Metric("ai_spend", "AI spend", "AI spend", "currency", None,
           "AI usage costs plus seat costs, per currency, never summed across currencies.", digits=0),
    # Outcomes (monthly and quarterly).
    Metric("merged_prs_per_engineer_week", "Throughput", "Throughput", "PRs per engineer-week", "higher",
           "Merged PRs / (engineers employed x weeks in the period).", cadences=OUTCOMES, test=EXACT_TEST,
           digits=2),
    Metric("work_items_done", "Work items done", "Work items done", "count", "higher",
           "Stories, bugs and tasks with a done date in the period.", cadences=OUTCOMES, test=COUNT_TEST,
           digits=0),
    Metric("strategic_items_done", "Strategic items done", "Strategic items done", "count", "higher",
           "Work items done on a strategic initiative.", cadences=OUTCOMES, test=COUNT_TEST, digits=0),
    Metric("strategic_time_to_market_days", "Strategic time to market", "Time to market", "days", "lower",
           "Median days from creation to done of strategic work items done in the period.", cadences=OUTCOMES,
           test=MEDIAN_TEST),
    Metric("escaped_defects", "Escaped defects", "Escaped defects", "count", "lower",
           "Work items flagged escaped_defect (found in production), created in the period.", cadences=OUTCOMES,
           test=COUNT_TEST, digits=0),
    Metric("support_tickets", "Support tickets", "Support tickets", "count", "lower",
           "Support tickets opened in the period.", cadences=OUTCOMES, test=COUNT_TEST, digits=0),
    Metric("defect_tickets", "Defect tickets", "Defect tickets", "count", "lower",
           "Support tickets opened in the period and caused by a defect.", cadences=OUTCOMES, test=COUNT_TEST,
           digits=0),
    Metric("incidents", "Incidents", "Incidents", "count", "lower", "Incidents opened in the period.",
           cadences=OUTCOMES, test=COUNT_TEST, digits=0),
    Metric("cost_per_merged_pr", "Cost per merged PR", "Cost per merged PR", "currency per merged PR", "lower",
           "AI spend (usage lines and seats) / merged PRs, per currency, never summed.", cadences=OUTCOMES,
           digits=2),
    Metric("idle_seat_spend", "Idle-seat spend", "Idle-seat spend", "currency", "lower",
           "What seats without activity in the 30 days to the period's end cost in the period.",
           cadences=OUTCOMES, test=EXACT_TEST, digits=0),
)

BY_ID: dict[str, Metric] = {m.id: m for m in METRICS}
IDS: frozenset[str] = frozenset(BY_ID)

RATIO_OF_SUMS_TEST = "difference of ratios of sums, 95% Welch t interval on linearised standard errors (n = PRs)"
# Technical guardrails (metrics/quality.py): metrics.json `quality.metrics`, not `metrics`, so they
# stay out of IDS (the KPI cards, the narrative engine and the README's metric table).
QUALITY: tuple[Metric, ...] = (
    Metric("complexity_per_100_lines", "Complexity added per 100 changed lines", "Complexity added",
           "per 100 changed lines", "lower",
           "100 x cyclomatic complexity added (after minus before, over changed functions) / source lines added "
           "plus removed, over PRs merged in the period.", cadences=ALL, test=RATIO_OF_SUMS_TEST, digits=2),
    Metric("functions_over_threshold_per_100_prs", "Functions over threshold per 100 PRs",
           "Functions over threshold", "per 100 PRs", "lower",
           "100 x functions newly above the complexity threshold (default 15) / PRs merged in the period.",
           cadences=OUTCOMES, test=RATIO_OF_SUMS_TEST),
    Metric("duplicated_lines_per_100_added", "Duplicated lines per 100 added lines", "Duplicated lines",
           "per 100 added lines", "lower",
           "100 x added lines inside a repeated block of 10 lines / source lines added, over PRs merged in the "
           "period.", cadences=OUTCOMES, test=RATIO_OF_SUMS_TEST),
    Metric("hotspots_per_100_prs", "Security hotspots per 100 PRs", "Security hotspots", "per 100 PRs", "lower",
           "100 x security hotspots introduced / PRs merged in the period (SonarQube).", cadences=OUTCOMES,
           test=RATIO_OF_SUMS_TEST),
)
QUALITY_BY_ID: dict[str, Metric] = {m.id: m for m in QUALITY}


def get(metric_id: str) -> Metric:
    """The entry of a metric id (a guardrail metric's too); a KeyError names an id the catalogue lacks."""
    return BY_ID[metric_id] if metric_id in BY_ID else QUALITY_BY_ID[metric_id]


def label(metric_id: str) -> str:
    return BY_ID[metric_id].label


def short(metric_id: str) -> str:
    return BY_ID[metric_id].short


def definitions(ids) -> dict:
    """metrics.json `definitions`: the catalogue entries of the metrics a document holds, sorted by id."""
    return {i: BY_ID[i].as_json() for i in sorted(ids)}


def readme_table() -> str:
    """The README's metric catalogue table, generated so it cannot drift (tests compare it)."""
    rows = ["| name | label | unit | better | definition |", "|---|---|---|---|---|"]
    rows += [f"| {m.id} | {m.label} | {m.unit} | {m.better or '-'} | {m.definition} |" for m in METRICS]
    return "\n".join(rows)
