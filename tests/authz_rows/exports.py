"""Matrix rows of the export pages. Exporters (``exports.run``): community, street and district staff,
the evaluator and the admin. Each principal owns one finished export (``inside``); ``outside`` is
someone else's export, which is not found for anybody."""

from django.utils import timezone

from exports import services
from exports.models import ExportJob, Format, Kind, Status
from grids.roles import Role
from tests.authz import Row, statuses
from tests.grids import factories

# Fund managers export their funds' ledgers (issue 17), and so reach the export pages too.
EXPORTERS = [
    Role.COMMUNITY_STAFF,
    Role.STREET_STAFF,
    Role.DISTRICT_STAFF,
    Role.EVALUATOR,
    Role.ADMIN,
    Role.FUND_MANAGER,
]
MATRIX_FILE = "authz-matrix.csv"  # one small file every matrix run shares


def _exporters_only(ok: int = 200) -> dict[str, int]:
    """Exporters get ``ok`` (``multi`` is one, as street staff, and owns an export of its own)."""
    table = statuses(404, anon=302, multi=ok)
    table.update(dict.fromkeys((r.value for r in EXPORTERS), ok))
    return table


def _job(user) -> ExportJob:
    now = timezone.now()
    return ExportJob.objects.create(
        user=user,
        kind=Kind.SATISFACTION,
        format=Format.CSV,
        status=Status.DONE,
        file_name=MATRIX_FILE,
        download_name="matrix.csv",
        total_rows=0,
        finished_at=now,
        expires_at=now + timezone.timedelta(hours=1),
    )


def build(world) -> None:
    path = services.export_dir() / MATRIX_FILE
    if not path.exists():
        path.write_bytes("\ufeffTracking code\r\n".encode())
    world.objects["export_jobs"] = {name: _job(user) for name, user in world.users.items()}
    other = factories.user(username="m_other_exporter", role=Role.DISTRICT_STAFF, region=world.tree.district)
    world.objects["export_foreign"] = _job(other)


def _own(world, principal):
    jobs = world.objects["export_jobs"]
    return {"pk": (jobs.get(principal) or jobs["admin"]).pk}


def _foreign(world, principal):
    return {"pk": world.objects["export_foreign"].pk}


NOT_FOUND = statuses(404, anon=302)

ROWS = {
    "exports:list": Row(expect=_exporters_only()),
    # A post without a kind of export shows the choice of exports again.
    "exports:new": Row(expect=_exporters_only(), also={"post": _exporters_only()}),
    "exports:detail": Row(expect=_exporters_only(), inside=_own, outside=_foreign, outside_expect=NOT_FOUND),
    "exports:progress": Row(expect=_exporters_only(), inside=_own, outside=_foreign, outside_expect=NOT_FOUND),
    "exports:download": Row(expect=_exporters_only(), inside=_own, outside=_foreign, outside_expect=NOT_FOUND),
}
