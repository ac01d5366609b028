"""Benchmark volunteers: a district's 25,000 registered volunteers (the city's 250,000) with their
service types, skills and weekly availability, ~700 organisations of which 84 studios (per
district), a year of opportunities with their sign-ups and approved hours, next week's open
opportunities (the batch "fill this week" works on them) and some certificates.

Everything is generated server-side with ``INSERT … SELECT … FROM generate_series`` in one
transaction, row-level triggers (the audit history) and foreign-key checks switched off
(``session_replication_role = replica``) as ``petitions.bulk`` does; every row is consistent by
construction. The one constraint that stays on is the exclusion constraint
``signup_no_double_booking``, so sign-ups are laid out never to overlap: opportunities start in
fixed two-hour blocks (09:00, 14:00, 19:00), and the places of one block are dealt to consecutive
volunteers from a per-block offset, so no volunteer gets two places in one block.

The mix (per district; ``FACTOR`` scales it):

- volunteers spread uniformly over every grid (level-5 region), 1–3 of the seven service types,
  1–3 of ``SKILLS``, 1–3 weekly windows (a morning, afternoon or evening on a weekday), 70 % insured
  (policy ends from a month ago to a year ahead), 5 % with an account-free guardian (minors);
- organisations in streets and communities, each volunteer a member of one (a tenth of two), one
  leader each; 84 studios;
- ``OPPORTUNITIES`` opportunities over the year before the anchor (closed, 2–8 places, 85 % of the
  places taken, 6 % of those sign-ups cancelled), each kept sign-up with approved hours (the last
  fortnight's still pending); ``UPCOMING`` open opportunities over the seven days after the anchor
  (a fifth of their places already taken);
- certificates for one volunteer in fifty.
"""

# ruff: noqa: S608 - every statement is built from this module's constants; values are parameters
from __future__ import annotations

import datetime as dt
import time

NAME = "volunteers"
VERSION = 1

# The mini scale keeps the district's volunteers: they seed in seconds (only the petitions are smaller).
FACTOR = {"mini": 1.0, "district": 1.0, "city": 10.0}
VOLUNTEERS = 25_000
ORGANISATIONS = 700
STUDIOS = 84
OPPORTUNITIES = 18_000  # a year's, per district
UPCOMING = 600  # open, in the seven days after the anchor
SKILLS = (
    "维修",
    "电工",
    "急救",
    "护理",
    "辅导",
    "英语",
    "心理疏导",
    "驾驶",
    "绘画",
    "烹饪",
    "摄影",
    "法律咨询",
    "理发",
    "计算机",
    "书法",
)
BLOCKS = (9, 14, 19)  # local start hours of the two-hour blocks
TABLES = (
    "volunteers_volunteer",
    "volunteers_volunteer_service_types",
    "volunteers_availability",
    "volunteers_organisation",
    "volunteers_membership",
    "volunteers_opportunity",
    "volunteers_signup",
    "volunteers_servicehours",
    "volunteers_certificate",
)

GRIDS = """
CREATE TEMP TABLE bench_vgrid ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY r.id)::int AS i, r.id, r.path FROM grids_region r WHERE r.level = 5
"""
PARENTS = """
CREATE TEMP TABLE bench_vparent ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY r.id)::int AS i, r.id, r.path FROM grids_region r WHERE r.level IN (2, 3)
"""
TYPES = """
CREATE TEMP TABLE bench_vtype ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY t.id)::int AS i, t.id FROM volunteers_servicetype t WHERE t.active
"""

VOLUNTEER_ROWS = """
INSERT INTO volunteers_volunteer
    (id, number, user_id, real_name, phone, id_encrypted, id_hash, birth_date, region_id, skills,
     consent_at, consent_version, guardian_name, guardian_phone, guardian_consent_at, insured_until,
     insurance_reminded_for, registered_by_id, created_at)
SELECT %(base)s + g,
       'V9' || lpad(g::text, 8, '0'),
       NULL,
       (%(surnames)s::text[])[1 + floor(bench_u(g, 101) * %(n_surnames)s)::int]
         || (%(given)s::text[])[1 + floor(bench_u(g, 102) * %(n_given)s)::int],
       '139' || lpad(floor(bench_u(g, 103) * 1e8)::bigint::text, 8, '0'),
       'bench-not-encrypted',
       encode(sha256(('bench-volunteer-' || g)::bytea), 'hex'),
       CASE WHEN bench_u(g, 104) < 0.05 THEN date '2010-01-01' + floor(bench_u(g, 105) * 2000)::int
            ELSE date '1955-01-01' + floor(bench_u(g, 105) * 17000)::int END,
       (SELECT id FROM bench_vgrid WHERE i = 1 + floor(bench_u(g, 106) * %(n_grids)s)::int),
       (SELECT array_agg(DISTINCT (%(skills)s::text[])[1 + floor(bench_u(g * 8 + k, 107) * %(n_skills)s)::int])
          FROM generate_series(1, 1 + floor(bench_u(g, 108) * 3)::int) k),
       %(anchor)s - (bench_u(g, 109) * interval '1000 days'),
       '2026-1',
       CASE WHEN bench_u(g, 104) < 0.05 THEN '监护人' ELSE '' END,
       CASE WHEN bench_u(g, 104) < 0.05 THEN '13800000000' ELSE '' END,
       CASE WHEN bench_u(g, 104) < 0.05 THEN %(anchor)s - interval '1000 days' END,
       CASE WHEN bench_u(g, 110) < 0.7
            THEN (%(anchor)s AT TIME ZONE 'Asia/Shanghai')::date - 30 + floor(bench_u(g, 111) * 395)::int END,
       NULL,
       %(registrar)s,
       %(anchor)s - (bench_u(g, 109) * interval '1000 days')
FROM generate_series(1, %(n)s) g
"""

# 1–3 distinct service types per volunteer.
VOLUNTEER_TYPES = """
INSERT INTO volunteers_volunteer_service_types (volunteer_id, servicetype_id)
SELECT DISTINCT %(base)s + g, t.id
FROM generate_series(1, %(n)s) g
CROSS JOIN LATERAL generate_series(1, 1 + floor(bench_u(g, 121) * 3)::int) k
JOIN bench_vtype t ON t.i = 1 + floor(bench_u(g * 4 + k, 122) * %(n_types)s)::int
"""

# 1–3 weekly windows: a weekday and one of the blocks, from an hour before it to an hour after.
AVAILABILITY = """
INSERT INTO volunteers_availability (volunteer_id, weekday, start, "end")
SELECT %(base)s + g, floor(bench_u(g * 4 + k, 131) * 7)::int,
       make_time((%(blocks)s::int[])[1 + floor(bench_u(g * 4 + k, 132) * 3)::int] - 1, 0, 0),
       make_time((%(blocks)s::int[])[1 + floor(bench_u(g * 4 + k, 132) * 3)::int] + 3, 0, 0)
FROM generate_series(1, %(n)s) g
CROSS JOIN LATERAL generate_series(1, 1 + floor(bench_u(g, 133) * 3)::int) k
"""

ORGANISATION_ROWS = """
INSERT INTO volunteers_organisation (id, name, kind, region_id, created_at)
SELECT %(org_base)s + o,
       CASE WHEN o <= %(n_studios)s THEN '工作室 ' || o ELSE '志愿服务队 ' || o END,
       CASE WHEN o <= %(n_studios)s THEN 'studio' ELSE 'organisation' END,
       (SELECT id FROM bench_vparent WHERE i = 1 + (o %% %(n_parents)s)),
       %(anchor)s - interval '800 days'
FROM generate_series(1, %(n_orgs)s) o
"""

# Each volunteer in one organisation, a tenth in a second one; the first member of each is its leader.
MEMBERSHIPS = """
INSERT INTO volunteers_membership (organisation_id, volunteer_id, role, joined_at)
SELECT m.org, m.vol,
       CASE WHEN row_number() OVER (PARTITION BY m.org ORDER BY m.vol) = 1 THEN 'leader' ELSE 'member' END,
       %(anchor)s - interval '700 days'
FROM (
    SELECT DISTINCT %(org_base)s + 1 + floor(bench_u(g * 2 + k, 141) * %(n_orgs)s)::int AS org, %(base)s + g AS vol
    FROM generate_series(1, %(n)s) g
    CROSS JOIN LATERAL generate_series(0, CASE WHEN bench_u(g, 142) < 0.1 THEN 1 ELSE 0 END) k
) m
"""

# Opportunities: the year before the anchor (closed) and the week after it (open). ``day`` counts
# local days from the anchor's; the block is one of BLOCKS; two hours long.
OPPORTUNITY_ROWS = """
INSERT INTO volunteers_opportunity
    (id, title, description, organisation_id, petition_id, region_id, region_path, address,
     service_type_id, skills, during, places, insurance_required, status, created_by_id, created_at)
SELECT %(opp_base)s + o, x.title, '', x.org, NULL, x.region_id, x.path, '社区服务中心', x.type_id, x.skills,
       tstzrange(x.starts, x.starts + interval '2 hours', '[)'),
       x.places, bench_u(o, 151) < 0.3, x.status, %(registrar)s, x.starts - interval '10 days'
FROM (
    SELECT o,
           (%(titles)s::text[])[1 + floor(bench_u(o, 152) * %(n_titles)s)::int] AS title,
           CASE WHEN bench_u(o, 153) < 0.6 THEN %(org_base)s + 1 + floor(bench_u(o, 154) * %(n_orgs)s)::int END AS org,
           gr.id AS region_id, gr.path,
           (SELECT id FROM bench_vtype WHERE i = 1 + floor(bench_u(o, 155) * %(n_types)s)::int) AS type_id,
           CASE WHEN bench_u(o, 156) < 0.2 THEN '{}'::text[]
                ELSE (SELECT array_agg(DISTINCT
                                       (%(skills)s::text[])[1 + floor(bench_u(o * 4 + k, 157) * %(n_skills)s)::int])
                      FROM generate_series(1, 1 + floor(bench_u(o, 158) * 2)::int) k) END AS skills,
           CASE WHEN o <= %(n_past)s
                THEN ((%(today)s::date - 365 + floor((o - 1)::float8 * 365 / %(n_past)s)::int)
                      + make_time((%(blocks)s::int[])[1 + floor(bench_u(o, 159) * 3)::int], 0, 0))
                     AT TIME ZONE 'Asia/Shanghai'
                ELSE ((%(today)s::date + 1 + floor((o - %(n_past)s - 1)::float8 * 7 / %(n_upcoming)s)::int)
                      + make_time((%(blocks)s::int[])[1 + floor(bench_u(o, 159) * 3)::int], 0, 0))
                     AT TIME ZONE 'Asia/Shanghai' END AS starts,
           2 + floor(bench_u(o, 160) * 7)::int AS places,
           CASE WHEN o <= %(n_past)s THEN 'closed' ELSE 'open' END AS status
    FROM generate_series(1, %(n_opps)s) o
    JOIN bench_vgrid gr ON gr.i = 1 + floor(bench_u(o, 161) * %(n_grids)s)::int
) x
"""

# The places taken: 85 % of a past opportunity's, a fifth of an upcoming one's. Within one block
# (same start) the places are numbered consecutively and dealt to consecutive volunteers from the
# block's own offset, so nobody gets two places at the same time (the exclusion constraint).
SIGNUPS = """
INSERT INTO volunteers_signup (opportunity_id, volunteer_id, during, status, invited_by_id, created_at)
SELECT p.id,
       %(base)s + 1 + ((floor(bench_u(p.block, 171) * %(n)s)::bigint + p.position) %% %(n)s),
       p.during,
       CASE WHEN bench_u(p.id * 16 + p.k, 172) < 0.06 THEN 'cancelled' ELSE 'active' END,
       NULL, p.created_at
FROM (
    SELECT op.id, k, op.during, op.created_at,
           extract(epoch FROM lower(op.during))::bigint AS block,
           row_number() OVER (PARTITION BY lower(op.during) ORDER BY op.id, k) AS position
    FROM volunteers_opportunity op
    CROSS JOIN LATERAL generate_series(1, CASE WHEN op.status = 'closed' THEN ceil(op.places * 0.85)::int
                                               ELSE floor(op.places * 0.2)::int END) k
    WHERE op.id > %(opp_base)s
) p
"""

HOURS = """
INSERT INTO volunteers_servicehours
    (volunteer_id, opportunity_id, region_path, started_at, ended_at, minutes, status, source, note,
     entered_by_id, decided_by_id, decided_at)
SELECT s.volunteer_id, op.id, op.region_path, lower(op.during), upper(op.during), 120,
       CASE WHEN upper(op.during) > %(anchor)s - interval '14 days' THEN 'pending' ELSE 'approved' END,
       'check_in', '', %(registrar)s,
       CASE WHEN upper(op.during) > %(anchor)s - interval '14 days' THEN NULL ELSE %(registrar)s END,
       CASE WHEN upper(op.during) > %(anchor)s - interval '14 days' THEN NULL
            ELSE upper(op.during) + interval '2 days' END
FROM volunteers_signup s JOIN volunteers_opportunity op ON op.id = s.opportunity_id
WHERE op.id > %(opp_base)s AND op.status = 'closed' AND s.status = 'active' AND upper(op.during) < %(anchor)s
"""

CERTIFICATES = """
INSERT INTO volunteers_certificate
    (number, volunteer_id, volunteer_number, masked_id, minutes, services, issuer, issued_by_id, issued_at)
SELECT 'ZHVC0000' || lpad(v.id::text, 8, '0'), v.id, v.number, '3302**********123X',
       h.minutes, '助老, 助学', '招宝山街道志愿服务总队', %(registrar)s, %(anchor)s - interval '3 days'
FROM volunteers_volunteer v
JOIN LATERAL (SELECT sum(minutes)::int AS minutes FROM volunteers_servicehours
              WHERE volunteer_id = v.id AND status = 'approved') h ON h.minutes > 0
WHERE v.id > %(base)s AND v.id %% 50 = 0
"""

TITLES = (
    "陪独居老人聊天、读报",
    "小区义务维修：小家电和水电",
    "周末作业辅导",
    "楼道杂物清理",
    "文明交通劝导",
    "社区义诊协助",
    "助残出行陪同",
    "垃圾分类宣传",
    "老年人智能手机课堂",
    "应急演练协助",
)


def _texts() -> dict:
    from accounts.demo import GIVEN_CHARS, SURNAMES

    return {"surnames": list(SURNAMES), "given": list(GIVEN_CHARS)}


def _registrar(conn) -> int:
    row = conn.execute(
        "SELECT id FROM accounts_user WHERE username = 'volunteer_coordinator' UNION ALL "
        "(SELECT id FROM accounts_user WHERE is_superuser ORDER BY id LIMIT 1) LIMIT 1"
    ).fetchone()
    if row is None:
        raise RuntimeError("no volunteer coordinator: seed_demo did not create the demo logins")
    return row[0]


def _remove_old(conn) -> None:
    """Drop an earlier version's rows: this seeder may rerun alone on a seeded database. Bench
    volunteers are marked by ``id_encrypted``, bench organisations and opportunities by their names."""
    bench_volunteers = "SELECT id FROM volunteers_volunteer WHERE id_encrypted = 'bench-not-encrypted'"
    bench_opportunities = "SELECT id FROM volunteers_opportunity WHERE address = '社区服务中心' AND description = ''"
    for statement in (
        f"DELETE FROM volunteers_certificate WHERE volunteer_id IN ({bench_volunteers})",
        f"DELETE FROM volunteers_servicehours WHERE volunteer_id IN ({bench_volunteers})",
        f"DELETE FROM volunteers_signup WHERE volunteer_id IN ({bench_volunteers})",
        f"DELETE FROM volunteers_signup WHERE opportunity_id IN ({bench_opportunities})",
        f"DELETE FROM volunteers_opportunity WHERE id IN ({bench_opportunities})",
        f"DELETE FROM volunteers_membership WHERE volunteer_id IN ({bench_volunteers})",
        "DELETE FROM volunteers_organisation WHERE name ~ '^(工作室|志愿服务队) [0-9]+$'",
        f"DELETE FROM volunteers_availability WHERE volunteer_id IN ({bench_volunteers})",
        f"DELETE FROM volunteers_volunteer_service_types WHERE volunteer_id IN ({bench_volunteers})",
        "DELETE FROM volunteers_volunteer WHERE id_encrypted = 'bench-not-encrypted'",
    ):
        conn.execute(statement)


def _next_id(conn, table: str) -> int:
    return conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]


def counts(scale_name: str) -> dict[str, int]:
    factor = FACTOR.get(scale_name, 1.0)
    return {
        "n": round(VOLUNTEERS * factor),
        "n_orgs": round(ORGANISATIONS * factor),
        "n_studios": round(STUDIOS * factor),
        "n_past": round(OPPORTUNITIES * factor),
        # the batch case fills 500 of next week's opportunities at every scale
        "n_upcoming": max(UPCOMING, round(UPCOMING * factor)),
    }


def seed(conn, *, scale, anchor: dt.datetime, log) -> dict[str, int]:
    from petitions import bulk

    conn.execute(bulk.U_FUNCTION)
    conn.execute("SET LOCAL session_replication_role = replica")  # no FK checks or audit triggers
    conn.execute("SET LOCAL work_mem = '256MB'")
    _remove_old(conn)
    conn.execute(GRIDS)
    conn.execute(PARENTS)
    conn.execute(TYPES)
    sizes = counts(scale.name)
    n_grids = conn.execute("SELECT count(*) FROM bench_vgrid").fetchone()[0]
    n_parents = conn.execute("SELECT count(*) FROM bench_vparent").fetchone()[0]
    n_types = conn.execute("SELECT count(*) FROM bench_vtype").fetchone()[0]
    if not (n_grids and n_parents and n_types):
        raise RuntimeError("no grids or service types: seed_demo did not run")
    texts = _texts()
    params = {
        **sizes,
        **texts,
        "n_surnames": len(texts["surnames"]),
        "n_given": len(texts["given"]),
        "skills": list(SKILLS),
        "n_skills": len(SKILLS),
        "titles": list(TITLES),
        "n_titles": len(TITLES),
        "blocks": list(BLOCKS),
        "n_grids": n_grids,
        "n_parents": n_parents,
        "n_types": n_types,
        "n_opps": sizes["n_past"] + sizes["n_upcoming"],
        "anchor": anchor,
        "today": anchor.astimezone(dt.timezone(dt.timedelta(hours=8))).date(),
        "registrar": _registrar(conn),
        "base": _next_id(conn, "volunteers_volunteer"),
        "org_base": _next_id(conn, "volunteers_organisation"),
        "opp_base": _next_id(conn, "volunteers_opportunity"),
    }
    log(
        f"  volunteers: {sizes['n']:,} volunteers over {n_grids:,} grids, {sizes['n_orgs']:,} organisations, "
        f"{params['n_opps']:,} opportunities ({sizes['n_upcoming']:,} next week)"
    )
    rows = {}
    for table, statement in zip(
        TABLES,
        (
            VOLUNTEER_ROWS,
            VOLUNTEER_TYPES,
            AVAILABILITY,
            ORGANISATION_ROWS,
            MEMBERSHIPS,
            OPPORTUNITY_ROWS,
            SIGNUPS,
            HOURS,
            CERTIFICATES,
        ),
        strict=True,
    ):
        started = time.monotonic()
        rows[table] = conn.execute(statement, params).rowcount
        log(f"  {table}: {rows[table]:,} rows in {time.monotonic() - started:.1f} s")
    for table in (
        "volunteers_volunteer",
        "volunteers_organisation",
        "volunteers_opportunity",
        "volunteers_signup",
        "volunteers_servicehours",
        "volunteers_certificate",
        "volunteers_availability",
        "volunteers_membership",
        "volunteers_volunteer_service_types",
    ):
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    return rows


def figures(conn, anchor: dt.datetime) -> dict:
    """Next week's open opportunities (the batch case's) and the volunteers loaded."""
    return {
        "volunteers": conn.execute("SELECT count(*) FROM volunteers_volunteer").fetchone()[0],
        "open_next_week": conn.execute(
            "SELECT count(*) FROM volunteers_opportunity WHERE status = 'open' AND lower(during) > %s",
            [anchor],
        ).fetchone()[0],
    }
