"""Charts: round ticks printed exactly, labels clear of lines and of each other, markers not clipped,
the report period marked, the documents' font, same spec same bytes.

Geometry is checked on the Agg renderer's boxes with a route independent of the placement code
(lines sampled every quarter pixel, markers as discs), and ticks against values worked out by hand.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from decimal import Decimal

import matplotlib
import numpy as np
import pytest
from fontTools.ttLib import TTFont
from matplotlib.font_manager import findfont
from matplotlib.patches import Rectangle

from reporter.assets import templates_dir
from reporter.views.model import ChartSpec
from reporter.render import charts
from reporter.render.charts import PERCENT_STEPS, round_step, tick_text, tick_values

WEEKS = [f"2026-W{n}" for n in range(36, 48)]
WEEKLY_TREND = ChartSpec("trend", "PR cycle time: no clear change this week (41.5 h, n 150; baseline 41.4 h)", "alt", {
    "x": WEEKS,
    "series": {"All PRs": [39.95, 38.63, 40.35, 36.58, 45.48, 44.24, 43.39, 38.55, 34.87, 43.71, 46.2, 41.48],
               "AI-assisted": [27.14, 46.34, 36.92, 35.47, 49.25, 43.96, 48.13, 49.01, 30.83, 49.23, 44.02, 45.77],
               "Other PRs": [43.32, 34.51, 40.41, 37.47, 44.62, 45.71, 43.06, 35.41, 37.35, 42.85, 46.21, 39.42]},
    "baseline": 41.395, "unit": "hours"})
WEEKLY_BARS = ChartSpec("bars", "Deployments and failure rate by week", "alt", {
    "x": WEEKS, "bars": [41, 43, 43, 41, 40, 41, 38, 39, 43, 41, 33, 44],
    "line": [0.0, 0.071, 0.0465, 0.0488, 0.075, 0.0732, 0.0526, 0.0513, 0.083, 0.0244, 0.0606, 0.0682],
    "unit": "deployments"})
STAGES = ChartSpec("stages", "Stages: no clear difference in review time, AI-assisted vs other (n 58 vs 92)", "alt", {
    "stages": ["Coding", "Pickup", "Review", "Deploy"],
    "bars": {"AI-assisted": [8.98, 6.53, 16.75, 6.59], "Other PRs": [13.26, 3.56, 14.28, 5.39]}, "unit": "hours"})
SCATTER = ChartSpec("scatter", "Contract value vs AI tokens per release — correlation, not causation", "alt", {
    "points": [[9706652, 122000.0], [2950655, 286000.0], [12516205, 318000.0], [15778250, 181000.0]],
    "x": "AI tokens (millions)", "y": "contract value (thousands USD)"})


def _rollouts() -> ChartSpec:
    """A quarter drawn week by week, its lines from the bottom of the plot (a dip to 0.1 at week 12)
    to its top; rollouts one and two weeks apart, two in one week, one where the quarter begins."""
    weeks = [f"2026-W{n}" for n in range(10, 40)]
    adopting = [2.0 + 0.8 * ((i * 7) % 5) / 4 for i in range(30)]
    adopting[12] = 0.1
    comparison = [2.2 + 0.9 * ((i * 3) % 4) / 3 for i in range(30)]
    comparison[20] = 0.2
    return ChartSpec("trend", "Adopting and comparison teams moved in parallel before the rollouts", "alt", {
        "x": weeks, "series": {"Adopting teams": adopting, "Comparison teams": comparison},
        "unit": "merged PRs per engineer-week",
        "markers": [(12, "payments rollout"), (12, "web rollout"), (14, "platform rollout"), (15, "data rollout"),
                    (17, "mobile rollout")],
        "period": "2026-Q3", "period_span": [weeks[17], weeks[29]]})


ALL = [WEEKLY_TREND, WEEKLY_BARS, STAGES, SCATTER, _rollouts()]


def drawn(spec: ChartSpec, *size: float):
    fig = charts.figure(spec, *size)
    fig.canvas.draw()
    return fig


# ---- ticks, by hand ------------------------------------------------------------------------------

@pytest.mark.parametrize("lo, hi, max_ticks, kwargs, step, ticks", [
    (0, 8.3, 6, {"steps": PERCENT_STEPS}, "2", [0, 2, 4, 6, 8]),  # 0..8.3%: 1% steps would be 9 ticks
    (0, 14.6, 6, {"steps": PERCENT_STEPS}, "5", [0, 5, 10]),  # 2% steps would be 8
    (0, 14.6, 6, {}, "2.5", [0, 2.5, 5, 7.5, 10, 12.5]),
    (0, 46.2, 5, {"integer": True}, "10", [0, 10, 20, 30, 40]),  # 5s would be 10 ticks
    (0, 2.2, 6, {"integer": True}, "1", [0, 1, 2]),  # a count never steps by 0.5
    (0, 2.2, 6, {}, "0.5", [0, 0.5, 1, 1.5, 2]),  # 0.25 would be 9
    (-7, 12, 5, {}, "5", [-5, 0, 5, 10]),  # 2.5 would be 8
    (0, 4500, 6, {}, "1000", [0, 1000, 2000, 3000, 4000]),  # 500 would be 10
    (0, 0.37, 5, {}, "0.1", [0, 0.1, 0.2, 0.3]),  # 0.05 would be 8
])
def test_round_steps_worked_by_hand(lo, hi, max_ticks, kwargs, step, ticks):
    found = round_step(lo, hi, max_ticks, **kwargs)
    assert found == Decimal(step)
    assert tick_values(lo, hi, found) == ticks


def test_ticks_print_exactly():
    assert [tick_text(v, Decimal(2), "%") for v in (0, 2, 4, 6, 8)] == ["0%", "2%", "4%", "6%", "8%"]
    assert [tick_text(v, Decimal("2.5"), "%") for v in (0, 2.5, 5)] == ["0.0%", "2.5%", "5.0%"]
    assert tick_text(0.1 + 0.2, Decimal("0.1")) == "0.3"  # float noise never reaches the page
    assert tick_text(-5, Decimal(5)) == "\u22125"  # a true minus sign
    assert tick_text(-0.0, Decimal(1)) == "0"
    assert tick_text(1250, Decimal(250)) == "1,250"


def _number(label: str) -> float:
    return float(label.replace("\u2212", "-").replace(",", "").rstrip("%"))


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.kind)
def test_every_numeric_tick_is_round_and_reads_its_own_value(spec):
    fig = drawn(spec)
    axes = [a.yaxis for a in fig.axes if spec.kind != "stages"] + (
        [fig.axes[0].xaxis] if spec.kind in ("stages", "scatter") else [])
    for axis in axes:
        locs = [v for v in axis.get_majorticklocs() if axis.get_view_interval().min() - 1e-9 <= v
                <= axis.get_view_interval().max() + 1e-9]
        labels = [t.get_text() for t in axis.get_ticklabels()]
        assert len(locs) >= 2
        assert [_number(label) for label in labels] == pytest.approx(locs, abs=1e-9)
        step = Decimal(repr(locs[1] - locs[0])).normalize()
        mantissa = step.scaleb(-step.adjusted()).normalize()
        assert mantissa in {Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)}, (labels, step)


def test_change_failure_axis_0_to_8_percent_reads_whole_percents():
    fig = drawn(WEEKLY_BARS)  # failure rate from 0 to 8.3%
    twin = fig.axes[1]
    assert [t.get_text() for t in twin.get_yticklabels()] == ["0%", "2%", "4%", "6%", "8%"]


# ---- labels, markers, legends, titles --------------------------------------------------------------

def _strokes(fig):
    """Every line of every axes in display pixels: (points, half width, marker radius)."""
    px = fig.dpi / 72
    for ax in fig.axes:
        for line in ax.get_lines():
            xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
            marker = line.get_marker() not in (None, "None", "", " ")
            yield line, xy, line.get_linewidth() * px / 2, (line.get_markersize() * px / 2 if marker else 0.0)


def _touches(box, xy, half_width, radius) -> bool:
    """Sample each segment every quarter pixel; markers are discs around the vertices."""
    x0, y0, x1, y1 = box.x0 - half_width, box.y0 - half_width, box.x1 + half_width, box.y1 + half_width
    for a, b in zip(xy[:-1], xy[1:]):
        if not (np.isfinite(a).all() and np.isfinite(b).all()):
            continue
        n = int(np.hypot(*(b - a)) / 0.25) + 2
        pts = a + np.linspace(0, 1, n)[:, None] * (b - a)
        if ((pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1)).any():
            return True
    for p in xy[np.isfinite(xy).all(axis=1)]:
        dx = max(box.x0 - p[0], 0, p[0] - box.x1)
        dy = max(box.y0 - p[1], 0, p[1] - box.y1)
        if np.hypot(dx, dy) < radius:
            return True
    return False


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.kind)
def test_labels_touch_no_line_marker_or_other_label(spec):
    fig = drawn(spec)
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    title = fig.texts[0].get_window_extent(renderer)
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts]
    for text, box in boxes:
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 and box.y1 < title.y0, text
        for line, xy, half, radius in _strokes(fig):
            assert not _touches(box, xy, half, radius), (text, line.get_label())
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            assert not box_a.overlaps(box_b), (a, b)


def test_rollout_labels_all_drawn_and_grouped_by_week():
    fig = drawn(_rollouts())
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["2026-Q3", "data", "mobile", "payments, web", "platform"]
    assert "team rollout" in [t.get_text() for t in fig.legends[0].get_texts()]


@pytest.mark.parametrize("spec", [WEEKLY_TREND, WEEKLY_BARS, SCATTER, _rollouts()], ids=lambda s: s.kind)
def test_markers_are_not_clipped_and_stay_on_the_figure(spec):
    fig = drawn(spec)
    for line, xy, _half, radius in _strokes(fig):
        if radius == 0:
            continue
        assert line.get_clip_on() is False, line.get_label()
        pts = xy[np.isfinite(xy).all(axis=1)]
        box = line.axes.bbox
        assert (pts[:, 1] >= box.y0 - 1e-6).all() and (pts[:, 1] <= box.y1 + 1e-6).all()  # inside the plot
        assert (pts - radius >= 0).all() and (pts[:, 0] + radius <= fig.bbox.x1).all()
    for collection in fig.axes[0].collections:  # the scatter's dots
        assert collection.get_clip_on() is False


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.kind)
def test_legend_below_the_plot_title_inside_the_figure(spec):
    fig = drawn(spec)
    renderer = fig.canvas.get_renderer()
    title = fig.texts[0].get_window_extent(renderer)
    assert fig.bbox.x0 <= title.x0 and title.x1 <= fig.bbox.x1 and title.y1 <= fig.bbox.y1
    for ax in fig.axes:
        assert not title.overlaps(ax.get_tightbbox(renderer))
        for legend in fig.legends:
            box = legend.get_window_extent(renderer)
            assert not box.overlaps(ax.bbox)
            assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 and box.y0 >= fig.bbox.y0


def test_a_long_title_is_wrapped_to_the_figure():
    spec = ChartSpec("trend", "PR cycle time by week: AI-assisted PRs longer, outside noise, over the quarter "
                     "(n 466 vs 1419), and a few more words to need a third line", "alt", WEEKLY_TREND.data)
    fig = drawn(spec)
    title = fig.texts[0]
    assert title.get_text().count("\n") >= 1
    box = title.get_window_extent(fig.canvas.get_renderer())
    assert box.x1 <= fig.bbox.x1


# ---- the report period ---------------------------------------------------------------------------

def _band(ax) -> tuple[float, float]:
    """The shaded band's x extent in data units."""
    bands = [p for p in ax.patches if p.get_facecolor()[:3] == matplotlib.colors.to_rgb(charts.BAND)]
    assert len(bands) == 1
    x = bands[0].get_transform().transform(bands[0].get_path().vertices)[:, 0]
    lo, hi = ax.transData.inverted().transform([[x.min(), 0], [x.max(), 0]])[:, 0]
    return round(lo, 6), round(hi, 6)


@pytest.mark.parametrize("spec", [WEEKLY_TREND, WEEKLY_BARS], ids=lambda s: s.kind)
def test_last_period_is_shaded_and_labelled_in_bold(spec):
    fig = drawn(spec)
    ax = fig.axes[0]
    assert _band(ax) == (10.5, 11.5)  # the twelfth week, W47
    labels = {t.get_text(): t for t in ax.get_xticklabels()}
    assert "W47" in labels and labels["W47"].get_fontweight() == 600
    assert all(t.get_fontweight() != 600 for name, t in labels.items() if name != "W47")


def test_period_tick_anchors_the_sparse_labels():
    weeks = [f"2026-W{n}" for n in range(10, 40)]  # 30 weeks: not every week fits a label
    spec = ChartSpec("trend", "t", "alt", {"x": weeks, "series": {"All PRs": list(range(30))}, "unit": "hours"})
    ax = drawn(spec).axes[0]
    ticks = list(ax.get_xticks())
    stride = int(ticks[1] - ticks[0])
    assert stride > 1 and ticks[-1] == 29 and all((29 - t) % stride == 0 for t in ticks)
    assert ax.get_xticklabels()[-1].get_text() == "W39"


def test_a_quarter_band_is_named_and_a_whole_chart_period_is_not_shaded():
    fig = drawn(_rollouts())
    assert _band(fig.axes[0]) == (16.5, 29.5)
    assert "2026-Q3" in [t.get_text() for t in fig.axes[0].texts]
    whole = dict(WEEKLY_TREND.data, period_span=[WEEKS[0], WEEKS[-1]])
    ax = drawn(ChartSpec("trend", "t", "alt", whole)).axes[0]
    assert not [p for p in ax.patches if p.get_facecolor()[:3] == matplotlib.colors.to_rgb(charts.BAND)]


# ---- honesty of the marks --------------------------------------------------------------------------

def test_missing_values_are_gaps_not_zeros():
    data = dict(WEEKLY_BARS.data, bars=[41, None, 43] + [40] * 9, line=[0.05, None, 0.04] + [0.05] * 9)
    fig = drawn(ChartSpec("bars", "t", "alt", data))
    centres = sorted(round(p.get_x() + p.get_width() / 2, 6) for p in fig.axes[0].patches
                     if isinstance(p, Rectangle) and p.get_facecolor()[:3] == matplotlib.colors.to_rgb(charts.ACCENT))
    assert 1.0 not in centres and len(centres) == 11
    rate = next(line for line in fig.axes[1].get_lines() if len(line.get_ydata()) == 12)
    assert np.isnan(rate.get_ydata()[1])
    stages = dict(STAGES.data, bars={"AI-assisted": [8.98, None, 16.75, 6.59], "Other PRs": [13.26, 3.56, 14.28, 5.39]})
    texts = [t.get_text() for t in drawn(ChartSpec("stages", "t", "alt", stages)).axes[0].texts]
    assert texts == ["total n/a", "36.5 h"]  # 13.26 + 3.56 + 14.28 + 5.39 = 36.49


# ---- font and bytes --------------------------------------------------------------------------------

def test_text_is_measured_with_the_packaged_inter():
    fig = drawn(WEEKLY_TREND)
    folder = templates_dir() / "assets"
    with charts.style():
        used = {findfont(t.get_fontproperties()) for t in fig.findobj(matplotlib.text.Text) if t.get_text()}
    assert {p.rsplit("/", 1)[-1] for p in used} == {"inter-latin-400-normal.ttf", "inter-latin-600-normal.ttf"}
    for path in used:  # the TrueType matplotlib reads holds the same glyphs as the documents' WOFF
        ttf, woff = TTFont(path), TTFont(folder / path.rsplit("/", 1)[-1].replace(".ttf", ".woff"))
        assert ttf.getBestCmap() == woff.getBestCmap()
        assert ttf["glyf"]["A"].getCoordinates(ttf["glyf"])[0] == woff["glyf"]["A"].getCoordinates(woff["glyf"])[0]


def test_svg_names_the_documents_family_and_carries_no_date():
    svg = charts.svg(WEEKLY_TREND)
    assert b"font-family: 'Inter'," in svg
    assert b"reporter Inter" not in svg and b"DejaVu" not in svg and b"<dc:date>" not in svg


def test_same_spec_same_bytes_in_this_and_a_fresh_process():
    first, second = charts.svg(_rollouts()), charts.svg(_rollouts())
    assert first == second
    code = ("import hashlib, sys; sys.path.insert(0, 'tests'); import test_charts as t; "
            "from reporter.render import charts; print(hashlib.sha256(charts.svg(t._rollouts())).hexdigest())")
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           cwd=str(templates_dir().parent))
    assert fresh.stdout.strip() == hashlib.sha256(first).hexdigest()
