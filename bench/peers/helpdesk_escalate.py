"""Runs inside the peer's own virtual environment (django-helpdesk and its Django), not the portal's.

``python helpdesk_escalate.py prepare <tickets> <due>``: (re)create the open tickets, ``due`` of them
old enough to escalate. ``python helpdesk_escalate.py measure <repeat>``: time the
``escalate_tickets`` command, each run inside a transaction rolled back afterwards. Prints JSON.
"""

import json
import sys
import time
from datetime import timedelta

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from helpdesk.models import Queue, Ticket  # noqa: E402

SLUG = "bench"


def prepare(tickets: int, due: int) -> dict:
    queue = Queue.objects.filter(slug=SLUG).first()
    if (
        queue
        and Ticket.objects.filter(queue=queue).count() == tickets
        and (Ticket.objects.filter(queue=queue, created__lte=timezone.now() - timedelta(days=2)).count() == due)
        and not Ticket.objects.filter(queue=queue, submitter_email__isnull=True).exists()
    ):
        return {"tickets": tickets, "due": due, "reused": True}
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE helpdesk_ticketchange, helpdesk_followup, helpdesk_ticket CASCADE")
    queue = queue or Queue.objects.create(title="街道诉求", slug=SLUG, escalate_days=1)
    batch = []
    for i in range(tickets):
        batch.append(
            Ticket(
                title=f"诉求 {i}",
                queue=queue,
                submitter_email=f"resident{i}@example.com",  # as every ticket filed by a person has
                description="小区北门外人行道有十几块地砖松动，下雨天一踩就溅水。",
                priority=3,
                status=Ticket.OPEN_STATUS,
            )
        )
        if len(batch) == 5000:
            Ticket.objects.bulk_create(batch)
            batch = []
    Ticket.objects.bulk_create(batch)
    # Spread the due ones evenly: every (tickets/due)-th ticket was filed ten days ago.
    ids = list(Ticket.objects.filter(queue=queue).order_by("id").values_list("id", flat=True))
    step = tickets / max(due, 1)
    chosen = [ids[int(k * step)] for k in range(due)]
    Ticket.objects.filter(id__in=chosen).update(created=timezone.now() - timedelta(days=10))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE helpdesk_ticket")
    return {"tickets": tickets, "due": len(chosen), "reused": False}


def measure(repeat: int, warmup: int = 1) -> dict:
    from django.core import mail

    seconds, escalated, emails = [], 0, 0
    for index in range(warmup + repeat):
        mail.outbox = []  # the locmem backend's sent mail
        with transaction.atomic():
            started = time.perf_counter()
            call_command("escalate_tickets")
            elapsed = time.perf_counter() - started
            escalated = Ticket.objects.filter(last_escalation__isnull=False).count()
            emails = len(mail.outbox)
            transaction.set_rollback(True)
        if index >= warmup:
            seconds.append(elapsed)
    import helpdesk

    version = getattr(helpdesk, "__version__", None)
    if not version:
        from importlib.metadata import version as dist_version

        version = dist_version("django-helpdesk")
    return {"seconds": seconds, "escalated": escalated, "emails": emails, "version": version}


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "prepare":
        print(json.dumps(prepare(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        print(json.dumps(measure(int(sys.argv[2]))))
