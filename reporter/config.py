"""The optional `reporter.yaml`, validated into typed, frozen objects.

Every key has a default, so an organisation can start with no file at all. An unknown
or mistyped key is an error that names it (with a suggestion), because a silently ignored
`min_group_size` typo would break a privacy promise.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError


# How AI tools mark their work, as named rules: (rule name, regular expression). One table,
# documented in the README ("AI-assisted work"); each rule has a test built from the shape the
# tool writes (tests/test_ai_detection.py names the source of each shape).
#
# Message rules read commit messages and PR bodies, case-insensitively, line by line, wherever git
# would read a trailer: at the start of a line, after any spaces or tabs. The first rule that
# matches names the PR's source in data_quality.ai_detection.
_CO = r"^[ \t]*co-authored-by:[ \t]*"
AI_MESSAGE_RULES: tuple[tuple[str, str], ...] = (
    # Claude Code: "Co-Authored-By: Claude <noreply@anthropic.com>", model-named variants
    # ("Claude Opus 4.1 <...>"), and claude-code-action's "claude[bot] <N+claude[bot]@users.noreply...>".
    # A person called Claude ("Claude Monet <...>") is not matched: the name must be Claude alone,
    # Claude Code, claude[bot] or Claude and model words, unless the address is Anthropic's.
    ("trailer:claude", _CO + r"(?:claude(?:\[bot\]|[ \t]+code|(?:[ \t]+(?:opus|sonnet|haiku|instant|\d[\d.]*))+)?"
                             r"[ \t\r]*(?:<|$)|[^\n]*<noreply@anthropic\.com>|[^\n]*\+claude\[bot\]@)"),
    # Claude Code's footer: "🤖 Generated with [Claude Code](https://claude.com/claude-code)"
    # (older versions: https://claude.ai/code), in commit messages and PR bodies.
    ("footer:claude-code", r"^[ \t]*(?:\S{1,2}[ \t]*)?generated with \[?claude code\b"),
    # GitHub Copilot: "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>" and the
    # coding agent's "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>".
    ("trailer:copilot", _CO + r"(?:(?:github[ \t]+)?copilot\b|[^\n]*\+copilot@users\.noreply\.github\.com>)"),
    # Copilot coding agent commits: "Agent-Logs-Url: https://github.com/O/R/sessions/ID".
    ("trailer:copilot-agent", r"^[ \t]*agent-logs-url:[ \t]*https://github\.com/"),
    # Cursor: "Co-authored-by: Cursor <cursoragent@cursor.com>" / "Cursor Agent <...>", and "Made-with: Cursor".
    ("trailer:cursor", _CO + r"(?:cursor\b|[^\n]*@cursor\.(?:com|sh)>)"),
    ("trailer:cursor", r"^[ \t]*made-with:[ \t]*cursor\b"),
    # OpenAI Codex: "Co-authored-by: Codex <noreply@openai.com>", the connector bot.
    ("trailer:codex", _CO + r"(?:(?:openai[ \t]+)?codex\b|chatgpt-codex-connector\[bot\]|[^\n]*<noreply@openai\.com>)"),
    # Codex cloud PR bodies end with the task link "https://chatgpt.com/codex/tasks/task_...".
    ("footer:codex", r"^[ \t]*https://chatgpt\.com/codex/tasks/task_"),
    # Aider: "Co-authored-by: aider (<model>) <aider@aider.chat>" (noreply@aider.chat in some versions),
    # and the "aider: " subject prefix of --attribute-commit-message-author.
    ("trailer:aider", _CO + r"(?:aider\b|[^\n]*@aider\.chat>)"),
    ("prefix:aider", r"\Aaider: "),
    # Devin: "Devin AI <158243242+devin-ai-integration[bot]@users.noreply.github.com>".
    ("trailer:devin", _CO + r"(?:devin[ \t]+ai\b|[^\n]*devin-ai-integration\[bot\])"),
    # Jules: "google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>".
    ("trailer:jules", _CO + r"[^\n]*google-labs-jules\[bot\]"),
    # Gemini Code Assist suggestions: "gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@...>".
    ("trailer:gemini", _CO + r"(?:gemini\b|[^\n]*gemini-code-assist\[bot\])"),
    # Amazon Q Developer: "amazon-q-developer[bot] <208079219+amazon-q-developer[bot]@...>".
    ("trailer:amazon-q", _CO + r"(?:amazon[ \t]+q\b|[^\n]*amazon-q-developer\[bot\])"),
    # Kiro and Windsurf publish no trailer; these are the shapes their users' commits carry
    # (names that are also people's names, Devin, Jules, Kiro, need the tool's word or address).
    ("trailer:kiro", _CO + r"(?:kiro[ \t]+(?:ai|agent)\b|[^\n]*@kiro\.(?:dev|ai)>)"),
    ("trailer:windsurf", _CO + r"(?:windsurf\b|[^\n]*@(?:codeium\.com|windsurf\.(?:com|ai))>)"),
    # Tool-neutral trailers (Linux kernel, LLVM, Fedora: "Assisted-by: AGENT:MODEL"; Apache: "Generated-by:").
    ("trailer:assisted-by", r"^[ \t]*assisted-by:[ \t]*\S"),
    ("trailer:generated-by", r"^[ \t]*generated-by:[ \t]*\S"),
)

# Authors that are AI agents: a PR's author or a commit's author. Full match, case-insensitive.
AI_BOT_RULES: tuple[tuple[str, str], ...] = (
    ("bot:copilot", r"copilot|copilot-swe-agent(\[bot\])?"),
    ("bot:claude", r"claude(-code)?(\[bot\])?|noreply@anthropic\.com"),
    ("bot:devin", r"devin-ai-integration\[bot\]"),
    ("bot:cursor", r"cursor(agent)?\[bot\]|cursoragent@cursor\.com"),
    ("bot:codex", r"[a-z0-9-]*codex[a-z0-9-]*\[bot\]|noreply@openai\.com"),
    ("bot:jules", r"google-labs-jules\[bot\]"),
    ("bot:gemini", r"gemini-code-assist\[bot\]"),
    ("bot:amazon-q", r"amazon-q-developer\[bot\]"),
    ("bot:sweep", r"sweep-ai\[bot\]"),
)

# The configuration's lists are the patterns alone; the names follow the pattern (ai.rule_names).
DEFAULT_TRAILERS: tuple[str, ...] = tuple(p for _, p in AI_MESSAGE_RULES)
DEFAULT_BOT_AUTHORS: tuple[str, ...] = tuple(p for _, p in AI_BOT_RULES)


@dataclass(frozen=True)
class TeamConfig:
    ai_rollout: dt.date | None = None
    name: str | None = None  # how documents display the team; default: its key capitalised


@dataclass(frozen=True)
class ServiceConfig:
    team: str | None = None
    repos: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other tools' names or ids for it (PagerDuty, Opsgenie), any case


@dataclass(frozen=True)
class AIDetection:
    use_column: bool = True
    labels: tuple[str, ...] = ("ai-assisted", "ai")
    trailers: tuple[str, ...] = DEFAULT_TRAILERS
    bot_authors: tuple[str, ...] = DEFAULT_BOT_AUTHORS


@dataclass(frozen=True)
class Privacy:
    min_group_size: int = 5


@dataclass(frozen=True)
class BaselinePeriods:
    weekly: int = 4
    monthly: int = 3
    quarterly: int = 1

    def for_cadence(self, cadence: str) -> int:
        return int(getattr(self, cadence))


@dataclass(frozen=True)
class Statistics:
    """How a change is told apart from noise (see README, "Honest deltas")."""

    bootstrap_resamples: int = 1000
    confidence: float = 0.95
    min_sample: int = 5
    min_relative_change: float = 0.05
    seed: int = 20260101


@dataclass(frozen=True)
class Finance:
    """Inputs of the quarterly ROI packet; every one is listed in its assumptions table."""

    loaded_cost_per_engineer_year: float | None = None  # in `currency`; None: value stays N/A
    hours_per_week: float = 40.0
    survey_discount: float = 0.5  # self-reported time saved is discounted by this factor
    enablement_cost_per_quarter: float = 0.0  # training, rollout, admin, in `currency`
    incident_hour_cost: float | None = None
    exchange_rates: dict[str, float] = field(default_factory=dict)  # 1 unit of X = rate units of `currency`


@dataclass(frozen=True)
class ImportSource:
    """A native export read directly as input (``imports:``), converted on every build."""

    source: str
    paths: tuple[str, ...]
    project: str | None = None  # devlake: the project_mapping project to import
    per_repo: bool = False  # devlake: one deployment per pipeline and repo
    options: dict[str, Any] = field(default_factory=dict)  # per source (importers/options.py): fields, columns...


@dataclass(frozen=True)
class EmailDelivery:
    """``delivery.email``: where ``reporter send`` mails the PDF. Credentials never live here."""

    to: tuple[str, ...] = ()
    sender: str | None = None  # YAML key `from`
    smtp_host: str | None = None
    smtp_port: int | None = None  # default by security: 587 starttls, 465 ssl, 25 none
    smtp_security: str = "starttls"  # starttls | ssl | none
    subject_prefix: str | None = None
    # Per-scope recipients (issue 16): team id / group name -> addresses of that scope's report.
    teams: dict[str, tuple[str, ...]] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Site:
    """``site``: where the published site is served; `reporter notify` links each digest to it."""

    url: str | None = None


@dataclass(frozen=True)
class Delivery:
    email: EmailDelivery = field(default_factory=EmailDelivery)


@dataclass(frozen=True)
class DatabaseInputs:
    """``inputs``: canonical datasets read from PostgreSQL, a table or view per dataset.

    The URL names host, port, database and optionally the user; the password comes only from
    the environment (REPORTER_DB_PASSWORD, or libpq's own PGPASSWORD / ~/.pgpass).
    """

    url: str
    schema: str = "public"
    tables: dict[str, str] = field(default_factory=dict)  # dataset -> table or view, when named otherwise


SMTP_SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class Config:
    organization: str = "Your organisation"
    currency: str = "USD"
    timezone: str = "UTC"
    fiscal_year_start_month: int = 1
    baseline_periods: BaselinePeriods = field(default_factory=BaselinePeriods)
    teams: dict[str, TeamConfig] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # group name -> team ids (scoped reports)
    services: dict[str, ServiceConfig] = field(default_factory=dict)
    privacy: Privacy = field(default_factory=Privacy)
    ai_detection: AIDetection = field(default_factory=AIDetection)
    statistics: Statistics = field(default_factory=Statistics)
    narratives: str | None = None  # a folder of rule files that override or add to the packaged ones
    templates: str | None = None  # a folder of templates searched before the packaged ones (any file of templates/)
    finance: Finance = field(default_factory=Finance)
    imports: tuple[ImportSource, ...] = ()
    delivery: Delivery = field(default_factory=Delivery)
    site: Site = field(default_factory=Site)
    inputs: DatabaseInputs | None = None
    source_dir: str | None = field(default=None, compare=False)  # where the file was; not hashed

    @property
    def narratives_path(self) -> Path | None:
        """The user's rule folder; a relative path is read from the config file's folder."""
        if self.narratives is None:
            return None
        folder = Path(self.narratives).expanduser()
        return folder if folder.is_absolute() or self.source_dir is None else Path(self.source_dir) / folder

    @property
    def templates_path(self) -> Path | None:
        """The user's template folder; a relative path is read from the config file's folder."""
        if self.templates is None:
            return None
        folder = Path(self.templates).expanduser()
        return folder if folder.is_absolute() or self.source_dir is None else Path(self.source_dir) / folder

    def import_paths(self, spec: ImportSource) -> list[Path]:
        """An ``imports`` path relative to the config file's folder."""
        out = []
        for raw in spec.paths:
            path = Path(raw).expanduser()
            out.append(path if path.is_absolute() or self.source_dir is None else Path(self.source_dir) / path)
        return out

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def service_of_repo(self, repo: str) -> str:
        """A repo deploys as the service that lists it, else as the service of the same name."""
        return self._repo_map.get(repo, repo)

    @cached_property
    def _repo_map(self) -> dict[str, str]:
        return {r: name for name, svc in self.services.items() for r in svc.repos}

    def service_named(self, name: str) -> str | None:
        """The configured service another tool calls ``name`` (its own name or an alias, any case)."""
        return self._alias_map.get(str(name).strip().casefold())

    @cached_property
    def _alias_map(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for service, svc in self.services.items():
            for name in (service, *svc.aliases):
                out.setdefault(name.casefold(), service)
        return out

    def team_of_service(self, service: str) -> str | None:
        svc = self.services.get(service)
        return svc.team if svc else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("source_dir")
        if data["inputs"] is None:  # configs without a database keep the hash they always had
            data.pop("inputs")
        if data["templates"] is None:  # nor do configs without template overrides
            data.pop("templates")
        for parent, key in ((data, "groups"), (data["delivery"]["email"], "teams"),
                            (data["delivery"]["email"], "groups")):
            if not parent[key]:  # nor do configs without scopes
                parent.pop(key)
        if data["site"]["url"] is None:
            data.pop("site")
        return _jsonable(data)

    def sha256(self) -> str:
        """Hash of the effective config (defaults included), so lineage survives a missing file."""
        blob = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------
# Parsing


def load_config(path: Path | None) -> Config:
    """Read and validate a config file; ``None`` means all defaults."""
    if path is None:
        return Config()
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: {len(raw):,} bytes; a config file is at most {MAX_CONFIG_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}): save the file as UTF-8") from None
    if bracket_depth(text) > MAX_CONFIG_DEPTH:  # PyYAML would recurse for seconds, then fail
        raise ConfigError(f"{path}: YAML nested too deeply to read (more than {MAX_CONFIG_DEPTH} levels of [ or {{)")
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    except RecursionError:
        raise ConfigError(f"{path}: YAML nested too deeply to read") from None
    except ValueError as exc:  # an impossible unquoted date such as 2026-13-01
        raise ConfigError(f"{path}: invalid value: {str(exc)[:200]}") from exc
    if expanded_size(data, MAX_CONFIG_VALUES) > MAX_CONFIG_VALUES:
        raise ConfigError(f"{path}: more than {MAX_CONFIG_VALUES:,} values once YAML aliases (*name) are "
                          "expanded; a config file never needs that many (an alias bomb?)")
    return parse_config(data, source=str(path), base_dir=Path(path).parent)


def bracket_depth(text: str) -> int:
    """The deepest nesting of flow brackets, counted on the raw text (quotes ignored: an over-count
    needs hundreds of unbalanced brackets inside strings, which no config holds)."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return deepest


def expanded_size(data: Any, limit: int) -> int:
    """Values in ``data`` counting each alias use again, stopping past ``limit`` (iterative: no
    recursion on deep documents). Aliases share objects, so the document itself is small."""
    seen, stack = 0, [data]
    while stack and seen <= limit:
        value = stack.pop()
        seen += 1
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    return seen


def parse_config(data: Any, source: str = "reporter.yaml", base_dir: Path | None = None) -> Config:
    if data is None:
        return Config(source_dir=None if base_dir is None else str(base_dir))
    where = _Where(source)
    m = where.mapping(data, "")
    where.known(m, "", Config)
    kwargs: dict[str, Any] = {}
    for key, value in m.items():
        path = key
        if key == "organization":
            kwargs[key] = where.string(value, path)
        elif key == "currency":
            cur = where.string(value, path).upper()
            if not re.fullmatch(r"[A-Z]{3}", cur):
                where.fail(path, f"expected a 3-letter ISO 4217 code such as USD, got {_show(value)}")
            kwargs[key] = cur
        elif key == "timezone":
            tz = where.string(value, path)
            try:
                ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                where.fail(path, f"unknown IANA time zone {tz!r} (for example Europe/Berlin or UTC)")
            kwargs[key] = tz
        elif key == "fiscal_year_start_month":
            month = where.integer(value, path)
            if not 1 <= month <= 12:
                where.fail(path, f"expected a month number 1-12, got {month}")
            kwargs[key] = month
        elif key == "baseline_periods":
            kwargs[key] = _parse_simple(where, value, path, BaselinePeriods, minimum=1, maximum=MAX_BASELINE)
        elif key == "privacy":
            kwargs[key] = _parse_simple(where, value, path, Privacy, minimum=1)
        elif key == "statistics":
            kwargs[key] = _parse_statistics(where, value, path)
        elif key == "teams":
            kwargs[key] = _parse_teams(where, value, path)
        elif key == "groups":
            kwargs[key] = _parse_groups(where, value, path)
        elif key == "services":
            kwargs[key] = _parse_services(where, value, path)
        elif key == "ai_detection":
            kwargs[key] = _parse_ai_detection(where, value, path)
        elif key == "narratives":
            kwargs[key] = where.string(value, path)
        elif key == "templates":
            kwargs[key] = where.string(value, path)
        elif key == "finance":
            kwargs[key] = _parse_finance(where, value, path)
        elif key == "imports":
            kwargs[key] = _parse_imports(where, value, path)
        elif key == "delivery":
            kwargs[key] = _parse_delivery(where, value, path)
        elif key == "site":
            m_site = where.mapping(value, path)
            where.known(m_site, path, Site)
            url = None if m_site.get("url") is None else where.string(m_site["url"], f"{path}.url")
            if url is not None and not re.match(r"^https?://[^/\s]+", url):
                where.fail(f"{path}.url", f"expected the site's address such as https://reports.example.com/, got {url!r}")
            kwargs[key] = Site(url=url)
        elif key == "inputs":
            kwargs[key] = _parse_database_inputs(where, value, path)
    return Config(**kwargs, source_dir=None if base_dir is None else str(base_dir))


# Upper bounds on values whose size is work or memory (README "Configuration"): a typo such as
# 100000000 must be an error naming the key, not minutes of computing and an out-of-memory kill.
MAX_BASELINE = {"weekly": 260, "monthly": 60, "quarterly": 20}  # five years of preceding periods
MAX_RESAMPLES = 100_000
MAX_CONFIG_BYTES = 1 << 20  # a reporter.yaml is a few kilobytes
MAX_CONFIG_VALUES = 100_000  # values after YAML aliases are expanded (an alias bomb expands to billions)
MAX_CONFIG_DEPTH = 100


def _parse_simple(where: "_Where", value: Any, path: str, cls: type, minimum: int,
                  maximum: dict[str, int] | None = None) -> Any:
    m = where.mapping(value, path)
    where.known(m, path, cls)
    out = {}
    for k, v in m.items():
        n = where.integer(v, f"{path}.{k}")
        top = (maximum or {}).get(k)
        if n < minimum or (top is not None and n > top):
            where.fail(f"{path}.{k}", f"expected an integer >= {minimum}" + (f" and <= {top}" if top else "")
                       + f", got {_show(n)}")
        out[k] = n
    return cls(**out)


def _parse_statistics(where: "_Where", value: Any, path: str) -> Statistics:
    m = where.mapping(value, path)
    where.known(m, path, Statistics)
    out: dict[str, Any] = {}
    for k, v in m.items():
        p = f"{path}.{k}"
        if k in ("bootstrap_resamples", "min_sample", "seed"):
            n = where.integer(v, p)
            low = {"bootstrap_resamples": 100, "min_sample": 2, "seed": 0}[k]
            high = {"bootstrap_resamples": MAX_RESAMPLES, "min_sample": 1_000_000, "seed": 2**63 - 1}[k]
            if not low <= n <= high:
                where.fail(p, f"expected an integer from {low} to {high}, got {_show(n)}")
            out[k] = n
        else:
            x = where.number(v, p)
            ok = 0.5 <= x < 1 if k == "confidence" else 0 <= x < 10
            if not ok:
                where.fail(p, "expected a number in [0.5, 1)" if k == "confidence" else "expected a number >= 0")
            out[k] = x
    return Statistics(**out)


def _parse_finance(where: "_Where", value: Any, path: str) -> Finance:
    m = where.mapping(value, path)
    where.known(m, path, Finance)
    out: dict[str, Any] = {}
    for k, v in m.items():
        p = f"{path}.{k}"
        if k == "exchange_rates":
            rates = where.mapping(v, p)
            out[k] = {}
            for code, rate in rates.items():
                if not re.fullmatch(r"[A-Z]{3}", str(code)) or where.number(rate, f"{p}.{code}") <= 0:
                    where.fail(f"{p}.{code}", "expected a 3-letter currency code and a positive rate")
                out[k][str(code)] = float(rate)
            continue
        if v is None and k in ("loaded_cost_per_engineer_year", "incident_hour_cost"):
            out[k] = None
            continue
        x = where.number(v, p)
        if x < 0 or (k == "survey_discount" and x > 1) or (k == "hours_per_week" and not 1 <= x <= 80):
            where.fail(p, {"survey_discount": "expected a factor between 0 and 1",
                           "hours_per_week": "expected hours between 1 and 80"}.get(k, "expected a number >= 0"))
        out[k] = x
    return Finance(**out)


def _parse_teams(where: "_Where", value: Any, path: str) -> dict[str, TeamConfig]:
    m = where.mapping(value, path)
    teams = {}
    for name, spec in m.items():
        p = f"{path}.{name}"
        spec = {} if spec is None else where.mapping(spec, p)
        where.known(spec, p, TeamConfig)
        rollout = spec.get("ai_rollout")
        shown = spec.get("name")
        teams[str(name)] = TeamConfig(ai_rollout=None if rollout is None else where.date(rollout, f"{p}.ai_rollout"),
                                      name=None if shown is None else where.string(shown, f"{p}.name"))
    return teams


def _parse_groups(where: "_Where", value: Any, path: str) -> dict[str, tuple[str, ...]]:
    """``groups: {name: [team, ...]}``: the teams a group report covers (checked against the data's teams
    when a report is built)."""
    m = where.mapping(value, path)
    out = {}
    for name, teams in m.items():
        p = f"{path}.{name}"
        teams = [teams] if isinstance(teams, str) else teams
        if not isinstance(teams, list) or not teams:
            where.fail(p, "expected a non-empty list of team ids")
        out[where.string(name, p)] = tuple(dict.fromkeys(where.string(t, p) for t in teams))
    return out


def _parse_recipients(where: "_Where", value: Any, path: str) -> tuple[str, ...]:
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not value:
        where.fail(path, "expected an address or a list of addresses")
    return tuple(where.string(x, path) for x in value)


def _parse_services(where: "_Where", value: Any, path: str) -> dict[str, ServiceConfig]:
    m = where.mapping(value, path)
    services: dict[str, ServiceConfig] = {}
    owner: dict[str, str] = {}
    alias_owner: dict[str, str] = {}  # casefolded service name or alias -> service
    for name, spec in m.items():
        p = f"{path}.{name}"
        spec = {} if spec is None else where.mapping(spec, p)
        where.known(spec, p, ServiceConfig)
        team = spec.get("team")
        repos = spec.get("repos", [])
        if isinstance(repos, str):
            repos = [repos]
        if not isinstance(repos, list):
            where.fail(f"{p}.repos", "expected a list of repository names")
        repos = tuple(where.string(r, f"{p}.repos") for r in repos)
        for r in repos:
            if r in owner:
                where.fail(f"{p}.repos", f"repository {r!r} is already mapped to service {owner[r]!r}")
            owner[r] = str(name)
        aliases = spec.get("aliases", [])
        aliases = [aliases] if isinstance(aliases, str) else aliases
        if not isinstance(aliases, list):
            where.fail(f"{p}.aliases", "expected a list of names (the service's names in other tools)")
        aliases = tuple(where.string(a, f"{p}.aliases") for a in aliases)
        for a in (str(name), *aliases):
            other = alias_owner.setdefault(a.casefold(), str(name))
            if other != str(name):
                where.fail(f"{p}.aliases", f"{a!r} already names service {other!r}")
        services[str(name)] = ServiceConfig(team=None if team is None else where.string(team, f"{p}.team"), repos=repos,
                                            aliases=aliases)
    return services


def _parse_ai_detection(where: "_Where", value: Any, path: str) -> AIDetection:
    m = where.mapping(value, path)
    where.known(m, path, AIDetection)
    out: dict[str, Any] = {}
    for k, v in m.items():
        p = f"{path}.{k}"
        if k == "use_column":
            if not isinstance(v, bool):
                where.fail(p, f"expected true or false, got {_show(v)}")
            out[k] = v
            continue
        if not isinstance(v, list):
            where.fail(p, "expected a list")
        items = tuple(where.string(x, p) for x in v)
        if k in ("trailers", "bot_authors"):
            for pattern in items:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    where.fail(p, f"invalid regular expression {pattern!r}: {exc}")
        out[k] = items
    return AIDetection(**out)


def _parse_imports(where: "_Where", value: Any, path: str) -> tuple[ImportSource, ...]:
    from .importers.options import SOURCE_OPTIONS, OptionError, parse_options
    from .importers.registry import SOURCES

    if not isinstance(value, list):
        where.fail(path, "expected a list of {source, paths} entries")
    out = []
    for i, item in enumerate(value):
        p = f"{path}[{i}]"
        m = where.mapping(item, p)
        if "source" not in m or "paths" not in m:
            where.fail(p, "each entry needs 'source' and 'paths'")
        source = where.string(m["source"], f"{p}.source")
        if source not in SOURCES:
            hint = difflib.get_close_matches(source, list(SOURCES), n=1)
            where.fail(f"{p}.source", f"unknown source {source!r}" + (f"; did you mean '{hint[0]}'?" if hint
                       else f"; choose one of {', '.join(SOURCES)}"))
        base_keys = ["source", "paths", "project", "per_repo"]
        where.known(m, p, None, allowed=base_keys + sorted({k for o in SOURCE_OPTIONS.values() for k in o}))
        try:
            options = parse_options(source, {k: v for k, v in m.items() if k not in base_keys})
        except OptionError as exc:
            where.fail(f"{p}.{exc.key}", exc.message)
        paths = m["paths"]
        paths = [paths] if isinstance(paths, str) else paths
        if not isinstance(paths, list) or not paths:
            where.fail(f"{p}.paths", "expected a file name or a list of them")
        project = None if m.get("project") is None else where.string(m["project"], f"{p}.project")
        if project is not None and source != "devlake":
            where.fail(f"{p}.project", "only the devlake source has projects")
        per_repo = m.get("per_repo", False)
        if not isinstance(per_repo, bool):
            where.fail(f"{p}.per_repo", f"expected true or false, got {_show(per_repo)}")
        if per_repo and source != "devlake":
            where.fail(f"{p}.per_repo", "only the devlake source has this option")
        out.append(ImportSource(source, tuple(where.string(x, f"{p}.paths") for x in paths), project, per_repo,
                                options))
    return tuple(out)


def _parse_delivery(where: "_Where", value: Any, path: str) -> Delivery:
    m = where.mapping(value, path)
    where.known(m, path, Delivery)
    email = EmailDelivery()
    if m.get("email") is not None:
        p = f"{path}.email"
        e = where.mapping(m["email"], p)
        for key in e:
            if str(key).lower() in ("password", "username", "user", "smtp_password", "smtp_username"):
                raise ConfigError(f"{where.source}: key '{p}.{key}': credentials are never read from the "
                                  "config file; set the environment variables SMTP_USERNAME and SMTP_PASSWORD")
        # YAML says `from` (a Python keyword), the dataclass `sender`.
        where.known(e, p, None, allowed=sorted({"from", "smtp_host", "smtp_port", "smtp_security",
                                                "subject_prefix", "to", "teams", "groups"}))
        kwargs: dict[str, Any] = {}
        if "to" in e:
            to = e["to"]
            to = [to] if isinstance(to, str) else to
            if not isinstance(to, list) or not to:
                where.fail(f"{p}.to", "expected an address or a list of addresses")
            kwargs["to"] = tuple(where.string(x, f"{p}.to") for x in to)
        if "from" in e:
            kwargs["sender"] = where.string(e["from"], f"{p}.from")
        if "smtp_host" in e:
            kwargs["smtp_host"] = where.string(e["smtp_host"], f"{p}.smtp_host")
        if "smtp_port" in e:
            port = where.integer(e["smtp_port"], f"{p}.smtp_port")
            if not 1 <= port <= 65535:
                where.fail(f"{p}.smtp_port", f"expected a port 1-65535, got {port}")
            kwargs["smtp_port"] = port
        if "smtp_security" in e:
            sec = where.string(e["smtp_security"], f"{p}.smtp_security")
            if sec not in SMTP_SECURITY:
                where.fail(f"{p}.smtp_security", f"expected one of {', '.join(SMTP_SECURITY)}, got {sec!r}")
            kwargs["smtp_security"] = sec
        if "subject_prefix" in e:
            kwargs["subject_prefix"] = where.string(e["subject_prefix"], f"{p}.subject_prefix")
        for kind in ("teams", "groups"):  # `teams: {payments: [lead@x]}` or `{payments: {to: [lead@x]}}`
            if e.get(kind) is not None:
                scopes = where.mapping(e[kind], f"{p}.{kind}")
                recipients = {}
                for name, spec in scopes.items():
                    q = f"{p}.{kind}.{name}"
                    if isinstance(spec, dict):
                        where.known(spec, q, None, allowed=["to"])
                        spec = spec.get("to")
                        q += ".to"
                    recipients[str(name)] = _parse_recipients(where, spec, q)
                kwargs[kind] = recipients
        email = EmailDelivery(**kwargs)
    return Delivery(email=email)


def _parse_database_inputs(where: "_Where", value: Any, path: str) -> DatabaseInputs:
    from urllib.parse import parse_qs, urlsplit

    from .inputs.spec import DATASETS

    m = where.mapping(value, path)
    for key in m:
        if str(key).lower() in ("password", "passwd", "pgpassword"):
            raise ConfigError(f"{where.source}: key '{path}.{key}': a password is never read from the config "
                              "file; set the environment variable REPORTER_DB_PASSWORD (or PGPASSWORD)")
    where.known(m, path, DatabaseInputs)
    if "url" not in m:
        where.fail(path, "expected 'url: postgresql://host:port/database'")
    url = where.string(m["url"], f"{path}.url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        where.fail(f"{path}.url", f"not a valid URL: {exc}")
    if parts.scheme not in ("postgresql", "postgres"):
        where.fail(f"{path}.url", "expected a URL like postgresql://host:5432/database")
    if parts.password is not None or "password" in {k.lower() for k in parse_qs(parts.query)}:
        raise ConfigError(f"{where.source}: key '{path}.url': a password is never read from the config file; "
                          "remove it from the URL and set REPORTER_DB_PASSWORD (or PGPASSWORD, or use ~/.pgpass)")
    schema = where.string(m.get("schema", "public"), f"{path}.schema")
    tables = {} if m.get("tables") is None else where.mapping(m["tables"], f"{path}.tables")
    where.known(tables, f"{path}.tables", None, allowed=list(DATASETS))
    tables = {str(k): where.string(v, f"{path}.tables.{k}") for k, v in tables.items()}
    for name, text in (("schema", schema), *((f"tables.{k}", v) for k, v in tables.items())):
        if not text or "\x00" in text:
            where.fail(f"{path}.{name}", "expected a table, view or schema name")
    return DatabaseInputs(url=url, schema=schema, tables=tables)


def _show(value: Any, limit: int = 60) -> str:
    """A value quoted for an error, bounded: a YAML alias bomb's repr alone would exhaust memory."""
    import reprlib

    short = reprlib.Repr()
    short.maxlevel, short.maxstring, short.maxother = 2, limit, limit
    short.maxlist = short.maxdict = short.maxtuple = short.maxset = 4
    return short.repr(value)


class _Where:
    """Carries the file name so every error says where it is."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> None:
        key = f"key '{path}'" if path else "top level"
        raise ConfigError(f"{self.source}: {key}: {message}")

    def mapping(self, value: Any, path: str) -> dict:
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping, got {type(value).__name__}")
        return value

    def known(self, m: dict, path: str, cls: type | None, allowed: list[str] | None = None) -> None:
        """Every key of ``m`` is a field of ``cls`` (or one of ``allowed``), else an error with a hint."""
        if allowed is None:
            assert cls is not None, "known() needs a dataclass or the allowed keys"
            allowed = [name for name in getattr(cls, "__dataclass_fields__") if name != "source_dir"]
        for key in m:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                tip = f"; did you mean '{hint[0]}'?" if hint else f"; allowed keys: {', '.join(allowed)}"
                full = f"{path}.{key}" if path else str(key)
                raise ConfigError(f"{self.source}: unknown key '{full}'{tip}")

    def string(self, value: Any, path: str) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.fail(path, f"expected a string, got {type(value).__name__}")
        if isinstance(value, str) and re.search(r"[\r\n\x00]", value):  # it ends up in a mail header, a title
            self.fail(path, f"expected text on one line, got a line break or NUL in {_show(value)}")
        return str(value)

    def integer(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected an integer, got {_show(value)}")
        return value

    def number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(path, f"expected a number, got {_show(value)}")
        try:
            x = float(value)
        except OverflowError:
            x = math.inf
        if not math.isfinite(x) or abs(x) > 1e15:
            self.fail(path, f"expected a finite number of at most 1e15, got {_show(value)}")
        return x

    def date(self, value: Any, path: str) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(path, f"expected a date like 2026-07-27, got {_show(value)}")
        raise AssertionError  # unreachable


def resolve_config_path(input_dir: Path, config_path: Path | None) -> Path | None:
    """An explicit --config wins; else the input folder's own reporter.yaml, if any."""
    if config_path is not None:
        return config_path
    for name in ("reporter.yaml", "reporter.yml"):
        candidate = Path(input_dir) / name
        if candidate.is_file():
            return candidate
    return None
