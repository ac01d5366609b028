import pytest

from petitions import services
from petitions.models import Deadline, Evaluation, Klass, Status
from tests.grids import factories as grid_factories
from tests.petitions import factories

pytestmark = pytest.mark.django_db


def test_the_closed_loop_end_to_end(tree):
    staff = grid_factories.user(role="street_staff", region=tree.street_a)
    p = factories.petition(region=tree.grid_a)
    assert p.status == Status.NEW and p.tracking_code.startswith("ZH")
    assert p.deadlines.get(met_at__isnull=True).kind == Deadline.Kind.TRIAGE
    p = services.petition_triage(user=staff, petition=p, klass=Klass.GENERAL, unit=tree.unit_a)
    assert p.status == Status.ASSIGNED
    assert set(p.deadlines.filter(met_at__isnull=True).values_list("kind", flat=True)) == {"accept", "resolve"}
    p = services.petition_accept(user=staff, petition=p)
    assert set(p.deadlines.filter(met_at__isnull=True).values_list("kind", flat=True)) == {"update", "resolve"}
    p = services.petition_request_info(user=staff, petition=p, question="请提供照片")
    assert p.status == Status.WAITING
    p = services.petition_resume(user=staff, petition=p, answer="已补充")
    p = services.petition_reply(user=staff, petition=p, reply="已修复")
    assert p.status == Status.REPLIED
    services.petition_evaluate(petition=p, rating=Evaluation.Rating.UNSATISFIED, comment="还是不亮", source="resident")
    p.refresh_from_db()
    assert p.status == Status.ACCEPTED and p.rework_count == 1
    p = services.petition_reply(user=staff, petition=p, reply="换了灯泡")
    services.petition_evaluate(petition=p, rating=Evaluation.Rating.SATISFIED, source="resident")
    p.refresh_from_db()
    assert p.status == Status.CLOSED and p.closed_at
    assert [e.action for e in p.timeline.exclude(kind="deadline")][:3] == ["file", "triage", "accept"]
    assert p.timeline.filter(kind="deadline", action="deadline_shift").exists()  # moved after the pause
