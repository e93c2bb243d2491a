"""Reading JSON text that may be hostile: the two ways Python's parser fails besides a syntax error
(nesting deeper than its recursion limit, an integer of more than 4,300 digits), worded once for
the loaders (inputs/readers.py) and the importers (importers/base.py, importers/github.py).
Light on purpose: the CLI imports the importers at start-up."""

from __future__ import annotations

import json
from typing import Any


def unreadable(exc: BaseException) -> str | None:
    """Why ``json.loads`` could not read a text that is not a syntax error; None for a syntax error
    (JSONDecodeError: its caller names the line and column) or any other exception."""
    if isinstance(exc, RecursionError):
        return "JSON nested too deeply to read (more than about 1,000 levels)"
    if isinstance(exc, ValueError) and not isinstance(exc, json.JSONDecodeError):
        return f"a number in the JSON is too long to read ({exc})"
    return None


def loads(text: str, where: str, error: type[Exception]) -> Any:
    """``json.loads``; too deep or too long fails as ``error`` naming ``where`` (JSONDecodeError passes)."""
    try:
        return json.loads(text)
    except (RecursionError, ValueError) as exc:
        reason = unreadable(exc)
        if reason is None:
            raise
        raise error(f"{where}: {reason}") from None
