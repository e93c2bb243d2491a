"""Charts as deterministic SVG: matplotlib's object API (no pyplot state), one style,
a colour-blind-safe palette (Okabe-Ito), titles that state the finding.

No pyplot state: each chart is its own Figure, so rendering is thread-safe and repeatable.
"""

from __future__ import annotations

import base64
import io
import textwrap

from ..cadence.model import ChartSpec

# Okabe-Ito: distinguishable with every common colour-vision deficiency and in grey scale
# when paired with different line styles / markers.
INK = "#1d2433"
MUTED = "#6b7280"
GRID = "#e5e7eb"
ACCENT = "#0072B2"  # blue
SECOND = "#E69F00"  # orange
THIRD = "#009E73"  # green
BAD = "#D55E00"  # vermillion

STYLE = {
    "font.family": "DejaVu Sans",  # bundled with matplotlib: the same glyphs on every machine
    "font.size": 8,
    "axes.edgecolor": GRID,
    "axes.labelcolor": MUTED,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.titlecolor": INK,
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": GRID,
    "grid.linewidth": 0.6,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "svg.fonttype": "none",  # text stays text (fast to print, searchable); DejaVu Sans ships with reporter's deps
    "svg.hashsalt": "reporter",  # stable element ids: same data, same bytes
    "lines.linewidth": 1.6,
}


def render(spec: ChartSpec, width_in: float = 3.6, height_in: float = 2.05) -> str:
    """Return the chart as a data: URI holding an SVG."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        from matplotlib.figure import Figure

        fig = Figure(figsize=(width_in, height_in))
        ax = fig.add_subplot()
        {"trend": _trend, "stages": _stages, "bars": _bars, "scatter": _scatter}[spec.kind](ax, spec.data)
        ax.set_title(textwrap.fill(spec.title, 52), pad=6)
        fig.tight_layout(pad=0.3)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _short(period_ids: list[str]) -> list[str]:
    """W36 for weeks, May for months, Q3 for quarters."""
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    out = []
    for p in period_ids:
        tail = p.split("-")[-1]
        out.append(months[int(tail) - 1] if tail.isdigit() else tail)
    return out


def _trend(ax, data: dict) -> None:
    x = list(range(len(data["x"])))
    styles = {"All PRs": (ACCENT, "-", "o"), "AI-assisted": (SECOND, "--", "s"), "Other PRs": (THIRD, ":", "^"),
              "Support tickets": (ACCENT, "-", "o"), "Escaped defects": (BAD, "--", "s"),
              "Incidents": (THIRD, ":", "^"), "Adopting teams": (ACCENT, "-", "o"),
              "Comparison teams": (THIRD, "--", "^")}
    for name, values in data["series"].items():
        if not values:
            continue
        color, ls, marker = styles.get(name, (MUTED, "-", "."))
        pts = [(i, v) for i, v in zip(x, values) if v is not None]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], color=color, linestyle=ls, marker=marker,
                    markersize=2.5, label=name, linewidth=1.8 if name == "All PRs" else 1.1)
    if data.get("baseline") is not None:
        ax.axhline(data["baseline"], color=INK, linewidth=0.8, linestyle=(0, (4, 3)), label="baseline")
    for index, label in data.get("markers") or []:  # events such as a team's AI rollout
        ax.axvline(index, color=MUTED, linewidth=0.7, linestyle=(0, (2, 2)), zorder=1)
        ax.annotate(label, (index, 0.02), xycoords=("data", "axes fraction"), xytext=(0, 2),
                    textcoords="offset points", fontsize=6, color=INK, va="bottom", ha="center", rotation=90,
                    bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"}, zorder=4)
    ax.set_xticks(x[::2], _short(data["x"])[::2])
    ax.set_ylabel(data.get("unit", ""))
    ax.set_ylim(bottom=0, top=ax.get_ylim()[1] * 1.08)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=4, handlelength=1.8, columnspacing=1.0)


def _stages(ax, data: dict) -> None:
    # Okabe-Ito hues with distinct lightness, so the stages also separate in grey print.
    colors = [ACCENT, SECOND, THIRD, "#CFD4DC"]
    names = list(data["bars"])
    for row, name in enumerate(names):
        left = 0.0
        for k, (stage, value) in enumerate(zip(data["stages"], data["bars"][name])):
            width = value or 0.0
            ax.barh(row, width, left=left, color=colors[k % 4], edgecolor="white", linewidth=0.8,
                    label=stage if row == 0 else None, height=0.55)
            left += width
        ax.annotate(f"{left:.0f} h", (left, row), xytext=(3, 0), textcoords="offset points", va="center",
                    fontsize=7, color=INK)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(data.get("unit", ""), labelpad=1)
    ax.set_xlim(right=ax.get_xlim()[1] * 1.12)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncols=4, handlelength=1.2, columnspacing=1.0)


def _bars(ax, data: dict) -> None:
    x = list(range(len(data["x"])))
    bars = [v if v is not None else 0 for v in data["bars"]]
    ax.bar(x, bars, color=ACCENT, width=0.6, label="deployments")
    ax.set_ylabel(data.get("unit", ""))
    ax.set_xticks(x[::2], _short(data["x"])[::2])
    line = data.get("line") or []
    if any(v is not None for v in line):
        twin = ax.twinx()
        pts = [(i, v * 100) for i, v in zip(x, line) if v is not None]
        twin.plot([p[0] for p in pts], [p[1] for p in pts], color=BAD, marker="o", markersize=2.5, linestyle="--",
                  label="change failure rate")
        twin.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0f}%")
        twin.set_ylim(bottom=0)
        twin.spines["right"].set_visible(True)
        twin.grid(False)
        handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        ax.legend(handles, ["deployments", "change failure rate (%)"], loc="upper center",
                  bbox_to_anchor=(0.5, -0.14), ncols=2)


def _scatter(ax, data: dict) -> None:
    xs = [x / 1e6 for x, _ in data["points"]]
    ys = [y / 1e3 for _, y in data["points"]]
    ax.scatter(xs, ys, s=30, color=ACCENT, edgecolor="white", linewidth=0.6, zorder=3)
    ax.set_xlabel(data.get("x", ""))
    ax.set_ylabel(data.get("y", ""))
    ax.grid(axis="x")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
