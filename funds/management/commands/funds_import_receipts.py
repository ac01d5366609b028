"""``manage.py funds_import_receipts FILE.csv``: record money received from a bank statement or a
collection sheet. Columns: ``key,fund,amount,donor,consent`` (``amount`` in yuan; ``donor`` and
``consent`` — yes/no to being named publicly — optional). Each row carries an idempotency key, so
importing the same file twice, or a file that overlaps an earlier one, records each row once."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from funds import services
from funds.models import DonorKind, Fund, LedgerTransaction
from funds.money import parse_yuan

COLUMNS = ("key", "fund", "amount")


class Command(BaseCommand):
    help = "Import receipts from a CSV file (key,fund,amount[,donor,consent]); each key is recorded once."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path: str, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file")
        recorded = already = 0
        refused: list[str] = []
        with file.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise CommandError(f"{path}: missing columns {', '.join(missing)}")
            for line, row in enumerate(reader, start=2):
                key = f"import:{(row.get('key') or '').strip()}"
                try:
                    if key == "import:":
                        raise DomainError("no key")
                    if LedgerTransaction.objects.filter(idempotency_key=key).exists():
                        already += 1
                        continue
                    fund = Fund.objects.filter(pk=int(row["fund"])).first() if row["fund"].strip().isdigit() else None
                    if fund is None:
                        raise DomainError("no such fund")
                    amount = parse_yuan(row["amount"])
                    donor = None
                    if (row.get("donor") or "").strip():
                        consent = (row.get("consent") or "").strip().lower() in ("yes", "y", "1", "true", "是")
                        donor = services.donor_create(
                            user=None,
                            kind=DonorKind.RESIDENT,
                            name=row["donor"],
                            region=fund.region,
                            consent_public=consent,
                        )
                    services.receipt_record(user=None, fund=fund, amount_fen=amount, donor=donor, idempotency_key=key)
                    recorded += 1
                except (DomainError, ValidationError) as error:
                    message = getattr(error, "message", None) or "; ".join(getattr(error, "messages", [str(error)]))
                    refused.append(f"line {line}: {message}")
        for item in refused:
            self.stderr.write(item)
        self.stdout.write(f"{recorded} receipts recorded, {already} already recorded, {len(refused)} refused.")
        if refused:
            raise CommandError(f"{len(refused)} row(s) refused")
