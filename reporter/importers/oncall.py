"""What the on-call importers (PagerDuty, Opsgenie) share: severity words, service names, times.

Why shared: both tools name the same things differently (P1..P5 priorities, high/low urgency,
their own service names and ids), and the canonical ``incidents`` rows must read the same
whichever tool they came from.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from .base import parse_time

_PRIORITY = re.compile(r"^\s*(?:p|sev(?:erity)?[\s_-]?)(\d)\s*$", re.I)


def severity(priority: Any, urgency: Any = None) -> tuple[str | None, str]:
    """(canonical severity, how it was found): ``P1``..``P5`` and ``SEV-1``/``Sev1`` become ``sev1``..;
    another priority name is kept lowercased; without a priority the urgency word (``high``/``low``).

    The sample data and the README use ``sev1`` (most severe) to ``sev4``/``sev5``; urgency is not a
    severity scale, so it is kept as the tool's own word rather than guessed onto one.
    """
    name = str(priority).strip() if priority not in (None, "") else ""
    if name:
        m = _PRIORITY.match(name)
        return (f"sev{m.group(1)}", "priority") if m else (name.lower(), "other priority")
    word = str(urgency).strip().lower() if urgency not in (None, "") else ""
    return (word or None), ("urgency" if word else "none")


@dataclass
class ServiceNames:
    """A tool's service names and ids -> the services of reporter.yaml (their names and ``aliases``).

    A name the configuration does not know is kept as the tool spells it (an incident is never
    dropped for it) and counted, so the import can say which aliases to add.
    """

    config: Any
    unmapped: Counter = field(default_factory=Counter)

    def resolve(self, *candidates: Any, keep_raw: bool = True) -> str | None:
        """The configured service of the first candidate the configuration knows; else the first
        candidate as is (``keep_raw``) or None, and the candidates are counted as unmapped."""
        names = [str(c).strip() for c in candidates if c not in (None, "") and str(c).strip()]
        lookup = getattr(self.config, "service_named", None)
        for name in names:
            service = lookup(name) if lookup else None
            if service:
                return service
        if names:
            self.unmapped[" / ".join(dict.fromkeys(names))] += 1
        return names[0] if names and keep_raw else None

    def note(self, tool: str, kept: str) -> str | None:
        if not self.unmapped:
            return None
        shown = sorted(self.unmapped, key=lambda n: (-self.unmapped[n], n))
        n = sum(self.unmapped.values())
        return (f"{plural(n, 'incident')} name{'s' if n == 1 else ''} {tool} services reporter.yaml does not list "
                f"({'; '.join(shown[:5])}{'; ...' if len(shown) > 5 else ''}): {kept}; add the names or ids as "
                "`aliases` of a service under `services:` to give them a service and a team")


def time_in(value: Any, zone: ZoneInfo | None = None) -> dt.datetime | None:
    """An export's timestamp as aware UTC; a time without offset is read in ``zone`` (UTC if None)."""
    if isinstance(value, str) and zone is not None and value.strip():
        text = value.strip()
        try:
            naive = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
        except ValueError:
            naive = None
        if naive is not None and naive.tzinfo is None:
            return naive.replace(tzinfo=zone).astimezone(dt.timezone.utc)
    if isinstance(value, str) and " " in value.strip() and "T" not in value:
        value = value.strip().replace(" ", "T", 1)
    return parse_time(value)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
