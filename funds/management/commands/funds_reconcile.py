"""``manage.py funds_reconcile``: prove every fund's balances from its ledger entries."""

from django.core.management.base import BaseCommand, CommandError

from funds.selectors import reconcile


class Command(BaseCommand):
    help = "Recompute every fund account's balance from its entries and compare it with the kept balance."

    def handle(self, *args, **options):
        checked, wrong, unbalanced = reconcile()
        for item in wrong:
            self.stderr.write(
                f"fund {item.fund_id} account {item.account_id}: kept {item.kept} fen, "
                f"entries sum to {item.from_entries}"
            )
        for fund_id in unbalanced:
            self.stderr.write(f"fund {fund_id}: its entries do not sum to zero")
        if wrong or unbalanced:
            raise CommandError(f"{len(wrong)} account(s) and {len(unbalanced)} fund(s) do not reconcile")
        self.stdout.write(f"{checked} accounts reconciled: each balance equals the sum of its entries.")
