"""The certificate of volunteer service as a PDF (reportlab), with a QR code to its public
verification page. Chinese text uses reportlab's built-in CID font STSong-Light: nothing to ship."""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from volunteers.models import Certificate

FONT = "STSong-Light"


def verification_url(certificate: Certificate) -> str:
    query = urlencode({"number": certificate.number})
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{reverse('volunteers:verify')}?{query}"


def _font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def render_pdf(certificate: Certificate) -> bytes:
    _font()
    buffer = BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(f"{_('Certificate of volunteer service')} {certificate.number}")
    width, height = A4
    pdf.setFont(FONT, 22)
    pdf.drawCentredString(width / 2, height - 40 * mm, _("Certificate of volunteer service"))
    pdf.setFont(FONT, 12)
    issued = timezone.localtime(certificate.issued_at).date().isoformat()
    rows = [
        (_("Certificate number"), certificate.number),
        (_("Volunteer number"), certificate.volunteer_number),
        (_("National ID number"), certificate.masked_id),
        (_("Approved hours of service"), f"{certificate.hours:.1f}"),
        (_("Services"), certificate.services),
        (_("Issuing organisation"), certificate.issuer),
        (_("Date of issue"), issued),
    ]
    y = height - 65 * mm
    for label, value in rows:
        pdf.drawString(30 * mm, y, f"{label}:")
        pdf.drawString(80 * mm, y, str(value))
        y -= 10 * mm
    pdf.setFont(FONT, 9)
    pdf.drawString(30 * mm, y - 5 * mm, _("Issued free of charge. Verify this certificate by its number at:"))
    url = verification_url(certificate)
    pdf.drawString(30 * mm, y - 11 * mm, url)
    widget = QrCodeWidget(url)
    left, bottom, right, top = widget.getBounds()
    size = 35 * mm
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0, size / (top - bottom), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, width - 30 * mm - size, 30 * mm)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
