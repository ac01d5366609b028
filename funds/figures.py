"""Fund flows on the KPI dashboard and in the monthly PDF (``reports.sections``, ``core.figures``).

The figures are those of the funds' public pages, summed over the funds in the region's subtree:
what came in and went out over the months asked, what the funds hold now and what pledges are in
arrears. Everyone who may read the dashboard may read them (the money is public); one query.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.figures import Figure, Section
from funds.models import AccountKind, Entry
from funds.money import yuan


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def section(*, user, region, start: dt.date, end: dt.date) -> Section | None:
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(_next_month(end), dt.time.min, tzinfo=tz)
    period = Q(transaction__posted_at__gte=since, transaction__posted_at__lt=until)
    # One aggregate over the region's entries. What came in over the period is the change in money
    # held plus what was paid out (receipts, donations and their reversals, net).
    sums = Entry.objects.filter(account__fund__region__path__startswith=region.path).aggregate(
        cash_change=Sum("amount_fen", filter=Q(account__kind=AccountKind.CASH) & period),
        money_out=Sum("amount_fen", filter=Q(account__kind=AccountKind.SPENT) & period),
        held=Sum("amount_fen", filter=Q(account__kind=AccountKind.CASH)),
        late=Sum(
            "amount_fen",
            filter=Q(account__kind=AccountKind.RECEIVABLE)
            & Q(transaction__instalment__due_on__lt=timezone.localdate()),
        ),
    )
    money_out = sums["money_out"] or 0
    money_in = (sums["cash_change"] or 0) + money_out
    return Section(
        key="funds",
        title=_("Micro-funds"),
        figures=[
            Figure(
                "funds_in",
                _("Money received"),
                "¥" + yuan(money_in),
                _("Receipts and donations in the period, net of reversals."),
            ),
            Figure(
                "funds_out",
                _("Money out"),
                "¥" + yuan(money_out),
                _("Paid out to approved projects in the period."),
            ),
            Figure("funds_held", _("Balance"), "¥" + yuan(sums["held"]), _("What the funds in the region hold now.")),
            Figure(
                "funds_arrears",
                _("Arrears"),
                "¥" + yuan(sums["late"]),
                _("Pledges past their due date, not yet received."),
            ),
        ],
        url=reverse("funds:public_list"),
    )
