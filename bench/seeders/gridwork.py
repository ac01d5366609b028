"""Benchmark grid work: a year of field days, the household register with a year of visits,
residents' meetings with resolutions, first-ask receptions and self-governance stations, in
proportion to the grids ``seed_demo`` built (about 700 in a district, ten times that in the city).

Per grid: 80 households (1–5 members: about 200,000 residents a district, as DESIGN.md says), each
visited 0–6 times in the year (about 3); its grid leader in the grid on about 3 working days a week.
Per community: three meetings a month with two resolutions each, a service centre (when it has none)
answering about six questions a working day, one in seven referred elsewhere. One station in every
second compound (about 48 in a district … the design's figure) with 10–30 members.

Set-based SQL on the given connection, in the harness's transaction, audit triggers and foreign-key
checks off (``session_replication_role = replica``), like the petitions' loader. Rows of an earlier
version are removed first (bulk rows are marked: buildings ``B…``, topics ``bench``, centres named
``…便民服务中心(bench)``, stations named ``…互助站(bench)``).
"""

from __future__ import annotations

import datetime as dt
import time

NAME = "gridwork"
VERSION = 1
HOUSEHOLDS_PER_GRID = 80
DAYS = 365

U_FUNCTION = """
CREATE OR REPLACE FUNCTION bench_u(bigint, integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8extended($1, $2) & 4503599627370495)::double precision / 4503599627370496.0 $$
"""

CLEAN = [
    "DELETE FROM gridwork_visit WHERE household_id IN (SELECT id FROM gridwork_household WHERE building LIKE 'B%%')",
    "DELETE FROM gridwork_household WHERE building LIKE 'B%%'",
    "DELETE FROM gridwork_fieldday WHERE notes = 'bench'",
    "DELETE FROM gridwork_resolution WHERE meeting_id IN (SELECT id FROM gridwork_meeting WHERE topics = 'bench')",
    "DELETE FROM gridwork_meeting WHERE topics = 'bench'",
    "DELETE FROM gridwork_reception WHERE question LIKE 'bench%%'",
    "DELETE FROM gridwork_servicecentre WHERE name LIKE '%%(bench)'",
    "DELETE FROM gridwork_stationmember"
    " WHERE station_id IN (SELECT id FROM gridwork_station WHERE name LIKE '%%(bench)')",
    "DELETE FROM gridwork_station WHERE name LIKE '%%(bench)'",
]

HOUSEHOLDS = """
INSERT INTO gridwork_household
       (compound_id, grid_id, region_path, building, unit, room, head_name, phone, members, created_at)
SELECT g.parent_id, g.id, g.path, 'B' || g.id, '', h::text, '居民' || h, '',
       1 + floor(bench_u(g.id * 1000 + h, 1) * 5)::int, %(anchor)s
  FROM grids_region g CROSS JOIN generate_series(1, %(per_grid)s) h
 WHERE g.level = 5
"""

VISITS = """
INSERT INTO gridwork_visit (household_id, region_path, visited_on, visitor_id, purpose, outcome, follow_up)
SELECT h.id, h.region_path, (%(today)s::date - floor(bench_u(h.id * 10 + v, 3) * %(days)s)::int),
       l.user_id,
       (ARRAY['routine','care','opinion','safety','policy'])[1 + floor(bench_u(h.id * 10 + v, 4) * 5)::int],
       '走访正常', bench_u(h.id * 10 + v, 5) < 0.05
  FROM gridwork_household h
  JOIN LATERAL (SELECT ra.user_id FROM grids_roleassignment ra
                 WHERE ra.region_id = h.grid_id AND ra.role = 'grid_leader' ORDER BY ra.id LIMIT 1) l ON true
  CROSS JOIN generate_series(1, 6) v
 WHERE h.building LIKE 'B%%' AND v <= floor(bench_u(h.id, 2) * 7)
"""

FIELD_DAYS = """
INSERT INTO gridwork_fieldday (leader_id, grid_id, region_path, date, hours, households, notes, created_at)
SELECT ra.user_id, r.id, r.path, d::date, 3 + floor(bench_u(ra.id * 1000 + n, 7) * 5),
       floor(bench_u(ra.id * 1000 + n, 8) * 12), 'bench', %(anchor)s
  FROM grids_roleassignment ra JOIN grids_region r ON r.id = ra.region_id AND r.level = 5
  CROSS JOIN generate_series(0, %(days)s - 1) n
  CROSS JOIN LATERAL (SELECT %(today)s::date - n AS d) day
 WHERE ra.role = 'grid_leader' AND extract(isodow FROM d) <= 5 AND bench_u(ra.id * 1000 + n, 6) < 0.62
ON CONFLICT DO NOTHING
"""

MEETINGS = """
INSERT INTO gridwork_meeting (kind_id, date, place, region_id, region_path, participants, officials, topics, created_at)
SELECT (SELECT id FROM gridwork_meetingkind ORDER BY id LIMIT 1),
       %(today)s::date - floor(bench_u(c.id * 100 + m, 9) * %(days)s)::int,
       c.name || '议事厅', c.id, c.path, 10 + floor(bench_u(c.id * 100 + m, 10) * 40)::int, '', 'bench', %(anchor)s
  FROM grids_region c CROSS JOIN generate_series(1, 36) m
 WHERE c.level = 3
"""

RESOLUTIONS = """
INSERT INTO gridwork_resolution (meeting_id, text)
SELECT m.id, '决议' || k FROM gridwork_meeting m CROSS JOIN generate_series(1, 2) k WHERE m.topics = 'bench'
"""

CENTRES = """
INSERT INTO gridwork_servicecentre (region_id, region_path, name, address, phone, is_active)
SELECT c.id, c.path, c.name || '便民服务中心(bench)', c.name || '一楼', '', true
  FROM grids_region c
 WHERE c.level = 3 AND NOT EXISTS (SELECT 1 FROM gridwork_servicecentre s WHERE s.region_id = c.id)
"""

RECEPTIONS = """
INSERT INTO gridwork_reception (centre_id, region_path, asked_at, resident_name, resident_phone, question, answer,
                                referred_to, answered_by_id)
SELECT s.id, s.region_path,
       (%(today)s::date - floor(bench_u(s.id * 10000 + q, 11) * %(days)s)::int)::timestamp AT TIME ZONE 'Asia/Shanghai'
         + interval '9 hours' + floor(bench_u(s.id * 10000 + q, 12) * 480) * interval '1 minute',
       '', '', 'bench 咨询', '已答复',
       CASE WHEN bench_u(s.id * 10000 + q, 13) < 0.14 THEN '区住建局' ELSE '' END,
       (SELECT ra.user_id FROM grids_roleassignment ra WHERE ra.role = 'grid_leader' ORDER BY ra.id LIMIT 1)
  FROM gridwork_servicecentre s CROSS JOIN generate_series(1, 1500) q
"""

STATIONS = """
INSERT INTO gridwork_station (compound_id, region_path, name, founded_on, is_active)
SELECT c.id, c.path, c.name || '互助站(bench)', %(today)s::date - 400, true
  FROM grids_region c
 WHERE c.level = 4 AND c.id %% 2 = 0 AND NOT EXISTS (SELECT 1 FROM gridwork_station s WHERE s.compound_id = c.id)
"""

MEMBERS = """
INSERT INTO gridwork_stationmember (station_id, name, post, joined_on)
SELECT s.id, '成员' || k, '', %(today)s::date - 300
  FROM gridwork_station s CROSS JOIN generate_series(1, 30) k
 WHERE s.name LIKE '%%(bench)' AND k <= 10 + floor(bench_u(s.id, 14) * 21)
"""

STEPS = [
    ("gridwork_household", HOUSEHOLDS),
    ("gridwork_visit", VISITS),
    ("gridwork_fieldday", FIELD_DAYS),
    ("gridwork_meeting", MEETINGS),
    ("gridwork_resolution", RESOLUTIONS),
    ("gridwork_servicecentre", CENTRES),
    ("gridwork_reception", RECEPTIONS),
    ("gridwork_station", STATIONS),
    ("gridwork_stationmember", MEMBERS),
]


def seed(conn, *, scale, anchor: dt.datetime, log) -> dict[str, int]:
    conn.execute(U_FUNCTION)
    conn.execute("SET LOCAL session_replication_role = replica")  # no FK checks or audit triggers
    conn.execute("SET LOCAL work_mem = '256MB'")
    for statement in CLEAN:
        conn.execute(statement)
    params = {"anchor": anchor, "today": anchor.date(), "days": DAYS, "per_grid": HOUSEHOLDS_PER_GRID}
    rows: dict[str, int] = {}
    for table, statement in STEPS:
        started = time.monotonic()
        rows[table] = rows.get(table, 0) + conn.execute(statement, params).rowcount
        log(f"  gridwork: {table} {rows[table]:,} rows in {time.monotonic() - started:.0f} s")
    for table in rows:
        conn.execute(f"ANALYZE {table}")
    return rows
