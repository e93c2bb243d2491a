"""Narrative rules follow the noise tests: no decision, comparative action or learning fires on raw
thresholds alone, a rule that would is refused at load time, and every item carries its tests.

Documents are built by hand with the test fields metrics.json holds (`metrics.M.by_team.T.vs_rest`,
`metrics.M.cohort_difference`, `breakdowns.flow_by_size.S.*_test`, `breakdowns.reverts.cohort_difference`);
expected texts and evidence strings are worked out by hand in the comments.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from reporter.assets import narratives_dir
from reporter.views.evidence import describe_test
from reporter.views.monthly import _decisions
from reporter.narrative import KNOWN_METRICS, RuleError, conditions, load_rules, narrate


def vs_rest(value, rest_value, rest_n, interval, change):
    return {"value": value, "rest_value": rest_value, "rest_n": rest_n, "interval": interval, "change": change,
            "test": "bootstrap of the difference (1000 resamples, 95%)"}


def cohort_test(value, interval, change, ai_n, non_ai_n):
    return {"value": value, "interval": interval, "change": change, "test": "bootstrap (1000 resamples, 95%)",
            "n": {"ai": ai_n, "non_ai": non_ai_n}}


def base_doc() -> dict:
    """A 20-engineer organisation where every test says 'no clear difference': nothing comparative fires."""
    return {
        "cadence": "monthly", "period": "2026-10",
        "metrics": {
            # organisation: 22 failed of 411 deployments = 5.35%; platform 2 of 11 = 18.2%
            "change_failure_rate": {
                "value": 22 / 411, "unit": "ratio", "n": 411, "baseline": 0.05, "baseline_n": 1200,
                "delta": 22 / 411 - 0.05, "change": "flat", "interval": [-0.02, 0.03],
                "by_team": {
                    "platform": {"value": 2 / 11, "n": 11,
                                 "vs_rest": vs_rest(2 / 11 - 0.05, 0.05, 400, [-0.03, 0.38], "flat")},
                    "web": {"value": 0.04, "n": 25, "vs_rest": vs_rest(-0.0167, 0.0567, 386, [-0.09, 0.03], "flat")},
                },
                "by_cohort": {"ai": {"value": 0.06, "n": 200}, "non_ai": {"value": 0.047, "n": 211}},
                "cohort_difference": cohort_test(0.013, [-0.03, 0.05], "flat", 200, 211),
            },
            "pickup_time_hours": {
                "value": 5.0, "unit": "hours", "n": 300, "baseline": 5.0, "baseline_n": 900, "delta": 0.0,
                "change": "flat", "interval": [-0.5, 0.5],
                "by_team": {
                    "payments": {"value": 9.0, "n": 60, "vs_rest": vs_rest(4.8, 4.2, 240, [-0.5, 7.5], "flat")},
                    "web": {"value": 4.9, "n": 117, "vs_rest": vs_rest(-0.2, 5.1, 183, [-1.0, 0.6], "flat")},
                },
                "by_cohort": None, "cohort_difference": None,
            },
            "pr_cycle_time_hours": {
                "value": 40.0, "unit": "hours", "n": 300, "baseline": 40.0, "baseline_n": 900, "delta": 0.0,
                "change": "flat", "interval": [-3.0, 3.0],
                "by_team": {"web": {"value": 30.0, "n": 117,
                                    "vs_rest": vs_rest(-12.0, 42.0, 183, [-18.0, 1.0], "flat")}},
                "by_cohort": None, "cohort_difference": None,
            },
            "ai_adoption_rate": {"value": 0.5, "unit": "ratio", "n": 20, "change": "flat",
                                 "by_team": {"web": {"value": 0.9, "n": 10}}},
            "pr_size_lines": {
                "value": 120.0, "unit": "lines", "n": 300, "change": "flat", "by_team": {},
                "by_cohort": {"ai": {"value": 200.0, "n": 100}, "non_ai": {"value": 100.0, "n": 200}},
                "cohort_difference": cohort_test(100.0, [-5.0, 180.0], "flat", 100, 200),
            },
        },
        "breakdowns": {
            "flow_by_size": {
                "small": {"min_lines": 0, "max_lines": 100,
                          "ai": {"n": 30, "cycle_time_hours": 15.0, "review_time_hours": 5.0},
                          "non_ai": {"n": 30, "cycle_time_hours": 20.0, "review_time_hours": 5.0},
                          "cycle_time_ratio": 0.75, "review_time_ratio": 1.0,
                          "cycle_time_test": cohort_test(-5.0, [-11.0, 1.0], "flat", 30, 30),
                          "review_time_test": cohort_test(0.0, [-2.0, 2.0], "flat", 30, 30)},
                "large": {"min_lines": 400, "max_lines": None,
                          "ai": {"n": 12, "cycle_time_hours": 60.0, "review_time_hours": 40.0},
                          "non_ai": {"n": 12, "cycle_time_hours": 50.0, "review_time_hours": 20.0},
                          "cycle_time_ratio": 1.2, "review_time_ratio": 2.0,
                          "cycle_time_test": cohort_test(10.0, [-5.0, 25.0], "flat", 12, 12),
                          "review_time_test": cohort_test(20.0, [-1.0, 35.0], "flat", 12, 12)},
            },
            "reverts": {"value": 8, "n": 200,
                        "by_cohort": {"ai": {"value": 5, "n": 100, "rate": 0.05},
                                      "non_ai": {"value": 3, "n": 100, "rate": 0.03}},
                        "cohort_difference": cohort_test(0.02, [-0.03, 0.07], "flat", 100, 100)},
        },
    }


def outside_noise(prefix: str, change: str, interval: list[float]) -> dict:
    """The changes that turn a flat test block into an up/down one, with an interval that excludes zero."""
    return {f"{prefix}__change": change, f"{prefix}__interval": interval}


def with_(doc: dict, **changes) -> dict:
    """A copy of doc with dotted paths (written with __ for dots) set: with_(d, metrics__x__change='up')."""
    doc = copy.deepcopy(doc)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = doc
        for part in parents:
            node = node[part]
        node[last] = value
    return doc


PACKAGED: list = []


def packaged(doc: dict, cadence: str = "monthly") -> dict:
    if not PACKAGED:
        PACKAGED.extend(load_rules([narratives_dir()]))
    from reporter.narrative import narrate_rules

    return narrate_rules(doc, cadence, PACKAGED)


def fired(result: dict) -> list[tuple[str, str | None]]:
    return [(item["id"], item["team"]) for items in result.values() for item in items]


CFR_PLATFORM = "metrics__change_failure_rate__by_team__platform"


# -- the packaged rules on hand-built documents --------------------------------------------------------

def test_nothing_comparative_fires_when_every_test_says_no_clear_difference():
    # every threshold of the old rules holds here (platform 18.2% >= 15% and > 2 x 5.35%; payments 9.0 h >
    # 1.5 x 5.0 h; web 90% adoption with 4% <= 5.35%; large AI PRs wait 2x; small ones 0.75x; AI PRs 2x
    # larger), but every test is flat: no decision, no action, no learning, no warning
    for cadence in ("weekly", "monthly", "quarterly"):
        assert fired(packaged(base_doc(), cadence)) == []


def test_stop_does_not_fire_on_2_of_11_failures_within_noise():
    doc = base_doc()
    assert doc["metrics"]["change_failure_rate"]["by_team"]["platform"]["vs_rest"]["change"] == "flat"
    assert packaged(doc)["decisions"] == []
    assert packaged(doc, "weekly")["actions"] == []  # nor "pause AI expansion"


def test_stop_and_pause_fire_when_the_team_is_higher_outside_noise_with_n_10():
    doc = with_(base_doc(), **outside_noise(f"{CFR_PLATFORM}__vs_rest", "up", [0.012, 0.38]))
    (stop,) = packaged(doc)["decisions"]
    # 2/11 = 18.18% -> '18.2%'; rest 0.05 -> '5%'
    assert (stop["id"], stop["team"]) == ("decide-stop", "platform")
    assert stop["text"] == ("Stop expansion in Platform until quality recovers: change failure rate 18.2% of 11 "
                            "deployments vs 5.0% of 400 for the rest of the organisation, higher outside noise.")
    assert stop["tests"] == [{
        "path": "metrics.change_failure_rate.by_team.platform.vs_rest", "compares": "team_vs_rest",
        "metric": "change_failure_rate", "unit": "ratio", "value": 2 / 11 - 0.05, "interval": [0.012, 0.38],
        "change": "up", "test": "bootstrap of the difference (1000 resamples, 95%)",
        "n": 11, "other_n": 400, "side_value": 2 / 11, "other_value": 0.05}]
    (row,) = _decisions({"narrative": packaged(doc)})
    assert (row.team, row.decision, row.evidence) == (
        "Platform", "Stop",
        "change failure rate 18.2% (n 11) vs 5.0% rest (n 400); difference +13.2 pp, 95% interval +1.2 to +38.0 pp")
    (pause,) = packaged(doc, "weekly")["actions"]
    assert pause["text"] == ("Pause AI expansion in Platform and require test evidence on its AI-assisted PRs: its "
                             "change failure rate is 18.2% of 11 deployments against 5.0% of 400 for the rest of the "
                             "organisation, higher outside noise.")


@pytest.mark.parametrize("changes", [
    {f"{CFR_PLATFORM}__n": 9},                                     # 9 deployments: below n 10
    {f"{CFR_PLATFORM}__vs_rest__rest_n": 9},                       # the rest too small
    {f"{CFR_PLATFORM}__vs_rest__change": "insufficient_data"},
    {f"{CFR_PLATFORM}__vs_rest__change": "down"},
    {f"{CFR_PLATFORM}__vs_rest": None},                            # no test in the document
    {f"{CFR_PLATFORM}__value": 0.10},                              # higher, but under the 15% guard
])
def test_stop_needs_the_test_the_n_and_the_thresholds(changes):
    doc = with_(base_doc(), **{f"{CFR_PLATFORM}__vs_rest__change": "up"})
    doc = with_(doc, **changes)
    assert packaged(doc)["decisions"] == []
    assert packaged(doc, "weekly")["actions"] == []


def test_hold_fires_only_when_review_wait_is_higher_outside_noise():
    doc = with_(base_doc(), metrics__pickup_time_hours__by_team__payments__vs_rest__change="up")
    (hold,) = packaged(doc)["decisions"]
    # payments 9.0 h > 1.5 x 5.0 h = 7.5 h; not > 2 x 5.0 h, so no team-review-queue learning
    assert hold["text"] == ("Hold the rollout in Payments until review keeps up: its review wait is 9.0 h (60 PRs) "
                            "vs 4.2 h for the rest of the organisation (240 PRs), higher outside noise.")
    assert fired(packaged(doc)) == [("decide-hold", "payments")]
    small = with_(doc, metrics__pickup_time_hours__by_team__payments__n=19)  # n 20 required
    assert packaged(small)["decisions"] == []


def test_team_review_queue_learning_needs_its_test():
    doc = with_(base_doc(), metrics__pickup_time_hours__by_team__payments__value=11.0)  # > 2 x 5.0 h
    assert packaged(doc, "weekly")["learnings"] == []
    doc = with_(doc, metrics__pickup_time_hours__by_team__payments__vs_rest__change="up")
    (queue,) = packaged(doc, "weekly")["learnings"]
    assert queue["text"] == ("Payments waits 11.0 h for a first review (60 PRs) vs 4.2 h for the rest of the "
                             "organisation (240 PRs), higher outside noise and more than twice the organisation's "
                             "5.0 h.")


SCALE_WEB = outside_noise("metrics__pr_cycle_time_hours__by_team__web__vs_rest", "down", [-18.0, -6.0])


def test_scale_needs_a_gain_outside_noise_not_only_no_clear_difference():
    # web: 90% adoption, 4% failures <= 5.35%, review 4.9 h <= 1.25 x 5.0 h, all within noise: no scale
    assert packaged(base_doc())["decisions"] == []
    doc = with_(base_doc(), **SCALE_WEB)  # cycle time lower outside noise: the gain
    (scale,) = packaged(doc)["decisions"]
    assert scale["text"] == (
        "Scale in Web: 90% adoption; PR cycle time 30.0 h (117 PRs) vs 42.0 h for the rest of the organisation "
        "(183 PRs), lower outside noise; change failure rate 4.0% of 25 deployments vs 5.7% of 386, no clear "
        "difference; review wait 4.9 h vs 5.1 h, no clear difference.")
    # the gain, then the guards (tested, not higher): cycle time, change failure rate, review wait
    assert [(t["path"], t["change"]) for t in scale["tests"]] == [
        ("metrics.pr_cycle_time_hours.by_team.web.vs_rest", "down"),
        ("metrics.change_failure_rate.by_team.web.vs_rest", "flat"),
        ("metrics.pickup_time_hours.by_team.web.vs_rest", "flat")]
    (row,) = _decisions({"narrative": packaged(doc)})
    assert (row.team, row.decision) == ("Web", "Scale")
    assert row.evidence == (
        "PR cycle time 30.0 h (n 117) vs 42.0 h rest (n 183); difference −12.0 h, "
        "95% interval −18.0 to −6.0 h · "
        "change failure rate 4.0% (n 25) vs 5.7% rest (n 386); difference −1.7 pp, 95% interval −9.0 to +3.0 pp · "
        "review wait 4.9 h (n 117) vs 5.1 h rest (n 183); difference −0.2 h, 95% interval −1.0 to +0.6 h")


@pytest.mark.parametrize("changes", [
    {"metrics__change_failure_rate__by_team__web__vs_rest__change": "up"},                 # worse outside noise
    {"metrics__change_failure_rate__by_team__web__vs_rest__change": "insufficient_data"},  # quality untested
    {"metrics__change_failure_rate__by_team__web__vs_rest__rest_n": 9},                    # below n 10
    {"metrics__pickup_time_hours__by_team__web__vs_rest__change": "up"},                   # review worse
    {"metrics__pickup_time_hours__by_team__web__vs_rest": None},                           # review untested
    {"metrics__pr_cycle_time_hours__by_team__web__n": 19},                                 # gain on n < 20
    {"metrics__ai_adoption_rate__by_team__web__value": 0.5},                               # adoption guard
    {"metrics__change_failure_rate__by_team__web__value": 0.06},                           # > organisation
])
def test_scale_is_blocked_by_a_loss_an_untested_guard_or_a_threshold(changes):
    doc = with_(with_(base_doc(), **SCALE_WEB), **changes)
    assert packaged(doc)["decisions"] == []


def test_scale_on_lower_failures_alone_says_so():
    doc = with_(base_doc(), **outside_noise("metrics__change_failure_rate__by_team__web__vs_rest", "down",
                                            [-0.03, -0.005]))
    (scale,) = packaged(doc)["decisions"]
    assert "5.7% of 386, lower outside noise;" in scale["text"]
    assert "(183 PRs), no clear difference;" in scale["text"]


LARGE = outside_noise("breakdowns__flow_by_size__large__review_time_test", "up", [5.0, 35.0])
SMALL = outside_noise("breakdowns__flow_by_size__small__cycle_time_test", "down", [-11.0, -1.0])


def test_hold_large_ai_prs_needs_the_review_time_test():
    assert packaged(base_doc())["decisions"] == []  # 40 h vs 20 h (2x) within noise
    doc = with_(base_doc(), **LARGE)
    (hold,) = packaged(doc)["decisions"]
    assert (hold["subject"], hold["text"]) == (
        "large AI-assisted PRs",
        "Hold large AI-assisted PRs (400+ lines): they wait 40.0 h in review vs 20.0 h for other large PRs "
        "(12 and 12 PRs), longer outside noise; split them before review.")
    (row,) = _decisions({"narrative": packaged(doc)})
    assert (row.team, row.decision, row.evidence) == (
        "large AI-assisted PRs", "Hold",
        "review time of large PRs 40.0 h AI-assisted (n 12) vs 20.0 h other (n 12); difference +20.0 h, "
        "95% interval +5.0 to +35.0 h")
    few = with_(doc, breakdowns__flow_by_size__large__review_time_test__n={"ai": 12, "non_ai": 9})
    assert packaged(few)["decisions"] == []


@pytest.mark.parametrize("reverts, expected", [
    ("flat", ["decide-scale-small-ai-prs"]),   # revert rates tested, no clear difference: said in the text
    ("down", ["decide-scale-small-ai-prs"]),
    ("up", []),                                # AI-assisted PRs reverted more outside noise
    ("insufficient_data", []),                 # the quality guard is untested
])
def test_scale_small_ai_prs_needs_a_faster_test_and_a_tested_revert_guard(reverts, expected):
    assert packaged(base_doc())["decisions"] == []  # 0.75x within noise
    doc = with_(base_doc(), **SMALL, breakdowns__reverts__cohort_difference__change=reverts)
    decisions = packaged(doc)["decisions"]
    assert [d["id"] for d in decisions] == expected
    if reverts == "flat":
        assert decisions[0]["text"] == (
            "Scale small AI-assisted PRs (under 100 lines): they merge in 15.0 h vs 20.0 h for other small PRs "
            "(30 and 30 PRs), faster outside noise; reverts 5% of 100 AI-assisted PRs vs 3% of 100 others, "
            "no clear difference.")
        assert [(t["path"], t["change"]) for t in decisions[0]["tests"]] == [
            ("breakdowns.flow_by_size.small.cycle_time_test", "down"),
            ("breakdowns.reverts.cohort_difference", "flat")]


def test_size_learning_needs_both_tests():
    # ratios 0.75 and 2.0 pass the old thresholds: 'small PRs gain, large ones pay a review tax' needs tests
    assert packaged(with_(base_doc(), **SMALL), "weekly")["learnings"] == []
    assert packaged(with_(base_doc(), **LARGE), "weekly")["learnings"] == []
    (item,) = packaged(with_(base_doc(), **SMALL, **LARGE), "weekly")["learnings"]
    assert item["text"] == (
        "Small AI-assisted PRs moved faster (15.0 h vs 20.0 h for other small PRs; 30 and 30 PRs), while large "
        "ones waited longer in review (40.0 h vs 20.0 h; 12 and 12 PRs), both outside noise: large AI-assisted "
        "diffs carry a review tax.")


def test_ai_prs_larger_needs_the_cohort_test():
    assert packaged(base_doc())["learnings"] == []  # 200 vs 100 lines, within noise
    doc = with_(base_doc(), **outside_noise("metrics__pr_size_lines__cohort_difference", "up", [20.0, 180.0]))
    (item,) = packaged(doc)["learnings"]
    assert item["text"] == ("AI-assisted PRs are larger: 200 lines at the median vs 100 for other PRs "
                            "(100 and 200 PRs), a difference outside noise.")
    assert item["tests"][0]["path"] == "metrics.pr_size_lines.cohort_difference"
    assert describe_test(item["tests"][0]) == ("PR size 200 lines AI-assisted (n 100) vs 100 lines other (n 200); "
                                               "difference +100 lines, 95% interval +20 to +180 lines")


def test_rising_reverts_warning_needs_the_cohort_test():
    doc = with_(base_doc(), breakdowns__reverts__by_cohort__ai__rate=0.07,
                breakdowns__reverts__by_cohort__ai__value=7)  # 7% > 2 x 3%
    assert packaged(doc, "weekly")["warnings"] == []
    doc = with_(doc, breakdowns__reverts__cohort_difference__change="up")
    assert [w["id"] for w in packaged(doc, "weekly")["warnings"]] == ["rising-reverts-ai"]


def test_every_packaged_comparison_rests_on_a_test_with_n_at_least_10():
    rules = load_rules([narratives_dir()])

    def positive_differs(node):
        if "not" in node:
            return []
        for key in ("all", "any"):
            if key in node:
                return [leaf for child in node[key] for leaf in positive_differs(child)]
        return [node] if "differs" in node else []

    for rule in rules:
        if rule.kind == "decision":
            assert rule.tests_difference, rule.id
        for leaf in positive_differs(rule.when):
            assert leaf.get("min_n", 0) >= 10, rule.id


# -- the differs: leaf -------------------------------------------------------------------------------------

def check(node: dict, doc: dict, team: str | None = None) -> bool:
    conditions.validate(node, KNOWN_METRICS, "team")
    return conditions.evaluate(node, doc, team)


TEAM_HIGHER = {"metric": "change_failure_rate", "scope": "team", "differs": "higher"}


@pytest.mark.parametrize("change, higher, lower, either, not_higher", [
    ("up", True, False, True, False),
    ("down", False, True, True, True),
    ("flat", False, False, False, True),                # no clear difference: not higher, not lower
    ("insufficient_data", False, False, False, False),  # unknown: never fires, not even under not
    ("sideways", False, False, False, False),
    (None, False, False, False, False),
])
def test_differs_team_reads_vs_rest_with_three_valued_logic(change, higher, lower, either, not_higher):
    doc = with_(base_doc(), **{f"{CFR_PLATFORM}__vs_rest__change": change})
    assert check(TEAM_HIGHER, doc, "platform") is higher
    assert check({**TEAM_HIGHER, "differs": "lower"}, doc, "platform") is lower
    assert check({**TEAM_HIGHER, "differs": ["higher", "lower"]}, doc, "platform") is either
    assert check({"not": TEAM_HIGHER}, doc, "platform") is not_higher


def test_differs_team_without_a_test_is_unknown():
    doc = with_(base_doc(), **{f"{CFR_PLATFORM}__vs_rest__change": "up"})
    assert check(TEAM_HIGHER, doc, "web") is False         # web's test is flat
    assert check(TEAM_HIGHER, doc, "mobile") is False      # no such team
    assert check({"not": TEAM_HIGHER}, doc, "mobile") is False
    withheld = with_(doc, **{CFR_PLATFORM: {"value": None, "n": 11, "reason": "suppressed"}})
    assert check({"not": TEAM_HIGHER}, withheld, "platform") is False


@pytest.mark.parametrize("min_n, n, rest_n, expected", [
    (10, 11, 400, True), (11, 11, 400, True), (12, 11, 400, False), (10, 11, 9, False), (10, None, 400, False),
])
def test_differs_min_n_applies_to_both_sides(min_n, n, rest_n, expected):
    doc = with_(base_doc(), **{f"{CFR_PLATFORM}__vs_rest__change": "up", f"{CFR_PLATFORM}__n": n,
                               f"{CFR_PLATFORM}__vs_rest__rest_n": rest_n})
    assert check({**TEAM_HIGHER, "min_n": min_n}, doc, "platform") is expected
    # below min_n is unknown, not 'no difference': a negation does not fire either
    assert check({"not": {**TEAM_HIGHER, "differs": "lower", "min_n": min_n}}, doc, "platform") is expected


def test_differs_cohort_and_breakdown_read_their_test_blocks():
    doc = with_(base_doc(), metrics__change_failure_rate__cohort_difference__change="down", **LARGE)
    cohort = {"metric": "change_failure_rate", "cohort": "ai", "differs": "lower", "min_n": 200}
    assert check(cohort, doc) is True                      # n 200 and 211
    assert check({**cohort, "min_n": 201}, doc) is False   # the AI side has 200
    assert check({"metric": "pickup_time_hours", "cohort": "ai", "differs": "lower"}, doc) is False  # null test
    assert check({"breakdown": "flow_by_size.large.review_time_test", "differs": "higher", "min_n": 12}, doc) is True
    assert check({"breakdown": "flow_by_size", "path": "large.review_time_test", "differs": "higher"}, doc) is True
    assert check({"breakdown": "flow_by_size.small.review_time_test", "differs": "higher"}, doc) is False  # flat
    assert check({"breakdown": "flow_by_size.medium.review_time_test", "differs": "higher"}, doc) is False  # none


def test_held_tests_records_change_tests_and_skips_thresholds():
    doc = with_(base_doc(), metrics__pickup_time_hours__change="up", metrics__pickup_time_hours__delta=1.5,
                metrics__pickup_time_hours__value=6.5, metrics__pickup_time_hours__interval=[0.7, 2.2])
    node = {"all": [{"metric": "pickup_time_hours", "change": "up"},
                    {"metric": "pickup_time_hours", "op": ">", "value": 1}]}
    assert conditions.held_tests(node, doc) == [{
        "path": "metrics.pickup_time_hours", "compares": "period_vs_baseline", "metric": "pickup_time_hours",
        "unit": "hours", "value": 1.5, "interval": [0.7, 2.2], "change": "up", "test": None, "n": 300,
        "other_n": 900, "side_value": 6.5, "other_value": 5.0}]
    assert conditions.held_tests(node, base_doc()) == []  # the condition does not hold: no evidence
    assert conditions.held_tests({"metric": "pickup_time_hours", "op": ">", "value": 1}, doc) == []


def test_items_without_tests_carry_an_empty_list(tmp_path):
    write(tmp_path, [rule(when={"metric": "pickup_time_hours", "field": "n", "op": ">=", "value": 1},
                          text="Review wait {{ m.pickup_time_hours.value | hours }}.")])
    (item,) = narrate(base_doc(), "weekly", [tmp_path / "rules"])["learnings"]
    assert item["tests"] == []


# -- load-time checks ----------------------------------------------------------------------------------------

def rule(**fields) -> dict:
    base = {"id": "r", "kind": "learning", "cadences": ["weekly", "monthly"],
            "when": {"metric": "merged_prs", "field": "n", "op": ">=", "value": 1},
            "text": "Merged PRs: {{ m.merged_prs.value | count }}."}
    base.update(fields)
    return {key: value for key, value in base.items() if value is not None}


def write(tmp_path: Path, rules: list[dict]) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rules.yaml").write_text(yaml.safe_dump({"rules": rules}, sort_keys=False), encoding="utf-8")
    return folder


def load_error(tmp_path: Path, rules: list[dict]) -> str:
    folder = write(tmp_path, rules)
    with pytest.raises(RuleError) as info:
        load_rules([folder])
    message = str(info.value)
    assert f"{folder / 'rules.yaml'}:2: rule 'r':" in message
    return message


DECIDE = {"kind": "decision", "cadences": ["monthly"], "for_each": "team",
          "text": "Stop expansion in {{ team }}: change failure rate "
                  "{{ m.change_failure_rate.by_team[team].value | percent }}."}
THRESHOLD = {"metric": "change_failure_rate", "scope": "team", "op": ">=", "value": 0.15}


@pytest.mark.parametrize("when", [
    THRESHOLD,                                                        # thresholds alone
    {"all": [THRESHOLD, {"metric": "change_failure_rate", "scope": "team", "field": "n", "op": ">=", "value": 10}]},
    {"all": [THRESHOLD, {"not": {**TEAM_HIGHER, "differs": "lower"}}]},  # the only test is under not
    {"any": [TEAM_HIGHER, THRESHOLD]},                                # one branch fires without a test
    {"all": [THRESHOLD, {"metric": "change_failure_rate", "change": "flat"}]},  # flat is not a difference
])
def test_a_decision_without_a_test_leaf_fails_to_load(tmp_path, when):
    message = load_error(tmp_path, [rule(**DECIDE, when=when)])
    assert "a decision must rest on a noise test, not on thresholds alone" in message


@pytest.mark.parametrize("when", [
    {"all": [THRESHOLD, TEAM_HIGHER]},
    {"any": [TEAM_HIGHER, {"all": [THRESHOLD, {"metric": "change_failure_rate", "change": "up"}]}]},
])
def test_a_decision_with_a_test_in_every_branch_loads(tmp_path, when):
    assert [r.id for r in load_rules([write(tmp_path, [rule(**DECIDE, when=when)])])] == ["r"]


@pytest.mark.parametrize("kind", ["learning", "action", "warning"])
@pytest.mark.parametrize("text", [
    "Small AI-assisted PRs gain: {{ b.flow_by_size.small.ai.cycle_time_hours | hours }}.",
    "AI-assisted PRs wait {{ m.pickup_time_hours.by_cohort.ai.value | hours }} vs "
    "{{ m.pickup_time_hours.by_cohort.non_ai.value | hours }} for others.",
    "AI-assisted PRs are larger: {{ m.pr_size_lines.by_cohort.ai.value | count }} lines.",
    "Review takes longer than {{ m.pickup_time_hours.value | hours }}.",
    "Cap PR size: {{ 'faster' }} reviews.",                            # a word in a string constant is the rule's
])
def test_a_comparison_or_direction_without_a_test_fails_to_load(tmp_path, kind, text):
    message = load_error(tmp_path, [rule(kind=kind, text=text)])
    assert "the text compares figures" in message and "requires no test of the difference" in message
    with_test = {"all": [rule()["when"], {"metric": "pickup_time_hours", "cohort": "ai", "differs": "higher"}]}
    assert [r.id for r in load_rules([write(tmp_path, [rule(kind=kind, text=text, when=with_test)])])] == ["r"]


def test_direction_words_over_time_still_need_a_change_test(tmp_path):
    # 'rose' is a move against the baseline: a team-vs-rest difference does not support it
    when = {"all": [rule()["when"], {"metric": "pickup_time_hours", "cohort": "ai", "differs": "higher"}]}
    rose = "Review wait rose to {{ m.pickup_time_hours.value | hours }}."
    message = load_error(tmp_path, [rule(when=when, text=rose)])
    assert "the condition tests no metric's change as up or down" in message
    any_branch = {"any": [{"metric": "pickup_time_hours", "change": "up"}, rule()["when"]]}
    message = load_error(tmp_path, [rule(when=any_branch, text=rose)])
    assert "the condition tests no metric's change as up or down" in message


def test_words_in_the_data_and_disabled_rules_are_not_checked(tmp_path):
    doc = base_doc()
    doc["breakdowns"]["releases"] = [{"team": "web", "title": "Faster checkout", "summary": "3x faster than before"}]
    folder = write(tmp_path, [
        rule(id="story", kind="story", for_each="release", when={"releases": "any"},
             text="{{ release.team }} delivered {{ release.title }}: {{ release.summary }}"),
        rule(id="off", kind="decision", cadences=["monthly"], enabled=False, text="Off: higher than before."),
    ])
    result = narrate(doc, "weekly", [folder])
    assert [i["text"] for i in result["stories"]] == ["web delivered Faster checkout: 3x faster than before"]


def test_a_users_folder_is_checked_too(tmp_path):
    user = write(tmp_path / "user", [rule(id="decide-stop", **DECIDE, when=THRESHOLD)])
    with pytest.raises(RuleError, match=r"user/rules/rules\.yaml:2: rule 'decide-stop': a decision must rest"):
        load_rules([narratives_dir(), user])


@pytest.mark.parametrize("when, expected", [
    ({"metric": "change_failure_rate", "differs": "higher"}, "when: differs compares two groups: add scope: team"),
    ({"metric": "change_failure_rate", "cohort": "non_ai", "differs": "higher"},
     "the cohort test is AI-assisted minus other work: write cohort: ai"),
    ({"metric": "change_failure_rate", "cohort": "ai", "differs": "up"},
     "differs must be one of higher, lower, got 'up'"),
    ({"metric": "change_failure_rate", "cohort": "ai", "differs": "hgher"},
     "got 'hgher' (did you mean 'higher'?)"),
    ({"metric": "change_failure_rate", "cohort": "ai", "differs": "flat"}, "no clear difference never makes a test"),
    ({"metric": "change_failure_rate", "cohort": "ai", "differs": []}, "differs needs at least one of higher, lower"),
    ({"metric": "change_failure_rate", "cohort": "ai", "differs": "higher", "op": ">", "value": 0.1},
     "a differs test takes no op, value"),
    ({"metric": "change_failure_rate", "cohort": "ai", "differs": "higher", "field": "n"},
     "a differs test takes no field"),
    ({"metric": "change_failure_rate", "differs": "higher", "change": "up"}, "use change: (this period against"),
    ({"metric": "change_failure_rate", "change": "up", "min_n": 10}, "min_n goes with differs:"),
    ({"metric": "change_failure_rate", "cohort": "ai", "differs": "higher", "min_n": 0},
     "min_n must be a whole number"),
    ({"metric": "change_failure_rate", "cohort": "ai", "differs": "higher", "min_n": "10"},
     "min_n must be a whole number of at least 1, got '10'"),
    ({"metric": "change_failure_rate", "cohort": "ai", "differs": "higher", "min_n": True},
     "min_n must be a whole number"),
    ({"metric": "change_failure_rate", "cohort": "ai", "difers": "higher"},
     "unknown key 'difers' (did you mean 'differs'?)"),
    ({"metric": "change_failure_rate", "scope": "team", "differs": "higher"},
     "scope: team reads the current team, so the rule needs for_each: team"),
    ({"breakdown": "flow_by_size.large.review_time_test", "differs": "higher", "value": 1},
     "a differs test takes no value"),
    ({"breakdown": "flow_by_size.large.review_time_test", "min_n": 10}, "min_n goes with differs:"),
    ({"breakdown": "flow_by_size..review_time_test", "differs": "higher"}, "breakdown must be a dot path"),
    ({"all": [{"metric": "change_failure_rate", "cohort": "ai", "differs": "lowr"}]},
     "when.all[0]: differs must be one of higher, lower, got 'lowr' (did you mean 'lower'?)"),
])
def test_differs_validation_errors_name_the_rule_and_where(tmp_path, when, expected):
    message = load_error(tmp_path, [rule(when=when, text="Noted.")])
    assert expected in message
