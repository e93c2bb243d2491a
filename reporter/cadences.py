"""The one table of cadences: what a weekly update, a monthly review and a quarterly packet each read,
compute, may say and render. Every place that used to ask ``if cadence == ...`` reads a row here, so a
new cadence is one row (and its view model and template), not a hunt through build, mail and narrative.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Datasets every cadence reads (metrics/suite.py DATASETS_USED is the core the suite computes from).
OUTCOME_DATASETS = ("work_items", "support_tickets")  # metrics/outcomes.py DATASETS
SURVEY_DATASETS = ("surveys", "security_findings")


@dataclass(frozen=True)
class Cadence:
    name: str
    extra_datasets: tuple[str, ...]  # read on top of the suite's core datasets
    money: bool  # amounts may be printed (never in the weekly update)
    outcomes: bool  # business outcomes, spend and backlog (metrics/outcomes.py)
    attribution: bool  # capacity, ROI and the difference-in-differences: needs every team
    weekly_trend: bool  # the period week by week besides the cadence's own trend (a quarter's weeks)
    quality_trend: bool  # the code-quality guardrails week by week
    trend_periods: int  # periods drawn on trend charts, the current one included
    decisions: bool  # scale / hold / stop decisions (the monthly review)
    action_cap: int | None  # at most this many actions (the weekly update), None: no cap
    view_model: str  # "module:function" building the page's view model from metrics.json
    renderer: str  # "module:function" rendering the view model to HTML
    attach_json: bool  # the PDF carries metrics.json inside (an archival, self-explaining file)
    title: str  # in mail subjects and the site
    mail_summary: str  # what the mail body and the chat digest lead with: "kpis" (cards) or "headlines" (answer)

    @property
    def scoped(self) -> bool:
        """Team and group reports exist for cadences without attribution (which compares every team)."""
        return not self.attribution

    def datasets(self, core: tuple[str, ...]) -> tuple[str, ...]:
        return core + self.extra_datasets

    def build_view(self) -> Callable[..., Any]:
        return _resolve(self.view_model)

    def render(self) -> Callable[..., str]:
        return _resolve(self.renderer)


def _resolve(target: str) -> Callable[..., Any]:
    """Import lazily: the CLI's --help and a JSON-only build never load matplotlib or WeasyPrint."""
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


CADENCES: dict[str, Cadence] = {c.name: c for c in (
    Cadence("weekly", (), money=False, outcomes=False, attribution=False, weekly_trend=False,
            quality_trend=False, trend_periods=12, decisions=False, action_cap=5,
            view_model="reporter.views.weekly:build_weekly", renderer="reporter.render.html:render_weekly",
            attach_json=False, title="AI delivery update", mail_summary="kpis"),
    Cadence("monthly", OUTCOME_DATASETS, money=True, outcomes=True, attribution=False, weekly_trend=False,
            quality_trend=True, trend_periods=6, decisions=True, action_cap=None,
            view_model="reporter.views.monthly:build_monthly", renderer="reporter.render.html:render_monthly",
            attach_json=False, title="Monthly AI delivery review", mail_summary="kpis"),
    Cadence("quarterly", OUTCOME_DATASETS + SURVEY_DATASETS, money=True, outcomes=True, attribution=True,
            weekly_trend=True, quality_trend=True, trend_periods=4, decisions=False, action_cap=None,
            view_model="reporter.views.quarterly:build_quarterly",
            renderer="reporter.render.html:render_quarterly", attach_json=True, title="Quarterly AI ROI packet",
            mail_summary="headlines"),
)}
NAMES: tuple[str, ...] = tuple(CADENCES)


def get(name: str) -> Cadence:
    """The row of a cadence; a KeyError names one the table lacks."""
    return CADENCES[name]
