"""The reports' charts, drawn once with reportlab's graphics and rendered twice: as inline SVG for
the pages (``svg``) and into the monthly PDF (the same ``Drawing`` is a platypus flowable).

No JavaScript library and no CDN: the project's own Python draws every chart, so the page works on
an intranet without internet, and the PDF shows exactly what the page shows.
"""

from __future__ import annotations

import itertools
import re
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

from reports.metrics import Figures

CJK_FONT = "STSong-Light"  # reportlab's built-in Chinese CID font: nothing to download or ship
LATIN_FONT = "Helvetica"
PALETTE = [colors.HexColor(c) for c in ("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#d63384", "#20c997")]
WIDTH, HEIGHT = 560, 250
BROWSER_FONTS = "system-ui, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
_ids = itertools.count(1)


def register_fonts() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def font() -> str:
    """Chinese text needs the CID font; English reads better in Helvetica."""
    register_fonts()
    return LATIN_FONT if (get_language() or "").startswith("en") else CJK_FONT


def _pct(value: Decimal | None) -> float | None:
    return None if value is None else float(value * 100)


def _legend(drawing: Drawing, pairs: list, *, y: float, face: str) -> None:
    legend = Legend()
    legend.x, legend.y = 50, y
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = (WIDTH - 60) / max(1, len(pairs))  # one row, the labels spread over the width
    legend.dx = legend.dy = 8
    legend.fontName, legend.fontSize = face, 8
    legend.colorNamePairs = pairs
    legend.boxAnchor = "sw"
    drawing.add(legend)


def _title(drawing: Drawing, text: str, face: str) -> None:
    drawing.add(String(10, HEIGHT - 14, text, fontName=face, fontSize=10))


def _short(label: str, limit: int = 8) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def trend_chart(points: list[tuple], *, title: str) -> Drawing:
    """Rates month by month: first-time resolution, feedback-and-closure, on-time, satisfaction (%)."""
    face = font()
    series = [
        (_("First-time resolution rate"), "first_time_rate"),
        (_("Feedback-and-closure rate"), "feedback_rate"),
        (_("On-time closure rate"), "on_time_rate"),
        (_("Satisfaction rate"), "satisfaction_rate"),
    ]
    drawing = Drawing(WIDTH, HEIGHT)
    _title(drawing, title, face)
    data = [[_pct(getattr(figures, attr)) for _month, figures in points] for _label, attr in series]
    # A rate with no value in any month (nothing collected yet) has no line to draw.
    shown = [i for i, values in enumerate(data) if any(v is not None for v in values)]
    if not shown:
        drawing.add(
            String(WIDTH / 2, HEIGHT / 2, _("No items in this period."), fontName=face, fontSize=9, textAnchor="middle")
        )
        return drawing
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 45, 70, WIDTH - 70, HEIGHT - 100
    chart.data = [data[i] for i in shown]
    chart.categoryAxis.categoryNames = [f"{month:%Y-%m}" for month, _figures in points]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = face
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(points) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(points) > 8 else "n"
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.joinedLines = 1
    for position, index in enumerate(shown):
        chart.lines[position].strokeColor = PALETTE[index]
        chart.lines[position].strokeWidth = 1.5
    drawing.add(chart)
    _legend(drawing, [(PALETTE[i], series[i][0]) for i in shown], y=8, face=face)
    return drawing


def bar_chart(
    labels: list[str],
    values: list[list[float | None]],
    names: list[str],
    *,
    title: str,
    percent: bool,
    palette: list | None = None,
):
    """Vertical bars, one group per label, one bar per series (``names``)."""
    palette = palette or PALETTE
    face = font()
    drawing = Drawing(WIDTH, HEIGHT)
    _title(drawing, title, face)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 45, 70, WIDTH - 70, HEIGHT - 100
    chart.data = [[v or 0 for v in series] for series in values] or [[0]]
    chart.categoryAxis.categoryNames = [_short(label) for label in labels] or [""]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = face
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    rotate = len(labels) > 6
    chart.categoryAxis.labels.angle = 30 if rotate else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if rotate else "n"
    chart.valueAxis.valueMin = 0
    if percent:
        chart.valueAxis.valueMax, chart.valueAxis.valueStep = 100, 20
        chart.valueAxis.labelTextFormat = "%d%%"
    else:
        top = max([v or 0 for series in values for v in series] or [0])
        chart.valueAxis.valueMax = max(5, top * 1.1)
    chart.groupSpacing = 6
    for index in range(len(values)):
        chart.bars[index].fillColor = palette[index % len(palette)]
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    if len(names) > 1:
        _legend(drawing, [(palette[i], name) for i, name in enumerate(names)], y=8, face=face)
    return drawing


def volume_chart(points: list[tuple], *, title: str) -> Drawing:
    """Items collected and replied or closed, month by month."""
    labels = [f"{month:%Y-%m}" for month, _figures in points]
    values = [[f.collected for _m, f in points], [f.replied for _m, f in points]]
    names = [_("Items collected"), _("Replied or closed")]
    return bar_chart(labels, values, names, title=title, percent=False)


def regions_chart(rows: list, *, title: str) -> Drawing:
    """Feedback-and-closure, on-time and satisfaction rates by child region (%)."""
    labels = [row.label for row in rows]
    figures: list[Figures] = [row.figures for row in rows]
    values = [
        [_pct(f.feedback_rate) for f in figures],
        [_pct(f.on_time_rate) for f in figures],
        [_pct(f.satisfaction_rate) for f in figures],
    ]
    names = [_("Feedback-and-closure rate"), _("On-time closure rate"), _("Satisfaction rate")]
    return bar_chart(labels, values, names, title=title, percent=True)


def backlog_chart(months: list, *, title: str) -> Drawing:
    """Open and overdue items at each month's end (月月清零)."""
    labels = [f"{s.month:%Y-%m}" for s in months]
    values = [[s.open_count for s in months], [s.overdue_count for s in months]]
    palette = [PALETTE[0], colors.HexColor("#dc3545")]  # overdue in the board's red
    return bar_chart(labels, values, [_("Open items"), _("Overdue items")], title=title, percent=False, palette=palette)


def svg(drawing: Drawing, *, label: str) -> SafeString:
    """The drawing as inline SVG: no XML prolog, its own clip-path id, scaling to the container."""
    uid = f"chart{next(_ids)}"
    text = renderSVG.drawToString(drawing)
    text = text[text.index("<svg") :]
    text = text.replace('id="clip"', f'id="{uid}-clip"').replace("url(#clip)", f"url(#{uid}-clip)")
    text = text.replace('id="group"', f'id="{uid}-group"')
    text = re.sub(r"<title>.*?</title>", f"<title>{escape(label)}</title>", text, count=1, flags=re.S)
    text = re.sub(r"<desc>.*?</desc>", "", text, count=1, flags=re.S)
    # The PDF needs its embedded fonts; a browser draws the same text in the reader's own fonts.
    text = re.sub(r"font-family: [^;\"]+", f"font-family: {BROWSER_FONTS}", text)
    text = re.sub(
        r'<svg width="[\d.]+" height="[\d.]+"',
        f'<svg role="img" aria-label="{escape(label)}" class="report-chart" style="width:100%;height:auto"',
        text,
        count=1,
    )
    return mark_safe(text)  # noqa: S308 - reportlab's own markup; every text in it is escaped by renderSVG
