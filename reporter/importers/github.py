"""GitHub pull requests and deployments, from the JSON that ``gh`` or the REST API prints.

Why an importer and not a hand-made CSV: the native exports spread one PR over several objects
(reviews, commits), name bots differently per API and page their output; this module turns them
into ``pull_requests``, ``commits`` and ``deployments`` rows with ids that are unique across repos
(``REPO#NUMBER``, the same ids the ``git`` importer derives, so both sources merge).

Every file is sniffed from its content, never its name. A file holds JSON: an array, an object, or
several arrays back to back (``gh api --paginate`` without ``--slurp``); an array of arrays
(``--slurp``) is flattened. Records are numbered 1-based across the file, and that number is the
``line`` of every issue.

This module holds what both importers share: reading the files (``load_json_records``), GitHub
actors, times and counts. ``github_prs`` imports pull requests, ``github_deployments`` deployments.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import jsontext
from .base import ImportFormatError, _read_text, parse_time

SOURCE = "github"
_REPO_URL = re.compile(r"/repos/[^/]+/([^/?#]+)")



# ---------------------------------------------------------------------------
# Reading


def load_json_records(path: Path) -> list[Any]:
    """The file's records: one array, one object, back-to-back pages, or pages in an array.

    A file that is not JSON fails with its line and column, as ``base.load_json`` does.
    """
    name = Path(path).name
    text = _read_text(path)
    if not text.strip():
        raise ImportFormatError(f"{name}: empty file, expected JSON")
    if jsontext.nesting_exceeds(text):
        raise ImportFormatError(f"{name}: {jsontext.TOO_DEEP}")
    decoder = json.JSONDecoder()
    documents: list[Any] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos >= end:
            break
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            hint = " (the file looks truncated)" if exc.pos >= len(text.rstrip()) else ""
            raise ImportFormatError(
                f"{name}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}{hint}") from None
        except (RecursionError, ValueError) as exc:  # too deep, or an integer of more than 4,300 digits
            raise ImportFormatError(f"{name}: {jsontext.unreadable(exc) or exc}") from None
        documents.append(value)
    records: list[Any] = []
    for doc in documents:
        if isinstance(doc, list):
            if doc and all(isinstance(page, list) for page in doc):  # gh api --paginate --slurp
                for page in doc:
                    records.extend(page)
            else:
                records.extend(doc)
        elif isinstance(doc, dict):
            records.append(doc)
        else:
            raise ImportFormatError(f"{name}: expected a JSON array or object, got {type(doc).__name__}")
    return records


def classified_records(path: Path, kind: Callable[[Any], str | None], expected: str
                       ) -> tuple[str, list[Any], list[str | None]]:
    """(file name, records, each record's kind); a file none of whose records has a kind is not
    this export at all and fails, saying what ``expected`` (a lone record of another kind is an issue)."""
    name = Path(path).name
    records = load_json_records(Path(path))
    found = [kind(obj) for obj in records]
    if records and not any(found):
        raise ImportFormatError(f"{name}: not {expected}")
    return name, records, found

def _login(actor: Any) -> str | None:
    """A GitHub actor's login, with gh's ``app/NAME`` spelt as REST spells it: ``NAME[bot]``."""
    if not isinstance(actor, dict):
        return None
    login = actor.get("login")
    if not isinstance(login, str) or not login.strip():
        return None
    login = login.strip()
    if login.startswith("app/"):
        login = login[4:]
        if not login.endswith("[bot]"):
            login += "[bot]"
    return login


def _time(value: Any) -> dt.datetime | None:
    """Parsed UTC time; Go's zero time (year 1, some gh versions print it for 'never') is missing."""
    parsed = parse_time(value)
    if parsed is not None and parsed.year <= 1:
        return None
    return parsed


def _count(value: Any, what: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdecimal():
        raise ValueError(f"{what} is not a non-negative whole number: {value!r}")
    return int(value)
