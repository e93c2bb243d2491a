"""Source name -> importer. Imported lazily, so one source's dependencies never slow another."""

from __future__ import annotations

import importlib

from .base import Importer

# source: (module, function, one line for --help)
SOURCES: dict[str, tuple[str, str, str]] = {
    "github-prs": ("reporter.importers.github_prs", "import_prs",
                   "`gh pr list --json ...` output or REST pulls (+ reviews, commits) JSON"),
    "github-deployments": ("reporter.importers.github_deployments", "import_deployments",
                           "REST deployments + statuses JSON"),
    "git": ("reporter.importers.git_quality", "import_git_any",
            "a local git repository (commits, trailers, merged PRs; --quality: code_quality per PR)"),
    "sonarqube": ("reporter.importers.sonarqube", "import_sonarqube",
                  "SonarQube/SonarCloud Web API JSON: measures history, issues, hotspots -> code_quality"),
    "copilot": ("reporter.importers.copilot", "import_copilot",
                "Copilot usage NDJSON, user-teams NDJSON, legacy metrics JSON, seats JSON, billing CSV"),
    "claude-code": ("reporter.importers.claude_code", "import_claude_code", "Claude Code analytics API pages"),
    "cursor": ("reporter.importers.cursor", "import_cursor", "Cursor daily usage JSON/CSV and spend JSON"),
    "devlake": ("reporter.importers.devlake", "import_devlake", "CSV exports of DevLake domain tables"),
    "pagerduty": ("reporter.importers.pagerduty", "import_pagerduty",
                  "PagerDuty incidents: REST /incidents pages, Analytics raw incidents, incidents CSV"),
    "opsgenie": ("reporter.importers.opsgenie", "import_opsgenie", "Opsgenie Alert API / Incident API list JSON"),
    "jira": ("reporter.importers.jira", "import_jira", "Jira Cloud /rest/api/3/search(/jql) JSON pages -> work_items"),
    "linear": ("reporter.importers.linear", "import_linear", "Linear CSV export or GraphQL issues pages -> work_items"),
    "github-teams": ("reporter.importers.github_teams", "import_github_teams",
                     "gh api orgs/ORG/teams + each team's members JSON -> people"),
    "github-releases": ("reporter.importers.github_releases", "import_github_releases",
                        "REST repos/O/R/releases JSON -> releases"),
    "csv": ("reporter.importers.csv_mapping", "import_csv",
            "any CSV (ServiceNow, Zendesk, HR, a spreadsheet) with --dataset and --map"),
}


def get_importer(source: str) -> Importer:
    module, function, _ = SOURCES[source]
    return getattr(importlib.import_module(module), function)
