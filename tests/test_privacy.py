"""Small groups: pooled into 'other' until 'other' itself reaches privacy.min_group_size, one
decision per report for every split, and a withheld group never shows its n.

Every expected number is worked out in the comments from the rows of the test.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd
import pytest

from reporter.build import compute_report
from reporter.metrics.suite import TeamFolder

TODAY = dt.date(2026, 11, 23)
MONTH = "2026-03"
SERVICES = {"svc-a": {"team": "alpha", "repos": ["repo-a"]}, "svc-b": {"team": "beta", "repos": ["repo-b"]},
            "svc-c": {"team": "gamma", "repos": ["repo-c"]}}
# Splits whose team rows must add up to the organisation's total (value, or n for the ratios).
COUNTS = ("engineers", "active_ai_users", "merged_prs", "deployments", "incidents", "work_items_done",
          "support_tickets")


def monthly(folder) -> dict:
    return compute_report("monthly", folder, period_id=MONTH, today=TODAY)


def people(**sizes: int) -> list[dict]:
    """``sizes`` engineers per team, named after the team's first letter: alpha=8 -> a0..a7."""
    return [dict(person=f"{team[0]}{i}", team=team) for team, n in sizes.items() for i in range(n)]


def org(make_inputs, sizes: dict[str, int], config: dict | None = None):
    """One March of every dataset, with a record in February and one in April (outside the period,
    so the inputs cover March whole). In March:

    PRs merged: a0 x3 (alpha); b0 x2 (beta); g0 x1 (gamma); 'ghost' (not in people) on repo-c
      (service svc-c -> gamma) x1; 'ghost' on repo 'misc' (no owner -> unassigned) x1.   -> 8
    deployments: svc-a x2, svc-b x1, svc-c x3, svc-x (no owner) x1                     -> 7
    incidents opened: svc-a x1, svc-c x2                                               -> 3
    work items done: team alpha x2, gamma x1, no team x1                               -> 4
    support tickets opened: svc-a x1, svc-b x1, svc-x x1                               -> 3
    active AI users: a0, a1, a2 (copilot), b0 (copilot), g0, g1 (cursor); a3's row is all zero -> 6
    AI costs: alpha 10 USD, gamma 5 USD, no team 2 USD                                 -> 17 USD
    """
    def at(day: int, hour: int = 12) -> str:
        return f"2026-03-{day:02d}T{hour:02d}:00:00Z"

    feb, apr = "2026-02-20T12:00:00Z", "2026-04-05T12:00:00Z"
    authors = [("a0", "repo-a")] * 3 + [("b0", "repo-b")] * 2 + [("g0", "repo-c"), ("ghost", "repo-c"),
                                                                    ("ghost", "misc")]
    prs = [dict(id=f"p{i}", repo=repo, author=who, created_at=at(3 + i, 8), merged_at=at(3 + i, 10))
           for i, (who, repo) in enumerate(authors)]
    prs += [dict(id="p-feb", repo="repo-a", author="a0", created_at=feb, merged_at=feb),
            dict(id="p-apr", repo="repo-a", author="a0", created_at=apr, merged_at=apr)]
    services = ["svc-a"] * 2 + ["svc-b"] + ["svc-c"] * 3 + ["svc-x"]
    deps = [dict(id=f"d{i}", service=s, finished_at=at(3 + i, 14)) for i, s in enumerate(services)]
    deps += [dict(id="d-feb", service="svc-a", finished_at=feb), dict(id="d-apr", service="svc-a", finished_at=apr)]
    incidents = [dict(id=f"i{i}", service=s, opened_at=at(20 + i, 9), resolved_at=at(20 + i, 11))
                 for i, s in enumerate(["svc-a", "svc-c", "svc-c"])]
    incidents += [dict(id="i-feb", service="svc-a", opened_at=feb, resolved_at=feb),
                  dict(id="i-apr", service="svc-a", opened_at=apr, resolved_at=apr)]
    work = [dict(id=f"w{i}", type="story", team=t, created_at=at(2), done_at=at(10 + i))
            for i, t in enumerate(["alpha", "alpha", "gamma", None])]
    work += [dict(id="w-pad", type="story", team="alpha", created_at=feb, done_at=apr)]
    tickets = [dict(id=f"s{i}", service=s, opened_at=at(12 + i), resolved_at=at(12 + i, 15))
               for i, s in enumerate(["svc-a", "svc-b", "svc-x"])]
    tickets += [dict(id="s-pad", service="svc-a", opened_at=feb, resolved_at=apr)]
    usage = [dict(date=f"2026-03-{4 + i:02d}", person=p, tool=tool, interactions=3)
             for i, (p, tool) in enumerate([("a0", "copilot"), ("a1", "copilot"), ("a2", "copilot"),
                                            ("b0", "copilot"), ("g0", "cursor"), ("g1", "cursor")])]
    usage += [dict(date="2026-03-05", person="a3", tool="copilot", interactions=0),
              dict(date="2026-02-20", person="a0", tool="copilot", interactions=1),
              dict(date="2026-04-05", person="a0", tool="copilot", interactions=1)]
    costs = [dict(date="2026-03-10", tool="claude-code", amount=10, currency="USD", team="alpha"),
             dict(date="2026-03-11", tool="claude-code", amount=5, currency="USD", team="gamma"),
             dict(date="2026-03-12", tool="claude-code", amount=2, currency="USD", team=None),
             dict(date="2026-02-20", tool="claude-code", amount=1, currency="USD", team="alpha"),
             dict(date="2026-04-05", tool="claude-code", amount=1, currency="USD", team="alpha")]
    cfg = {"services": SERVICES, **(config or {})}
    return make_inputs(config=cfg, people=people(**sizes), pull_requests=prs, deployments=deps, incidents=incidents,
                       work_items=work, support_tickets=tickets, ai_usage=usage, ai_costs=costs)


def by_team(doc: dict, name: str) -> dict:
    return doc["metrics"][name]["by_team"]


def test_one_small_team_is_pooled_with_the_next_smallest_so_other_reaches_the_minimum(make_inputs):
    # alpha 8, beta 6, gamma 3 engineers; minimum 5. gamma (3) alone is under it: beta, the smallest
    # named team, joins -> 'other' = beta + gamma = 9 engineers. Only alpha is named.
    doc = monthly(org(make_inputs, {"alpha": 8, "beta": 6, "gamma": 3}))
    expected = {
        # metric: (organisation, alpha, other)
        "engineers": (17, 8, 9),
        "active_ai_users": (6, 3, 3),  # a0 a1 a2 | b0 g0 g1
        "merged_prs": (8, 3, 5),  # a0 x3 | b0 x2, g0, ghost on repo-c (gamma), ghost on misc (unassigned)
        "deployments": (7, 2, 5),  # svc-a x2 | svc-b, svc-c x3, svc-x (unowned)
        "incidents": (3, 1, 2),  # svc-a | svc-c x2
        "work_items_done": (4, 2, 2),  # alpha x2 | gamma, no team
        "support_tickets": (3, 1, 2),  # svc-a | svc-b, svc-x
    }
    for name, (total, alpha, other) in expected.items():
        m = doc["metrics"][name]
        assert m["value"] == total, name
        assert by_team(doc, name) == {"alpha": {"value": alpha, "n": alpha},
                                      "other": {"value": other, "n": other}}, name
    # adoption: alpha 3/8, other 3/9; the denominators add up to the 17 engineers
    assert by_team(doc, "ai_adoption_rate") == {"alpha": {"value": 0.375, "n": 8},
                                                "other": {"value": pytest.approx(3 / 9, abs=1e-4), "n": 9}}
    spend = doc["metrics"]["ai_spend"]
    assert spend["value"] == {"USD": 17.0}
    assert spend["by_team"] == {"alpha": {"value": {"USD": 10.0}, "n": 1}, "other": {"value": {"USD": 7.0}, "n": 2}}


def test_team_rows_add_up_to_the_organisation_in_every_split(make_inputs):
    # The same decision everywhere: no table names beta or gamma, and the rows sum to the total.
    doc = monthly(org(make_inputs, {"alpha": 8, "beta": 6, "gamma": 3}))
    for name, m in doc["metrics"].items():
        assert not {"beta", "gamma"} & set(m.get("by_team") or {}), name
    for name in COUNTS:
        m = doc["metrics"][name]
        assert sum(v["value"] for v in m["by_team"].values()) == m["value"], name
    for name in ("ai_adoption_rate", "change_failure_rate", "pr_cycle_time_hours", "lead_time_hours"):
        m = doc["metrics"][name]
        assert sum(v["n"] for v in m["by_team"].values()) == m["n"], name


def test_several_small_teams_reach_the_minimum_together(make_inputs):
    # alpha 8, beta 3, gamma 2: beta + gamma = 5 = the minimum, so alpha stays named on its own.
    doc = monthly(org(make_inputs, {"alpha": 8, "beta": 3, "gamma": 2}))
    assert by_team(doc, "engineers") == {"alpha": {"value": 8, "n": 8}, "other": {"value": 5, "n": 5}}
    assert by_team(doc, "merged_prs") == {"alpha": {"value": 3, "n": 3}, "other": {"value": 5, "n": 5}}
    assert by_team(doc, "deployments") == {"alpha": {"value": 2, "n": 2}, "other": {"value": 5, "n": 5}}
    # active: a0 a1 a2 | b0 g0 g1 (g1 exists: gamma has g0, g1)
    assert by_team(doc, "active_ai_users") == {"alpha": {"value": 3, "n": 3}, "other": {"value": 3, "n": 3}}


def test_a_withheld_group_has_no_n_anywhere(make_inputs):
    # alpha 2, beta 1, gamma 1: 4 engineers in all, under 5. Every team is pooled and 'other' stays
    # under the minimum: each split's 'other' is withheld, without its n.
    doc = monthly(org(make_inputs, {"alpha": 2, "beta": 1, "gamma": 1}))
    entries = [(name, m["by_team"]) for name, m in doc["metrics"].items() if m.get("by_team")]
    assert entries
    for name, teams in entries:
        assert list(teams) == ["other"], name
        assert teams["other"]["value"] is None and "n" not in teams["other"], name
        assert "fewer than 5 engineers" in teams["other"]["reason"], name


def test_rows_of_no_team_count_under_other_without_pooling_a_team(make_inputs):
    # alpha 8, beta 6, gamma 5: no team under the minimum, nothing pooled. 'other' holds only rows no
    # team owns: ghost on 'misc' (1 PR), svc-x (1 deployment, 1 ticket), the work item with no team.
    doc = monthly(org(make_inputs, {"alpha": 8, "beta": 6, "gamma": 5}))
    assert by_team(doc, "merged_prs") == {"alpha": {"value": 3, "n": 3}, "beta": {"value": 2, "n": 2},
                                          "gamma": {"value": 2, "n": 2}, "other": {"value": 1, "n": 1}}
    assert by_team(doc, "deployments")["other"] == {"value": 1, "n": 1}
    assert by_team(doc, "support_tickets")["other"] == {"value": 1, "n": 1}
    assert by_team(doc, "work_items_done")["other"] == {"value": 1, "n": 1}
    assert "other" not in by_team(doc, "engineers")  # every engineer is in a named team


# --- the decision itself -------------------------------------------------------------------


def folder(rows: list[tuple[str, str]], minimum: int = 5) -> TeamFolder:
    """A TeamFolder over (team, role) rows, all employed throughout."""
    frame = pd.DataFrame({"team": [t for t, _ in rows], "engineer": [r == "engineer" for _, r in rows],
                          "start_date": pd.NaT, "end_date": pd.NaT})
    config = SimpleNamespace(privacy=SimpleNamespace(min_group_size=minimum))
    window = SimpleNamespace(first_day=dt.date(2026, 3, 1), end_day=dt.date(2026, 4, 1))
    return TeamFolder(SimpleNamespace(people=frame), config, window)


def team(name: str, engineers: int, **others: int) -> list[tuple[str, str]]:
    return [(name, "engineer")] * engineers + [(name, role) for role, n in others.items() for _ in range(n)]


def test_describe_says_what_other_holds_without_per_team_counts():
    f = folder(team("alpha", 8) + team("beta", 6) + team("gamma", 3))
    assert f.describe() == {"min_group_size": 5, "other": {"teams": ["beta", "gamma"], "engineers": 9}}
    assert folder(team("alpha", 5) + team("beta", 5)).describe() == {"min_group_size": 5, "other": None}
    withheld = folder(team("alpha", 2) + team("beta", 1)).describe()
    assert withheld["other"]["teams"] == ["alpha", "beta"] and withheld["other"]["engineers"] is None
    assert "fewer than 5" in withheld["other"]["reason"]


def test_ties_go_by_name_and_a_team_without_engineers_is_pooled():
    # gamma 3 is short; alpha and beta both have 6: alpha comes first by name -> other = alpha + gamma.
    assert TeamFolder.pool({"beta": 6, "alpha": 6, "gamma": 3}, 5) == {"alpha", "gamma"}
    # A team of 3 designers (0 engineers) holds seats and may author PRs: it is a group to pool, and
    # with 0 engineers it needs the smallest named team (web, 6) -> other = design + web = 6 engineers.
    f = folder(team("design", 0, designer=3) + team("web", 6) + team("api", 9))
    assert f.describe()["other"] == {"teams": ["design", "web"], "engineers": 6}
    assert f.fold("api") == "api" and f.fold("web") == "other" and f.fold("unassigned") == "other"
    # Nothing small, nothing pooled: the groups stay as they are.
    assert TeamFolder.pool({"a": 5, "b": 7}, 5) == frozenset()


# --- AI users by tool --------------------------------------------------------------------


def test_small_tools_are_pooled_until_other_reaches_the_minimum(make_inputs):
    # 12 engineers e0..e11. copilot e0..e5 (6), cursor e6..e10 (5), claude e0 + e11 (2), windsurf e11 (1).
    # claude + windsurf = {e0, e11}: 2 distinct users < 5, so cursor (the smallest shown, 5) joins:
    # other = {e6..e10, e0, e11} = 7 users in 3 groups. Before, 'other' had no count but
    # active (12) - copilot (6) - cursor (5) gave the 1 user of the pooled tools alone (e11).
    users = [(f"e{i}", "copilot") for i in range(6)] + [(f"e{i}", "cursor") for i in range(6, 11)] + \
            [("e0", "claude-code"), ("e11", "claude-code"), ("e11", "windsurf")]
    usage = [dict(date="2026-03-03", person=p, tool=t, interactions=1) for p, t in users]
    doc = compute_report("weekly", make_inputs(people=people(e=12), ai_usage=usage), period_id="2026-W10",
                         today=TODAY)
    assert doc["metrics"]["active_ai_users"]["value"] == 12
    assert doc["breakdowns"]["ai_users_by_tool"] == [{"name": "copilot", "users": 6},
                                                     {"name": "other", "users": 7, "groups": 3}]


def test_all_tools_together_under_the_minimum_are_withheld(make_inputs):
    usage = [dict(date="2026-03-03", person=p, tool=t, interactions=1)
             for p, t in [("e0", "copilot"), ("e1", "copilot"), ("e2", "cursor")]]
    doc = compute_report("weekly", make_inputs(people=people(e=6), ai_usage=usage), period_id="2026-W10",
                         today=TODAY)
    [other] = doc["breakdowns"]["ai_users_by_tool"]
    assert other["name"] == "other" and other["users"] is None and other["groups"] == 2
    assert "fewer than 5 users" in other["reason"]
