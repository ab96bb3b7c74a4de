"""Small building blocks for self-contained HTML reports: pages, tables, matplotlib figures as inline SVG.

A report is one HTML file with no external resources (figures are inline
SVG), so it can be mailed, archived next to its JSON, or opened offline.
matplotlib is used through :class:`matplotlib.figure.Figure` with the Agg
canvas, never through pyplot's global state, so reports can be built from
any thread and leave nothing open.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.best { font-weight: bold; }
.figure svg { max-width: 100%; height: auto; }
.note { color: #555; font-size: 0.9rem; }
"""


def figure(width: float = 8.0, height: float = 4.0) -> Figure:
    """A new figure attached to an Agg canvas."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def svg_of(fig: Figure) -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def table(header: Sequence[str], rows: Sequence[Sequence[object]], best: Sequence[set[int]] | None = None) -> str:
    """An HTML table; ``best[r]`` holds the column indices of row ``r`` to emphasise."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for r, row in enumerate(rows):
        cells = []
        for c, value in enumerate(row):
            css = ' class="best"' if best is not None and c in best[r] else ""
            cells.append(f"<td{css}>{html.escape(format_value(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def format_value(value: object) -> str:
    """Numbers to 4 decimals, integers with thousands separators, everything else as text."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def page(title: str, sections: Sequence[str]) -> str:
    """A whole HTML document."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{''.join(sections)}</body></html>\n"
    )
