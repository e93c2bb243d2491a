"""Tests for reporter/config.py: defaults, every key, errors that name the key, hashing, AI rules."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path

import pytest

from reporter.config import (
    DEFAULT_BOT_AUTHORS,
    DEFAULT_TRAILERS,
    AIDetection,
    BaselinePeriods,
    Config,
    Privacy,
    ServiceConfig,
    Statistics,
    TeamConfig,
    load_config,
    parse_config,
)
from reporter.errors import ConfigError
from reporter.metrics.ai import trailer_pattern


def write(tmp_path: Path, text: str, name: str = "reporter.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# Defaults


def assert_all_defaults(cfg: Config) -> None:
    # Values straight from DESIGN.md (min_group_size 5, fiscal start 1, UTC) and the dataclass docs.
    assert cfg.organization == "Your organisation"
    assert cfg.currency == "USD"
    assert cfg.timezone == "UTC"
    assert cfg.fiscal_year_start_month == 1
    assert (cfg.baseline_periods.weekly, cfg.baseline_periods.monthly, cfg.baseline_periods.quarterly) == (4, 3, 1)
    assert cfg.teams == {}
    assert cfg.services == {}
    assert cfg.privacy.min_group_size == 5
    assert cfg.ai_detection.use_column is True
    assert cfg.ai_detection.labels == ("ai-assisted", "ai")
    assert cfg.statistics.confidence == 0.95


def test_no_file_means_defaults():
    assert_all_defaults(load_config(None))


def test_empty_file_means_defaults(tmp_path):
    assert_all_defaults(load_config(write(tmp_path, "")))


def test_comment_only_file_means_defaults(tmp_path):
    assert_all_defaults(load_config(write(tmp_path, "# nothing configured yet\n")))


def test_parse_none_means_defaults():
    assert_all_defaults(parse_config(None))


def test_missing_file_is_a_config_error(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="nope.yaml"):
        load_config(missing)


# ---------------------------------------------------------------------------
# Every key


FULL = """
organization: Acme Corp
currency: eur
timezone: Europe/Berlin
fiscal_year_start_month: 7
baseline_periods:
  weekly: 6
  monthly: 2
  quarterly: 3
teams:
  payments:
    ai_rollout: 2026-03-02
  search:
    ai_rollout: "2026-04-15"
  platform: {}
  growth:
services:
  checkout:
    team: payments
    repos: [checkout-web, checkout-api]
  search-svc:
    team: search
    repos: search-indexer
privacy:
  min_group_size: 8
statistics:
  bootstrap_resamples: 2000
  confidence: 0.9
  min_sample: 10
  min_relative_change: 0.1
  seed: 42
ai_detection:
  use_column: false
  labels: [copilot, claude-code]
  trailers: ['^x-ai:\\s*yes']
  bot_authors: ['robot-\\d+']
"""


def test_every_key_parsed(tmp_path):
    cfg = load_config(write(tmp_path, FULL))
    assert cfg.organization == "Acme Corp"
    assert cfg.currency == "EUR"  # "eur" upper-cased
    assert cfg.timezone == "Europe/Berlin"
    assert cfg.tz.key == "Europe/Berlin"
    assert cfg.fiscal_year_start_month == 7
    assert cfg.baseline_periods == BaselinePeriods(weekly=6, monthly=2, quarterly=3)
    assert cfg.baseline_periods.for_cadence("weekly") == 6
    assert cfg.baseline_periods.for_cadence("quarterly") == 3
    # YAML date and quoted string both become datetime.date; a team with no settings is kept.
    assert cfg.teams == {
        "payments": TeamConfig(ai_rollout=dt.date(2026, 3, 2)),
        "search": TeamConfig(ai_rollout=dt.date(2026, 4, 15)),
        "platform": TeamConfig(ai_rollout=None),
        "growth": TeamConfig(ai_rollout=None),
    }
    assert type(cfg.teams["search"].ai_rollout) is dt.date
    assert cfg.services["checkout"] == ServiceConfig(team="payments", repos=("checkout-web", "checkout-api"))
    # A single repo given as a string becomes a one-element tuple.
    assert cfg.services["search-svc"] == ServiceConfig(team="search", repos=("search-indexer",))
    assert cfg.privacy == Privacy(min_group_size=8)
    assert cfg.statistics == Statistics(
        bootstrap_resamples=2000, confidence=0.9, min_sample=10, min_relative_change=0.1, seed=42
    )
    assert cfg.ai_detection == AIDetection(
        use_column=False, labels=("copilot", "claude-code"), trailers=(r"^x-ai:\s*yes",), bot_authors=(r"robot-\d+",)
    )


def test_partial_sections_keep_other_defaults():
    cfg = parse_config({"baseline_periods": {"weekly": 8}, "statistics": {"seed": 1}})
    assert cfg.baseline_periods == BaselinePeriods(weekly=8, monthly=3, quarterly=1)
    assert cfg.statistics.seed == 1
    assert cfg.statistics.bootstrap_resamples == 1000
    # ai_detection with only labels keeps the default trailers and bot rules.
    cfg = parse_config({"ai_detection": {"labels": ["x"]}})
    assert cfg.ai_detection.trailers == DEFAULT_TRAILERS
    assert cfg.ai_detection.bot_authors == DEFAULT_BOT_AUTHORS


def test_ai_rollout_datetime_keeps_the_date(tmp_path):
    cfg = load_config(write(tmp_path, "teams:\n  a:\n    ai_rollout: 2026-03-02T10:30:00\n"))
    assert cfg.teams["a"].ai_rollout == dt.date(2026, 3, 2)


def test_service_of_repo_mapping(tmp_path):
    cfg = load_config(write(tmp_path, FULL))
    assert cfg.service_of_repo("checkout-web") == "checkout"
    assert cfg.service_of_repo("checkout-api") == "checkout"
    assert cfg.service_of_repo("search-indexer") == "search-svc"
    # Unmapped repo deploys as the service of the same name.
    assert cfg.service_of_repo("billing") == "billing"
    assert cfg.team_of_service("checkout") == "payments"
    assert cfg.team_of_service("billing") is None
    assert Config().service_of_repo("web") == "web"


def test_repo_under_two_services_is_an_error():
    data = {"services": {"a": {"repos": ["shared", "x"]}, "b": {"repos": ["y", "shared"]}}}
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    msg = str(err.value)
    assert "services.b.repos" in msg
    assert "'shared'" in msg and "'a'" in msg


def test_repos_not_a_list_is_an_error():
    with pytest.raises(ConfigError, match=r"services\.a\.repos"):
        parse_config({"services": {"a": {"repos": {"x": 1}}}})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("usd", "USD"), ("Eur", "EUR"), ("GBP", "GBP")],
)
def test_currency_upper_cased(value, expected):
    assert parse_config({"currency": value}).currency == expected


@pytest.mark.parametrize("value", ["US", "EURO", "U$D", "123", 123, ""])
def test_currency_must_be_three_letters(value):
    with pytest.raises(ConfigError, match=r"key 'currency'"):
        parse_config({"currency": value})


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata"])
def test_valid_timezones(tz):
    assert parse_config({"timezone": tz}).timezone == tz


@pytest.mark.parametrize("tz", ["Europe/Berln", "Mars/Olympus", "", "../etc/passwd", "+02:00"])
def test_invalid_timezone_is_an_error(tz):
    with pytest.raises(ConfigError, match=r"key 'timezone'.*time zone"):
        parse_config({"timezone": tz})


@pytest.mark.parametrize("month", [1, 7, 12])
def test_fiscal_start_month_valid(month):
    assert parse_config({"fiscal_year_start_month": month}).fiscal_year_start_month == month


@pytest.mark.parametrize("month", [0, 13, -1])
def test_fiscal_start_month_out_of_range(month):
    with pytest.raises(ConfigError, match=r"key 'fiscal_year_start_month'.*1-12"):
        parse_config({"fiscal_year_start_month": month})


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"privacy": {"min_group_size": 0}}, "privacy.min_group_size"),
        ({"baseline_periods": {"weekly": 0}}, "baseline_periods.weekly"),
        ({"statistics": {"confidence": 1.0}}, "statistics.confidence"),
        ({"statistics": {"confidence": 0.3}}, "statistics.confidence"),
        ({"statistics": {"bootstrap_resamples": 10}}, "statistics.bootstrap_resamples"),
        ({"statistics": {"min_sample": 1}}, "statistics.min_sample"),
        ({"statistics": {"min_relative_change": -0.1}}, "statistics.min_relative_change"),
        ({"statistics": {"seed": -1}}, "statistics.seed"),
    ],
)
def test_out_of_range_numbers_name_the_key(data, key):
    with pytest.raises(ConfigError, match=re.escape(f"key '{key}'")):
        parse_config(data)


def test_statistics_confidence_accepts_int_like_number():
    # confidence is a float; an int 0/1 is out of range, a float in [0.5, 1) is fine.
    assert parse_config({"statistics": {"confidence": 0.5}}).statistics.confidence == 0.5
    assert parse_config({"statistics": {"min_relative_change": 0}}).statistics.min_relative_change == 0.0


# ---------------------------------------------------------------------------
# Unknown keys, wrong types, bad YAML


def test_unknown_top_level_key_suggests(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, "timezon: UTC\n"))
    msg = str(err.value)
    assert "reporter.yaml" in msg
    assert "'timezon'" in msg
    assert "did you mean 'timezone'" in msg


def test_unknown_nested_key_names_full_path_and_suggests(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, "privacy:\n  min_group_sise: 3\n"))
    msg = str(err.value)
    assert "privacy.min_group_sise" in msg
    assert "min_group_size" in msg.split("privacy.min_group_sise", 1)[1]  # the suggestion follows


@pytest.mark.parametrize(
    ("data", "path", "hint"),
    [
        ({"teams": {"core": {"ai_rolout": "2026-01-01"}}}, "teams.core.ai_rolout", "ai_rollout"),
        ({"services": {"api": {"repo": ["x"]}}}, "services.api.repo", "repos"),
        ({"statistics": {"confidance": 0.9}}, "statistics.confidance", "confidence"),
        ({"ai_detection": {"trailer": []}}, "ai_detection.trailer", "trailers"),
        ({"baseline_periods": {"weeks": 4}}, "baseline_periods.weeks", "weekly"),
    ],
)
def test_unknown_deep_keys(data, path, hint):
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    msg = str(err.value)
    assert f"'{path}'" in msg
    assert f"did you mean '{hint}'" in msg


def test_unknown_key_without_close_match_lists_allowed():
    with pytest.raises(ConfigError) as err:
        parse_config({"privacy": {"zzzzzz": 1}})
    assert "privacy.zzzzzz" in str(err.value)
    assert "min_group_size" in str(err.value)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"privacy": {"min_group_size": "5"}}, "privacy.min_group_size"),  # string for an int
        ({"privacy": {"min_group_size": True}}, "privacy.min_group_size"),  # bool for an int
        ({"privacy": {"min_group_size": 5.0}}, "privacy.min_group_size"),  # float for an int
        ({"fiscal_year_start_month": "7"}, "fiscal_year_start_month"),
        ({"fiscal_year_start_month": True}, "fiscal_year_start_month"),
        ({"baseline_periods": {"weekly": False}}, "baseline_periods.weekly"),
        ({"statistics": {"seed": "abc"}}, "statistics.seed"),
        ({"statistics": {"confidence": "high"}}, "statistics.confidence"),
        ({"statistics": {"confidence": True}}, "statistics.confidence"),
        ({"privacy": [5]}, "privacy"),  # list for a mapping
        ({"teams": ["a", "b"]}, "teams"),
        ({"teams": {"core": ["x"]}}, "teams.core"),
        ({"services": {"api": "web"}}, "services.api"),
        ({"statistics": 3}, "statistics"),
        ({"ai_detection": {"labels": "ai"}}, "ai_detection.labels"),
        ({"ai_detection": {"use_column": "yes"}}, "ai_detection.use_column"),
        ({"ai_detection": {"labels": [["nested"]]}}, "ai_detection.labels"),
        ({"organization": ["a"]}, "organization"),
        ({"timezone": True}, "timezone"),
        ({"teams": {"core": {"ai_rollout": "next week"}}}, "teams.core.ai_rollout"),
        ({"teams": {"core": {"ai_rollout": 20260302}}}, "teams.core.ai_rollout"),
    ],
)
def test_wrong_types_name_the_key(data, key):
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    assert f"key '{key}'" in str(err.value)


def test_top_level_not_a_mapping(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, "- a\n- b\n", name="odd.yaml"))
    assert "odd.yaml" in str(err.value)
    assert "mapping" in str(err.value)


def test_invalid_yaml_names_the_file(tmp_path):
    path = write(tmp_path, "privacy:\n  min_group_size: [1\n", name="my-config.yaml")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "my-config.yaml" in str(err.value)
    assert "YAML" in str(err.value)


def test_source_name_appears_in_parse_errors():
    with pytest.raises(ConfigError, match=r"^custom\.yml: "):
        parse_config({"currency": "EURO"}, source="custom.yml")


def test_impossible_unquoted_yaml_date_is_a_config_error(tmp_path):
    path = write(tmp_path, "teams:\n  core:\n    ai_rollout: 2026-13-01\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "reporter.yaml" in str(err.value)


def test_impossible_quoted_date_is_a_config_error(tmp_path):
    path = write(tmp_path, 'teams:\n  core:\n    ai_rollout: "2026-02-30"\n')
    with pytest.raises(ConfigError, match=r"teams\.core\.ai_rollout"):
        load_config(path)


# ---------------------------------------------------------------------------
# AI detection rules


@pytest.mark.parametrize("key", ["trailers", "bot_authors"])
def test_invalid_regex_names_the_key(key):
    with pytest.raises(ConfigError) as err:
        parse_config({"ai_detection": {key: ["ok", "(unclosed"]}})
    msg = str(err.value)
    assert f"ai_detection.{key}" in msg
    assert "(unclosed" in msg


def test_labels_are_not_regexes():
    # A label is compared literally, so "(" is allowed there.
    assert parse_config({"ai_detection": {"labels": ["ai("]}}).ai_detection.labels == ("ai(",)


def default_trailers() -> re.Pattern:
    pattern = trailer_pattern(AIDetection())
    assert pattern is not None
    return pattern


def own_trailers() -> re.Pattern:
    # Independent route: compile the defaults ourselves the way the brief describes.
    return re.compile("|".join(f"(?:{p})" for p in DEFAULT_TRAILERS), re.IGNORECASE | re.MULTILINE)


AI_TRAILERS = [
    "Co-authored-by: Claude <noreply@anthropic.com>",
    "Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>",
    "Co-authored-by: Claude Opus 4.1 <noreply@anthropic.com>",
    "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
    "Co-authored-by: Cursor Agent <cursoragent@cursor.com>",
    "Co-authored-by: Codex <codex@openai.com>",
    "Co-authored-by: aider (gpt-4o) <aider@aider.chat>",
    "Assisted-by: Claude",
    "Generated-by: GPT-5",
]


def in_message(trailer: str) -> str:
    return (
        "Fix rounding of invoice totals\n"
        "\n"
        "The totals were rounded per line instead of per invoice,\n"
        "which lost a cent on long invoices.\n"
        "\n"
        "Signed-off-by: Jane Doe <jane@example.com>\n"
        f"{trailer}\n"
    )


@pytest.mark.parametrize("trailer", AI_TRAILERS)
def test_default_trailers_match_ai_trailers(trailer):
    for pattern in (default_trailers(), own_trailers()):
        assert pattern.search(in_message(trailer)) is not None
        assert pattern.search(trailer) is not None


NOT_AI = [
    "Co-authored-by: Jane Doe <jane@example.com>",
    "Reviewed-by: Claude Shannon <cs@bell.example>",
]


@pytest.mark.parametrize("line", NOT_AI)
def test_default_trailers_ignore_human_trailers(line):
    for pattern in (default_trailers(), own_trailers()):
        assert pattern.search(in_message(line)) is None


def test_default_trailers_ignore_prose_mentions():
    message = (
        "Ask Claude about the Copilot and Cursor comparison, Codex too\n"
        "\n"
        "We discussed whether claude or aider should be assisted-by: nobody.\n"
        "Co-authored-by: Jane Doe <jane@example.com>\n"
    )
    for pattern in (default_trailers(), own_trailers()):
        assert pattern.search(message) is None


def test_trailer_must_start_a_line():
    # "^" with MULTILINE: a trailer quoted mid-line does not count.
    message = "Revert: see 'Co-authored-by: Claude <noreply@anthropic.com>' above\n"
    assert default_trailers().search(message) is None


def test_no_trailers_means_no_pattern():
    assert trailer_pattern(AIDetection(trailers=())) is None


def bot_rule() -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in DEFAULT_BOT_AUTHORS), re.IGNORECASE)


@pytest.mark.parametrize("author", ["copilot-swe-agent[bot]", "Copilot", "devin-ai-integration[bot]", "COPILOT"])
def test_default_bot_authors_match(author):
    assert bot_rule().fullmatch(author) is not None


@pytest.mark.parametrize("author", ["copilot-fan", "alice", "my-copilot", "devin-ai-integration"])
def test_default_bot_authors_do_not_match_people(author):
    assert bot_rule().fullmatch(author) is None


# ---------------------------------------------------------------------------
# sha256


def test_sha256_is_stable_and_independent_route():
    a, b = Config(), parse_config(None)
    assert a.sha256() == b.sha256()
    # Independent route: hash the canonical JSON of to_dict ourselves.
    blob = json.dumps(Config().to_dict(), sort_keys=True, separators=(",", ":")).encode()
    assert Config().sha256() == hashlib.sha256(blob).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", a.sha256())


def test_sha256_same_file_twice_and_key_order(tmp_path):
    one = load_config(write(tmp_path, FULL, "a.yaml"))
    two = load_config(write(tmp_path, FULL, "b.yaml"))
    assert one.sha256() == two.sha256()
    # Reordering mapping keys is the same configuration.
    three = parse_config({"currency": "EUR", "organization": "X"})
    four = parse_config({"organization": "X", "currency": "eur"})
    assert three.sha256() == four.sha256()


@pytest.mark.parametrize(
    "change",
    [
        {"privacy": {"min_group_size": 6}},
        {"currency": "EUR"},
        {"timezone": "Europe/Berlin"},
        {"teams": {"a": {"ai_rollout": "2026-01-01"}}},
        {"services": {"s": {"repos": ["r"]}}},
        {"ai_detection": {"labels": ["ai"]}},
        {"statistics": {"seed": 1}},
    ],
)
def test_sha256_changes_when_a_value_changes(change):
    assert parse_config(change).sha256() != Config().sha256()


def test_sha256_changes_with_rollout_date():
    a = parse_config({"teams": {"a": {"ai_rollout": "2026-01-01"}}})
    b = parse_config({"teams": {"a": {"ai_rollout": "2026-01-02"}}})
    assert a.sha256() != b.sha256()


def test_to_dict_is_json_ready(tmp_path):
    d = load_config(write(tmp_path, FULL)).to_dict()
    assert d["teams"]["payments"]["ai_rollout"] == "2026-03-02"
    assert d["services"]["checkout"]["repos"] == ["checkout-web", "checkout-api"]
    json.dumps(d)  # must not raise
