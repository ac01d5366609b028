"""Shared helpers of the export tests: items in known states, and reading exports back."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from petitions import services
from petitions.models import Evaluation, Klass, Petition
from tests.petitions import factories


def handled(petition: Petition, *, staff, unit, rating: str | None = None, comment: str = "", source=None) -> Petition:
    """Route, accept and reply; then (optionally) an evaluation."""
    petition = services.petition_triage(user=staff, petition=petition, klass=Klass.GENERAL, unit=unit)
    petition = services.petition_accept(user=staff, petition=petition)
    petition = services.petition_reply(user=staff, petition=petition, reply="已修复。")
    if rating:
        services.petition_evaluate(
            petition=petition, rating=rating, comment=comment, source=source or Evaluation.Source.RESIDENT
        )
    petition.refresh_from_db()
    return petition


def item(region, n: int, **extra) -> Petition:
    return factories.petition(region=region, phone=f"1391234{n:04d}", **extra)


def content(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode()), "the CSV must start with a UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
