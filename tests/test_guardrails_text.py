"""The guardrail lines of the documents (views/guardrails.py) on hand-made quality blocks: a direction
only where the test says so, n on both sides, N/A with its reason, nothing when code was never measured."""

from __future__ import annotations

from reporter.views import guardrails


def metric(value, *, change="flat", ai=(2.5, 40), other=(1.5, 60), diff=None, by_team=None, baseline=2.0):
    return {"value": value, "n": ai[1] + other[1], "reason": None if value is not None else "no PR in code_quality "
            "merged in the period", "baseline": baseline, "baseline_n": 90, "change": "flat", "delta_interval": None,
            "by_cohort": {"ai": {"value": ai[0], "n": ai[1]}, "non_ai": {"value": other[0], "n": other[1]}},
            "cohort_difference": {"value": ai[0] - other[0], "interval": diff, "change": change,
                                  "n": {"ai": ai[1], "non_ai": other[1]}},
            "by_team": by_team or {}}


def doc(quality: dict | None, present=("code_quality.csv",)) -> dict:
    return {"inputs": {name: {} for name in present}, "quality": quality, "team_names": {},
            "metrics": {}, "start": "2026-10-01", "end": "2026-11-01", "period": "2026-10"}


def block(complexity: dict, **more) -> dict:
    base = {"available": True, "sources": ["git-lizard"], "complexity_threshold": 15, "prs": 100,
            "metrics": {"complexity_per_100_lines": complexity}, "complexity_ai_higher": {"teams": []}}
    base.update(more)
    return base


def test_weekly_line_says_higher_only_outside_noise_with_both_n():
    up = guardrails.weekly_line(doc(block(metric(2.1, change="up", diff=[0.4, 1.6]))))
    assert up.text == ("Complexity added per 100 changed lines: AI-assisted 2.50 (n 40) vs other PRs 1.50 (n 60): "
                       "AI-assisted higher, outside noise; difference +1.00, 95% interval +0.40 to +1.60.")
    assert up.tone == "bad"
    flat = guardrails.weekly_line(doc(block(metric(2.1))))
    assert flat.text.endswith("(n 60): no clear difference.") and "higher" not in flat.text
    assert flat.tone == "neutral"


def test_no_data_is_na_with_the_reason_and_no_file_means_no_line():
    na = guardrails.weekly_line(doc(block(metric(None))))
    assert na.text == ("Complexity added per 100 changed lines: n/a — no PR in code_quality merged in the period.")
    assert guardrails.weekly_line(doc({"available": False, "metrics": {}}, present=("pull_requests.csv",))) is None
    assert guardrails.section(doc(None), "month") is None


def test_section_names_the_team_whose_ai_assisted_prs_add_complexity_and_never_a_person():
    team_entry = {"cohort_difference": {"value": 2.15, "interval": [0.97, 3.34], "change": "up",
                                        "n": {"ai": 82, "non_ai": 45}}}
    q = block(metric(2.0, by_team={"platform": team_entry}), complexity_ai_higher={"teams": ["platform"]})
    sec = guardrails.section(doc(q), "month")
    texts = [b.text for b in sec.bullets]
    assert texts[0].startswith("Complexity added per 100 changed lines: 2.00 this month (n 100) vs baseline 2.00 "
                               "(n 90): no clear change. AI-assisted 2.50 (n 40) vs other PRs 1.50 (n 60): "
                               "no clear difference.")
    assert texts[1] == ("Platform: AI-assisted PRs add more complexity per 100 changed lines than the team's other "
                        "PRs, outside noise (difference +2.15, 95% interval +0.97 to +3.34; n 82 vs 45 PRs). "
                        "A review of those changes' structure is the team's to make.")
    assert sec.bullets[-1].tone == "note" and "never per person" in texts[-1] and "threshold" in texts[-1]
