"""Charts drawn on the server as inline SVG: no chart library, no script. Each chart is an
image with a name and a description for screen readers, and the page shows the same numbers
as a table beside it. Helpful and unhelpful bars differ in pattern and label, not only colour."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    helpful: bool = True


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def bar_chart(bars: Sequence[Bar], *, title: str, chart_id: str, width: int = 560, top: float | None = None) -> Markup:
    """Horizontal bars, one row per label (e.g. how often each cue was heard). The longest bar
    is ``top`` (the top of a rating scale), else the largest value."""
    row, label_w, pad = 30, 230, 8
    height = max(1, len(bars)) * row + pad * 2
    top = top or max((b.value for b in bars), default=0) or 1
    bar_w = width - label_w - 60
    desc = "; ".join(f"{b.label}: {_num(b.value)}" for b in bars) or "nothing to show yet"
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d"'
        f' preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#f4d4c9"/><line x1="0" y1="0" x2="0" y2="6" stroke="#a6321f" stroke-width="3"/>'
        "</pattern></defs>",
    ]
    for i, b in enumerate(bars):
        y = pad + i * row
        w = max(2.0, bar_w * b.value / top)
        mark = "" if b.helpful else "! "
        fill = "#1d70b8" if b.helpful else "url(#hatch)"
        stroke = "" if b.helpful else ' stroke="#a6321f" stroke-width="1.5"'
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" class="chart-label">{escape(mark + b.label)}</text>'
            f'<rect x="{label_w}" y="{y + 5}" width="{w:.1f}" height="{row - 10}" fill="{fill}"{stroke} rx="2"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 19}" class="chart-value">{_num(b.value)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Point:
    label: str  # e.g. the date
    value: float | None


def column_chart(points: Sequence[Point], *, title: str, chart_id: str, unit: str = "", width: int = 560) -> Markup:
    """Vertical columns over time from a zero line (values may be negative), e.g. the mean
    score of each finished session, oldest first."""
    height, left, bottom, top_pad = 220, 44, 36, 14
    values = [p.value for p in points if p.value is not None]
    hi = max([0.0, *values]) or 1.0
    lo = min([0.0, *values])
    span = hi - lo or 1.0
    plot_h = height - bottom - top_pad
    plot_w = width - left - 10

    def y_of(v: float) -> float:
        return top_pad + (hi - v) / span * plot_h

    n = max(1, len(points))
    slot = plot_w / n
    col_w = min(40.0, slot * 0.6)
    desc = "; ".join(f"{p.label}: {_num(p.value) if p.value is not None else 'no score'}{unit}" for p in points)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d"'
        f' preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc or "no finished sessions yet")}</desc>',
        f'<line x1="{left}" x2="{width - 10}" y1="{y_of(0):.1f}" y2="{y_of(0):.1f}" stroke="#505a5f"/>',
        f'<text x="{left - 6}" y="{y_of(hi) + 4:.1f}" text-anchor="end" class="chart-value">{_num(hi)}</text>',
        f'<text x="{left - 6}" y="{y_of(0) + 4:.1f}" text-anchor="end" class="chart-value">0</text>',
    ]
    if lo < 0:
        parts.append(
            f'<text x="{left - 6}" y="{y_of(lo) + 4:.1f}" text-anchor="end" class="chart-value">{_num(lo)}</text>'
        )
    for i, p in enumerate(points):
        x = left + slot * i + (slot - col_w) / 2
        if p.value is not None:
            y0, y1 = sorted((y_of(0), y_of(p.value)))
            fill = "#1d70b8" if p.value >= 0 else "url(#hatch)"
            parts.append(
                f'<rect x="{x:.1f}" y="{y0:.1f}" width="{col_w:.1f}" height="{max(1.0, y1 - y0):.1f}" fill="{fill}"/>'
            )
        if n <= 12 or i % max(1, n // 12) == 0:
            parts.append(
                f'<text x="{x + col_w / 2:.1f}" y="{height - 14}" text-anchor="middle" class="chart-axis">{escape(p.label)}</text>'
            )
    parts.insert(
        2,
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#f4d4c9"/><line x1="0" y1="0" x2="0" y2="6" stroke="#a6321f" stroke-width="3"/>'
        "</pattern></defs>",
    )
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Series:
    """One line of a line chart: a value per x label (None: no point there)."""

    label: str
    values: Sequence[float | None]
    dashed: bool = False  # the second line differs by dashes and square markers, not only colour


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    chart_id: str,
    low: float = 0.0,
    high: float = 100.0,
    y_label: str = "",
    width: int = 560,
) -> Markup:
    """Lines over the same x labels (e.g. the patient's tension after each reply, then and now),
    on a fixed scale from ``low`` to ``high``. Each line has its own dash pattern and marker
    shape, and its name at its last point, so it reads without colour."""
    height, left, bottom, top_pad, right = 220, 44, 36, 14, 70
    plot_h = height - bottom - top_pad
    plot_w = width - left - right
    span = (high - low) or 1.0
    n = max(1, len(x_labels))

    def x_of(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y_of(v: float) -> float:
        return top_pad + (high - min(high, max(low, v))) / span * plot_h

    desc = "; ".join(
        f"{s.label}: "
        + ", ".join(f"{x} {_num(v) if v is not None else 'none'}" for x, v in zip(x_labels, s.values, strict=False))
        for s in series
    )
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d"'
        f' preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc or "nothing to show yet")}</desc>',
        f'<line x1="{left}" x2="{left + plot_w}" y1="{y_of(low):.1f}" y2="{y_of(low):.1f}" stroke="#505a5f"/>',
        f'<text x="{left - 6}" y="{y_of(high) + 4:.1f}" text-anchor="end" class="chart-value">{_num(high)}</text>',
        f'<text x="{left - 6}" y="{y_of(low) + 4:.1f}" text-anchor="end" class="chart-value">{_num(low)}</text>',
    ]
    if y_label:
        parts.append(f'<text x="{left}" y="{top_pad - 4}" class="chart-axis">{escape(y_label)}</text>')
    for i, name in enumerate(x_labels):
        parts.append(
            f'<text x="{x_of(i):.1f}" y="{height - 14}" text-anchor="middle" class="chart-axis">{escape(name)}</text>'
        )
    for s in series:
        colour = "#a6321f" if s.dashed else "#1d70b8"
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        points = [(x_of(i), y_of(v)) for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>')
        for px, py in points:
            if s.dashed:
                parts.append(f'<rect x="{px - 4:.1f}" y="{py - 4:.1f}" width="8" height="8" fill="{colour}"/>')
            else:
                parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4.5" fill="{colour}"/>')
        if points:
            px, py = points[-1]
            parts.append(f'<text x="{px + 8:.1f}" y="{py + 4:.1f}" class="chart-label">{escape(s.label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
