"""Every model that records a decision, a deadline, a rule or personal data is audited by database
triggers (django-pghistory); the rest are on a short list, each with its reason. A new model that
is neither fails here."""

from __future__ import annotations

import pghistory.models
import pytest
from django.apps import apps

from petitions import services
from petitions.models import Evaluation, Klass, Petition
from tests.grids import factories as grid_factories
from tests.petitions import factories

PROJECT_APPS = {"core", "grids", "accounts", "petitions", "reports", "exports", "open311", "volunteers", "funds"}

NOT_AUDITED = {
    "accounts.AuthenticatorDevice": "a proxy of django-otp's device for its translated admin name; enrolment is "
    "recorded in the audit context (totp_enrol)",
    "core.OutboxMessage": "transport of side effects, written in the same transaction as the audited change",
    "core.Notification": "a copy of what a delivered outbox message said to one user",
    "core.PersonalDataReveal": "itself the log of who unmasked whose data; rows are only ever added",
    "petitions.Event": "the timeline is itself the item's log, written by the services beside the audit",
    "petitions.MonthlySnapshot": "figures the monthly sweep derives once per month and region",
    "reports.MonthlyRollup": "figures derived from the audited petitions, rebuilt at will",
    "reports.RollupState": "the rollup refresh's watermark",
    "funds.LedgerTransaction": "the ledger is its own record: rows are only added, UPDATE and DELETE are refused "
    "by database triggers, a correction is a reversing transaction",
    "funds.Entry": "a ledger leg: only added, never updated or deleted (database triggers)",
    "funds.Account": "its balance is the running sum of its entries, proved by funds_reconcile; the entries are "
    "the record",
    "funds.Instalment": "a year's receivable the pledge job derives once from the audited pledge, posted to the "
    "ledger; never updated",
    "funds.Tranche": "one payment, tied one-to-one to its append-only ledger transaction",
}


def _tracked() -> set:
    return {
        model.pgh_tracked_model
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and getattr(model, "pgh_tracked_model", None)
    }


def test_every_model_is_audited_or_exempt_with_a_reason():
    tracked = _tracked()
    models = [
        m for m in apps.get_models() if m._meta.app_label in PROJECT_APPS and not issubclass(m, pghistory.models.Event)
    ]
    unaccounted = [m._meta.label for m in models if m not in tracked and m._meta.label not in NOT_AUDITED]
    assert not unaccounted, f"models neither audited nor exempt (with a reason): {unaccounted}"
    stale = sorted(set(NOT_AUDITED) - {m._meta.label for m in models if m not in tracked})
    assert not stale, f"exempt models that are audited now or gone: {stale}"


@pytest.mark.django_db
def test_a_filing_and_its_evaluation_leave_audit_rows(tree):
    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    petition = factories.petition(region=tree.grid_a)
    petition = services.petition_triage(user=staff, petition=petition, klass=Klass.GENERAL, unit=tree.unit_a)
    petition = services.petition_accept(user=staff, petition=petition)
    petition = services.petition_reply(user=staff, petition=petition, reply="已修复")
    services.petition_evaluate(petition=petition, rating="satisfied", source=Evaluation.Source.RESIDENT)
    events = pghistory.models.Events.objects.tracks(Petition.objects.get(pk=petition.pk))
    labels = list(events.order_by("pgh_created_at").values_list("pgh_label", flat=True))
    assert labels[0] == "insert" and "update" in labels
    evaluation = Evaluation.objects.get(petition=petition)
    assert pghistory.models.Events.objects.tracks(evaluation).filter(pgh_label="insert").exists()
    for deadline in petition.deadlines.all():
        assert pghistory.models.Events.objects.tracks(deadline).exists()
