"""One person, many names: tools know people by GitHub login, email or API key.

The roster (``people`` with ``email`` and ``aliases``) unifies them. An identity the roster does
not know is kept as it is (the row is not dropped) and counted, so the person who ran the import
sees how many and which, and can add them to the roster's aliases.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# GitHub App and bot accounts are not people: they are kept but never reported as unmatched.
_BOT = re.compile(r".*\[bot\]$|^(copilot|claude|github-actions|dependabot|renovate)$", re.I)


def is_bot(identity: str) -> bool:
    return bool(_BOT.match(identity.strip()))


@dataclass
class PeopleMap:
    """identity (person, email, alias; case-insensitive) -> canonical ``person``."""

    known: dict[str, str] = field(default_factory=dict)
    unmatched: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)  # source -> first unmatched seen

    @classmethod
    def from_rows(cls, rows: list[dict]) -> "PeopleMap":
        known: dict[str, str] = {}
        for row in rows:
            person = str(row.get("person") or "").strip()
            if not person:
                continue
            names = [person, str(row.get("email") or "")]
            aliases = row.get("aliases") or ""
            names += aliases if isinstance(aliases, list) else str(aliases).split(";")
            for name in names:
                key = name.strip().lower()
                if key:
                    known.setdefault(key, person)
        return cls(known=known)

    def resolve(self, identity: object, source: str = "") -> str | None:
        """The roster's person for ``identity``; unknown identities come back unchanged, counted."""
        if identity is None:
            return None
        text = str(identity).strip()
        if not text:
            return None
        person = self.known.get(text.lower())
        if person is not None:
            return person
        if not is_bot(text):
            if text not in self.unmatched:
                self.examples.setdefault(source or "import", []).append(text)
            self.unmatched[text] += 1
        return text

    def report(self, limit: int = 5) -> list[str]:
        """Plain sentences for the import summary: how many identities were not in the roster."""
        if not self.unmatched:
            return []
        names = sorted(self.unmatched, key=lambda n: (-self.unmatched[n], n))
        shown = ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")
        return [f"{len(names)} identit{'y' if len(names) == 1 else 'ies'} not in the people roster "
                f"({sum(self.unmatched.values())} records kept under the raw name): {shown}; "
                "add them to people.csv as email or aliases to unify them"]
