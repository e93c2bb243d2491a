"""Rendering a rule's text: a sandboxed jinja2 template whose number filters record evidence.

Values from metrics.json reach the template wrapped in `Ref`, a read-only proxy that remembers
its path (`metrics.pickup_time_hours.by_team.payments.value`). The formatting filters unwrap it,
format the number and append `{path, value, shown}` to the item's evidence, so every figure in a
sentence can be traced back to the document (honesty.py checks that none escaped the filters).
A null or missing value that the text prints means there is nothing to say: the item is dropped.
Autoescape is off on purpose: the output is plain text that the HTML layer escapes later.
"""

from __future__ import annotations

import contextvars
import difflib
import functools
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from reporter import cadences
from reporter.views import fmt
from reporter.metrics import catalogue as cat
from reporter.views.fmt import display_name

CONTEXT_NAMES = frozenset({"m", "b", "team", "team_name", "release", "cadence", "period"})
NUMBER_FILTERS = ("hours", "percent", "points", "pct_change", "count", "tokens", "money")
# Text-only builtins that cannot print an untraced number by themselves.
SAFE_BUILTIN_FILTERS = ("capitalize", "lower", "upper", "title", "trim", "default", "join", "first", "last",
                        "replace")
MINUS = "\u2212"  # the typographic minus used by reporter.views.fmt


class TextError(ValueError):
    """The rule's text is wrong (syntax, unknown name or filter, misuse at render time)."""


class MoneyInWeekly(TextError):
    """The money filter was used while rendering a weekly report."""


class NoData(Exception):
    """The text printed a null or missing value: there is nothing honest to say."""


@dataclass
class Recorder:
    """What one rendering used: evidence, the strings bound from the document, money figures."""

    cadence: str
    evidence: list[dict] = field(default_factory=list)
    strings: list[str] = field(default_factory=list)
    money: list[str] = field(default_factory=list)
    team_names: Mapping[str, str] = field(default_factory=dict)

    def number(self, path: str | None, value: float, shown: str) -> str:
        entry = {"path": path, "value": value, "shown": shown}
        if entry not in self.evidence:
            self.evidence.append(entry)
        return shown

    def string(self, text: str) -> str:
        if text and text not in self.strings:
            self.strings.append(text)
        return text


_CURRENT: contextvars.ContextVar[Recorder] = contextvars.ContextVar("narrative_recorder")


def _recorder() -> Recorder:
    try:
        return _CURRENT.get()
    except LookupError:  # a filter called outside render(): record into a throwaway
        return Recorder(cadence="")


def _wrap(data: Any, path: tuple) -> Any:
    """Strings and booleans reach the template as is (strings are recorded); the rest as Ref."""
    if isinstance(data, str):
        return _recorder().string(data)
    if isinstance(data, bool):
        return data
    return Ref(data, path)


class Ref:
    """A read-only view of a value of metrics.json that knows its dot path; missing keys give Ref(None)."""

    __slots__ = ("_data", "_path")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, data: Any, path: tuple) -> None:
        self._data = data
        self._path = path

    @property
    def _where(self) -> str:
        return ".".join(str(part) for part in self._path)

    def _child(self, key: Any) -> Any:
        data = self._data
        if isinstance(data, Mapping):
            value = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and not isinstance(key, bool):
            value = data[key] if -len(data) <= key < len(data) else None
        else:
            value = None
        return _wrap(value, self._path + (key,))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._child(name)

    def __getitem__(self, key: Any) -> Any:
        return self._child(key)

    def __iter__(self) -> Iterator[Any]:
        if isinstance(self._data, Mapping):
            return iter([_wrap(str(key), self._path) for key in self._data])
        if isinstance(self._data, list):
            return iter([self._child(i) for i in range(len(self._data))])
        return iter(())

    def __contains__(self, key: Any) -> bool:
        return isinstance(self._data, (Mapping, list)) and _plain(key) in self._data

    def __bool__(self) -> bool:
        return bool(self._data)

    def __str__(self) -> str:
        if self._data is None:
            raise NoData(self._where)
        if isinstance(self._data, (Mapping, list)):
            raise TextError(f"{{{{ {self._where} }}}} is a group of values, not one; print one of its fields")
        return str(self._data)  # an unformatted number: honesty.py will reject it as untraced

    def __repr__(self) -> str:
        return f"Ref({self._where}={self._data!r})"

    def __eq__(self, other: object) -> bool:
        return self._data == _plain(other)

    def __ne__(self, other: object) -> bool:
        return self._data != _plain(other)

    def _compare(self, other: Any, op: str) -> bool:
        left, right = self._data, _plain(other)
        if not (_is_number(left) and _is_number(right)):
            return False  # missing data never satisfies a comparison
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]

    def __lt__(self, other: Any) -> bool:
        return self._compare(other, "<")

    def __le__(self, other: Any) -> bool:
        return self._compare(other, "<=")

    def __gt__(self, other: Any) -> bool:
        return self._compare(other, ">")

    def __ge__(self, other: Any) -> bool:
        return self._compare(other, ">=")


def _plain(value: Any) -> Any:
    return value._data if isinstance(value, Ref) else value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _unwrap(value: Any, filter_name: str) -> tuple[float, str | None]:
    """The number a filter formats and its path (None for a constant written in the rule)."""
    path = value._where if isinstance(value, Ref) else None
    number = _plain(value)
    if number is None or isinstance(value, jinja2.Undefined):
        raise NoData(path or filter_name)
    if not _is_number(number):
        raise TextError(f"filter {filter_name} expects a number, got {number!r}"
                        + (f" at {path}" if path else ""))
    if not math.isfinite(number):
        raise NoData(path or filter_name)
    return number, path


def _trim(number: float, digits: int = 1) -> str:
    """12.0 -> '12', 12.5 -> '12.5' (with thousands separators)."""
    text = f"{number:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _sign(number: float, shown_zero: bool) -> str:
    return "±" if shown_zero else "+" if number > 0 else MINUS


def _scaled(amount: float) -> str:
    """580000 -> '580K', 1234567 -> '1.2M', 950 -> '950'."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if round(amount / size, 1) >= 1:
            return f"{_trim(amount / size)}{suffix}"
    return f"{amount:,.0f}"


def hours(value: Any) -> str:
    """A duration in hours: '16.4 h'."""
    number, path = _unwrap(value, "hours")
    return _recorder().number(path, number, f"{number:,.1f} h")


def _catalogued(path: str | None):
    """The catalogue entry of a metric value's path ('metrics.ai_adoption_rate.value'), else None."""
    parts = (path or "").split(".")
    return cat.BY_ID.get(parts[1]) if len(parts) > 2 and parts[0] == "metrics" else None


def percent(value: Any) -> str:
    """A ratio as a percentage: a catalogued metric with the decimals its cards show (adoption '65%',
    change failure rate '12.5%'); any other ratio trimmed: 0.12 -> '12%', 0.125 -> '12.5%'."""
    number, path = _unwrap(value, "percent")
    metric = _catalogued(path)
    if metric is not None:
        return _recorder().number(path, number, fmt.percent(number, metric.digits))
    text = _trim(abs(number) * 100)
    return _recorder().number(path, number, f"{MINUS if number < 0 and text != '0' else ''}{text}%")


def points(value: Any) -> str:
    """A difference of two ratios in percentage points: 0.031 -> '+3.1 pp'."""
    number, path = _unwrap(value, "points")
    text = f"{abs(number) * 100:.1f}"
    return _recorder().number(path, number, f"{_sign(number, text == '0.0')}{text} pp")


def pct_change(value: Any) -> str:
    """A relative change (delta_pct): 0.11 -> '+11%', -0.086 -> '−9%'."""
    number, path = _unwrap(value, "pct_change")
    text = f"{abs(number) * 100:,.0f}"
    return _recorder().number(path, number, f"{_sign(number, text == '0')}{text}%")


def count(value: Any) -> str:
    """A count with thousands separators ('12,345'); given a list or mapping, the number of its items."""
    if isinstance(value, Ref) and isinstance(value._data, (Mapping, list)):
        size = len(value._data)
        return _recorder().number(f"{value._where}.length", size, f"{size:,}")
    number, path = _unwrap(value, "count")
    shown = f"{int(number):,}" if float(number).is_integer() else f"{number:,.1f}"
    return _recorder().number(path, number, shown)


def tokens(value: Any) -> str:
    """A token count, short: 1234567 -> '1.2M'."""
    number, path = _unwrap(value, "tokens")
    return _recorder().number(path, number, (MINUS if number < 0 else "") + _scaled(abs(number)))


def money(value: Any, currency: Any = "USD") -> str:
    """An amount in the documents' one money style ('580,000 USD', '1,234,567 EUR'). Never in a weekly report."""
    recorder = _recorder()
    if not cadences.get(recorder.cadence).money:
        raise MoneyInWeekly("the money filter is not allowed in a weekly report "
                            "(weekly is not ROI: money appears monthly and quarterly)")
    number, path = _unwrap(value, "money")
    code = _plain(currency)
    code = "USD" if code is None else str(code).strip().upper() or "USD"
    amount = fmt.money(number, code)
    recorder.money.append(amount)
    return recorder.number(path, number, amount)


def team_name(value: Any) -> str:
    """A team key shown as the documents show it ('payments' -> 'Payments', or its configured name)."""
    key = _plain(value)
    if not isinstance(key, str) or not key:
        raise NoData("a team name is missing")
    recorder = _recorder()
    return recorder.string(display_name(key, recorder.team_names))


def _at_render_time(func: Callable[..., str]) -> Callable[..., str]:
    """Mark a filter as context-dependent so jinja never folds it at compile time (losing its evidence)."""

    @functools.wraps(func)
    @jinja2.pass_context
    def wrapper(_context: Any, value: Any, *args: Any) -> str:
        return func(value, *args)

    return wrapper


FILTERS = {func.__name__: _at_render_time(func)
           for func in (hours, percent, points, pct_change, count, tokens, money, team_name)}


def _is_none(value: Any) -> bool:
    return _plain(value) is None


def _is_number_test(value: Any) -> bool:
    return _is_number(_plain(value))


def _finalize(value: Any) -> Any:
    if value is None:
        raise NoData("a printed value is null")
    return value


def make_environment() -> ImmutableSandboxedEnvironment:
    """The sandbox: no globals, only the number filters and a few text builtins, strict names."""
    env = ImmutableSandboxedEnvironment(autoescape=False, undefined=jinja2.StrictUndefined, finalize=_finalize,
                                        keep_trailing_newline=False)
    builtins = env.filters
    env.filters = {name: builtins[name] for name in SAFE_BUILTIN_FILTERS}
    env.filters.update(FILTERS)
    env.tests["none"] = _is_none
    env.tests["number"] = _is_number_test
    env.globals.clear()
    return env


ENV = make_environment()


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def compile_text(text: str, known_metrics: frozenset[str] | set[str], for_each: str | None) -> jinja2.Template:
    """Parse and check a rule's text; raise TextError naming the line of the text and the problem."""
    try:
        tree = ENV.parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise TextError(f"template syntax error on line {exc.lineno} of text: {exc.message}") from None
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        raise TextError(f"line {node.lineno} of text: a rule's text cannot include or import other templates")
    known_filters = sorted(ENV.filters)
    for used_filter in tree.find_all(nodes.Filter):
        if used_filter.name not in ENV.filters:
            raise TextError(f"line {used_filter.lineno} of text: unknown filter {used_filter.name!r}"
                            f"{_suggest(used_filter.name, known_filters)}; filters: {', '.join(known_filters)}")
    for used_test in tree.find_all(nodes.Test):
        if used_test.name not in ENV.tests:
            raise TextError(f"line {used_test.lineno} of text: unknown test {used_test.name!r}"
                            f"{_suggest(used_test.name, sorted(ENV.tests))}")
    for name in sorted(meta.find_undeclared_variables(tree)):
        if name not in CONTEXT_NAMES:
            raise TextError(f"text uses unknown variable {name!r}{_suggest(name, sorted(CONTEXT_NAMES))}; "
                            f"available: {', '.join(sorted(CONTEXT_NAMES))}")
        if name == "release" and for_each != "release":
            raise TextError("text uses 'release', which is only bound with for_each: release")
    for lookup in tree.find_all((nodes.Getattr, nodes.Getitem)):  # typed as their base class, Expr
        if isinstance(lookup, (nodes.Getattr, nodes.Getitem)) and isinstance(lookup.node, nodes.Name) \
                and lookup.node.name == "m":
            metric = lookup.attr if isinstance(lookup, nodes.Getattr) else getattr(lookup.arg, "value", None)
            if isinstance(metric, str) and metric not in known_metrics:
                raise TextError(f"line {lookup.lineno} of text: unknown metric m.{metric}"
                                f"{_suggest(metric, sorted(known_metrics))}")
    try:
        return ENV.from_string(tree)
    except jinja2.TemplateError as exc:  # pragma: no cover - the checks above catch the known cases
        raise TextError(f"text does not compile: {exc}") from None


@dataclass
class Rendered:
    """A rendered text with what it used."""

    text: str
    evidence: list[dict]
    strings: list[str]
    money: list[str]


def _mapping(value: object) -> Mapping:
    """A part of the document that should be an object, or an empty one when it is missing or is not."""
    return value if isinstance(value, Mapping) else {}


def render(template: jinja2.Template, doc: Mapping, *, cadence: str, team: str | None = None,
           release: int | None = None) -> Rendered | None:
    """Render with the document bound as m, b, team, release, cadence, period; None when a printed value is missing."""
    names = _mapping(doc.get("team_names"))
    recorder = Recorder(cadence=cadence, team_names={str(k): str(v) for k, v in names.items() if v})
    token = _CURRENT.set(recorder)
    try:
        metrics, breakdowns = _mapping(doc.get("metrics")), _mapping(doc.get("breakdowns"))
        bound_release = None
        if release is not None:
            bound_release = Ref(breakdowns["releases"][release], ("breakdowns", "releases", release))
        period = doc.get("period") if isinstance(doc.get("period"), str) else None
        for value in (team, period, cadence):
            if isinstance(value, str):
                recorder.string(value)
        shown = recorder.string(display_name(team, recorder.team_names)) if team else None
        context = {"m": Ref(metrics, ("metrics",)), "b": Ref(breakdowns, ("breakdowns",)), "team": team,
                   "team_name": shown,
                   "release": bound_release, "cadence": cadence, "period": period}
        try:
            text = template.render(context)
        except (NoData, TextError):
            raise
        except Exception as exc:  # noqa: BLE001 - sandbox violations, type errors...: the rule's fault
            raise TextError(f"text failed to render: {type(exc).__name__}: {exc}") from None
    except NoData:
        return None
    finally:
        _CURRENT.reset(token)
    return Rendered(text=text, evidence=recorder.evidence, strings=recorder.strings, money=recorder.money)
