"""Which pull requests are AI-assisted, and by which rule (kept for the data-quality appendix)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..config import AI_BOT_RULES, AI_MESSAGE_RULES, AIDetection
from ..frames import positions, to_arrow

# Where a PR's AI evidence was found. Order matters only for the reported source: an explicit
# column decides first, then labels, commit messages, the PR body, then AI-agent authors.
SOURCES = ("column", "label", "trailer", "pr_body", "bot_author")
_NO_RULE = np.iinfo(np.int64).max


def rule_names(patterns: Sequence[str], table: Sequence[tuple[str, str]], kind: str) -> list[str]:
    """A name per pattern: the default table's (``trailer:claude``), else ``KIND:PATTERN`` itself."""
    known: dict[str, str] = {}
    for name, pattern in table:
        known.setdefault(pattern, name)
    return [known.get(p, f"{kind}:{p}") for p in patterns]


def trailer_pattern(rules: AIDetection) -> re.Pattern | None:
    """All message rules as one pattern (Python's re), for callers that only ask "any match?"."""
    if not rules.trailers:
        return None
    return re.compile("|".join(f"(?:{p})" for p in rules.trailers), re.IGNORECASE | re.MULTILINE)


def first_match(texts: pd.Series, patterns: Sequence[str]) -> np.ndarray:
    """Per text, the index of the first pattern (in list order) it matches, -1 for none.

    Case-insensitive, ``^``/``$`` at line breaks. One pass of all patterns together over every
    text (Arrow's RE2, linear time), then one pass per pattern over the few texts that matched.
    """
    out = np.full(len(texts), -1, dtype=np.int64)
    if not len(texts) or not patterns:
        return out
    import pyarrow as pa

    arrow = to_arrow(texts)
    rows = np.flatnonzero(_matches(arrow, "|".join(f"(?:{p})" for p in patterns)))
    for k, pattern in enumerate(patterns):
        if not rows.size:
            break
        hit = _matches(arrow.take(pa.array(rows)), pattern)
        out[rows[hit]] = k
        rows = rows[~hit]
    return out


def _matches(arrow, pattern: str) -> np.ndarray:
    """Boolean per text; RE2 when the pattern is RE2-compatible, else Python's re (e.g. lookarounds)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        found = pc.match_substring_regex(arrow, "(?im)" + pattern)
        return pc.fill_null(found, False).to_numpy(zero_copy_only=False).astype(bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        compiled = re.compile(pattern, re.IGNORECASE | re.MULTILINE)
        return np.array([v is not None and compiled.search(v) is not None for v in arrow.to_pylist()], dtype=bool)


def _first_bot(identities: pd.Series, patterns: Sequence[str]) -> np.ndarray:
    """Per identity, the index of the first bot pattern it fully matches, -1 for none (per distinct value)."""
    out = np.full(len(identities), -1, dtype=np.int64)
    if not len(identities) or not patterns:
        return out
    compiled = [re.compile(p, re.IGNORECASE) for p in patterns]
    codes, uniques = pd.factorize(identities, use_na_sentinel=True)
    table = np.array([next((k for k, c in enumerate(compiled) if c.fullmatch(str(u).strip())), -1)
                      for u in uniques] + [-1], dtype=np.int64)
    return table[codes]


def _per_pr(n: int, pr_at: np.ndarray, index: np.ndarray) -> np.ndarray:
    """The smallest rule index among each PR's commits (``_NO_RULE`` for none).

    ``pr_at`` is each commit's PR position (-1: a PR not in the frame), ``index`` its rule index.
    """
    out = np.full(n, _NO_RULE, dtype=np.int64)
    hit = (index >= 0) & (pr_at >= 0)
    np.minimum.at(out, pr_at[hit], index[hit])
    return out


def detect_rules(prs: pd.DataFrame, commits: pd.DataFrame, rules: AIDetection) -> pd.DataFrame:
    """``ai_source`` (one of SOURCES or None) and ``ai_rule`` (``trailer:claude``, ``bot:devin``...) per PR.

    An explicit ``ai_assisted`` value wins both ways: a PR marked false stays non-AI even
    if a rule would match, because the column is the organisation's own statement. Otherwise the
    first source in SOURCES order names the PR, and within it the first rule in table order.
    """
    n = len(prs)
    source = np.full(n, None, dtype=object)
    rule = np.full(n, None, dtype=object)
    decided = np.zeros(n, dtype=bool)

    def mark(hit: np.ndarray, name: str, names: np.ndarray | str) -> None:
        take = hit & ~decided
        source[take] = name
        rule[take] = names[take] if isinstance(names, np.ndarray) else names
        decided[take] = True

    if rules.use_column and "ai_assisted" in prs:
        col = prs["ai_assisted"]
        known = col.notna().to_numpy()
        mark(known & col.fillna(False).to_numpy(dtype=bool), "column", "column")
        decided |= known
    if rules.labels and n:
        import pyarrow.compute as pc

        wanted = "|".join(re.escape(label.lower()) for label in rules.labels)
        found = pc.match_substring_regex(to_arrow(prs["labels"]), rf"(?i)(?:^|;)\s*(?:{wanted})\s*(?:;|$)")
        mark(pc.fill_null(found, False).to_numpy(zero_copy_only=False).astype(bool), "label", "label")

    messages = list(rules.trailers)
    message_names = np.array(rule_names(messages, AI_MESSAGE_RULES, "message") + [None], dtype=object)
    bots = list(rules.bot_authors)
    bot_names = np.array(rule_names(bots, AI_BOT_RULES, "bot") + [None], dtype=object)
    in_pr = commits[commits["pr_id"].notna().to_numpy(dtype=bool)] if len(commits) else commits
    pr_at = positions(in_pr["pr_id"], prs["id"]) if len(in_pr) and n else np.zeros(0, dtype=np.int64)
    if messages and len(in_pr) and n:  # commits but no PR (an empty pull_requests file): nothing to mark
        best = _per_pr(n, pr_at, first_match(in_pr["message"], messages))
        mark(best != _NO_RULE, "trailer", message_names[np.minimum(best, len(messages))])
    if messages and "body" in prs and n:
        k = first_match(prs["body"], messages)
        mark(k >= 0, "pr_body", message_names[k])
    if bots and n:
        k = _first_bot(prs["author"], bots)
        best = np.where(k >= 0, k, _NO_RULE)
        if len(in_pr):  # an AI agent's commit in a person's PR (claude[bot], copilot-swe-agent[bot]...)
            best = np.minimum(best, _per_pr(n, pr_at, _first_bot(in_pr["author"], bots)))
        mark(best != _NO_RULE, "bot_author", bot_names[np.minimum(best, len(bots))])
    return pd.DataFrame({"ai_source": source, "ai_rule": rule}, index=prs.index, dtype=object)


def detect(prs: pd.DataFrame, commits: pd.DataFrame, rules: AIDetection) -> pd.Series:
    """The AI source per PR (one of SOURCES, or None): ``detect_rules`` without the rule names."""
    return detect_rules(prs, commits, rules)["ai_source"]


def prs_with_ai_trailers(commits: pd.DataFrame, rules: AIDetection) -> np.ndarray:
    """Ids of the PRs with at least one commit whose message matches a message rule."""
    rows = commits[(commits["pr_id"].notna() & commits["message"].notna()).to_numpy(dtype=bool)]
    if not rules.trailers or rows.empty:
        return np.array([], dtype=object)
    hits = first_match(rows["message"], list(rules.trailers)) >= 0
    return pd.unique(rows["pr_id"].to_numpy(dtype=object)[hits])


def counts_in(prs: pd.DataFrame, mask) -> dict:
    """What the detection found among the PRs ``mask`` selects (the report period's merged PRs).

    ``prs`` is the prepared frame (``ai_source`` and ``ai_rule`` columns); ``mask`` a boolean
    array-like aligned with its rows (missing counts as not selected). Each AI PR is counted once,
    under the first source and rule that matched, so ``by_source`` and ``by_rule`` each add up
    to ``ai_prs``.
    """
    selected = pd.Series(mask, index=prs.index).fillna(False).to_numpy(dtype=bool)
    source = prs["ai_source"].to_numpy(dtype=object)[selected]
    rule = prs["ai_rule"].to_numpy(dtype=object)[selected]
    found = pd.notna(source)
    by_rule = pd.Series(rule[found], dtype=object).value_counts()
    return {
        "prs": int(selected.sum()),
        "ai_prs": int(found.sum()),
        "by_source": {name: int(np.count_nonzero(source == name)) for name in SOURCES},
        "by_rule": {str(name): int(by_rule[name]) for name in sorted(by_rule.index)},
    }
