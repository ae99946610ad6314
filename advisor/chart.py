"""A server-rendered SVG chart of the projected blood level against the 30–50 ng/mL target band.

Only presentation attributes are used (no style attributes, no script), so the chart passes a
strict Content Security Policy and reads the same without JavaScript. Every value is a number
formatted by this module, and text goes through ``format_html``, so nothing is injected.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

TARGET_LOW_NG_ML = 30
TARGET_HIGH_NG_ML = 50

# A narrow-ish canvas with large type, so labels stay readable when a phone scales it down.
WIDTH, HEIGHT = 560, 340
LEFT, RIGHT, TOP, BOTTOM = 58, 14, 14, 56
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM

BAND_FILL = "#d8efe3"
RANGE_FILL = "#9cc9e6"
LINE_COLOUR = "#0b5d7a"
AXIS_COLOUR = "#55606a"
GRID_COLOUR = "#e3e7ea"
TEXT_COLOUR = "#2b3338"


@dataclass(frozen=True)
class ChartPoint:
    week: int
    ng_ml: float
    low_ng_ml: float
    high_ng_ml: float


def chart_points_from_outcome(projection: Sequence[Mapping[str, Any]]) -> list[ChartPoint]:
    """The stored projection (``[{"week", "ng_ml", "low_ng_ml", "high_ng_ml"}, …]``) as chart points."""
    return [
        ChartPoint(
            week=int(point["week"]),
            ng_ml=float(point["ng_ml"]),
            low_ng_ml=float(point.get("low_ng_ml", point["ng_ml"])),
            high_ng_ml=float(point.get("high_ng_ml", point["ng_ml"])),
        )
        for point in projection
    ]


def projection_chart_svg(points: Sequence[ChartPoint], *, title_id: str = "projection-title",
                         desc_id: str = "projection-desc") -> SafeString:
    """The SVG markup for a projection: axes, the target band, the likely range and the line."""
    if not points:
        return SafeString("")
    last_week = max(point.week for point in points) or 1
    top_value = max(max(point.high_ng_ml for point in points), TARGET_HIGH_NG_ML)
    y_max = nice_ceiling(top_value * 1.1)

    def x(week: float) -> float:
        return LEFT + PLOT_WIDTH * week / last_week

    def y(value: float) -> float:
        return TOP + PLOT_HEIGHT * (1 - max(value, 0) / y_max)

    week_step = 4 if last_week > 12 else 2 if last_week > 6 else 1
    x_ticks = list(range(0, last_week + 1, week_step))
    range_outline = [(x(p.week), y(p.high_ng_ml)) for p in points] + [
        (x(p.week), y(p.low_ng_ml)) for p in reversed(points)
    ]
    line = [(x(p.week), y(p.ng_ml)) for p in points]
    first, last = points[0], points[-1]
    summary = (
        f"Projected blood level from {first.ng_ml:.0f} ng/mL now to about {last.ng_ml:.0f} ng/mL "
        f"(likely range {last.low_ng_ml:.0f}–{last.high_ng_ml:.0f}) after {last.week} weeks; "
        f"the shaded band is the {TARGET_LOW_NG_ML}–{TARGET_HIGH_NG_ML} ng/mL target."
    )
    frame = chart_frame(
        y,
        y_max,
        x_labels=format_html_join(
            "",
            '<text x="{}" y="{}" font-size="15" fill="{}" text-anchor="middle">{}</text>',
            ((svg_number(x(week)), TOP + PLOT_HEIGHT + 20, TEXT_COLOUR, week) for week in x_ticks),
        ),
        x_title="Weeks from now",
    )
    return format_html(
        '<svg class="projection-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
        'role="img" aria-labelledby="{tid} {did}" preserveAspectRatio="xMidYMid meet">'
        '<title id="{tid}">Projected 25(OH)D blood level</title><desc id="{did}">{summary}</desc>'
        "{behind}"
        '<polygon class="projection-range" points="{range_points}" fill="{range_fill}" fill-opacity="0.45"/>'
        '<polyline class="projection-line" points="{line_points}" fill="none" stroke="{line}" '
        'stroke-width="3" stroke-linejoin="round"/>'
        "{dots}"
        "{in_front}"
        "</svg>",
        w=WIDTH,
        h=HEIGHT,
        tid=title_id,
        did=desc_id,
        summary=summary,
        behind=frame.behind,
        range_points=svg_points(range_outline),
        range_fill=RANGE_FILL,
        line_points=svg_points(line),
        line=LINE_COLOUR,
        dots=format_html_join(
            "",
            '<circle cx="{}" cy="{}" r="3" fill="{}"/>',
            ((svg_number(px), svg_number(py), LINE_COLOUR) for px, py in line),
        ),
        in_front=frame.in_front,
    )


@dataclass(frozen=True)
class ChartFrame:
    """What every ng/mL chart draws the same way, in two layers so the data sits between them."""

    behind: SafeString  # grid lines, the target band and its label
    in_front: SafeString  # the axes, the tick labels and the axis titles


def chart_frame(y: Callable[[float], float], y_max: float, *, x_labels: SafeString,
                x_title: str = "") -> ChartFrame:
    """The frame of a chart whose vertical axis is ng/mL from 0 to ``y_max``; ``y`` maps a value to its
    SVG y coordinate. The caller brings the horizontal axis's tick labels (weeks, dates…) and title."""
    y_ticks = list(range(0, int(y_max) + 1, tick_step(y_max)))
    behind = format_html(
        "{grid}"
        '<rect class="target-band" x="{left}" y="{band_y}" width="{pw}" height="{band_h}" fill="{band_fill}"/>'
        '<text x="{band_label_x}" y="{band_label_y}" font-size="15" fill="{text}" text-anchor="end">'
        "target {lo}–{hi} ng/mL</text>",
        grid=format_html_join(
            "",
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>',
            ((LEFT, svg_number(y(t)), WIDTH - RIGHT, svg_number(y(t)), GRID_COLOUR) for t in y_ticks if t),
        ),
        left=LEFT,
        pw=PLOT_WIDTH,
        band_y=svg_number(y(TARGET_HIGH_NG_ML)),
        band_h=svg_number(y(TARGET_LOW_NG_ML) - y(TARGET_HIGH_NG_ML)),
        band_fill=BAND_FILL,
        band_label_x=WIDTH - RIGHT - 6,
        band_label_y=svg_number(y(TARGET_HIGH_NG_ML) + 18),
        text=TEXT_COLOUR,
        lo=TARGET_LOW_NG_ML,
        hi=TARGET_HIGH_NG_ML,
    )
    x_title_markup = SafeString("")
    if x_title:
        x_title_markup = format_html(
            '<text x="{}" y="{}" font-size="15" fill="{}" text-anchor="middle">{}</text>',
            LEFT + PLOT_WIDTH // 2, HEIGHT - 8, TEXT_COLOUR, x_title,
        )
    in_front = format_html(
        '<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{axis}"/>'
        '<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="{axis}"/>'
        "{x_labels}{y_labels}{x_title}"
        '<text x="14" y="{y_title_y}" font-size="15" fill="{text}" text-anchor="middle" '
        'transform="rotate(-90 14 {y_title_y})">ng/mL</text>',
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        bottom=TOP + PLOT_HEIGHT,
        axis=AXIS_COLOUR,
        x_labels=x_labels,
        y_labels=format_html_join(
            "",
            '<text x="{}" y="{}" font-size="15" fill="{}" text-anchor="end">{}</text>',
            ((LEFT - 8, svg_number(y(t) + 5), TEXT_COLOUR, t) for t in y_ticks),
        ),
        x_title=x_title_markup,
        y_title_y=TOP + PLOT_HEIGHT // 2,
        text=TEXT_COLOUR,
    )
    return ChartFrame(behind=behind, in_front=in_front)

def tick_step(y_max: float) -> int:
    return 10 if y_max <= 80 else 20 if y_max <= 160 else 50


def nice_ceiling(value: float) -> float:
    step = tick_step(value)
    return float(-(-int(value) // step) * step)


def svg_number(value: float) -> str:
    return f"{value:.1f}"


def svg_points(coords: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{svg_number(px)},{svg_number(py)}" for px, py in coords)
