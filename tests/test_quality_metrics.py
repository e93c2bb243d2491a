"""doc["quality"]: the guardrail metrics on a tiny hand-made dataset (values worked out by hand
below), N/A with a reason when code_quality is absent, and the comparison's false-call rate by
simulation."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reporter.build import compute_report
from reporter.metrics.quality import ratio, ratio_difference

ROOT = Path(__file__).resolve().parent.parent
T_975_DF2 = 4.302652729911275  # Student t, 97.5% quantile, 2 degrees of freedom (tables)

PEOPLE = [{"person": f"core{i}", "team": "core", "role": "engineer", "email": f"core{i}@x.example"} for i in range(8)] \
    + [{"person": f"edge{i}", "team": "edge", "role": "engineer", "email": f"edge{i}@x.example"} for i in range(5)]

# Period 2026-W10 (Mon 2 March - Sun 8 March 2026). (id, author, merged, ai, complexity, added, removed, over, dup)
CURRENT = [
    ("r#1", "core0", "2026-03-02T10:00:00Z", True, 6, 100, 50, 1, 10),
    ("r#2", "core1", "2026-03-03T10:00:00Z", True, 2, 40, 10, 0, 0),
    ("r#3", "core2", "2026-03-04T10:00:00Z", True, -1, 5, 5, 0, 0),
    ("r#4", "core3", "2026-03-05T10:00:00Z", False, 1, 80, 20, 0, 0),
    ("r#5", "core4", "2026-03-06T10:00:00Z", False, 0, 10, 0, 0, 0),
    ("r#6", "core5", "2026-03-08T10:00:00Z", False, 3, 60, 40, 0, 0),
]
# Baseline: the four weeks before (2 Feb - 1 Mar).
BASELINE = [
    ("r#7", "core0", "2026-02-02T10:00:00Z", False, 2, 100, 0, 0, 0),
    ("r#8", "core1", "2026-02-12T10:00:00Z", True, 1, 50, 50, 0, 0),
    ("r#9", "core2", "2026-02-26T10:00:00Z", False, 0, 100, 0, 0, 0),
]


def _write(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _folder(tmp: Path, quality: bool = True, extra: list | None = None) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    _write(tmp / "people.csv", PEOPLE)
    prs = CURRENT + BASELINE
    _write(tmp / "pull_requests.csv", [
        {"id": i, "repo": "r", "author": a, "created_at": m.replace("T10", "T08"), "merged_at": m,
         "ai_assisted": "true" if ai else "false"} for i, a, m, ai, *_ in prs])
    if quality:
        rows = [{"pr_id": i, "repo": "r", "merged_at": m, "source": "git-lizard", "lines_added": add,
                 "lines_removed": rem, "complexity_added": c, "functions_over_threshold_added": over,
                 "complexity_threshold": 15, "duplicated_lines_added": dup, "security_hotspots_added": ""}
                for i, a, m, ai, c, add, rem, over, dup in prs + (extra or [])]
        _write(tmp / "code_quality.csv", rows)
    return tmp


def _quality(folder: Path) -> dict:
    return compute_report("weekly", folder, period_id="2026-W10", today=dt.date(2026, 3, 20))["quality"]


def test_values_by_hand(tmp_path: Path):
    q = _quality(_folder(tmp_path / "in"))
    assert q["available"] and q["prs"] == 6 and q["complexity_threshold"] == 15 and q["sources"] == ["git-lizard"]
    c = q["metrics"]["complexity_per_100_lines"]
    # all six: complexity 6+2-1+1+0+3 = 11 over changed lines 150+50+10+100+10+100 = 420
    assert c["value"] == round(100 * 11 / 420, 4) and c["n"] == 6
    # AI-assisted: 7 over 210; other: 4 over 210
    assert c["by_cohort"]["ai"]["value"] == round(100 * 7 / 210, 4)
    assert c["by_cohort"]["non_ai"]["value"] == round(100 * 4 / 210, 4)
    # AI interval: residuals e = y - R x with R = 7/210: 6 - 5 = 1, 2 - 5/3 = 1/3, -1 - 1/3 = -4/3;
    # se = sqrt((1 + 1/9 + 16/9) / (3 * 2)) / (210 / 3), x100; t(2) half-width
    se = 100 * math.sqrt((1 + 1 / 9 + 16 / 9) / 6) / 70
    lo, hi = 100 * 7 / 210 - T_975_DF2 * se, 100 * 7 / 210 + T_975_DF2 * se
    assert c["by_cohort"]["ai"]["interval"] == [round(lo, 4), round(hi, 4)]
    # three PRs a side, under min_sample (5): no claim
    assert c["cohort_difference"]["change"] == "insufficient_data" and c["cohort_difference"]["interval"] is None
    assert c["cohort_difference"]["value"] == round(100 * 7 / 210 - 100 * 4 / 210, 4)
    assert c["cohort_difference"]["n"] == {"ai": 3, "non_ai": 3}
    # baseline (three PRs of the four weeks before): 3 over 300 -> 1.0
    assert c["baseline"] == 1.0 and c["baseline_n"] == 3 and c["change"] == "insufficient_data"
    over = q["metrics"]["functions_over_threshold_per_100_prs"]
    assert over["value"] == round(100 * 1 / 6, 4) and over["by_cohort"]["ai"]["value"] == round(100 / 3, 4)
    assert over["by_cohort"]["non_ai"]["value"] == 0.0  # measured and none: a real 0
    dup = q["metrics"]["duplicated_lines_per_100_added"]
    assert dup["value"] == round(100 * 10 / 295, 4)  # 10 duplicated of 100+40+5+80+10+60 added
    # hotspots were not measured (empty cells): N/A with the reason, never 0
    hot = q["metrics"]["hotspots_per_100_prs"]
    assert hot["value"] is None and hot["n"] == 0
    assert "security_hotspots_added" in hot["reason"] and "sonarqube" in hot["reason"]
    # one team of 8 engineers holds every PR; its AI side has 3 authors (< 5): the split is withheld
    core = c["by_team"]["core"]
    assert core["value"] == c["value"] and core["n"] == 6
    assert core["cohort_difference"]["value"] is None and "withheld" in core["cohort_difference"]["reason"]


def test_absent_dataset_is_null_with_reason_never_zero(tmp_path: Path):
    q = _quality(_folder(tmp_path / "in", quality=False))
    assert q["available"] is False and q["reason"] == "no code_quality.* file in the inputs"
    assert q["complexity_ai_higher"] is None
    for metric in q["metrics"].values():
        assert metric["value"] is None and metric["reason"] == q["reason"] and metric["n"] == 0


def test_a_row_without_its_pull_request_counts_in_the_total_not_in_a_cohort(tmp_path: Path):
    stray = [("r#99", "nobody", "2026-03-07T10:00:00Z", None, 4, 40, 0, 0, 0)]
    q = _quality(_folder(tmp_path / "in", extra=stray))
    c = q["metrics"]["complexity_per_100_lines"]
    assert q["prs"] == 7 and q["prs_without_pull_request"] == 1
    assert c["value"] == round(100 * 15 / 460, 4) and c["n"] == 7
    assert c["by_cohort"]["ai"]["n"] + c["by_cohort"]["non_ai"]["n"] == 6


# -- the comparison holds its error rate: simulated pure-noise groups -----------------------------------


def _draw(rng: np.random.Generator, n: int, kind: str, effect: float = 1.0):
    size = np.maximum(1, np.round(rng.lognormal(np.log(110), 1.0, n)))
    added = np.round(size * rng.uniform(0.55, 0.92, n))
    removed = size - added
    if kind == "complexity":  # can be negative
        return (rng.poisson(0.03 * effect * added) - rng.poisson(0.02 * removed)).astype(float), added + removed, False
    if kind == "duplication":  # blocks of 10 lines, rare
        return np.minimum(added, 10 * rng.poisson(0.002 * effect * added)).astype(float), added, False
    return rng.poisson(0.0008 * effect * added).astype(float), np.ones(n), True  # rare events per PR


@pytest.mark.parametrize("kind", ["complexity", "duplication", "per_pr"])
def test_pure_noise_is_rarely_called_a_difference(kind):
    rng = np.random.default_rng(11)
    for n1, n0 in ((5, 300), (10, 40), (30, 300), (100, 100)):
        calls = 0
        runs = 400
        for _ in range(runs):
            y1, x1, counts = _draw(rng, n1, kind)
            y0, x0, _ = _draw(rng, n0, kind)
            d = ratio_difference(ratio(y1, x1), ratio(y0, x0), confidence=0.95, min_sample=5,
                                 min_relative_change=0.0, counts=counts)
            calls += d.change in ("up", "down")
        # nominal 5%; 400 runs put a true 5% above 8% with probability < 1%
        assert calls / runs <= 0.08, (kind, n1, n0, calls / runs)


def test_a_doubling_is_found():
    rng = np.random.default_rng(12)
    found = 0
    for _ in range(200):
        y1, x1, _ = _draw(rng, 100, "complexity", effect=2.0)
        y0, x0, _ = _draw(rng, 100, "complexity")
        d = ratio_difference(ratio(y1, x1), ratio(y0, x0), confidence=0.95, min_sample=5, min_relative_change=0.05)
        found += d.change == "up"
    assert found / 200 >= 0.8


# -- the sample's story -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def monthly():
    return compute_report("monthly", ROOT / "sample_inputs", period_id="2026-10", today=dt.date(2026, 11, 23))


def test_sample_platform_ai_prs_add_complexity(monthly):
    q = monthly["quality"]
    c = q["metrics"]["complexity_per_100_lines"]
    # recomputed independently with pandas from the two files
    cq = pd.read_csv(ROOT / "sample_inputs" / "code_quality.csv")
    merged = pd.to_datetime(cq["merged_at"], utc=True)
    month = cq[(merged >= "2026-10-01") & (merged < "2026-11-01")]
    expected = 100 * month["complexity_added"].sum() / (month["lines_added"] + month["lines_removed"]).sum()
    assert c["value"] == pytest.approx(expected, abs=1e-4) and c["n"] == len(month)
    platform = c["by_team"]["platform"]["cohort_difference"]
    assert platform["change"] == "up" and platform["interval"][0] > 0
    assert "platform" in q["complexity_ai_higher"]["teams"]
    assert monthly["quality"]["weekly_trend"]["weeks"][0] <= monthly["baseline"]["start"]


def test_the_catalogue_names_every_guardrail_metric_with_its_unit(tmp_path: Path):
    from reporter.metrics import catalogue

    q = _quality(_folder(tmp_path / "in"))
    assert set(q["definitions"]) == set(q["metrics"]) == set(catalogue.QUALITY_BY_ID)
    for key, metric in q["metrics"].items():
        entry = catalogue.get(key)
        assert metric["unit"] == entry.unit and q["definitions"][key] == entry.as_json()
        assert entry.short.lower() in entry.label.lower() and key not in catalogue.IDS
