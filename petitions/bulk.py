"""Synthetic petitions in bulk (民生诉求): months of items with deadlines, timeline events and evaluations.

Two users: ``seed_demo`` loads a year of about 6,000 items over the demo tree (``petitions.demo``),
so a newcomer's dashboard, league table and queue show something in every month, street, category
and channel; the benchmark (``bench/seeders/petitions.py``) loads 20 months of a district's or a
city's volume. The rows are written the way the services write them — the timeline as kinds and
parameters (``petitions.timeline`` puts them into each reader's words), escalations as the sweep
records them — but in one set-based statement per table, not item by item.

Everything is generated server-side with ``INSERT … SELECT … FROM generate_series`` in chunks of a
million, inside one transaction, with the tables' secondary indexes dropped during the load and
rebuilt after it (the primary keys stay: their inserts are sequential). Row-level triggers and
foreign-key checks are switched off for the load (``session_replication_role = replica``): every
row is consistent by construction.

The mix (DESIGN.md; "the older, the more closed"):

- filed evenly over ``scale.months`` months before the anchor, ids in filing order, spread
  uniformly over every grid (level-5 region) of the tree — so at city scale each of the ten
  districts holds as many items as the district scale;
- an item of age *a* days is still open with probability 0.012 + 0.85·e^(−a/10) (2–3 % of all
  items), replied and awaiting evaluation with 0.004 + 0.25·e^(−a/6), merged with 0.008 (into the
  item filed just before it), otherwise closed; open items are 20 % new, 20 % assigned, 50 % in
  progress, 10 % waiting for the resident;
- running deadlines belong to open items only (new: triage; assigned: acceptance and resolution;
  in progress: resolution, and progress updates for general and major items; waiting: a paused
  resolution); closed items keep their met triage and resolution deadlines;
- **5 % overdue**: of the open items whose clock runs (not waiting), 5 % have every running
  deadline past due and not yet breached as of the anchor — the escalation sweep's work — and
  10 % were breached and escalated one level earlier (escalation count 1); of the rest, those
  within their warning window have been warned except 2 %, which the sweep warns;
- timeline: filed, routed, replied, and closed or evaluated (about four events per item);
- evaluations: 85 % of closed items by the resident — 90 % satisfied, 7 % basically satisfied,
  3 % unsatisfied (those were reworked once); the rest are "not evaluated".

Tracking codes are ``ZH`` and the item's number in eight digits: every one of them contains a
0 or a 1, which real codes never do, so they can never collide with one.
"""

# ruff: noqa: S608 - every statement is built from this module's constants; values are parameters
from __future__ import annotations

import datetime as dt
import json
import time

CHUNK = 1_000_000
TABLES = ("petitions_petition", "petitions_deadline", "petitions_event", "petitions_evaluation")
OPEN = "('new', 'assigned', 'accepted', 'waiting')"
RUNNING = "('new', 'assigned', 'accepted')"

OVERDUE_SHARE = 0.05  # open items with a running clock whose deadlines are past due, not yet breached
BREACHED_SHARE = 0.10  # … already breached and escalated before the anchor
PENDING_WARNING_SHARE = 0.02

CHANNELS = (  # (channel, cumulative share)
    ("grid", 0.35),
    ("service_window", 0.50),
    ("phone", 0.65),
    ("wechat", 0.77),
    ("web", 0.87),
    ("party_station", 0.91),
    ("self_governance", 0.95),
    ("meeting", 0.98),
    ("api", 1.01),
)
REPLY = "已处理完毕，感谢您的反映，欢迎继续监督。"
REPLY_UNFIXED = "经核实，该事项不在本平台办理范围内，已向您说明原因和可以求助的渠道。"
COMMENTS = {
    "satisfied": "处理很及时，谢谢！",
    "basic": "解决了，但等的时间有点长。",
    "unsatisfied": "问题还在，没有真正解决。",
}

U_FUNCTION = """
CREATE OR REPLACE FUNCTION bench_u(bigint, integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8extended($1, $2) & 4503599627370495)::double precision / 4503599627370496.0 $$
"""

GRIDS = """
CREATE TEMP TABLE bench_grid ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY r.id)::int AS i, r.id, r.path,
       (SELECT ra.user_id FROM grids_roleassignment ra
         WHERE ra.region_id = r.id AND ra.role = 'grid_leader' ORDER BY ra.id LIMIT 1) AS leader_id,
       coalesce((SELECT array_agg(DISTINCT hr.handlingunit_id ORDER BY hr.handlingunit_id)
                   FROM grids_handlingunit_regions hr JOIN grids_region a ON a.id = hr.region_id
                  WHERE r.path LIKE a.path || '%%'), '{}') AS units
FROM grids_region r
WHERE r.level = 5
"""

ISSUES = """
CREATE TEMP TABLE bench_issue ON COMMIT DROP AS
SELECT x.j, c.id AS category_id, x.title, x.description, x.address
FROM unnest(%(codes)s::text[], %(titles)s::text[], %(descriptions)s::text[], %(addresses)s::text[])
     WITH ORDINALITY AS x(code, title, description, address, j)
JOIN petitions_category c ON c.code = x.code
"""


def _u(column: str, k: int) -> str:
    return f"bench_u({column}, {k})"


def _channel_case(u: str) -> str:
    whens = " ".join(f"WHEN {u} < {share} THEN '{name}'" for name, share in CHANNELS)
    return f"CASE {whens} END"


# One chunk of petitions. Layers: s — number, time and age; t — status, class, channel and
# timing; the outer SELECT — the row. OFFSET 0 keeps each layer computed once per row.
PETITIONS = f"""
INSERT INTO petitions_petition (
    id, tracking_code, channel, category_id, klass, status, level, region_id, region_path, address,
    latitude, longitude, title, description, search_text, anonymous, reporter_id, reporter_name,
    reporter_phone, phone_last4, filed_by_id, unit_id, claimed_by_id, merged_into_id, solved_on_spot,
    rework_count, escalation_count, reply, outcome, created_at, updated_at, replied_at, closed_at, resolve_by,
    next_due_at, paused_at)
SELECT t.id, 'ZH' || lpad(t.g::text, 8, '0'), t.channel, iss.category_id, t.klass, t.status,
       CASE WHEN t.escalated THEN 2 ELSE 3 END, gr.id, gr.path,
       iss.address || (1 + (t.g %% 30)) || '幢', NULL, NULL, iss.title, iss.description,
       lower(iss.title || ' ' || iss.description), t.anonymous, NULL,
       CASE WHEN t.anonymous THEN ''
            ELSE (%(surnames)s::text[])[1 + floor({_u("t.id", 12)} * %(n_surnames)s)::int]
              || (%(given)s::text[])[1 + floor({_u("t.id", 13)} * %(n_given)s)::int] END,
       t.phone, right(t.phone, 4),
       CASE WHEN t.channel = 'grid' THEN gr.leader_id END,
       CASE WHEN t.status NOT IN ('new', 'merged') AND cardinality(gr.units) > 0
            THEN gr.units[1 + floor({_u("t.id", 8)} * cardinality(gr.units))::int] END,
       NULL,
       CASE WHEN t.status = 'merged' THEN t.id - 1 END,
       t.on_spot,
       CASE WHEN t.status = 'closed' AND t.evaluated AND t.rating = 'unsatisfied' THEN 1 ELSE 0 END,
       CASE WHEN t.escalated THEN 1 ELSE 0 END,
       CASE WHEN t.status NOT IN ('replied', 'closed') THEN ''
            WHEN t.on_spot OR {_u("t.id", 31)} >= 0.04 THEN %(reply)s ELSE %(reply_unfixed)s END,
       -- about 4 %% of the answered items closed without a fix, the rest fixed
       CASE WHEN t.status NOT IN ('replied', 'closed') THEN ''
            WHEN t.on_spot OR {_u("t.id", 31)} >= 0.04 THEN 'fixed'
            ELSE (ARRAY['outside_remit', 'not_possible', 'withdrawn', 'duplicate'])
                 [1 + floor({_u("t.id", 32)} * 4)::int]
       END,
       t.created_at,
       coalesce(t.closed_at, t.replied_at, t.created_at),
       t.replied_at, t.closed_at,
       CASE t.klass WHEN 'routine' THEN t.created_at + interval '36 hours'
                    WHEN 'general' THEN t.created_at + interval '14 days'
                    WHEN 'major' THEN t.created_at + interval '42 days' END,
       NULL,
       CASE WHEN t.status = 'waiting' THEN t.created_at + (t.age * {_u("t.id", 11)}) * interval '1 day' END
FROM (
    SELECT s.*,
           CASE WHEN s.status IN ('replied', 'closed') THEN s.created_at + s.handle * interval '1 day' END
               AS replied_at,
           CASE WHEN s.status = 'closed'
                THEN s.created_at + (s.handle + least((s.age - s.handle) * 0.9, 0.5 + 5 * {_u("s.id", 10)}))
                     * interval '1 day' END AS closed_at,
           (s.status IN {RUNNING} AND {_u("s.id", 20)} >= {OVERDUE_SHARE}
                AND {_u("s.id", 20)} < {OVERDUE_SHARE + BREACHED_SHARE})
             OR (s.status IN ('replied', 'closed') AND {_u("s.id", 20)} < 0.03) AS escalated
    FROM (
        SELECT r.*,
               CASE WHEN r.status IN ('new', 'merged') THEN ''
                    WHEN r.on_spot OR {_u("r.id", 5)} < 0.3 THEN 'routine'
                    WHEN {_u("r.id", 5)} < 0.95 THEN 'general' ELSE 'major' END AS klass,
               CASE WHEN r.on_spot THEN 0 ELSE least(r.age * 0.7, 0.3 + 8 * {_u("r.id", 9)}) END AS handle
        FROM (
            SELECT q.*,
                   q.status IN ('replied', 'closed') AND q.channel = 'grid' AND {_u("q.id", 6)} < 0.25 AS on_spot
            FROM (
                SELECT b.*,
                       CASE WHEN b.r < b.p_open THEN
                                CASE WHEN b.r2 < 0.2 THEN 'new' WHEN b.r2 < 0.4 THEN 'assigned'
                                     WHEN b.r2 < 0.9 THEN 'accepted' ELSE 'waiting' END
                            WHEN b.r < b.p_open + b.p_replied THEN 'replied'
                            WHEN b.r < b.p_open + b.p_replied + 0.008 AND b.g > 1 THEN 'merged'
                            ELSE 'closed' END AS status,
                       {_channel_case(_u("b.id", 7))} AS channel,
                       {_u("b.id", 14)} < 0.05 AS anonymous,
                       {_u("b.id", 40)} < 0.85 AS evaluated,
                       CASE WHEN {_u("b.id", 41)} < 0.90 THEN 'satisfied'
                            WHEN {_u("b.id", 41)} < 0.97 THEN 'basic' ELSE 'unsatisfied' END AS rating
                FROM (
                    SELECT a.*,
                           0.012 + 0.85 * exp(-a.age / 10) AS p_open,
                           0.004 + 0.25 * exp(-a.age / 6) AS p_replied,
                           {_u("a.id", 1)} AS r, {_u("a.id", 2)} AS r2,
                           '139' || lpad(((a.g * 7919) %% 100000000)::text, 8, '0') AS phone
                    FROM (
                        SELECT c.*, extract(epoch FROM %(anchor)s::timestamptz - c.created_at) / 86400 AS age
                        FROM (
                            SELECT g, %(base)s::bigint + g AS id,
                                   %(start)s::timestamptz
                                     + (%(span)s::double precision * ((g - 1 + {_u("%(base)s::bigint + g", 0)})
                                        / %(n)s)) * interval '1 second' AS created_at
                            FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
                        ) c
                    ) a OFFSET 0
                ) b OFFSET 0
            ) q OFFSET 0
        ) r OFFSET 0
    ) s OFFSET 0
) t
JOIN bench_grid gr ON gr.i = 1 + floor({_u("t.id", 3)} * %(n_grids)s)::int
JOIN bench_issue iss ON iss.j = 1 + floor({_u("t.id", 4)} * %(n_issues)s)::int
"""

# Deadlines of one chunk. ``bucket`` (bench_u(id, 20)) decides the running ones: overdue and not
# yet breached, breached earlier, or due in the future (warned once inside the warning window).
DEADLINES = f"""
INSERT INTO petitions_deadline (petition_id, kind, due_at, warn_at, met_at, paused_at, warned_at, breached_at)
SELECT x.petition_id, x.kind, x.due_at, x.warn_at, x.met_at, x.paused_at,
       CASE WHEN x.met_at IS NOT NULL THEN CASE WHEN x.warn_at < x.met_at THEN x.warn_at END
            WHEN x.paused_at IS NOT NULL THEN NULL
            WHEN x.warn_at <= %(anchor)s AND NOT (x.bucket >= {OVERDUE_SHARE + BREACHED_SHARE}
                 AND x.bucket < {OVERDUE_SHARE + BREACHED_SHARE + PENDING_WARNING_SHARE} AND x.due_at > %(anchor)s)
                 THEN x.warn_at + interval '1 minute' END,
       CASE WHEN x.met_at IS NULL AND x.paused_at IS NULL AND x.bucket >= {OVERDUE_SHARE}
                 AND x.bucket < {OVERDUE_SHARE + BREACHED_SHARE}
            THEN x.due_at + interval '2 minutes' END
FROM (
    SELECT y.*, y.due_at - (y.due_at - y.created_at) * 0.2 AS warn_at
    FROM (
        SELECT p.id AS petition_id, k.kind, k.met_at, k.paused_at, {_u("p.id", 20)} AS bucket, p.created_at,
               CASE WHEN k.met_at IS NOT NULL THEN greatest(k.met_at, p.created_at + interval '1 hour')
                    WHEN k.paused_at IS NOT NULL OR {_u("p.id", 20)} >= {OVERDUE_SHARE + BREACHED_SHARE}
                        THEN %(anchor)s + (1 / 24.0 + 10 * {_u("p.id", 21)} + k.later) * interval '1 day'
                    WHEN {_u("p.id", 20)} < {OVERDUE_SHARE}
                        THEN greatest(p.created_at + interval '1 hour',
                                      %(anchor)s - (0.005 + 2 * {_u("p.id", 21)}) * interval '1 day')
                    ELSE greatest(p.created_at + interval '1 hour',
                                  %(anchor)s - (2 + 20 * {_u("p.id", 21)}) * interval '1 day') END AS due_at
        FROM petitions_petition p
        CROSS JOIN LATERAL (VALUES
            ('triage', CASE WHEN p.status <> 'new'
                            THEN p.created_at + least(interval '4 hours',
                                 (coalesce(p.replied_at, %(anchor)s) - p.created_at) * 0.2) END,
             NULL::timestamptz, 0, p.status <> 'merged'),
            ('accept', CASE WHEN p.status IN ('accepted', 'waiting')
                            THEN p.created_at + least(interval '8 hours', (%(anchor)s - p.created_at) * 0.3) END,
             NULL, 0, p.status IN ('assigned', 'accepted', 'waiting')),
            ('resolve', CASE WHEN p.status IN ('replied', 'closed') THEN p.replied_at END,
             CASE WHEN p.status = 'waiting' THEN p.paused_at END, 3, p.status NOT IN ('new', 'merged')),
            ('update', NULL, NULL, 1, p.status = 'accepted' AND p.klass IN ('general', 'major'))
        ) AS k(kind, met_at, paused_at, later, wanted)
        WHERE p.id BETWEEN %(first_id)s AND %(last_id)s AND k.wanted
    ) y
) x
"""

_EVALUATED = f"{_u('p.id', 40)} < 0.85"
_RATING = (
    f"CASE WHEN {_u('p.id', 41)} < 0.90 THEN 'satisfied' WHEN {_u('p.id', 41)} < 0.97 THEN 'basic' "
    "ELSE 'unsatisfied' END"
)

EVENTS = f"""
INSERT INTO petitions_event
    (petition_id, kind, action, from_status, to_status, actor_id, public, text, data, created_at)
SELECT p.id, e.kind, e.action, e.from_status, e.to_status, e.actor_id, e.kind <> 'escalation', e.text, e.data,
       e.at
FROM petitions_petition p
CROSS JOIN LATERAL (VALUES
    ('transition', 'file', '', 'new', p.filed_by_id, '', jsonb_build_object('channel', p.channel),
     p.created_at, true),
    ('transition', 'merge', 'new', 'merged', NULL, '',
     jsonb_build_object('into', p.merged_into_id, 'code', 'ZH' || lpad((p.merged_into_id - %(base)s)::text, 8, '0')),
     p.created_at + interval '30 minutes', p.status = 'merged'),
    ('transition', 'triage', 'new', 'assigned', NULL, '已分派承办单位，请按时限办理。', '{{}}',
     p.created_at + least(interval '4 hours', (coalesce(p.replied_at, %(anchor)s) - p.created_at) * 0.2),
     p.status NOT IN ('new', 'merged') AND NOT p.solved_on_spot),
    ('transition', CASE WHEN p.solved_on_spot THEN 'solved_on_spot'
                        WHEN p.outcome NOT IN ('', 'fixed') THEN 'close_unfixed' ELSE 'reply' END,
     'accepted', 'replied', NULL, p.reply,
     CASE WHEN p.outcome NOT IN ('', 'fixed') THEN jsonb_build_object('outcome', p.outcome) ELSE '{{}}' END,
     p.replied_at, p.replied_at IS NOT NULL),
    -- escalated once (level 3 → 2): when the breached deadline was passed, or halfway to the reply
    ('escalation', 'escalate', '', '', NULL, '',
     jsonb_build_object('deadline', 'resolve', 'deadlines', jsonb_build_array('resolve'),
                        'from_level', 3, 'to_level', 2),
     coalesce((SELECT min(d.breached_at) FROM petitions_deadline d WHERE d.petition_id = p.id),
              p.created_at + (coalesce(p.replied_at, %(anchor)s) - p.created_at) / 2),
     p.escalation_count > 0),
    ('evaluation', 'evaluate', 'replied', 'closed', NULL, '',
     jsonb_build_object('rating', ({_RATING}), 'source', 'resident'), p.closed_at,
     p.status = 'closed' AND ({_EVALUATED})),
    ('transition', 'close', 'replied', 'closed', NULL, '多次联系居民未评价，按期办结。', '{{}}', p.closed_at,
     p.status = 'closed' AND NOT ({_EVALUATED}))
) AS e(kind, action, from_status, to_status, actor_id, text, data, at, wanted)
WHERE p.id BETWEEN %(first_id)s AND %(last_id)s AND e.wanted
"""

EVALUATIONS = f"""
INSERT INTO petitions_evaluation (petition_id, source, rating, comment, round, by_id, created_at)
SELECT p.id, 'resident', v.rating,
       CASE WHEN {_u("p.id", 42)} < 0.4 THEN (%(comments)s::jsonb) ->> v.rating ELSE '' END,
       0, NULL, p.closed_at
FROM petitions_petition p CROSS JOIN LATERAL (SELECT {_RATING} AS rating) v
WHERE p.id BETWEEN %(first_id)s AND %(last_id)s AND p.status = 'closed' AND {_EVALUATED}
"""

NEXT_DUE = f"""
UPDATE petitions_petition p SET next_due_at = d.due
FROM (SELECT petition_id, min(due_at) AS due FROM petitions_deadline
      WHERE met_at IS NULL AND paused_at IS NULL GROUP BY petition_id) d
WHERE p.id = d.petition_id AND p.status IN {OPEN} AND p.id > %(base)s
"""


def code(number: int) -> str:
    """The tracking code of the ``number``-th item loaded (``ZH`` and eight digits)."""
    return f"ZH{number:08d}"


def _secondary_indexes(conn, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the table's indexes that back no constraint."""
    return conn.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = %s::regclass
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1
        """,
        [table],
    ).fetchall()


def _texts() -> dict:
    from accounts.demo import GIVEN_CHARS, SURNAMES
    from petitions.demo import ISSUES

    return {
        "codes": [i.category for i in ISSUES],
        "titles": [i.title for i in ISSUES],
        "descriptions": [i.description for i in ISSUES],
        "addresses": [i.address.removesuffix("楼前").removesuffix("室") for i in ISSUES],
        "surnames": list(SURNAMES),
        "given": list(GIVEN_CHARS),
    }


def load(
    conn, *, count: int, months: float, anchor: dt.datetime, log=lambda _line: None, drop_indexes: bool = True
) -> dict[str, int]:
    """Load ``count`` items filed over the ``months`` before ``anchor`` on the psycopg connection
    ``conn``, inside the caller's transaction; returns the rows loaded per table.

    ``drop_indexes``: drop the tables' secondary indexes for the load and rebuild them after it
    (worth it for millions of rows, not for thousands)."""
    texts = _texts()
    n = count
    span = dt.timedelta(days=months * 365.25 / 12)
    conn.execute(U_FUNCTION)
    conn.execute("SET LOCAL session_replication_role = replica")  # no FK checks or audit triggers
    conn.execute("SET LOCAL work_mem = '256MB'")
    conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
    conn.execute(GRIDS, {})
    conn.execute(ISSUES, texts)
    n_grids = conn.execute("SELECT count(*) FROM bench_grid").fetchone()[0]
    n_issues = conn.execute("SELECT count(*) FROM bench_issue").fetchone()[0]
    if not n_grids:
        raise RuntimeError("no grids: seed_demo did not build the region tree")
    base = conn.execute("SELECT coalesce(max(id), 0) FROM petitions_petition").fetchone()[0]
    indexes = [ix for table in TABLES for ix in _secondary_indexes(conn, table)] if drop_indexes else []
    for name, _definition in indexes:
        conn.execute(f"DROP INDEX {name}")
    log(f"  petitions: {n:,} items over {n_grids:,} grids; {len(indexes)} secondary indexes dropped for the load")
    params = {
        **texts,
        "n_surnames": len(texts["surnames"]),
        "n_given": len(texts["given"]),
        "anchor": anchor,
        "start": anchor - span,
        "span": span.total_seconds(),
        "n": n,
        "base": base,
        "n_grids": n_grids,
        "n_issues": n_issues,
        "reply": REPLY,
        "reply_unfixed": REPLY_UNFIXED,
        "comments": json.dumps(COMMENTS, ensure_ascii=False),
    }
    rows = dict.fromkeys(TABLES, 0)
    for lo in range(1, n + 1, CHUNK):
        started = time.monotonic()
        hi = min(n, lo + CHUNK - 1)
        chunk = {**params, "lo": lo, "hi": hi, "first_id": base + lo, "last_id": base + hi}
        for table, statement in zip(TABLES, (PETITIONS, DEADLINES, EVENTS, EVALUATIONS), strict=True):
            rows[table] += conn.execute(statement, chunk).rowcount
        log(f"  petitions: {hi:,}/{n:,} loaded ({time.monotonic() - started:.0f} s for this chunk)")
    started = time.monotonic()
    for _name, definition in indexes:
        conn.execute(definition)
    if indexes:
        log(f"  petitions: {len(indexes)} indexes rebuilt in {time.monotonic() - started:.0f} s")
    conn.execute(NEXT_DUE, {"base": base})
    conn.execute(
        "SELECT setval(pg_get_serial_sequence('petitions_petition', 'id'), (SELECT max(id) FROM petitions_petition))"
    )
    return rows


def figures(conn, anchor: dt.datetime) -> dict:
    """The mix as loaded: statuses, and the sweep's work as of the anchor."""
    statuses = dict(conn.execute("SELECT status, count(*) FROM petitions_petition GROUP BY 1").fetchall())
    running = conn.execute(
        f"SELECT count(*) FROM petitions_petition WHERE status IN {RUNNING}",
    ).fetchone()[0]
    overdue = conn.execute(
        """
        SELECT count(DISTINCT petition_id) FROM petitions_deadline
        WHERE met_at IS NULL AND paused_at IS NULL AND breached_at IS NULL AND due_at <= %s
        """,
        [anchor],
    ).fetchone()[0]
    return {"statuses": statuses, "open_running": running, "overdue_unbreached": overdue}
