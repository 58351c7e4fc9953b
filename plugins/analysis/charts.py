"""Charts as SVG drawn on the server by pygal, to put inline in a page.

The SVG scales to its container (a ``viewBox``, no fixed size), so it is readable on a
phone; it carries no script (pygal's tooltips script is taken out: the pages' content
security allows none inline, and every chart's numbers stand in a table next to it) and
fetches nothing. Each function returns the SVG text; the template marks it safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

SVG = "{http://www.w3.org/2000/svg}"
CLASS_COLOURS = ("#2f6f4f", "#d99a29", "#b5473a")


def _style() -> Any:
    from pygal.style import Style

    return Style(background="transparent", plot_background="transparent",
                 foreground="#333", foreground_strong="#111", foreground_subtle="#999",
                 colors=CLASS_COLOURS + ("#4c6ea8", "#7a5aa6", "#5a9aa6"),
                 font_family="system-ui, sans-serif", label_font_size=12,
                 major_label_font_size=12, value_font_size=11, title_font_size=14)


def _svg(chart: Any) -> str:
    """The chart's SVG without pygal's script elements or its comments."""
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if child.tag in ("script", f"{SVG}script"):
                parent.remove(child)
    text = ElementTree.tostring(tree, encoding="unicode")
    return text.replace("ns0:", "").replace(":ns0", "")


def _chart(kind: str, title: str, **config: Any) -> Any:
    import pygal

    factory = getattr(pygal, kind)
    return factory(title=title, style=_style(), js=[], disable_xml_declaration=True,
                   explicit_size=False, width=640, height=320, legend_at_bottom=True,
                   truncate_label=18, x_label_rotation=0, print_values=False, **config)


def class_bars(title: str, keys: Sequence[str], values: Sequence[Decimal],
               classes: Sequence[str | None], *, names: Sequence[str] = ("A", "B", "C")
               ) -> str:
    """Bars of each object's value, one colour per class (the Pareto chart of ABC)."""
    chart = _chart("Bar", title, show_x_labels=len(keys) <= 20)
    chart.x_labels = list(keys)
    for name in names:
        chart.add(name, [float(value) if cls == name else None
                         for value, cls in zip(values, classes, strict=True)])
    return _svg(chart)


def bars(title: str, labels: Sequence[str], series: dict[str, Sequence[Decimal]]) -> str:
    """Grouped bars: one series per name over ``labels`` (a matrix's cells, months)."""
    chart = _chart("Bar", title, show_legend=len(series) > 1)
    chart.x_labels = list(labels)
    for name, values in series.items():
        chart.add(name, [float(value) for value in values])
    return _svg(chart)


def lines(title: str, labels: Sequence[str], series: dict[str, Sequence[Decimal | None]]
          ) -> str:
    """Lines over ``labels`` (a trend over months), one per name; ``None`` is a gap."""
    chart = _chart("Line", title, show_legend=len(series) > 1, show_dots=True)
    chart.x_labels = list(labels)
    for name, values in series.items():
        chart.add(name, [None if value is None else float(value) for value in values])
    return _svg(chart)


class ChartService:
    """analysis' service ``charts`` (CONTRACTS: ``analysis.charts``): the same SVG
    charts for other plugins' pages (the kpi plugin's trends)::

        charts = plugin_service(session, "analysis", "charts")
        svg = charts.lines("Score", ["2026-10", "2026-11"], {"score": [Decimal("0.9"), ...]})

    Each returns SVG text without script, scaled to its container; show its numbers
    in a table next to it."""

    bars = staticmethod(bars)
    lines = staticmethod(lines)
    class_bars = staticmethod(class_bars)


CHARTS = ChartService()
