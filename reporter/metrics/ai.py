"""Which pull requests are AI-assisted, and by which rule (kept for the data-quality appendix)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..config import AIDetection
from ..frames import is_in, map_values, to_arrow

# Order matters only for the reported source: the first rule that matches is named.
SOURCES = ("column", "label", "trailer", "bot_author")


def trailer_pattern(rules: AIDetection) -> re.Pattern | None:
    if not rules.trailers:
        return None
    return re.compile("|".join(f"(?:{p})" for p in rules.trailers), re.IGNORECASE | re.MULTILINE)


def prs_with_ai_trailers(commits: pd.DataFrame, rules: AIDetection) -> np.ndarray:
    """Ids of the PRs with at least one commit carrying an AI trailer."""
    pattern = trailer_pattern(rules)
    if pattern is None or commits.empty:
        return np.array([], dtype=object)
    rows = commits[(commits["pr_id"].notna() & commits["message"].notna()).to_numpy(dtype=bool)]
    if all("-by:" in p.lower() for p in rules.trailers):
        # Cheap vectorised pre-filter when every rule is a "...-by:" trailer line.
        import pyarrow.compute as pc

        maybe = pc.match_substring(to_arrow(rows["message"]), "-by:", ignore_case=True)
        rows = rows[maybe.to_numpy(zero_copy_only=False).astype(bool)]
    if rows.empty:
        return np.array([], dtype=object)
    hits = _search(rows["message"], pattern)
    return pd.unique(rows["pr_id"].to_numpy(dtype=object)[hits])


def _search(messages: pd.Series, pattern: re.Pattern) -> np.ndarray:
    """Vectorised in Arrow's RE2 when the rules are RE2-compatible, else Python's re."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arrow = to_arrow(messages)
        found = pc.match_substring_regex(arrow, "(?im)" + pattern.pattern)
        return pc.fill_null(found, False).to_numpy(zero_copy_only=False).astype(bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return messages.astype(object).map(lambda m: pattern.search(m) is not None).to_numpy(dtype=bool)


def detect(prs: pd.DataFrame, commits: pd.DataFrame, rules: AIDetection) -> pd.Series:
    """Return the AI source per PR ('column', 'label', 'trailer', 'bot_author' or None).

    An explicit ``ai_assisted`` value wins both ways: a PR marked false stays non-AI even
    if a rule would match, because the column is the organisation's own statement.
    """
    n = len(prs)
    source = np.full(n, None, dtype=object)
    decided = np.zeros(n, dtype=bool)
    if rules.use_column and "ai_assisted" in prs:
        col = prs["ai_assisted"]
        known = col.notna().to_numpy()
        yes = col.fillna(False).to_numpy(dtype=bool)
        source[known & yes] = "column"
        decided |= known
    if rules.labels:
        wanted = "|".join(re.escape(label.lower()) for label in rules.labels)
        import pyarrow.compute as pc

        found = pc.match_substring_regex(to_arrow(prs["labels"]), rf"(?i)(?:^|;)\s*(?:{wanted})\s*(?:;|$)")
        hit = pc.fill_null(found, False).to_numpy(zero_copy_only=False).astype(bool)
        _mark(source, decided, hit, "label")
    trailer_prs = prs_with_ai_trailers(commits, rules)
    if len(trailer_prs):
        hit = is_in(prs["id"], trailer_prs)
        _mark(source, decided, hit, "trailer")
    if rules.bot_authors:
        bot = re.compile("|".join(f"(?:{p})" for p in rules.bot_authors), re.IGNORECASE)
        hit = map_values(prs["author"], lambda a: bot.fullmatch(str(a)) is not None)
        _mark(source, decided, hit.astype(bool), "bot_author")
    return pd.Series(source, index=prs.index, dtype=object)


def _mark(source: np.ndarray, decided: np.ndarray, hit: np.ndarray, name: str) -> None:
    take = hit & ~decided
    source[take] = name
    decided |= take
