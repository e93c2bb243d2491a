"""Charts as deterministic SVG, drawn in the documents' own font.

matplotlib's object API (no pyplot state: each chart is its own Figure, so rendering is thread-safe
and repeatable), one style, a colour-blind-safe palette (Okabe-Ito) whose good/bad pair is
report.css's, titles that state the finding. The layout is measured with the packaged Inter, and the
PDF prints the charts' text in that same Inter (see STYLE and CSS_FAMILY), so what was measured is
what prints.

Rules every chart keeps (tests/test_charts.py checks them on the rendered geometry):
- axis ticks at round steps (1, 2, 2.5 or 5 x 10^k), printed exactly;
- markers are never clipped by the plot's edge;
- labels inside the plot never touch a line, a marker, a bar or each other (a label with no free
  spot gets headroom); legends sit below the plot, titles are wrapped to the measured width;
- trend charts mark the report period: a shaded band, its id in bold on the axis, its points larger.
"""

from __future__ import annotations

import base64
import io
import logging
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Sequence

from matplotlib.ticker import Formatter, Locator

if TYPE_CHECKING:
    from matplotlib.lines import Line2D
    from matplotlib.text import Text
    from matplotlib.typing import RcKeyType

from ..views import fmt
from ..views.model import ChartSpec

# report.css's --ink, --muted and --rule; the good/bad pair is its --good and --bad: Okabe-Ito blue
# and a darkened vermillion, told apart with every common colour-vision deficiency. They are close
# in grey, so a chart never relies on hue alone: the pair always differs in form too (bar vs dashed
# line, solid vs dashed, circle vs square).
INK = "#1d2433"
MUTED = "#6b7280"
GRID = "#e5e7eb"
BAND = "#eceef2"  # the report period's band: lighter than the grid, still visible in grey print
GOOD = "#0072B2"
BAD = "#C24A00"
ACCENT = GOOD
SECOND = "#E69F00"  # orange
THIRD = "#009E73"  # green

# The document's font (templates/assets, SIL OFL): regular for labels, the 600 weight of table captions
# for titles. Sizes are those of the document's table headers and captions: the default figure is as
# wide as one column of the two-column chart grid (87 mm), so the chart prints at 1:1.
# matplotlib measures with the packaged files only, registered under a family name no installed font
# has (an installed Inter of another version would change the layout); the SVG then names the
# document's family, 'Inter', and after it fallbacks no wider than Inter (Arial's metrics are ~5%
# narrower), for a browser, which cannot see a page's fonts from inside an <img>.
TEXT = "reporter Inter"
FAMILIES = [TEXT, "DejaVu Sans"]  # DejaVu Sans (bundled with matplotlib) for a glyph Inter lacks (≈, ≥, →)
CSS_FAMILY = "'Inter', Arial, 'Liberation Sans', Helvetica, sans-serif"
FONTS = {400: "inter-latin-400-normal.woff", 600: "inter-latin-600-normal.woff"}
SIZE = 6.8
TITLE_SIZE = 8.4
WIDTH_IN = 3.43  # 87 mm
HEIGHT_IN = 2.05

STYLE: dict[RcKeyType, Any] = {
    "font.family": FAMILIES,
    "font.size": SIZE,
    "axes.edgecolor": GRID,
    "axes.labelcolor": MUTED,
    "axes.labelsize": SIZE,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.unicode_minus": True,
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelsize": SIZE,
    "ytick.labelsize": SIZE,
    "legend.fontsize": SIZE,
    "legend.frameon": False,
    # Text stays text: small, searchable, and fast to print. The PDF draws it with the document's own
    # Inter (WeasyPrint shares the page's @font-face with its SVG images); the layout was measured
    # with the same font files, so what was measured is what prints.
    "svg.fonttype": "none",
    "svg.hashsalt": "reporter",  # stable element ids: same data, same bytes
    "lines.linewidth": 1.6,
}

STEPS = (1, 2, 2.5, 5)  # round steps, times a power of ten
PERCENT_STEPS = (1, 2, 5)  # whole percents wherever the range allows
MAX_TICKS = 8  # a tall axis still reads at a glance


def render(spec: ChartSpec, width_in: float = WIDTH_IN, height_in: float = HEIGHT_IN) -> str:
    """Return the chart as a data: URI holding an SVG."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg(spec, width_in, height_in)).decode("ascii")


@contextmanager
def style():
    """matplotlib's defaults plus STYLE, whatever a local matplotlibrc says: same spec, same bytes."""
    import matplotlib

    fonts = logging.getLogger("matplotlib.font_manager")
    level = fonts.level
    fonts.setLevel(logging.ERROR)  # "no weight 600 in DejaVu Sans, using 700": expected for the fallback
    try:
        with matplotlib.rc_context():
            matplotlib.rcdefaults()
            matplotlib.rcParams.update(STYLE)
            yield
    finally:
        fonts.setLevel(level)


def svg(spec: ChartSpec, width_in: float = WIDTH_IN, height_in: float = HEIGHT_IN) -> bytes:
    """The chart as SVG bytes, without date or creator: same spec, same bytes."""
    fig = figure(spec, width_in, height_in)
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    family = b"font-family: " + CSS_FAMILY.encode("ascii")
    return re.sub(rb'(style="[^"]*)font-family: [^;"]*', lambda m: m.group(1) + family, buf.getvalue())


def figure(spec: ChartSpec, width_in: float = WIDTH_IN, height_in: float = HEIGHT_IN):
    """Draw and lay out the chart on an Agg canvas (render saves it; tests measure its geometry)."""
    _register_fonts()
    with style():
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(width_in, height_in))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        drawn = {"trend": _trend, "stages": _stages, "bars": _bars, "scatter": _scatter,
                 "range": _ranges}[spec.kind](ax, spec.data)
        _layout(fig, ax, spec.title, drawn)
        fig.set_layout_engine(None)  # laid out for good: saving needs no second, dry-run draw
    return fig


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    """Make the packaged Inter known to matplotlib, from the same .woff files the documents inline.

    matplotlib's FreeType reads TrueType, not WOFF: fontTools unwraps each file (lossless, timestamp
    kept) into matplotlib's per-user cache folder, rewritten only when its bytes differ. Nothing is
    fetched.
    """
    import matplotlib
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    from ..assets import templates_dir
    from ..files import write_atomic

    folder = Path(matplotlib.get_cachedir()) / "reporter-fonts"
    for name in FONTS.values():
        font = TTFont(templates_dir() / "assets" / name, recalcTimestamp=False)
        font.flavor = None
        for record in font["name"].names:  # one family (as in report.css) at weights 400 and 600
            if record.nameID == 1:
                record.string = TEXT
        buf = io.BytesIO()
        font.save(buf)
        target = folder / name.replace(".woff", ".ttf")
        if not target.is_file() or target.read_bytes() != buf.getvalue():
            write_atomic(target, buf.getvalue())
        font_manager.fontManager.addfont(str(target))


# ---- round ticks -------------------------------------------------------------------------------

def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def round_step(lo: float, hi: float, max_ticks: int, steps: tuple[float, ...] = STEPS,
               integer: bool = False) -> Decimal:
    """The smallest round step (steps x 10^k) that puts at most ``max_ticks`` ticks on [lo, hi].

    Exact decimal arithmetic, so a step of 0.1 is 0.1 and its ticks print as written. ``integer``
    refuses fractional steps (a count axis never reads 2.5 deployments).
    """
    low, high = _decimal(lo), _decimal(hi)
    if high <= low:
        high = low + 1
    k = math.floor(math.log10(float(high - low) / max(max_ticks, 1))) - 1
    while True:
        for m in steps:
            step = _decimal(m).scaleb(k)
            if integer and step != step.to_integral_value():
                continue
            if len(_ticks(low, high, step)) <= max(max_ticks, 1):
                return step.normalize()
        k += 1


def _ticks(low: Decimal, high: Decimal, step: Decimal) -> list[Decimal]:
    first = (low / step).to_integral_value(ROUND_CEILING)
    last = (high / step).to_integral_value(ROUND_FLOOR)
    return [i * step for i in range(int(first), int(last) + 1)]


def tick_values(lo: float, hi: float, step: Decimal) -> list[float]:
    """Every multiple of ``step`` inside [lo, hi]."""
    return [float(t) for t in _ticks(_decimal(lo), _decimal(hi), Decimal(step))]


def tick_text(value: float, step: Decimal, suffix: str = "") -> str:
    """A tick printed exactly, with the decimals its step needs and no more: 0%, 2.5%, 1,000, −5."""
    exponent = Decimal(step).normalize().as_tuple().exponent
    if not isinstance(exponent, int):  # 'n', 'N' or 'F': a NaN or infinite step
        raise ValueError(f"tick step must be finite, not {step}")
    digits = max(0, -exponent)
    q = _decimal(value).quantize(Decimal(1).scaleb(-digits))
    text = f"{abs(q):,.{digits}f}{suffix}"
    return "\u2212" + text if q < 0 else text


class RoundLocator(Locator):
    """Ticks at round steps only, as many as fit with ``min_gap`` points between them (at most MAX_TICKS)."""

    def __init__(self, *, steps: tuple[float, ...] = STEPS, integer: bool = False, min_gap: float = 14.0):
        self.steps, self.integer, self.min_gap = steps, integer, min_gap
        self.step = Decimal(1)

    def __call__(self) -> list[float]:
        if self.axis is None:
            raise ValueError("a RoundLocator gives ticks once it is set on an axis")
        return self.tick_values(*self.axis.get_view_interval())

    def tick_values(self, vmin, vmax):
        lo, hi = sorted((float(vmin), float(vmax)))
        self.step = round_step(lo, hi, self._max_ticks(), self.steps, self.integer)
        return tick_values(lo, hi, self.step)

    def _max_ticks(self) -> int:
        from matplotlib.axis import XAxis, YAxis  # loaded by then: the locator sits on a drawn chart's axis

        axis = self.axis
        if not isinstance(axis, (XAxis, YAxis)):  # not on a chart's axis yet: no length to fill
            return 6
        box = axis.axes.bbox
        length = box.height if axis.axis_name == "y" else box.width
        return max(2, min(MAX_TICKS, int(length * 72 / axis.figure.dpi // self.min_gap) + 1))


class RoundFormatter(Formatter):
    """Prints the ticks of a RoundLocator exactly (see tick_text)."""

    def __init__(self, locator: RoundLocator, suffix: str = ""):
        self.locator, self.suffix = locator, suffix

    def __call__(self, x, pos=None):
        return tick_text(x, self.locator.step, self.suffix)


def _round_axis(axis, *, suffix: str = "", steps: tuple[float, ...] = STEPS, integer: bool = False,
                min_gap: float = 14.0) -> None:
    locator = RoundLocator(steps=steps, integer=integer, min_gap=min_gap)
    axis.set_major_locator(locator)
    axis.set_major_formatter(RoundFormatter(locator, suffix))


def _limits(ax, values, which: str = "y", pad: float = 0.06) -> None:
    """Zero-based limits with a little room above the largest value (and below a negative one)."""
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    lo, hi = min([0.0, *finite]), max([0.0, *finite])
    if hi == lo:
        hi = lo + 1
    span = hi - lo
    (ax.set_ylim if which == "y" else ax.set_xlim)(lo - (span * pad if lo < 0 else 0), hi + span * pad)


# ---- layout ----------------------------------------------------------------------------------------

@dataclass
class _Flag:
    """A label in the strip above the plot, starting just right of ``x`` (in data units): an event
    (its dotted line is extended up to the label) or the report period's band (no line)."""

    x: float
    text: Text
    line: Line2D | None = None


@dataclass
class _Drawn:
    """What a chart drew, for the layout: legend entries, the period axis, the flags."""

    handles: list = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    ids: list[str] | None = None  # period ids of a categorical x axis
    emphasis: int | None = None  # index of the report period's tick
    flags: list[_Flag] = field(default_factory=list)


def _layout(fig, ax, title: str, drawn: _Drawn) -> None:
    """Title wrapped to the measured width, legend under the plot, flags in a strip above it.

    Nothing is placed inside the plot but the data, so no label can sit on a line: the flags get
    rows of their own above it, as many as their widths need.
    """
    from matplotlib.font_manager import FontProperties

    renderer = fig.canvas.get_renderer()
    pt = fig.dpi / 72
    width, height = fig.bbox.width, fig.bbox.height
    pad = 1.5 * pt
    prop = FontProperties(family=FAMILIES, weight=600, size=TITLE_SIZE)
    head = fig.text(pad / width, 1 - pad / height, _wrap(title, prop, width - 2 * pad, renderer), ha="left",
                    va="top", fontproperties=prop, color=INK, linespacing=1.25, parse_math=False)
    top = head.get_window_extent(renderer).height + pad + 4 * pt
    bottom = 0.0
    if drawn.handles:
        bottom = _legend(fig, drawn, width - 2 * pad, renderer).get_window_extent(renderer).height + pt
    strip = 0.0
    for _ in range(4):  # the strip's height and the plot's width depend on each other; they settle at once
        fig.tight_layout(pad=0.3, rect=(0, bottom / height, 1, 1 - (top + strip) / height))
        _fit_axis_labels(fig, renderer)
        if drawn.ids:
            _period_ticks(ax, drawn, renderer)
        need = _flags(ax, drawn, renderer)
        if need == strip:
            return
        strip = need


def _wrap(text: str, prop, width: float, renderer) -> str:
    """Greedy word wrap by measured width (a character count misjudges a proportional font)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if line and renderer.get_text_width_height_descent(trial, prop, ismath=False)[0] > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return "\n".join([*lines, line])


def _fit_axis_labels(fig, renderer) -> None:
    """A y-axis label longer than its axis is wrapped, so it never runs past the plot into the title."""
    for ax in fig.axes:
        label = ax.yaxis.label
        text = " ".join(label.get_text().split())
        if text:
            label.set_text(_wrap(text, label.get_fontproperties(), ax.bbox.height, renderer))


def _legend(fig, drawn: _Drawn, width: float, renderer):
    """Below the plot, centred, in as few rows as fit the figure's width: never over the data."""
    for ncols in range(len(drawn.handles), 0, -1):
        legend = fig.legend(drawn.handles, drawn.names, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=ncols,
                            handlelength=1.8, columnspacing=1.2, borderaxespad=0.15, borderpad=0.2)
        if ncols == 1 or legend.get_window_extent(renderer).width <= width:
            return legend
        legend.remove()
    raise AssertionError("unreachable")


def _period_ticks(ax, drawn: _Drawn, renderer) -> None:
    """Label every k-th period counting back from the report period, so that one is always labelled."""
    from matplotlib.font_manager import FontProperties

    ids = drawn.ids or []
    names = _short(ids)
    bold = FontProperties(family=FAMILIES, weight=600, size=SIZE)
    widest = max(renderer.get_text_width_height_descent(s, bold, ismath=False)[0] for s in sorted(set(names)))
    lo, hi = ax.get_xlim()
    per = ax.bbox.width / (hi - lo)
    gap = 5 * ax.figure.dpi / 72
    stride = next((k for k in (1, 2, 3, 4, 6, 8, 13, 26, 52) if k * per >= widest + gap), len(ids))
    anchor = drawn.emphasis if drawn.emphasis is not None else len(ids) - 1
    index = sorted({*range(anchor, -1, -stride), *range(anchor, len(ids), stride)})
    ax.set_xticks(index, [names[i] for i in index])
    for i, label in zip(index, ax.get_xticklabels()):
        if i == drawn.emphasis:
            label.set_fontproperties(bold)
            label.set_color(INK)


def _flags(ax, drawn: _Drawn, renderer) -> float:
    """Stack the flags in rows above the plot; return the strip's height in pixels.

    Right to left, each flag takes the lowest row where it overlaps no flag and crosses no flag's
    line, and no line below it crosses it: labels never touch each other or a line.
    """
    from matplotlib.transforms import offset_copy

    if not drawn.flags:
        return 0.0
    fig = ax.figure
    pt = fig.dpi / 72
    gap, base = 2 * pt, 2 * pt
    row_height = max(f.text.get_window_extent(renderer).height for f in drawn.flags) + 1.5 * pt
    placed: list[tuple[int, float, float, float]] = []  # row, line x, left, right (pixels)
    for flag in sorted(drawn.flags, key=lambda f: -f.x):
        x = ax.transData.transform((flag.x, 0))[0]
        w = flag.text.get_window_extent(renderer).width
        shift = min(0.0, fig.bbox.x1 - 2 * pt - (x + gap + w))  # stay on the figure
        left, right = x + gap + shift, x + gap + shift + w
        def blocked(row: int) -> bool:
            return any((r == row and left < b + gap and a < right + gap)  # overlaps a flag of this row
                       or (r > row and left - gap <= px <= right + gap)  # a higher flag's line crosses it
                       or (r < row and flag.line is not None and a - gap <= x <= b + gap)  # its line crosses a lower one
                       for r, px, a, b in placed)

        row = 0
        while row <= len(placed) and blocked(row):
            row += 1
        placed.append((row, x, left, right))
        dy = base + row * row_height
        flag.text.set_position((flag.x, 1))
        flag.text.set_transform(offset_copy(ax.get_xaxis_transform(), fig=fig, x=(gap + shift) / pt, y=dy / pt,
                                            units="points"))
        flag.text.set_horizontalalignment("left")
        flag.text.set_verticalalignment("bottom")
        if flag.line is not None:  # the event's line runs up to its label
            flag.line.set_ydata([0, 1 + (dy + 0.5 * pt) / ax.bbox.height])
            flag.line.set_clip_on(False)
    rows = 1 + max(r for r, *_ in placed)
    return base + rows * row_height


# ---- the charts -----------------------------------------------------------------------------------

def _short(period_ids: list[str]) -> list[str]:
    """W36 for weeks, May for months, Q3 for quarters."""
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    out = []
    for p in period_ids:
        tail = p.split("-")[-1]
        out.append(months[int(tail) - 1] if tail.isdigit() else tail)
    return out


# Series styles: colour, dash and marker differ together, so no line depends on hue alone.
_STYLES = {"All PRs": (ACCENT, "-", "o"), "AI-assisted": (SECOND, "--", "s"), "Other PRs": (THIRD, ":", "^"),
           "Support tickets": (ACCENT, "-", "o"), "Escaped defects": (BAD, "--", "s"),
           "Incidents": (THIRD, ":", "^"), "Adopting teams": (ACCENT, "-", "o"),
           "Comparison teams": (THIRD, "--", "^")}


def _period_span(data: dict, ids: list[str]) -> tuple[int, int]:
    """First and last x index of the report period.

    ``data["period_span"]`` (first and last x id) when the cadence gives it (a quarter drawn week by
    week), else ``data["period"]`` when it is one of the x ids, else the last point: weekly and
    monthly charts end on their period.
    """
    span: Sequence[str] = data.get("period_span") or ()
    if len(span) == 2 and span[0] in ids and span[1] in ids:
        return ids.index(span[0]), ids.index(span[1])
    if data.get("period") in ids:
        i = ids.index(data["period"])
        return i, i
    return len(ids) - 1, len(ids) - 1


def _band(ax, drawn: _Drawn, data: dict, ids: list[str], first: int, last: int) -> None:
    """Shade the report period; a period of several points gets its name at the band's edge."""
    drawn.emphasis = last
    if first == 0 and last == len(ids) - 1 and len(ids) > 1:
        drawn.emphasis = None  # the whole chart is the report period: the title says so
        return
    ax.axvspan(first - 0.5, last + 0.5, color=BAND, linewidth=0, zorder=0)
    if first < last:
        names = _short(ids)
        text = ax.text(0, 0, str(data.get("period") or f"{names[first]}\u2013{names[last]}"), fontsize=SIZE - 0.4,
                       color=MUTED, parse_math=False)
        text.set_in_layout(False)
        drawn.flags.append(_Flag(first - 0.5, text))


def _emphasise(ax, drawn: _Drawn, index: int | None, ys: list[float], color: str, marker: str) -> None:
    """A larger, white-edged marker on the report period's point."""
    if index is not None and index < len(ys) and math.isfinite(ys[index]):
        (dot,) = ax.plot([index], [ys[index]], linestyle="none", marker=marker, markersize=5.2, color=color,
                         markeredgecolor="white", markeredgewidth=0.7, clip_on=False, zorder=4)


def _trend(ax, data: dict) -> _Drawn:
    ids = list(data["x"])
    drawn = _Drawn(ids=ids)
    first, last = _period_span(data, ids)
    _band(ax, drawn, data, ids, first, last)
    values: list[float] = []
    for name, series in (data.get("series") or {}).items():
        ys = [math.nan if v is None else float(v) for v in series or []]
        if not any(math.isfinite(v) for v in ys):
            continue
        color, ls, marker = _STYLES.get(name, (MUTED, "-", "."))
        # None stays a gap: a line drawn across a missing period would claim data it does not have
        (line,) = ax.plot(range(len(ys)), ys, color=color, linestyle=ls, marker=marker, markersize=2.8,
                          linewidth=1.8 if name == "All PRs" else 1.1, clip_on=False, zorder=3)
        drawn.handles.append(line)
        drawn.names.append(name)
        _emphasise(ax, drawn, drawn.emphasis, ys, color, marker)
        values += ys
    if data.get("baseline") is not None:
        base = ax.axhline(data["baseline"], color=INK, linewidth=0.8, linestyle=(0, (4, 3)), zorder=2)
        drawn.handles.append(base)
        drawn.names.append("baseline")
        values.append(float(data["baseline"]))
    _rollouts(ax, drawn, data.get("markers") or [])
    ax.set_xlim(-0.5, len(ids) - 0.5)
    _limits(ax, values)
    _round_axis(ax.yaxis)
    ax.set_ylabel(data.get("unit", ""), parse_math=False)
    return drawn


def _rollouts(ax, drawn: _Drawn, markers: list) -> None:
    """Events such as a team's AI rollout: a dotted line, named in the strip above the plot.

    Labels that all read "<team> rollout" are shortened to the team, the legend saying what the
    dotted line is; events of one week share a label.
    """
    groups: dict[float, list[str]] = {}
    for index, label in markers:
        groups.setdefault(index, []).append(str(label))
    suffix = " rollout"
    every = [label for labels in groups.values() for label in labels]
    short = bool(every) and all(label.endswith(suffix) for label in every)
    style: dict[str, Any] = {"color": MUTED, "linewidth": 0.7, "linestyle": (0, (2, 2))}  # Line2D keywords
    for index, labels in sorted(groups.items()):
        line = ax.axvline(index, zorder=1, **style)
        line.set_in_layout(False)  # it reaches into the strip, which the layout reserves itself
        names = [label[: -len(suffix)] for label in labels] if short else labels
        text = ax.text(0, 0, ", ".join(names), fontsize=SIZE - 0.4, color=INK, parse_math=False)
        text.set_in_layout(False)
        drawn.flags.append(_Flag(index, text, line))
    if short:
        from matplotlib.lines import Line2D

        drawn.handles.append(Line2D([], [], **style))
        drawn.names.append("team" + suffix)


def _stages(ax, data: dict) -> _Drawn:
    # Okabe-Ito hues with distinct lightness, so the stages also separate in grey print.
    colors = [ACCENT, SECOND, THIRD, "#CFD4DC"]
    drawn = _Drawn()
    names = list(data["bars"])
    totals = []
    for row, name in enumerate(names):
        left = 0.0
        values = data["bars"][name]
        for k, (stage, value) in enumerate(zip(data["stages"], values)):
            width = 0.0 if value is None else float(value)
            bars = ax.barh(row, width, left=left, color=colors[k % 4], edgecolor="white", linewidth=0.8, height=0.55)
            if row == 0:
                drawn.handles.append(bars)
                drawn.names.append(stage)
            left += width
        totals.append(left)
        # a missing stage would understate the total: say so instead of printing a smaller number
        total = fmt.hours(left) if all(v is not None for v in values) else "total n/a"
        ax.annotate(total, (left, row), xytext=(3, 0), textcoords="offset points", va="center", color=INK,
                    annotation_clip=False)
    ax.set_yticks(range(len(names)), names)
    ax.tick_params(axis="y", length=0)
    ax.invert_yaxis()
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(data.get("unit", ""), labelpad=1, parse_math=False)
    _limits(ax, totals, which="x", pad=0.02)
    _round_axis(ax.xaxis, min_gap=30)
    return drawn


def _bars(ax, data: dict) -> _Drawn:
    ids = list(data["x"])
    drawn = _Drawn(ids=ids)
    first, last = _period_span(data, ids)
    _band(ax, drawn, data, ids, first, last)
    # a period with no data gets no bar (not a bar of height zero)
    pairs = [(i, float(v)) for i, v in enumerate(data["bars"]) if v is not None]
    bars = ax.bar([i for i, _ in pairs], [v for _, v in pairs], color=ACCENT, width=0.6, zorder=2)
    drawn.handles.append(bars)
    drawn.names.append(data.get("unit", "deployments"))
    ax.set_xlim(-0.5, len(ids) - 0.5)
    _limits(ax, [v for _, v in pairs])
    _round_axis(ax.yaxis, integer=True)
    ax.set_ylabel(data.get("unit", ""), parse_math=False)
    rates = [math.nan if v is None else float(v) * 100 for v in data.get("line") or []]
    if any(math.isfinite(v) for v in rates):
        twin = ax.twinx()
        (line,) = twin.plot(range(len(rates)), rates, color=BAD, marker="o", markersize=2.8, linestyle="--",
                            linewidth=1.1, clip_on=False, zorder=3)
        _emphasise(twin, drawn, drawn.emphasis, rates, BAD, "o")
        _limits(twin, rates, pad=0.08)
        _round_axis(twin.yaxis, suffix="%", steps=PERCENT_STEPS)
        twin.spines["right"].set_visible(True)
        twin.grid(False)
        drawn.handles.append(line)
        drawn.names.append(data.get("line_label") or "change failure rate (right axis)")
    return drawn


def _scatter(ax, data: dict) -> _Drawn:
    xs = [x / 1e6 for x, _ in data["points"]]
    ys = [y / 1e3 for _, y in data["points"]]
    ax.scatter(xs, ys, s=30, color=ACCENT, edgecolor="white", linewidth=0.6, zorder=3, clip_on=False)
    ax.set_xlabel(data.get("x", ""), parse_math=False)
    ax.set_ylabel(data.get("y", ""), parse_math=False)
    ax.grid(axis="x")
    _limits(ax, xs, which="x")
    _limits(ax, ys)
    _round_axis(ax.xaxis, min_gap=30)
    _round_axis(ax.yaxis)
    return _Drawn()


def _ranges(ax, data: dict) -> _Drawn:
    """Value and cost side by side as ranges (low to high, the central estimate marked), with zero
    drawn: a CFO sees at once whether a range crosses it. Rows: (label, low, base, high)."""
    rows = data["rows"]
    values = [0.0]
    for i, (label, low, base, high) in enumerate(rows):
        color = BAD if "cost" in label.lower() else ACCENT
        if low is not None and high is not None and low != high:
            ax.plot([low, high], [i, i], color=color, linewidth=5, solid_capstyle="butt", alpha=0.45,
                    clip_on=False, zorder=2)
            values += [low, high]
        if base is not None:
            ax.plot([base], [i], marker="D" if "cost" in label.lower() else "o", color=color, markersize=5,
                    clip_on=False, zorder=3)
            values.append(base)
    ax.axvline(0, color=INK, linewidth=0.8, zorder=1)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(data.get("unit", ""), labelpad=1, parse_math=False)
    _limits(ax, values, which="x", pad=0.04)
    _round_axis(ax.xaxis, min_gap=36)
    return _Drawn()
