"""The sample's code_quality: one row per merged PR, as ``reporter import git --quality`` plus a
SonarQube import would leave it.

The planted story: AI-assisted PRs of the team that owns the fragile service (platform, whose
edge-gateway ships bugs faster after its rollout; see organisation.py) add about twice the
cyclomatic complexity per changed line, and more duplicated lines, over-threshold functions and
security hotspots, than other work. Everywhere else AI-assisted and other PRs draw from the same
rates, so a report must find the difference in that team only.
"""

from __future__ import annotations

import numpy as np

from .organisation import FRAGILE_SERVICE, Org
from .writer import Table

THRESHOLD = 15
SOURCE_SHARE = (0.70, 0.95)  # share of a PR's changed lines in source files; the rest are tests
# Per changed source line: CCN added per added line, removed per removed line.
CCN_PER_ADDED, CCN_PER_REMOVED = 0.030, 0.020
STORY_FACTOR = 2.0  # the story team's AI-assisted PRs
ISSUES_PER_LINE = {"blocker": 0.0002, "critical": 0.001, "major": 0.005, "minor": 0.01, "info": 0.004}


def story_team(org: Org) -> int:
    """The owner of the fragile service (platform by default); else the first team that rolls out."""
    fragile = org.service_index(FRAGILE_SERVICE)
    if fragile >= 0:
        return int(org.service_team[fragile])
    rolled = np.flatnonzero(org.rollout >= 0)
    return int(rolled[0]) if len(rolled) else 0


def quality_table(org: Org, prs: dict[str, np.ndarray], rng: np.random.Generator) -> Table:
    """code_quality rows for the merged PRs (module doc)."""
    merged = np.flatnonzero(~np.isnan(prs["merged"]))
    n = len(merged)
    adds = prs["additions"][merged].astype(np.int64)
    dels = prs["deletions"][merged].astype(np.int64)
    share = rng.uniform(*SOURCE_SHARE, n)
    lines_added = np.round(adds * share).astype(np.int64)
    lines_removed = np.round(dels * share).astype(np.int64)
    tests = (adds - lines_added) + (dels - lines_removed)
    story = prs["ai"][merged] & (prs["team"][merged] == story_team(org))
    factor = np.where(story, STORY_FACTOR, 1.0)
    complexity = rng.poisson(CCN_PER_ADDED * lines_added * factor) - rng.poisson(CCN_PER_REMOVED * lines_removed)
    over = rng.poisson(0.0004 * lines_added * factor)
    duplicated = np.minimum(lines_added, 10 * rng.poisson(0.002 * lines_added * factor))
    hotspots = rng.poisson(0.0008 * lines_added * factor)
    issues = {f"issues_{k}": rng.poisson(rate * lines_added * np.where(story, 1.5, 1.0))
              for k, rate in ISSUES_PER_LINE.items()}
    return {
        "pr_id": prs["id"][merged],
        "repo": np.array(org.repos, dtype=object)[prs["repo"][merged]],
        "merged_at": prs["merged"][merged],
        "source": np.full(n, "git-lizard", dtype=object),
        "lines_added": lines_added,
        "lines_removed": lines_removed,
        "complexity_added": complexity.astype(np.int64),
        "functions_over_threshold_added": over.astype(np.int64),
        "complexity_threshold": np.full(n, THRESHOLD, dtype=np.int64),
        "duplicated_lines_added": duplicated.astype(np.int64),
        **{k: v.astype(np.int64) for k, v in issues.items()},
        "security_hotspots_added": hotspots.astype(np.int64),
        "test_lines_touched": tests.astype(np.int64),
    }
