"""Demo and benchmark data: the shared scale and the bulk-loading helpers every app's ``demo.py`` uses.

``python manage.py seed_demo`` calls, in INSTALLED_APPS order, ``<app>.demo.seed(scale=…, stdout=…)``
for every app that has one (and afterwards ``<app>.demo.report(stdout=…)`` where defined). A seeder
is idempotent: it finds its rows by their codes or usernames and adds only what is missing.

Scales:

- ``demo``: only the hand-built rows (the real tree, one login per role); nothing in bulk.
- ``district``: one district's volume (DESIGN.md "Scale of one district"): about 700 grids with a
  grid leader each and 200,000 residents, and whatever later apps derive with ``Scale.of``.
- ``city``: ten times a district, spread over ten districts (Zhenhai and nine other districts
  of Ningbo, the latter built in bulk).
- ``N`` (a positive integer): N residents with everything else in a district's proportions
  (at least one extra grid), so a test can exercise the bulk paths with a few dozen rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

# One district's figures (DESIGN.md). Apps derive their bulk numbers from these with ``Scale.of``.
DISTRICT_GRIDS = 700
DISTRICT_RESIDENTS = 200_000
DISTRICT_VOLUNTEERS = 24_800
DISTRICT_VOLUNTEER_ORGANISATIONS = 700
DISTRICT_STUDIOS = 84
DISTRICT_STATIONS = 48
DISTRICT_PETITIONS_PER_YEAR = 600_000


@dataclass(frozen=True)
class Scale:
    """How much demo data to create, as a multiple (``factor``) of one district's volume."""

    name: str
    factor: float
    districts: int = 1

    @classmethod
    def parse(cls, value: str) -> Scale:
        value = str(value).strip().lower()
        if value == "demo":
            return cls("demo", 0.0)
        if value == "district":
            return cls("district", 1.0)
        if value == "city":
            return cls("city", 10.0, districts=10)
        if value.isdigit() and int(value) > 0:
            return cls(value, int(value) / DISTRICT_RESIDENTS)
        raise ValueError(f"Unknown scale {value!r}: use demo, district, city or a positive number of residents.")

    @property
    def bulk(self) -> bool:
        """Whether anything beyond the hand-built demo rows is wanted."""
        return self.factor > 0

    def of(self, per_district: int) -> int:
        """``per_district`` (a district's figure) at this scale, over all districts; 0 at demo scale."""
        if not self.bulk:
            return 0
        return max(1, round(per_district * self.factor))

    def per_district(self, per_district: int) -> int:
        """``per_district`` at this scale within one of the ``districts`` districts."""
        if not self.bulk:
            return 0
        return max(1, math.ceil(self.of(per_district) / self.districts))


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Load ``rows`` into ``table`` with PostgreSQL COPY (psycopg 3); return how many were written.

    Triggers (the pghistory audit, once for the statement) still fire. Rows must satisfy every
    constraint: COPY has no ``ON CONFLICT``, so callers insert only what is missing.
    """
    written = 0
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.connection.cursor() as raw, raw.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def reserve_ids(table: str, count: int, column: str = "id") -> list[int]:
    """Take ``count`` values from the sequence behind ``table.column`` (for rows loaded with COPY
    whose ids other rows must reference)."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(table), column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def analyze(*tables: str) -> None:
    """Refresh planner statistics after a bulk load, so the first queries plan with real row counts."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")  # noqa: S608 - quoted table name
