"""The Success Stream of a document: top stories by value (converted with the configured rates), the rest
counted, the money caveat once per section, team names as configured."""

from __future__ import annotations

from reporter.views.model import narrative_stories


def _doc(values: list[tuple[float | None, str]], extra: int = 0) -> dict:
    releases = [{"team": "web", "title": f"R{i}", "contract_value": v, "currency": c} for i, (v, c) in enumerate(values)]
    stories = [{"id": "release", "release": i,
                "text": f"Web delivered R{i}. Contract value: {v} {c} (correlated, not caused)." if v is not None
                else f"Web delivered R{i}. It helped."} for i, (v, c) in enumerate(values)]
    stories += [{"id": "cycle-time-down", "text": f"Cycle time fell {k}. Outside noise."} for k in range(extra)]
    return {"breakdowns": {"releases": releases}, "narrative": {"stories": stories},
            "capacity": {"cost": {"currency": "USD"}, "assumptions": [
                {"name": "Exchange rate EUR to USD", "value": 2.0, "source": "config finance.exchange_rates.EUR"}]}}


def test_top_stories_rank_by_value_in_the_report_currency_and_count_the_rest():
    # 100 EUR at 2.0 = 200 USD ranks above 150 USD; GBP has no rate: ranked with the unvalued stories
    doc = _doc([(150, "USD"), (100, "EUR"), (90, "USD"), (None, "USD"), (1000, "GBP")], extra=1)
    stream = narrative_stories(doc, top=3)
    assert [s.headline for s in stream.stories] == ["Web delivered R1.", "Web delivered R0.", "Web delivered R2."]
    assert stream.more == 3
    assert all("correlated, not caused" not in s.body for s in stream.stories)
    assert "not caused by AI tools" in stream.caveat


def test_without_top_every_story_keeps_its_order_and_no_money_means_no_caveat():
    doc = _doc([(None, "USD"), (None, "USD")], extra=2)
    stream = narrative_stories(doc)
    assert [s.headline for s in stream.stories][:2] == ["Web delivered R0.", "Web delivered R1."]
    assert stream.more == 0 and len(stream.stories) == 4 and stream.caveat == ""
