"""AI detection: one test per default rule, each built from the exact shape the tool writes
(the comment above each case names where that shape comes from), plus the rules' reach
(indentation, case, PR bodies, agents' commits) and the period counts."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reporter.config import AI_BOT_RULES, AI_MESSAGE_RULES, AIDetection, Config
from reporter.metrics import ai

SUBJECT = "Fix rounding of invoice totals\n\nThe totals were rounded per line, not per invoice.\n\n"

# (expected rule, commit message) -- each message carries the tool's mark exactly as written.
MESSAGES = [
    # Claude Code's default commit attribution (github.com/anthropics/claude-code issues #9224, #14241).
    ("trailer:claude", SUBJECT + "🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n"
                                 "Co-Authored-By: Claude <noreply@anthropic.com>"),
    # Model-named variant (anthropics/claude-code issue #14241: "Co-Authored-By: Claude Opus 4.5 <...>").
    ("trailer:claude", SUBJECT + "Co-Authored-By: Claude Opus 4.1 <noreply@anthropic.com>"),
    ("trailer:claude", SUBJECT + "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>"),
    # claude-code-action commits as claude[bot] <ID+claude[bot]@users.noreply.github.com>
    # (github.com/anthropics/claude-code-action src/github/operations/git-config.ts, action.yml bot_name);
    # a squash merge of its PR credits it as a co-author.
    ("trailer:claude", SUBJECT + "Co-authored-by: claude[bot] <41898282+claude[bot]@users.noreply.github.com>"),
    # Only the footer (the co-author line switched off); older versions linked claude.ai/code
    # (moreal/dotfiles HOME/.claude/commands/git-commit.md quotes that footer).
    ("footer:claude-code", SUBJECT + "🤖 Generated with [Claude Code](https://claude.com/claude-code)"),
    ("footer:claude-code", SUBJECT + "🤖 Generated with [Claude Code](https://claude.ai/code)"),
    # Copilot suggestions accepted on GitHub (github/docs commit 504979b:
    # "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>").
    ("trailer:copilot", SUBJECT + "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>"),
    # A squash merge of a Copilot coding agent PR (bytedance/deer-flow history:
    # "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>").
    ("trailer:copilot", SUBJECT + "Co-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>"),
    # The coding agent's own commits (github/github-mcp-server PR 1806 patch; deer-flow history).
    ("trailer:copilot-agent", SUBJECT + "Agent-Logs-Url: https://github.com/acme/api/sessions/31474705-fbd9\n\n"
                                        "Co-authored-by: jane <4175913+jane@users.noreply.github.com>"),
    # Cursor agent (vllm-project/vllm commit fbe8a15: "Co-authored-by: Cursor <cursoragent@cursor.com>").
    ("trailer:cursor", SUBJECT + "Signed-off-by: Mikko T <m@amd.example>\nCo-authored-by: Cursor <cursoragent@cursor.com>"),
    ("trailer:cursor", SUBJECT + "Co-authored-by: Cursor Agent <cursoragent@cursor.com>"),
    # Cursor's footer (a commit-msg hook table of tool attributions lists "Made-with: Cursor").
    ("trailer:cursor", SUBJECT + "Made-with: Cursor"),
    # Codex (openai/codex PR 11617: "Co-authored-by: Codex <noreply@openai.com>").
    ("trailer:codex", SUBJECT + "Co-authored-by: Codex <noreply@openai.com>"),
    # Codex cloud ends its PR descriptions with the task link (a Codex PR body quoted in a public
    # repository: "## Summary ... ## Testing ... ---\n\nhttps://chatgpt.com/codex/tasks/task_e_6852...").
    ("footer:codex", "## Summary\n\n- parse flags before passing args\n\n## Testing\n\n- `shellcheck claudebox`\n\n"
                     "---\n\nhttps://chatgpt.com/codex/tasks/task_e_68521a6ba6148321a7881ab0d9cc070f"),
    # Aider (Aider-AI/aider aider/repo.py: f"Co-authored-by: aider ({model_name}) <aider@aider.chat>").
    ("trailer:aider", SUBJECT + "Co-authored-by: aider (anthropic/claude-sonnet-4) <aider@aider.chat>"),
    ("trailer:aider", SUBJECT + "Co-authored-by: aider (gpt-4o) <noreply@aider.chat>"),
    # Aider's --attribute-commit-message-author (aider/repo.py: "aider: " + commit_message).
    ("prefix:aider", "aider: Add retry to the webhook client\n\nRetries 3 times."),
    # Devin (its GitHub App identity devin-ai-integration[bot], id 158243242).
    ("trailer:devin", SUBJECT + "Co-Authored-By: Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>"),
    # Jules (vllm-project/vllm-omni commit: "Co-authored-by: google-labs-jules[bot] <161369871+...>").
    ("trailer:jules", SUBJECT + "Co-authored-by: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>"),
    # Gemini Code Assist suggestions (vllm-project/vllm history: "gemini-code-assist[bot] <176961590+...>").
    ("trailer:gemini", SUBJECT + "Co-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>"),
    # Amazon Q Developer (GitHub App amazon-q-developer[bot], id 208079219).
    ("trailer:amazon-q", SUBJECT + "Co-authored-by: Amazon Q Developer <208079219+amazon-q-developer[bot]@users.noreply.github.com>"),
    # Kiro and Windsurf publish no trailer; shapes seen in public repositories
    # (colehorsman/zombie_game .kiro/COMMIT_ATTRIBUTION.md; Windsurf Cascade's codeium address).
    ("trailer:kiro", SUBJECT + "Co-authored-by: Kiro AI <kiro@kiro.ai>"),
    ("trailer:windsurf", SUBJECT + "Co-authored-by: Windsurf <windsurf@codeium.com>"),
    ("trailer:windsurf", SUBJECT + "Co-Authored-By: Cascade (Windsurf) <noreply@codeium.com>"),
    # Tool-neutral trailers (Linux kernel docs/process/coding-assistants: "Assisted-by: AGENT:MODEL";
    # Apache generative tooling guidance: "Generated-by:").
    ("trailer:assisted-by", SUBJECT + "Assisted-by: Claude:claude-opus-4-1 [Claude Code]"),
    ("trailer:generated-by", SUBJECT + "Generated-by: ChatGPT 5"),
]

NOT_AI = [
    SUBJECT + "Co-authored-by: Jane Doe <jane@example.com>",
    SUBJECT + "Co-authored-by: Claude Monet <claude@monet.example>",  # a person called Claude
    SUBJECT + "Co-authored-by: Devin Lee <devin@example.com>",  # a person called Devin
    SUBJECT + "Co-authored-by: Kiro Tanaka <kiro@example.jp>",  # a person called Kiro
    SUBJECT + "Co-authored-by: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",
    SUBJECT + "We asked Claude and Copilot; see 'Co-authored-by: Claude <noreply@anthropic.com>' above.",
    "Revert \"aider: Add retry\"\n\nThis reverts commit abc.",  # the prefix counts only at the start
]


def _first(messages: list[str]) -> list[str | None]:
    patterns = list(AIDetection().trailers)
    names = ai.rule_names(patterns, AI_MESSAGE_RULES, "message")
    found = ai.first_match(pd.Series(messages, dtype=object), patterns)
    return [names[k] if k >= 0 else None for k in found]


@pytest.mark.parametrize("rule,message", MESSAGES, ids=[f"{r}-{i}" for i, (r, _) in enumerate(MESSAGES)])
def test_each_rule_matches_the_shape_its_tool_writes(rule, message):
    assert _first([message]) == [rule]


def test_every_default_rule_has_a_case():
    assert {name for name, _ in AI_MESSAGE_RULES} == {rule for rule, _ in MESSAGES}


@pytest.mark.parametrize("message", NOT_AI)
def test_people_and_prose_are_not_ai(message):
    assert _first([message]) == [None]


def test_trailers_match_indented_and_in_any_case():
    # git reads a trailer after leading whitespace (e.g. a message indented by a tool or a
    # squash body); case is never significant.
    indented = SUBJECT + "    Co-authored-by: Claude <noreply@anthropic.com>"
    tabbed = SUBJECT + "\tco-authored-by: CURSOR <cursoragent@cursor.com>"
    upper = SUBJECT + "CO-AUTHORED-BY: COPILOT <175728472+Copilot@users.noreply.github.com>"
    crlf = "Fix\r\n\r\nCo-authored-by: Claude\r\n"
    assert _first([indented, tabbed, upper, crlf]) == ["trailer:claude", "trailer:cursor", "trailer:copilot",
                                                      "trailer:claude"]


def test_first_rule_in_table_order_names_a_message():
    # Footer first in the text, trailer:claude first in the table: the table decides.
    both = SUBJECT + "🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nAssisted-by: x\n" \
                     "Co-Authored-By: Claude <noreply@anthropic.com>"
    assert _first([both]) == ["trailer:claude"]


def test_arrow_and_python_routes_agree():
    # A lookahead is not RE2: that pattern falls back to Python's re, and must give the same answers.
    messages = pd.Series([m for _, m in MESSAGES] + NOT_AI, dtype=object)
    patterns = list(AIDetection().trailers)
    python = [next((k for k, p in enumerate(patterns) if re.search(p, m, re.I | re.M)), -1) for m in messages]
    assert list(ai.first_match(messages, patterns)) == python
    lookahead = [r"^[ \t]*co-authored-by:(?=.*anthropic)"]
    assert list(ai.first_match(messages, lookahead)) == [
        0 if re.search(lookahead[0], m, re.I | re.M) else -1 for m in messages]


@pytest.mark.parametrize("author,rule", [
    ("copilot-swe-agent[bot]", "bot:copilot"),  # gh's app/copilot-swe-agent, as the github importer spells it
    ("Copilot", "bot:copilot"),  # REST's user.login of coding agent PRs
    ("claude[bot]", "bot:claude"),  # claude-code-action (action.yml bot_name default)
    ("devin-ai-integration[bot]", "bot:devin"),
    ("cursoragent@cursor.com", "bot:cursor"),  # Cursor background agent's git author (not a GitHub login)
    ("chatgpt-codex-connector[bot]", "bot:codex"),
    ("google-labs-jules[bot]", "bot:jules"),
    ("gemini-code-assist[bot]", "bot:gemini"),
    ("amazon-q-developer[bot]", "bot:amazon-q"),
    ("alice", None), ("dependabot[bot]", None), ("devin", None),
])
def test_bot_authors(author, rule):
    patterns = list(AIDetection().bot_authors)
    names = ai.rule_names(patterns, AI_BOT_RULES, "bot")
    k = ai._first_bot(pd.Series([author], dtype=object), patterns)[0]
    assert (names[k] if k >= 0 else None) == rule


def _frames(prs: list[dict], commits: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    cols = ["id", "author", "labels", "ai_assisted", "body", "merged_at"]
    p = pd.DataFrame([{c: r.get(c) for c in cols} for r in prs], columns=cols).astype(object)
    p["ai_assisted"] = pd.array(p["ai_assisted"], dtype="boolean")
    c = pd.DataFrame([{k: r.get(k) for k in ("sha", "pr_id", "author", "message")} for r in commits],
                     columns=["sha", "pr_id", "author", "message"]).astype(object)
    return p, c


def test_sources_and_rules_per_pr():
    prs, commits = _frames(
        [{"id": "r#1", "author": "ana", "labels": "ai-assisted"},
         {"id": "r#2", "author": "ana"},
         {"id": "r#3", "author": "ana", "body": "## Summary\n- x\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)"},
         {"id": "r#4", "author": "Copilot"},
         {"id": "r#5", "author": "ana"},
         {"id": "r#6", "author": "ana", "ai_assisted": False, "labels": "ai"},
         {"id": "r#7", "author": "ana", "body": "Fixes #3\n\nCo-authored-by: Jane <j@x.io>"},
         {"id": "r#8", "author": "ana", "body": "Summary\n\n------\nhttps://chatgpt.com/codex/tasks/task_e_68521a6ba6148321"}],
        [{"sha": "a", "pr_id": "r#2", "author": "ana", "message": "x\n\nAssisted-by: Gemini:2.5"},
         {"sha": "b", "pr_id": "r#2", "author": "ana", "message": "y\n\nCo-authored-by: Claude <noreply@anthropic.com>"},
         {"sha": "c", "pr_id": "r#5", "author": "claude[bot]", "message": "Apply review suggestions"},
         {"sha": "d", "pr_id": "r#6", "author": "ana", "message": "z\n\nCo-authored-by: Claude <noreply@anthropic.com>"},
         {"sha": "e", "pr_id": None, "author": "ana", "message": "w\n\nCo-authored-by: Claude <noreply@anthropic.com>"}])
    found = ai.detect_rules(prs, commits, AIDetection())
    got = dict(zip(prs["id"], zip(found["ai_source"], found["ai_rule"])))
    assert got == {
        "r#1": ("label", "label"),
        # two commits, two rules: the one first in the table (trailer:claude before assisted-by) names it
        "r#2": ("trailer", "trailer:claude"),
        "r#3": ("pr_body", "footer:claude-code"),
        "r#4": ("bot_author", "bot:copilot"),
        "r#5": ("bot_author", "bot:claude"),  # an agent's commit in a person's PR
        "r#6": (None, None),  # ai_assisted=false is the organisation's word: it wins
        "r#7": (None, None),
        "r#8": ("pr_body", "footer:codex"),
    }
    assert list(ai.detect(prs, commits, AIDetection())) == list(found["ai_source"])


def test_custom_patterns_are_named_by_their_text():
    prs, commits = _frames([{"id": "r#1", "author": "robot-7"}, {"id": "r#2", "author": "ana"}],
                           [{"sha": "a", "pr_id": "r#2", "author": "ana", "message": "x\n\nX-AI: yes"}])
    rules = AIDetection(trailers=(r"^x-ai:\s*yes",), bot_authors=(r"robot-\d+",))
    found = ai.detect_rules(prs, commits, rules)
    assert list(found["ai_rule"]) == ["bot:robot-\\d+", "message:^x-ai:\\s*yes"]


def test_counts_in_counts_only_the_selected_prs():
    prs = pd.DataFrame({
        "ai_source": np.array(["trailer", "trailer", "bot_author", None, "label", "pr_body"], dtype=object),
        "ai_rule": np.array(["trailer:claude", "trailer:cursor", "bot:copilot", None, "label", "footer:claude-code"],
                            dtype=object)})
    # By hand: rows 0, 2, 3 and 5 are in the period.
    mask = pd.Series([True, False, True, True, None, True], dtype="boolean")
    assert ai.counts_in(prs, mask) == {
        "prs": 4, "ai_prs": 3,
        "by_source": {"column": 0, "label": 0, "trailer": 1, "pr_body": 1, "bot_author": 1},
        "by_rule": {"bot:copilot": 1, "footer:claude-code": 1, "trailer:claude": 1},
    }
    assert ai.counts_in(prs, np.zeros(6, dtype=bool)) == {
        "prs": 0, "ai_prs": 0, "by_source": dict.fromkeys(ai.SOURCES, 0), "by_rule": {}}


def test_prepared_prs_carry_source_and_rule(make_inputs):
    from zoneinfo import ZoneInfo

    from reporter.inputs.load import load_inputs
    from reporter.metrics.prepare import prepare

    folder = make_inputs(
        people=[{"person": "ana", "team": "core"}],
        pull_requests=[{"id": "r#1", "repo": "r", "author": "ana", "created_at": "2026-03-02T09:00:00Z",
                        "merged_at": "2026-03-03T09:00:00Z",
                        "body": "Summary\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)"},
                       {"id": "r#2", "repo": "r", "author": "ana", "created_at": "2026-03-02T09:00:00Z",
                        "merged_at": "2026-03-10T09:00:00Z"}],
        commits=[{"sha": "a" * 40, "authored_at": "2026-03-02T08:00:00Z", "pr_id": "r#2", "author": "ana",
                  "message": "Fix\n\n   Co-authored-by: claude[bot] <41898282+claude[bot]@users.noreply.github.com>"}])
    prep = prepare(load_inputs(folder, ZoneInfo("UTC")), Config())
    assert list(prep.prs["ai_rule"]) == ["footer:claude-code", "trailer:claude"]
    week10 = (prep.prs["merged_at"] < pd.Timestamp("2026-03-09", tz="UTC")).to_numpy()
    assert ai.counts_in(prep.prs, week10)["by_rule"] == {"footer:claude-code": 1}


def _git(repo: Path, *args: str, at: str = "2026-03-02T10:00:00Z", who=("Ana", "ana@acme.io")) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME=who[0], GIT_AUTHOR_EMAIL=who[1],
               GIT_COMMITTER_NAME=who[0], GIT_COMMITTER_EMAIL=who[1], GIT_AUTHOR_DATE=at, GIT_COMMITTER_DATE=at)
    subprocess.run(["git", "-c", "commit.gpgsign=false", "-C", str(repo), *args], env=env, check=True,
                   capture_output=True)


def test_import_git_finds_what_it_used_to_miss(tmp_path):
    """The three shapes `reporter import git` missed: claude[bot] co-author, an indented trailer,
    a commit with only Claude Code's footer; and an agent's own commit."""
    from reporter.importers.base import ImportContext
    from reporter.importers.git import import_git
    from reporter.importers.people import PeopleMap

    repo = tmp_path / "shop"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    messages = [
        "Add cache (#1)\n\nCo-authored-by: claude[bot] <41898282+claude[bot]@users.noreply.github.com>",
        "Add retry (#2)\n\n  Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>",
        "Add docs (#3)\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)",
        "Plain change (#4)",
        "Tidy (#5)",
    ]
    for i, message in enumerate(messages, start=1):
        (repo / f"f{i}").write_text(str(i))
        _git(repo, "add", f"f{i}")
        who = ("claude[bot]", "41898282+claude[bot]@users.noreply.github.com") if i == 5 else ("Ana", "ana@acme.io")
        _git(repo, "commit", "-q", "-m", message, at=f"2026-03-0{i}T10:00:00Z", who=who)
    result = import_git([repo], ImportContext(PeopleMap.from_rows([{"person": "ana", "email": "ana@acme.io"}]),
                                              Config()))
    note = next(n for n in result.notes if n.startswith("AI detection"))
    assert "flag 4 of 5 PRs" in note
    assert "trailer:claude 2" in note and "footer:claude-code 1" in note and "bot:claude 1" in note
