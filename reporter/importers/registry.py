"""Source name -> importer. Imported lazily, so one source's dependencies never slow another."""

from __future__ import annotations

import importlib

from .base import Importer

# source: (module, function, one line for --help)
SOURCES: dict[str, tuple[str, str, str]] = {
    "github-prs": ("reporter.importers.github", "import_prs",
                   "`gh pr list --json ...` output or REST pulls (+ reviews, commits) JSON"),
    "github-deployments": ("reporter.importers.github", "import_deployments",
                           "REST deployments + statuses JSON"),
    "git": ("reporter.importers.git", "import_git", "a local git repository (commits, trailers, merged PRs)"),
    "copilot": ("reporter.importers.copilot", "import_copilot",
                "Copilot usage NDJSON, user-teams NDJSON, legacy metrics JSON, seats JSON, billing CSV"),
    "claude-code": ("reporter.importers.claude_code", "import_claude_code", "Claude Code analytics API pages"),
    "cursor": ("reporter.importers.cursor", "import_cursor", "Cursor daily usage JSON/CSV and spend JSON"),
    "devlake": ("reporter.importers.devlake", "import_devlake", "CSV exports of DevLake domain tables"),
}


def get_importer(source: str) -> Importer:
    module, function, _ = SOURCES[source]
    return getattr(importlib.import_module(module), function)
