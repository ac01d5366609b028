"""The monthly KPI report as PDF (reportlab platypus): the figures with their month-on-month change,
the charts (the very drawings the page shows as SVG), the child regions, the handling units and
the definitions of every rate. Chinese text uses reportlab's built-in CID font STSong-Light, so
nothing is downloaded or shipped; English uses Helvetica."""

from __future__ import annotations

import datetime as dt
import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.figures import Section
from reports import charts
from reports.metrics import COLLECTED_DEFINITION, RATES, WORK_HOURS_DEFINITION
from reports.presentation import Card, row_cells

UNITS_IN_PDF = 20


def _styles(face: str) -> dict[str, ParagraphStyle]:
    wrap = "CJK" if face == charts.CJK_FONT else None
    base = ParagraphStyle("base", fontName=face, fontSize=9, leading=13, alignment=TA_LEFT, wordWrap=wrap)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=22, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4, keepWithNext=1),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=colors.HexColor("#555555")),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
    }


def _table(rows: list[list], face: str, widths=None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), face),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#adb5bd")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def monthly_pdf(
    *,
    region,
    month: dt.date,
    kpi_cards: list[Card],
    trend_points: list,
    children: list,
    units: list,
    refreshed_at: dt.datetime | None,
    sections: list[Section] = (),
) -> bytes:
    """Render the report; every argument comes from the selectors (rollups only)."""
    face = charts.font()
    styles = _styles(face)
    out = io.BytesIO()
    title = _("Monthly KPI report %(month)s · %(region)s") % {"month": f"{month:%Y-%m}", "region": region.name}
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author=_("Zhenhai community portal"),
    )
    story: list = [Paragraph(escape(title), styles["title"])]
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    as_of = timezone.localtime(refreshed_at).strftime("%Y-%m-%d %H:%M") if refreshed_at else "—"
    story.append(
        Paragraph(
            escape(_("Generated %(generated)s; figures as of %(as_of)s.") % {"generated": generated, "as_of": as_of}),
            styles["small"],
        )
    )

    story.append(Paragraph(escape(_("Figures")), styles["h2"]))
    rows = [[_("Figure"), _("Value"), _("Items"), _("Month-on-month")]]
    rows += [[Paragraph(escape(c.label), styles["cell"]), c.value, c.detail, c.change] for c in kpi_cards]
    story.append(_table(rows, face, widths=[70 * mm, 30 * mm, 35 * mm, 35 * mm]))

    story.append(Spacer(1, 4 * mm))
    story.append(charts.trend_chart(trend_points, title=_("Rates over the last months")))
    story.append(charts.volume_chart(trend_points, title=_("Items collected per month")))

    if children:
        story.append(
            KeepTogether(
                [
                    Paragraph(escape(_("By region")), styles["h2"]),
                    charts.regions_chart(children, title=_("Rates by region")),
                ]
            )
        )
        story.append(_table(_figure_rows(children, styles, _("Region")), face))

    if units:
        story.append(Paragraph(escape(_("Handling units")), styles["h2"]))
        story.append(_table(_figure_rows(units[:UNITS_IN_PDF], styles, _("Handling unit")), face))
        if len(units) > UNITS_IN_PDF:
            story.append(
                Paragraph(
                    escape(_("The %(count)d units with the most items are shown.") % {"count": UNITS_IN_PDF}),
                    styles["small"],
                )
            )

    for section in sections:  # the other apps' figures (core.figures)
        story.append(Paragraph(escape(section.title), styles["h2"]))
        rows = [[_("Figure"), _("Value")]]
        rows += [[Paragraph(escape(f.label), styles["cell"]), f.value] for f in section.figures]
        story.append(_table(rows, face, widths=[100 * mm, 70 * mm]))
        if section.rows:
            table = [[Paragraph(escape(str(c)), styles["cell"]) for c in section.columns]]
            table += [[Paragraph(escape(label), styles["cell"]), *values] for label, values in section.rows]
            story.append(Spacer(1, 2 * mm))
            story.append(_table(table, face))

    story.append(Paragraph(escape(_("Definitions")), styles["h2"]))
    definitions = [(_("Items collected"), COLLECTED_DEFINITION)]
    definitions += [(spec.label, spec.definition) for spec in RATES]
    definitions.append((_("Average working time to reply"), WORK_HOURS_DEFINITION))
    definitions += [(f.label, f.definition) for section in sections for f in section.figures if f.definition]
    for label, text in definitions:
        story.append(Paragraph(escape(f"{label}: {text}"), styles["body"]))
    doc.build(story)
    return out.getvalue()


def _figure_rows(rows: list, styles: dict, first: str) -> list[list]:
    header = [
        first,
        _("Items collected"),
        _("Feedback-and-closure rate"),
        _("Closed without a fix"),
        _("On-time closure rate"),
        _("Satisfaction rate"),
        _("Not evaluated"),
        _("Rework rate"),
    ]
    table = [[Paragraph(escape(str(h)), styles["cell"]) for h in header]]
    for row in rows:
        cells = row_cells(row.figures)
        table.append(
            [
                Paragraph(escape(row.label), styles["cell"]),
                cells["collected"],
                cells["feedback_rate"],
                cells["unfixed_share"],
                cells["on_time_rate"],
                cells["satisfaction_rate"],
                cells["not_evaluated_share"],
                cells["rework_rate"],
            ]
        )
    return table
