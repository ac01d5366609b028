"""Reads of exports: the rows of each kind and the user's own export jobs.

Each kind is one SQL query that returns the finished cells — times formatted, labels in the reader's
language, personal data masked, formula-like text defused — so the rows need no work in Python:

- a streamed CSV is PostgreSQL's own ``COPY (query) TO STDOUT WITH (FORMAT csv)`` relayed in
  64 KiB pieces (``csv_pieces``): memory stays flat and the speed is the database's;
- a workbook, a background job and ``satisfaction_rows`` read the same query through a server-side
  cursor in chunks (``export_chunks``).

The rows are read from the streaming standby when ``DATABASE_REPLICA_URL`` names one and it lags no
more than ``REPLICA_MAX_LAG_SECONDS`` (``core.replica``), else from the primary (``rows_database``):
an export is a snapshot of the data, not a read of the caller's own last write. The job's own rows
(``ExportJob``, the reveal log) are written and read on the primary by the services.

For the benchmark: ``satisfaction_sql`` is the query (for ``COPY (…) TO STDOUT``),
``satisfaction_rows`` yields the same rows as tuples, and ``satisfaction_csv`` yields the CSV bytes
exactly as the streamed response sends them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Case as CaseWhen
from django.db.models import CharField, F, Func, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.replica import replica_reads
from exports import masking_sql, permissions
from exports.forms import Params
from exports.models import ExportJob, Kind
from funds.models import AccountKind, TransactionKind
from grids.models import Region
from grids.permissions import within
from gridwork import selectors as gridwork_selectors
from petitions.models import Channel, Evaluation, Klass, Level, Petition, Status
from petitions.selectors import LATEST_EVALUATION_JOIN

MINUTE_FORMAT = "YYYY-MM-DD HH24:MI"
BOM = "\ufeff"
PIECE_BYTES = 64 * 1024


@dataclass
class ExportSpec:
    """One export's query (cells finished by PostgreSQL) and its columns."""

    kind: str
    headers: list[str]
    sql: str
    params: list
    ids_sql: str  # the same rows' petition ids, unordered: counts and the reveal log
    ids_params: list
    masked: bool = True
    summary: list[tuple[str, str]] = field(default_factory=list)  # the filters in words
    file_stem: str = "export"
    personal_fields: str = "reporter_name,reporter_phone"  # what an unmasked export reveals (the log)


# --- Building blocks ---------------------------------------------------------------------------------


class LocalMinute(Func):
    """A timestamp as ``YYYY-MM-DD HH:MM`` text in the portal's time zone, formatted by PostgreSQL."""

    arg_joiner = " AT TIME ZONE "
    template = f"to_char(%(expressions)s, '{MINUTE_FORMAT}')"
    output_field = CharField()

    def __init__(self, expression):
        super().__init__(expression, Value(settings.TIME_ZONE))


class Wrapped(Func):
    """A column wrapped in one of ``masking_sql``'s expressions (masking, defusing)."""

    output_field = CharField()

    def __init__(self, expression, build: Callable[[str], str]):
        super().__init__(expression)
        self.build = build

    def as_sql(self, compiler, connection, **extra_context):
        inner, params = compiler.compile(self.get_source_expressions()[0])
        if params:  # the builders repeat the expression; only plain columns are wrapped
            raise ValueError("Wrapped expects a column without parameters")
        return self.build(inner), ()


def _personal(build_mask: Callable[[str], str], masked: bool) -> Callable[[str], str]:
    """Masked, or shown as typed; defused either way, after masking (a masked "=cmd" is "=****")."""
    if masked:
        return lambda expr: masking_sql.defuse(build_mask(expr))
    return masking_sql.defuse


def _label(field_name: str, choices) -> CaseWhen:
    whens = [When(**{field_name: value}, then=Value(str(label))) for value, label in choices]
    return CaseWhen(*whens, default=F(field_name), output_field=CharField())


def _label_sql(column: str, choices, *, missing: str | None = None) -> tuple[str, list]:
    """``CASE column WHEN value THEN label … END`` with the labels as parameters."""
    parts, params = [], []
    for value, label in choices:
        parts.append("WHEN %s THEN %s")
        params += [value, str(label)]
    sql = f"CASE {column} {' '.join(parts)} ELSE {column}::text END"
    if missing is not None:
        sql = f"COALESCE({sql}, %s)"
        params.append(missing)
    return sql, params


def _category_column() -> str:
    return "name_en" if (get_language() or "").startswith("en") else "name_zh"


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in the portal's time zone."""
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


# --- The satisfaction report ------------------------------------------------------------------------


def satisfaction_headers() -> list[str]:
    return [
        _("Tracking code"),
        _("Filed at"),
        _("Category"),
        _("Channel"),
        _("Region"),
        _("Handling unit"),
        _("Status"),
        _("Replied at"),
        _("Replied on time"),
        _("Rework count"),
        _("Escalations"),
        _("Latest evaluation"),
        _("Evaluated by"),
        _("Evaluated at"),
        _("Comment"),
        _("Resident's name"),
        _("Resident's phone"),
    ]


def _satisfaction_where(region_path: str, start: dt.date, end: dt.date) -> tuple[str, list]:
    since, until = day_bounds(start, end)
    return (
        "p.region_path LIKE %s AND p.created_at >= %s AND p.created_at < %s AND p.status <> %s",
        [region_path + "%", since, until, Status.MERGED.value],
    )


def satisfaction_sql(*, region: Region, start: dt.date, end: dt.date, masked: bool = True) -> tuple[str, list]:
    """The satisfaction rows of ``region``'s subtree, items filed on ``start``…``end`` (inclusive,
    Asia/Shanghai), merged items left out: one row per item, oldest first, with its latest
    evaluation (resident, callback or third party) through one index lookup per item.

    Labels come in the active language; the resident's name and phone are masked unless
    ``masked=False``. No scope check here: callers check the user's scope first.
    """
    tz = settings.TIME_ZONE
    channel, channel_params = _label_sql("p.channel", Channel.choices)
    status, status_params = _label_sql("p.status", Status.choices)
    rating, rating_params = _label_sql("e.rating", Evaluation.Rating.choices, missing=_("Not evaluated"))
    source, source_params = _label_sql("e.source", Evaluation.Source.choices, missing="")
    where, where_params = _satisfaction_where(region.path, start, end)
    name = _personal(masking_sql.mask_name, masked)("p.reporter_name")
    phone = _personal(masking_sql.mask_phone, masked)("p.reporter_phone")
    comment = masking_sql.defuse("COALESCE(e.comment, '')")
    defuse = masking_sql.defuse
    # "Replied on time" is the item's own stored answer (Petition.on_time); an unreplied item already
    # past its resolution deadline is "No" as well.
    sql = f"""
SELECT p.tracking_code,
       to_char(p.created_at AT TIME ZONE %s, '{MINUTE_FORMAT}'),
       {defuse(f"c.{_category_column()}")},
       {channel},
       {defuse("r.name")},
       {defuse("COALESCE(u.name, '')")},
       {status},
       to_char(p.replied_at AT TIME ZONE %s, '{MINUTE_FORMAT}'),
       CASE WHEN p.on_time THEN %s
            WHEN NOT p.on_time THEN %s
            WHEN p.replied_at IS NULL AND p.resolve_by < now() THEN %s
            ELSE '' END,
       p.rework_count,
       p.escalation_count,
       {rating},
       {source},
       to_char(e.created_at AT TIME ZONE %s, '{MINUTE_FORMAT}'),
       {comment},
       {name},
       {phone}
  FROM petitions_petition p
  JOIN petitions_category c ON c.id = p.category_id
  JOIN grids_region r ON r.id = p.region_id
  LEFT JOIN grids_handlingunit u ON u.id = p.unit_id
  {LATEST_EVALUATION_JOIN}
 WHERE {where}
 ORDER BY p.created_at, p.id"""  # noqa: S608 (only our own fragments; every value is a parameter)
    yes, no = _("Yes"), _("No")
    params = [
        tz,
        *channel_params,
        *status_params,
        tz,
        yes,
        no,
        no,
        *rating_params,
        *source_params,
        tz,
        *where_params,
    ]
    return sql, params


def _satisfaction_spec(*, region: Region, start: dt.date, end: dt.date, masked: bool) -> ExportSpec:
    sql, sql_params = satisfaction_sql(region=region, start=start, end=end, masked=masked)
    where, where_params = _satisfaction_where(region.path, start, end)
    return ExportSpec(
        kind=Kind.SATISFACTION,
        headers=satisfaction_headers(),
        sql=sql,
        params=sql_params,
        ids_sql=f"SELECT p.id FROM petitions_petition p WHERE {where}",  # noqa: S608 (values are parameters)
        ids_params=where_params,
        masked=masked,
        summary=[
            (_("Region"), region.name),
            (_("Filed between"), f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"),
        ],
        file_stem=f"satisfaction-{region.code}-{start:%Y%m%d}-{end:%Y%m%d}",
    )


def _check_satisfaction_scope(user, region: Region, masked: bool) -> bool:
    if not within(region.path, permissions.export_paths(user)):
        raise Region.DoesNotExist("region outside the user's export scope")
    return masked or not permissions.may_reveal_all(user, [region.path])


def satisfaction_rows(
    *, user, region: Region, start: dt.date, end: dt.date, masked: bool = True, chunk_size: int | None = None
) -> Iterator[tuple]:
    """The satisfaction rows for ``user`` (``exports.run`` on ``region``, else Region.DoesNotExist), as
    tuples of the cells ``satisfaction_headers`` names. Personal data is masked unless
    ``masked=False`` and the user may reveal it (not logged here: the export service logs reveals).

    Streams from a server-side cursor in a read-only transaction of its own: flat memory.
    """
    masked = _check_satisfaction_scope(user, region, masked)
    spec = _satisfaction_spec(region=region, start=start, end=end, masked=masked)
    for chunk in export_chunks(spec, chunk_size=chunk_size):
        yield from chunk


def satisfaction_csv(*, user, region: Region, start: dt.date, end: dt.date, masked: bool = True) -> Iterator[bytes]:
    """The satisfaction CSV (BOM, header, rows) as the streamed response sends it."""
    masked = _check_satisfaction_scope(user, region, masked)
    spec = _satisfaction_spec(region=region, start=start, end=end, masked=masked)
    for data, _rows in csv_pieces(spec):
        yield data


# --- The petition list (the queue behind any view) ---------------------------------------------------


def petition_headers() -> list[str]:
    return [
        _("Tracking code"),
        _("Filed at"),
        _("Title"),
        _("Category"),
        _("Channel"),
        _("Class"),
        _("Status"),
        _("Level in charge"),
        _("Region"),
        _("Handling unit"),
        _("Next time limit"),
        _("Resolve by"),
        _("Replied at"),
        _("Closed at"),
        _("Claimed by"),
        _("Rework count"),
        _("Escalations"),
        _("Resident's name"),
        _("Resident's phone"),
        _("Address"),
    ]


def _petition_rows_queryset(filterset, *, masked: bool) -> QuerySet:
    qs = filterset.qs  # no DISTINCT: no filter of PetitionFilter can repeat a row
    ordering = filterset.ordering
    if ordering == "next_due_at":
        qs = qs.filter(next_due_at__isnull=False).order_by("next_due_at", "id")
    else:
        qs = qs.order_by(ordering)
    annotations = {
        "x_filed": LocalMinute(F("created_at")),
        "x_title": Wrapped(F("title"), masking_sql.defuse),
        "x_category": Wrapped(F(f"category__{_category_column()}"), masking_sql.defuse),
        "x_channel": _label("channel", Channel.choices),
        "x_klass": _label("klass", Klass.choices),
        "x_status": _label("status", Status.choices),
        "x_level": CaseWhen(
            *[When(level=value, then=Value(str(label))) for value, label in Level.choices],
            default=Value(""),
            output_field=CharField(),
        ),
        "x_region": Wrapped(F("region__name"), masking_sql.defuse),
        "x_unit": Coalesce(Wrapped(F("unit__name"), masking_sql.defuse), Value("")),
        "x_next": LocalMinute(F("next_due_at")),
        "x_resolve": LocalMinute(F("resolve_by")),
        "x_replied": LocalMinute(F("replied_at")),
        "x_closed": LocalMinute(F("closed_at")),
        "x_claimed": Coalesce(
            NullIf(Wrapped(F("claimed_by__full_name"), masking_sql.defuse), Value("")),
            Wrapped(F("claimed_by__username"), masking_sql.defuse),
            Value(""),
        ),
        "x_rework": F("rework_count"),
        "x_escalations": F("escalation_count"),
        "x_name": Wrapped(F("reporter_name"), _personal(masking_sql.mask_name, masked)),
        "x_phone": Wrapped(F("reporter_phone"), _personal(masking_sql.mask_phone, masked)),
        "x_address": Wrapped(F("address"), _personal(masking_sql.mask_address, masked)),
    }
    return qs.annotate(**annotations).values_list("tracking_code", *annotations)


def _describe_filters(filterset) -> list[tuple[str, str]]:
    form = filterset.form
    summary = []
    for name, value in form.cleaned_data.items():
        if value in (None, "", [], ()) or name == "sort":
            continue
        field_ = form.fields[name]
        choices = dict(getattr(field_, "choices", []) or [])
        if isinstance(value, bool):
            shown = _("Yes") if value else _("No")
        elif isinstance(value, list | tuple):
            shown = "、".join(str(choices.get(v, v)) for v in value)
        elif choices and not hasattr(value, "pk"):
            shown = str(choices.get(value, value))
        else:
            shown = str(value)
        summary.append((str(field_.label), shown))
    return summary or [(_("Filters"), _("None: every item you may see"))]


def _petitions_spec(params: Params, *, masked: bool) -> ExportSpec:
    filterset = params.filterset
    rows = _petition_rows_queryset(filterset, masked=masked)
    sql, sql_params = rows.query.sql_with_params()
    # "id": the reveal log selects the column by that name (values("pk") would name it "pk").
    ids_sql, ids_params = filterset.qs.order_by().values("id").query.sql_with_params()
    return ExportSpec(
        kind=Kind.PETITIONS,
        headers=petition_headers(),
        sql=sql,
        params=list(sql_params),
        ids_sql=ids_sql,
        ids_params=list(ids_params),
        masked=masked,
        summary=_describe_filters(filterset),
        file_stem=f"petitions-{timezone.localtime():%Y%m%d-%H%M}",
        personal_fields="reporter_name,reporter_phone,address",
    )


# --- A fund's ledger (issue 17) ---------------------------------------------------------------------


def ledger_headers() -> list[str]:
    return [
        _("Posted at"),
        _("Transaction"),
        _("Kind"),
        _("Purpose"),
        _("Account"),
        _("Amount (yuan; debit +, credit −)"),
        _("Memo"),
        _("Donor"),
        _("Reverses"),
    ]


def ledger_sql(*, fund) -> tuple[str, list]:
    """Every entry of ``fund`` in posting order, amounts in yuan as PostgreSQL formats them; a donor
    who did not consent to be named is masked. No scope check here: callers check it first."""
    kind, kind_params = _label_sql("t.kind", TransactionKind.choices)
    account, account_params = _label_sql("a.kind", AccountKind.choices)
    defuse = masking_sql.defuse
    sql = f"""
SELECT to_char(t.posted_at AT TIME ZONE %s, '{MINUTE_FORMAT}'),
       t.id,
       {kind},
       {defuse("a.purpose")},
       {account},
       to_char(e.amount_fen / 100.0, 'FM9999999999990.00'),
       {defuse("t.memo")},
       CASE WHEN d.id IS NULL THEN ''
            WHEN d.consent_public THEN {defuse("d.name")}
            ELSE {defuse(masking_sql.mask_name("d.name"))} END,
       COALESCE(t.reverses_id::text, '')
  FROM funds_entry e
  JOIN funds_ledgertransaction t ON t.id = e.transaction_id
  JOIN funds_account a ON a.id = e.account_id
  LEFT JOIN funds_donor d ON d.id = t.donor_id
 WHERE t.fund_id = %s
 ORDER BY t.id, e.id"""  # noqa: S608 (only our own fragments; every value is a parameter)
    return sql, [settings.TIME_ZONE, *kind_params, *account_params, fund.pk]


def _ledger_spec(*, fund) -> ExportSpec:
    sql, params = ledger_sql(fund=fund)
    return ExportSpec(
        kind=Kind.LEDGER,
        headers=ledger_headers(),
        sql=sql,
        params=params,
        ids_sql="SELECT e.id FROM funds_entry e JOIN funds_ledgertransaction t ON t.id = e.transaction_id"
        " WHERE t.fund_id = %s",
        ids_params=[fund.pk],
        masked=True,
        summary=[(_("Fund"), fund.name), (_("Purpose"), fund.purpose)],
        file_stem=f"ledger-{fund.pk}-{timezone.localtime():%Y%m%d-%H%M}",
        personal_fields="",
    )


# --- Grid work's figures (issue 15) -------------------------------------------------------------------


def _gridwork_spec(*, region: Region, start: dt.date, end: dt.date) -> ExportSpec:
    """One row per node of the region's subtree; the query is grid work's own (``gridwork.selectors``)."""
    sql, params = gridwork_selectors.export_sql(region=region, start=start, end=end)
    ids_sql, ids_params = gridwork_selectors.export_ids_sql(region=region)
    return ExportSpec(
        kind=Kind.GRIDWORK,
        headers=gridwork_selectors.export_headers(),
        sql=sql,
        params=params,
        ids_sql=ids_sql,
        ids_params=ids_params,
        summary=[(_("Region"), region.name), (_("Period"), f"{start:%Y-%m-%d} – {end:%Y-%m-%d}")],
        file_stem=f"gridwork-{region.code}-{start:%Y%m%d}-{end:%Y%m%d}",
        personal_fields="",
    )


# --- Any kind ----------------------------------------------------------------------------------------


def export_roots(*, user, params: Params) -> list[str]:
    """The region subtrees a valid export's rows come from (what an unmasked export would reveal)."""
    if params.kind in (Kind.LEDGER, Kind.GRIDWORK):
        return []  # no residents' data to reveal: the ledger and grid work's figures hold none
    if params.kind == Kind.SATISFACTION:
        return [params.cleaned["region"].path]
    region = params.cleaned.get("region")
    return permissions.narrowed_roots(user, region.path if region else None)


def export_spec(*, user, params: Params, masked: bool = True) -> ExportSpec:
    """The query of a valid export (``forms.parse_params`` applied the user's scope). The caller
    decides ``masked=False`` only for people who may reveal every row (``may_reveal_all``)."""
    if params.kind == Kind.LEDGER:
        return _ledger_spec(fund=params.cleaned["fund"])
    if params.kind == Kind.GRIDWORK:
        cleaned = params.cleaned
        return _gridwork_spec(region=cleaned["region"], start=cleaned["start"], end=cleaned["end"])
    if params.kind == Kind.SATISFACTION:
        cleaned = params.cleaned
        return _satisfaction_spec(region=cleaned["region"], start=cleaned["start"], end=cleaned["end"], masked=masked)
    return _petitions_spec(params, masked=masked)


def rows_database() -> str:
    """The database alias export rows are read from: the router's choice for a replica-eligible read
    (``core.replica``) — the standby while it answers and is fresh enough, else the primary; the
    primary when no standby is configured or a transaction is open on the primary."""
    with replica_reads():
        return router.db_for_read(Petition)


def export_count(spec: ExportSpec, *, limit: int | None = None) -> int:
    """How many rows the export holds; with ``limit``, counting stops there (cheap at any size)."""
    inner = spec.ids_sql + (f" LIMIT {int(limit)}" if limit is not None else "")
    with connections[rows_database()].cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({inner}) counted", spec.ids_params)  # noqa: S608 (our own SQL)
        return cursor.fetchone()[0]


def csv_header(headers: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(headers)
    return (BOM + buffer.getvalue()).encode("utf-8")


def csv_pieces(spec: ExportSpec, *, piece_bytes: int = PIECE_BYTES) -> Iterator[tuple[bytes, int]]:
    """The CSV, written by PostgreSQL: the BOM and header, then ``COPY (query) TO STDOUT`` relayed
    in pieces of about ``piece_bytes``, each with the number of rows it holds (the server sends one
    message per row). Nothing else may run on this connection until the stream ends."""
    yield csv_header(spec.headers), 0
    statement = f"COPY ({spec.sql}) TO STDOUT WITH (FORMAT csv)"
    # The driver's own cursor: Django's debug wrapper (DEBUG=True) takes no parameters for copy().
    with connections[rows_database()].cursor() as cursor, cursor.cursor.copy(statement, spec.params) as copy:
        pending, size, rows = [], 0, 0
        for row in copy:
            pending.append(row)
            size += len(row)
            rows += 1
            if size >= piece_bytes:
                yield b"".join(pending), rows
                pending, size, rows = [], 0, 0
        if pending:
            yield b"".join(pending), rows


def export_chunks(spec: ExportSpec, *, chunk_size: int | None = None, hold: bool = False) -> Iterator[list]:
    """The rows in chunks (lists of tuples), from a server-side cursor.

    By default inside a transaction of its own: PostgreSQL produces rows while they are read. With
    ``hold=True`` outside a transaction the cursor is ``WITH HOLD``: PostgreSQL materializes the
    result first, and the caller may commit other writes (a job's progress) between chunks.
    """
    size = chunk_size or settings.EXPORT_CHUNK_ROWS
    using = rows_database()
    if hold:
        yield from _read(spec, size, using)
        return
    with transaction.atomic(using=using):
        yield from _read(spec, size, using)


def _read(spec: ExportSpec, size: int, using: str) -> Iterator[list]:
    # On the standby a long read needs its hot_standby_feedback = on (docs/scaling.md), or replaying
    # the primary's vacuum may cancel it.
    cursor = connections[using].chunked_cursor()
    try:
        cursor.execute(spec.sql, spec.params)
        while True:
            chunk = cursor.fetchmany(size)
            if not chunk:
                return
            yield chunk
    finally:
        cursor.close()


# --- The user's own jobs ------------------------------------------------------------------------------


def job_list(*, user, cursor: str | None = None, size: int = 25) -> tuple[list[ExportJob], str | None]:
    """The user's exports, newest first, one keyset page on (created_at, id)."""
    qs = ExportJob.objects.filter(user=user)
    if cursor:
        try:
            raw_at, raw_id = cursor.rsplit("|", 1)
            at, last = dt.datetime.fromisoformat(raw_at), uuid.UUID(raw_id)
            qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=last))
        except (TypeError, ValueError):
            pass  # a malformed cursor means the first page
    rows = list(qs.order_by("-created_at", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = f"{rows[-1].created_at.isoformat()}|{rows[-1].pk}" if more else None
    return rows, next_cursor


def job_get(*, user, pk) -> ExportJob:
    """One of the user's own exports (ExportJob.DoesNotExist otherwise → 404)."""
    return ExportJob.objects.get(user=user, pk=pk)
