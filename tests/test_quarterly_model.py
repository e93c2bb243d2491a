"""Quarterly model details a CFO would catch: one currency per axis, page 1 always names the risk."""

from __future__ import annotations

from reporter.views.quarterly import _scatter, _watch


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
    doc = _doc([], cfr={"ai": {"value": 0.072, "n": 209}, "non_ai": {"value": 0.058, "n": 330}},
               reverts={"by_cohort": {"ai": {"value": 3, "n": 56, "rate": 0.0536},
                                      "non_ai": {"value": 3, "n": 112, "rate": 0.0268}},
                        "cohort_difference": {"value": 0.0268, "interval": [-0.03, 0.11], "change": "flat"}})
    doc["metrics"]["change_failure_rate"]["cohort_difference"] = {
        "value": 0.014, "interval": [-0.027, 0.058], "change": "flat", "n": {"ai": 209, "non_ai": 330}}
    text = _watch(doc)
    # Both comparisons name n on each side and the test's verdict: no direction word without it.
    assert text == ("At risk: no guardrail crossed its warning threshold this quarter. Watch: change failure rate: "
                    "AI-touched deployments 7.2% (n 209) vs other deployments 5.8% (n 330): no clear difference; "
                    "reverted: 5.4% of AI-assisted PRs (n 56) vs 2.7% of others (n 112): no clear difference.")
    doc["metrics"]["change_failure_rate"]["cohort_difference"].update(change="up", interval=[0.004, 0.05])
    assert "AI-touched deployments higher, outside noise; difference +1.4 pp, 95% interval +0.4 pp to +5.0 pp" \
        in _watch(doc)
    assert _watch(_doc([])) == "At risk: no guardrail crossed its warning threshold this quarter."


def test_page_one_says_we_cannot_yet_tell_when_the_range_spans_zero_and_decides():
    from reporter.views.quarterly import _verdict

    def doc(values, confidence="low (x)"):
        return {"period": "2027-Q4", "capacity": {
            "roi": {"difference_in_differences": {"value": values, "currency": "USD"}},
            "cost": {"value": 10_000.0, "currency": "USD"}, "confidence": confidence}}

    # value -40k .. 60k, minus 10k of cost: net -50,000 to 50,000: spans zero
    assert _verdict(doc([-40_000.0, 5_000.0, 60_000.0])) == (
        "We cannot yet tell whether AI tools pay for themselves: the measured capacity, net of its 10,000 USD cost, "
        "is worth −50,000 to 50,000 USD, a range that includes a loss and a gain. Decision: continue at the current "
        "scale; do not expand on this evidence. Look again with 2028-Q1.")
    # net 5,000 .. 30,000 with moderate confidence: expand
    assert "Decision: expand where the guardrails hold." in _verdict(doc([15_000.0, 25_000.0, 40_000.0], "moderate"))
    # net -9,000 .. -2,000: review
    assert "Decision: review where AI is used" in _verdict(doc([1_000.0, 4_000.0, 8_000.0]))


def test_page_one_picture_sets_both_value_estimates_beside_the_cost():
    from reporter.views.quarterly import _value_chart
    from reporter.render.charts import figure

    doc = {"capacity": {"cost": {"value": 16_586.0, "currency": "USD"},
                        "roi": {"difference_in_differences": {"value": [-451_424.0, -29_144.0, 367_096.0]},
                                "survey": {"value": [47_011.0, 47_011.0, 47_011.0]}}}}
    (spec,) = _value_chart(doc)
    assert spec.kind == "range" and spec.data["chapter"] == "answer"
    assert spec.data["rows"] == [("Measured throughput", -451_424.0, -29_144.0, 367_096.0),
                                 ("Survey, discounted", None, 47_011.0, None), ("AI cost", None, 16_586.0, None)]
    assert spec.title == "Value of the capacity reclaimed vs AI cost: the measured range crosses zero: we cannot yet tell"
    fig = figure(spec, 5.9, 3.0)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "0" in ticks and ticks[0].startswith("−")  # zero on the axis, negatives with a true minus
    doc["capacity"]["roi"]["difference_in_differences"]["value"] = [20_000.0, 30_000.0, 40_000.0]
    assert _value_chart(doc)[0].title.endswith("the measured range lies above the cost")
