"""Reading JSON text that may be hostile: the two ways it fails besides a syntax error (nesting
deeper than MAX_DEPTH, an integer of more than 4,300 digits), worded once for the loaders
(inputs/readers.py) and the importers (importers/base.py, importers/github.py).

The depth bound is ours, not Python's: 3.11 gives up near 1,000 levels (its recursion limit),
3.13 parses many thousands, so a bound left to the parser would make the same file an input
error on one machine and a structural error on another.
Light on purpose: the CLI imports the importers at start-up (numpy is imported by the check
only for texts with more than MAX_DEPTH brackets)."""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 500  # real exports nest under 10 levels; every supported Python parses 500
TOO_DEEP = f"JSON nested too deeply to read (more than {MAX_DEPTH} levels)"


class TooDeep(ValueError):
    """The text nests arrays and objects deeper than MAX_DEPTH."""


def nesting_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than ``limit``: vectorised over the positions of
    quotes, backslashes and brackets only, so a 100 MB export costs a few array passes. Valid JSON
    is counted exactly; for invalid text it may err either way, and the parser then names the
    syntax error."""
    if text.count("[") + text.count("{") <= limit:
        return False
    import numpy as np

    raw = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    quotes = np.flatnonzero(raw == 0x22)
    after = quotes[(quotes > 0) & (raw[np.maximum(quotes - 1, 0)] == 0x5C)]  # quotes right after a backslash
    if after.size:
        # such a quote is escaped when the run of backslashes before it is odd
        slashes = np.flatnonzero(raw == 0x5C)
        starts = np.concatenate(([0], np.flatnonzero(np.diff(slashes) != 1) + 1))
        run_start = np.repeat(slashes[starts], np.diff(np.concatenate((starts, [slashes.size]))))
        escaped = after[(after - run_start[np.searchsorted(slashes, after - 1)]) % 2 == 1]
        keep = np.ones(quotes.size, dtype=bool)
        keep[np.searchsorted(quotes, escaped)] = False
        quotes = quotes[keep]
    opens = np.flatnonzero((raw == 0x5B) | (raw == 0x7B))
    closes = np.flatnonzero((raw == 0x5D) | (raw == 0x7D))
    # a bracket lies inside a string when an odd number of (unescaped) quotes precede it
    opens = opens[np.searchsorted(quotes, opens) % 2 == 0]
    closes = closes[np.searchsorted(quotes, closes) % 2 == 0]
    if opens.size <= limit:
        return False
    # the depth at an opening bracket: the openings up to it less the closings before it
    depth = np.arange(1, opens.size + 1) - np.searchsorted(closes, opens)
    return bool(depth.max() > limit)


def decode(text: str) -> Any:
    """``json.loads``, refusing (TooDeep) nesting deeper than MAX_DEPTH on every Python."""
    if nesting_exceeds(text):
        raise TooDeep(f"more than {MAX_DEPTH} levels")
    return json.loads(text)


def unreadable(exc: BaseException) -> str | None:
    """Why ``json.loads`` could not read a text that is not a syntax error; None for a syntax error
    (JSONDecodeError: its caller names the line and column) or any other exception."""
    if isinstance(exc, (RecursionError, TooDeep)):
        return TOO_DEEP
    if isinstance(exc, ValueError) and not isinstance(exc, json.JSONDecodeError):
        return f"a number in the JSON is too long to read ({exc})"
    return None


def loads(text: str, where: str, error: type[Exception]) -> Any:
    """``decode``; too deep or too long fails as ``error`` naming ``where`` (JSONDecodeError passes)."""
    try:
        return decode(text)
    except (RecursionError, ValueError) as exc:
        reason = unreadable(exc)
        if reason is None:
            raise
        raise error(f"{where}: {reason}") from None
