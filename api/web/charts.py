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
