"""Charts drawn on the server as inline SVG: no script and no style attribute (the Content-Security-Policy refuses
inline scripts and styles; it allows the site's own files), colours from the style sheet. Every row is named in
text, so nothing is told by colour alone; the page gives the same figures as a table."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup, escape

WIDTH, TOTAL_WIDTH = 600, 70  # viewBox units: the bars, then the row's total
ROW, BAR, AXIS = 60, 26, 24  # height of a row (its name above its bars), of the tallest bar, of the dates below

@dataclass(frozen=True)
class Row:
    """One row of bars: its name, a value per column, its total as written at its end ("12", "8 %"), and the
    unit of its values (" %")."""

    label: str
    values: Sequence[float]
    total: str
    unit: str = ""


def small_multiples(rows: Sequence[Row], columns: Sequence[str], description: str) -> Markup:
    """One row per series: its name, then a bar per column (one scale for every row) and its total; the first
    and last columns named under the rows. `description` is the chart's text alternative."""
    top = max((value for row in rows for value in row.values), default=0) or 1
    step = (WIDTH - TOTAL_WIDTH) / max(len(columns), 1)
    height = ROW * len(rows) + AXIS
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(description)}">']
    for index, row in enumerate(rows):
        base = ROW * (index + 1) - 4
        parts.append(f'<text x="0" y="{base - BAR - 8}">{escape(row.label)}</text>'
                     f'<line class="axis" x1="0" x2="{WIDTH - TOTAL_WIDTH}" y1="{base}" y2="{base}"/>')
        for column, (name, value) in enumerate(zip(columns, row.values)):
            bar = max(BAR * value / top, 2) if value else 0  # a small figure stays visible
            parts.append(f'<rect class="bar" x="{column * step + step * 0.1:.1f}" y="{base - bar:.1f}" '
                         f'width="{step * 0.8:.1f}" height="{bar:.1f}">'
                         f'<title>{escape(name)} : {value:g}{escape(row.unit)}</title></rect>')
        parts.append(f'<text class="total" x="{WIDTH}" y="{base}">{escape(row.total)}</text>')
    if columns:
        parts.append(f'<text x="0" y="{height - 4}">{escape(columns[0])}</text>'
                     f'<text class="end" x="{WIDTH - TOTAL_WIDTH}" y="{height - 4}">{escape(columns[-1])}</text>')
    return Markup("".join(parts) + "</svg>")
