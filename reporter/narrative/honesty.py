"""Honesty checks every narrative item must pass, enforced in code rather than left to rule authors.

A rule that produces a dishonest sentence (an untraced number, a causal claim about AI, a
direction or a comparison its condition never tested, money in a weekly report, per-person usage,
money without its disclaimer) fails the build with a RuleError naming the rule, instead of shipping
the sentence. The checks that need only the rule (a decision without a noise test, comparative words
without one) run when the rule is loaded, so a user's rule folder fails before any report is built.
Wording checks read the rule's own words: strings bound from the document (team names, release
titles and summaries) are masked first, since they are data the report quotes, not claims.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import jinja2
from jinja2 import nodes

from reporter import cadences
from reporter.views.fmt import DISCLAIMER

from . import phrasing
from .conditions import CHANGES
from .rules import Rule, RuleError

CURRENCY_CODES = ("USD|EUR|GBP|JPY|CHF|CAD|AUD|NZD|SEK|NOK|DKK|PLN|CZK|HUF|INR|CNY|HKD|SGD|KRW|BRL|MXN|ZAR|"
                  "ILS|AED|TRY")
_NUM = r"\d[\d,]*(?:\.\d+)?(?:\s?[KMBkmb]n?\b)?"
MONEY = re.compile(rf"(?:[$€£¥]\s?{_NUM}|\b(?:{CURRENCY_CODES})\s?{_NUM}|{_NUM}\s?(?:{CURRENCY_CODES})\b"
                   rf"|{_NUM}\s+(?:dollars|euros|pounds)\b)")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Period ids and dates are labels, not measurements.
EXEMPT = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{4}-W\d{1,2}\b|\b\d{4}-Q[1-4]\b|\b\d{4}-\d{2}\b|\b(?:19|20)\d{2}\b")

_AI = (r"(?:AI|A\.I\.|artificial intelligence|gen(?:erative)?[- ]?AI|copilot|claude(?: code)?|cursor|codex|"
       r"chatgpt|gemini|LLMs?|coding (?:assistants?|agents?))(?:[- ](?:tools?|assistance|assistants?|adoption|"
       r"usage|use|agents?|coding))*")
CAUSAL = [re.compile(p, re.IGNORECASE) for p in (
    (rf"\b(?:because of|thanks to|due to|owing to|caused by|driven by|attributable to|as a result of|"
     rf"resulting from|powered by)\s+(?:(?:the|our|its|their|more|wider|use of|using)\s+)*{_AI}\b"),
    (rf"\b{_AI}\s+(?:(?:has|have|had|is|was|directly|clearly|alone)\s+)*(?:caused|causes|cause|made|makes|make|"
     rf"drove|drives|driven|improved|improves|boosted|boosts|accelerated|accelerates|sped up|speeds up|saved|"
     rf"saves|cut|cuts|reduced|reduces|produced|produces)\b"),
    r"\b(?:led|leads|lead|leading) to\b",
    r"\bresult(?:ed|s|ing)? in\b",
    r"\bAI[- ]driven\b",
    rf"\b(?:impact|effect)s? of {_AI}\b",
    rf"\b{_AI}(?:'s)? (?:impact|effect)s?\b",
)]
DIRECTION = re.compile(
    r"\b(?:rose|risen|rises?|rising|fell|fallen|falls?|falling|increas(?:e|ed|es|ing)|decreas(?:e|ed|es|ing)|"
    r"improv(?:e|ed|es|ing|ement)|worsen(?:ed|s|ing)?|grew|grown|dropped|declined|climbed|jumped|doubled|halved)\b"
    # up / down as a change ("up 11%", "down from", "went up"), not as a particle ("keeps up").
    r"|(?<![\w-])(?:up|down)(?![\w-])(?=\s+(?:by|from|to|on|against|versus|vs)\b|\s*[+\u2212-]?\d)"
    r"|\b(?:is|are|was|were|went|go|goes|gone|moved|trended|trending|came|comes)\s+(?:up|down)(?![\w-])",
    re.IGNORECASE)
# Words that set two figures side by side or rank them: the claim needs a test of the difference.
COMPARISON = re.compile(
    r"\b(?:vs|versus|against|than|compared|relative to|differences?|differs?|faster|slower|quicker|longer|shorter|"
    r"higher|lower|larger|smaller|bigger|greater|fewer|more|less|worse|better|outperform\w*|underperform\w*|"
    r"exceed\w*|above|below|twice|gains?|gained|concentrat\w*)\b",
    re.IGNORECASE)
TEST_HINT = ("{metric: NAME, scope: team, differs: higher}, {metric: NAME, cohort: ai, differs: lower}, "
             "{breakdown: PATH, differs: higher} or {metric: NAME, change: up}")
PER_PERSON = re.compile(r"\bper[- ](?:person|people|engineer|developer|dev|user|head|capita|individual|employee|"
                        r"member)\b|\b(?:engineer|developer|person|user|individual)'s\b", re.IGNORECASE)
USAGE = re.compile(r"\b(?:tokens?|usage)\b", re.IGNORECASE)


def _occurrences(text: str, needle: str) -> Iterable[tuple[int, int]]:
    """Where `needle` occurs in `text` as a whole figure ('1' does not match inside '12')."""
    pattern = re.compile(rf"(?<![\d.,]){re.escape(needle)}(?!\d|[.,]\d)", re.IGNORECASE)  # 'Payments' = 'payments'
    return (match.span() for match in pattern.finditer(text))


def mask(text: str, strings: Iterable[str]) -> str:
    """The text with every occurrence of the bound strings blanked (same length, so positions hold)."""
    for value in sorted((s for s in strings if s), key=len, reverse=True):
        for start, end in list(_occurrences(text, value)):
            text = text[:start] + " " * (end - start) + text[end:]
    return text


def check_numbers(rule: Rule, text: str, evidence: Sequence[dict], strings: Iterable[str]) -> None:
    """1. Every number is (part of) a figure formatted from the document, a bound string, or a date/period id.

    A constant written in the rule and passed through a filter ({{ 400 | count }}) has no path: it is
    not evidence, so it does not cover its number.
    """
    covered = [span for entry in evidence if entry.get("path") for span in _occurrences(text, str(entry["shown"]))]
    covered += [span for value in strings if value for span in _occurrences(text, value)]
    covered += [match.span() for match in EXEMPT.finditer(text)]
    for match in NUMBER.finditer(text):
        start, end = match.span()
        if not any(lo <= start and end <= hi for lo, hi in covered):
            raise RuleError(
                f"{rule.where}: the number {match.group()!r} in {text!r} does not come from the document; "
                f"print numbers through a formatting filter (hours, percent, points, pct_change, count, tokens, "
                f"money) so they carry evidence, and write constants in words")


def check_causal(rule: Rule, masked: str, causal_support: bool) -> None:
    """2. No causal wording about AI unless the report has a causal method behind it."""
    if causal_support:
        return
    for pattern in CAUSAL:
        found = pattern.search(masked)
        if found:
            raise RuleError(
                f"{rule.where}: causal wording {found.group()!r} in {masked.strip()!r}; the numbers show "
                f"correlation, not cause: say 'alongside', 'while' or 'correlated with' instead")


def check_direction(rule: Rule, masked: str) -> None:
    """3. Words of direction need a condition that requires some metric's change to be up or down."""
    found = DIRECTION.search(masked)
    if found and not rule.tests_direction:
        raise RuleError(
            f"{rule.where}: the text says {found.group().strip()!r} but the condition tests no metric's change "
            f"as up or down, so it could describe a move within noise; add a leaf such as "
            f"{{metric: NAME, change: up}} or reword without a direction")


def check_comparison(rule: Rule, masked: str) -> None:
    """3b. Comparative words (vs, than, higher, faster...) need a condition that requires a noise test."""
    found = COMPARISON.search(masked)
    if found and not rule.tests_difference:
        raise RuleError(
            f"{rule.where}: the text compares figures ({found.group()!r}) but the condition requires no test "
            f"of the difference, so it could rank two figures within noise; add a leaf such as {TEST_HINT} "
            f"(not under not), or reword without the comparison")


def _literal_words(text: str) -> str:
    """The rule's own words: the literal text and string constants of its template, not the data it prints."""
    try:
        tree = phrasing.ENV.parse(text)
    except jinja2.TemplateSyntaxError:  # pragma: no cover - compile_text rejected it already
        return text
    pieces = [node.data for node in tree.find_all(nodes.TemplateData)]
    pieces += [node.value for node in tree.find_all(nodes.Const) if isinstance(node.value, str)]
    return " ; ".join(pieces)  # ';' keeps words of different pieces from reading as one phrase


def check_rule(rule: Rule) -> None:
    """Checks at load time: a decision rests on a noise test; the rule's own direction or comparative
    words need the matching test in its condition (thresholds alone can fire on noise)."""
    if rule.kind == "decision" and not rule.tests_difference:
        raise RuleError(
            f"{rule.where}: a decision must rest on a noise test, not on thresholds alone: its condition "
            f"needs a leaf such as {TEST_HINT}, not under not")
    words = _literal_words(rule.text)
    check_direction(rule, words)
    check_comparison(rule, words)


def check_weekly_money(rule: Rule, masked: str, cadence: str) -> None:
    """4. The weekly report never prints money."""
    if cadences.get(cadence).money:
        return
    found = MONEY.search(masked)
    if found:
        raise RuleError(f"{rule.where}: money {found.group()!r} in a weekly text; weekly is not ROI, "
                        f"money appears monthly and quarterly only")


def check_per_person(rule: Rule, masked: str) -> None:
    """5. No per-person usage or token figures: the report scores teams, never individuals."""
    person, usage = PER_PERSON.search(masked), USAGE.search(masked)
    if person and usage:
        raise RuleError(f"{rule.where}: {person.group()!r} with {usage.group()!r} describes individual AI usage; "
                        f"report usage by team or for the organisation")


def check_money_disclaimer(rule: Rule, masked: str) -> None:
    """6. A money figure is followed, in the same item, by 'correlated, not caused'."""
    figures = list(MONEY.finditer(masked))
    if figures and DISCLAIMER not in masked[figures[-1].end():].lower():
        raise RuleError(f"{rule.where}: money {figures[-1].group()!r} is not followed by "
                        f"'{DISCLAIMER}'; print amounts with the money filter, which adds it")


def add_disclaimer(text: str, money: Sequence[str]) -> str:
    """Append ' (correlated, not caused)' after the last money figure printed by the money filter."""
    ends = [end for shown in money for _, end in _occurrences(text, shown)]
    if not ends or DISCLAIMER in text[max(ends):].lower():
        return text
    end = max(ends)
    return f"{text[:end]} ({DISCLAIMER}){text[end:]}"


def check_item(rule: Rule, text: str, evidence: Sequence[dict], strings: Sequence[str], *, cadence: str,
               causal_support: bool) -> None:
    """Run every check on one produced sentence; raise RuleError at the first failure."""
    strings = [" ".join(value.split()) for value in strings]  # as whitespace was collapsed in the text
    check_numbers(rule, text, evidence, strings)
    # A change value read in an {% if %} ("up") is not a quotation: it must not hide the rule's own words.
    masked = mask(text, [value for value in strings if value not in CHANGES])
    check_causal(rule, masked, causal_support)
    check_direction(rule, masked)
    check_comparison(rule, masked)
    check_weekly_money(rule, masked, cadence)
    check_per_person(rule, masked)
    check_money_disclaimer(rule, masked)
