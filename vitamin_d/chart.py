"""A server-rendered SVG of a person's measured levels against the projection of the dose now and the
30–50 ng/mL band, on a date axis. Built like the advisor's projection chart (advisor/chart.py, whose
canvas, colours and number formatting it shares): presentation attributes only, numbers formatted
here, text through ``format_html``, so it passes the strict CSP and reads the same without script.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from advisor.chart import (
    HEIGHT,
    LEFT,
    LINE_COLOUR,
    PLOT_HEIGHT,
    PLOT_WIDTH,
    RANGE_FILL,
    TARGET_HIGH_NG_ML,
    TARGET_LOW_NG_ML,
    TEXT_COLOUR,
    TOP,
    WIDTH,
    chart_frame,
    nice_ceiling,
    svg_number,
    svg_points,
)

from .next_step import DatedProjection

MEASURED_COLOUR = "#8a3b12"  # dark orange: 7:1 on white, apart from the projection's teal-blue
X_LABELS = 4


@dataclass(frozen=True)
class MeasuredPoint:
    on: date
    ng_ml: float


def timeline_chart_svg(measured: Sequence[MeasuredPoint], projection: Sequence[DatedProjection]) -> SafeString:
    if not measured:
        return SafeString("")
    start = min(point.on for point in measured)
    end = max([point.on for point in measured] + [point.on for point in projection])
    if end <= start:
        end = start + timedelta(weeks=4)
    span = (end - start).days
    values = [p.ng_ml for p in measured] + [p.high_ng_ml for p in projection]
    y_max = nice_ceiling(max(max(values), TARGET_HIGH_NG_ML) * 1.1)

    def x(on: date) -> float:
        return LEFT + PLOT_WIDTH * (on - start).days / span

    def y(value: float) -> float:
        return TOP + PLOT_HEIGHT * (1 - max(value, 0) / y_max)

    x_ticks = [start + timedelta(days=round(span * n / (X_LABELS - 1))) for n in range(X_LABELS)]
    range_outline = [(x(p.on), y(p.high_ng_ml)) for p in projection] + [
        (x(p.on), y(p.low_ng_ml)) for p in reversed(projection)
    ]
    summary = "Measured: " + "; ".join(
        f"{date_format(p.on, 'j M Y')} {p.ng_ml:.0f} ng/mL" for p in measured
    ) + "."
    if projection:
        last = projection[-1]
        summary += (
            f" With the dose now, about {last.ng_ml:.0f} ng/mL (likely {last.low_ng_ml:.0f}–{last.high_ng_ml:.0f}) "
            f"by {date_format(last.on, 'j M Y')}."
        )
    summary += f" The shaded band is the {TARGET_LOW_NG_ML}–{TARGET_HIGH_NG_ML} ng/mL target."
    projection_markup = SafeString("")
    if projection:
        projection_markup = format_html(
            '<polygon class="projection-range" points="{}" fill="{}" fill-opacity="0.45"/>'
            '<polyline class="projection-line" points="{}" fill="none" stroke="{}" stroke-width="3" '
            'stroke-dasharray="8 5" stroke-linejoin="round"/>',
            svg_points(range_outline),
            RANGE_FILL,
            svg_points([(x(p.on), y(p.ng_ml)) for p in projection]),
            LINE_COLOUR,
        )
    measured_line = [(x(p.on), y(p.ng_ml)) for p in measured]
    frame = chart_frame(
        y,
        y_max,
        x_labels=format_html_join(
            "",
            '<text x="{}" y="{}" font-size="15" fill="{}" text-anchor="{}">{}</text>',
            (
                (svg_number(x(on)), TOP + PLOT_HEIGHT + 22, TEXT_COLOUR,
                 "start" if n == 0 else "end" if n == X_LABELS - 1 else "middle", date_format(on, "M Y"))
                for n, on in enumerate(x_ticks)
            ),
        ),
    )
    return format_html(
        '<svg class="projection-chart timeline-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
        'role="img" aria-labelledby="timeline-title timeline-desc" preserveAspectRatio="xMidYMid meet">'
        '<title id="timeline-title">Your 25(OH)D tests and the projection</title>'
        '<desc id="timeline-desc">{summary}</desc>'
        "{behind}"
        "{projection}"
        '<polyline class="measured-line" points="{measured_points}" fill="none" stroke="{measured}" stroke-width="2"/>'
        "{dots}"
        "{in_front}"
        "</svg>",
        w=WIDTH,
        h=HEIGHT,
        summary=summary,
        behind=frame.behind,
        projection=projection_markup,
        measured_points=svg_points(measured_line),
        measured=MEASURED_COLOUR,
        dots=format_html_join(
            "",
            '<circle class="measured-point" cx="{}" cy="{}" r="6" fill="{}" stroke="#fff" stroke-width="2"/>',
            ((svg_number(px), svg_number(py), MEASURED_COLOUR) for px, py in measured_line),
        ),
        in_front=frame.in_front,
    )
