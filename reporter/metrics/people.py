"""People: who is an engineer when, and which login, email or alias is which person."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..frames import map_values

ENGINEER = "engineer"


def identity_map(people: pd.DataFrame) -> tuple[dict[str, str], list[str]]:
    """Lower-cased person, email and aliases -> person. A name claimed twice is reported."""
    mapping: dict[str, str] = {}
    conflicts: list[str] = []
    for person, email, aliases in zip(people["person"], people["email"], people["aliases"]):
        names = [person]
        if isinstance(email, str):
            names.append(email)
        if isinstance(aliases, str):
            names.extend(a for a in aliases.split(";"))
        for name in names:
            key = name.strip().lower()
            if not key:
                continue
            owner = mapping.setdefault(key, person)
            if owner != person:
                conflicts.append(f"identity {name!r} belongs to both {owner!r} and {person!r}; kept {owner!r}")
    return mapping, conflicts


def resolve(identities: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """Map logins/emails to people; unknown identities become missing (and are counted)."""
    keys = identities.astype("string").str.strip().str.lower()
    return pd.Series(map_values(keys, mapping), index=identities.index, dtype=object)


def is_engineer(people: pd.DataFrame) -> np.ndarray:
    role = people["role"].astype("string").str.strip().str.lower()
    return role.isna().to_numpy() | (role == ENGINEER).fillna(False).to_numpy(dtype=bool)


def employed_during(people: pd.DataFrame, first_day: dt.date, end_day: dt.date) -> np.ndarray:
    """Employed at any time in [first_day, end_day): started before the end, left on/after the start."""
    start = people["start_date"]
    end = people["end_date"]
    first = pd.Timestamp(first_day)
    stop = pd.Timestamp(end_day)
    started = (start.isna() | (start < stop)).to_numpy(dtype=bool)
    not_left = (end.isna() | (end >= first)).to_numpy(dtype=bool)
    return started & not_left


def unmatched_summary(identities: pd.Series, resolved: pd.Series, what: str, limit: int = 5) -> str | None:
    missing = identities[resolved.isna() & identities.notna()]
    if missing.empty:
        return None
    counts = missing.astype(str).value_counts().sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    examples = ", ".join(counts.index[:limit])
    return (f"{counts.sum()} {what} rows name {len(counts)} identit{'y' if len(counts) == 1 else 'ies'} "
            f"not found in people (person, email or aliases), e.g. {examples}")
