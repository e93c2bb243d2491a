"""Quarterly model details a CFO would catch: one currency per axis, page 1 always names the risk."""

from __future__ import annotations

from reporter.cadence.quarterly import _scatter, _watch


def _doc(releases, cfr=None, reverts=None):
    return {"breakdowns": {"releases": releases, "reverts": reverts or {}},
            "metrics": {"change_failure_rate": {"by_cohort": cfr}}}


def test_scatter_plots_one_currency_and_says_what_it_left_out():
    releases = [{"ai_tokens": 1e6 * i, "contract_value": 1e5 * i, "currency": "USD"} for i in (1, 2, 3)]
    releases += [{"ai_tokens": 5e6, "contract_value": 9e5, "currency": "EUR"},
                 {"ai_tokens": 0, "contract_value": 1e5, "currency": "USD"}]  # no tokens: not a point
    (chart,) = _scatter(_doc(releases))
    assert chart.data["points"] == [(1e6, 1e5), (2e6, 2e5), (3e6, 3e5)]
    assert chart.data["y"] == "contract value (thousands USD)"
    assert chart.data["note"] == "1 release in other currencies not plotted"


def test_scatter_needs_three_points_in_one_currency():
    releases = [{"ai_tokens": 1e6, "contract_value": 1e5, "currency": c} for c in ("USD", "USD", "EUR", "EUR")]
    assert _scatter(_doc(releases)) == ()


def test_page_one_names_the_guardrails_to_watch_when_no_warning_fired():
    text = _watch(_doc([], cfr={"ai": {"value": 0.072, "n": 209}, "non_ai": {"value": 0.058, "n": 330}},
                       reverts={"by_cohort": {"ai": {"rate": 0.0536}, "non_ai": {"rate": 0.0268}}}))
    assert text == ("At risk: no guardrail crossed its warning threshold this quarter. Watch: AI-touched deployments "
                    "failed 7.2% of the time (n 209) vs 5.8% for others; 5.4% of AI-assisted PRs were reverted vs "
                    "2.7% of others.")
    assert _watch(_doc([])) == "At risk: no guardrail crossed its warning threshold this quarter."
