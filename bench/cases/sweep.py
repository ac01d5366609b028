"""Case 3: the escalation sweep (``petitions.sweeps.sweep``) over the whole seeded data, as of the
seed's anchor, where 5 % of the open items with a running clock are overdue and not yet breached.

Beside it:

- the database's own cost: ``HAND_SQL``, one hand-written statement making the same changes
  (warnings, breaches, the climb of each item, timeline events, outbox rows), with its counts
  checked equal to the sweep's. Target: the sweep within 2× of it.
- the peer: django-helpdesk's ``escalate_tickets`` over as many open tickets, 5 % of them due for
  escalation (bench/peers/helpdesk.py). The ratio per escalated item is reported as a figure, not a
  target (issue 13).

Both the sweep and the statement run inside a transaction that is rolled back, so every repetition
sees the same data.
"""

from __future__ import annotations

import time

from bench.harness import CaseResult, Context, Sample, case
from bench.stats import Summary

HAND_SQL = """
WITH warned AS (
    UPDATE petitions_deadline d SET warned_at = %(now)s
    -- driven by the partial index deadline_to_warn (with the due_at condition in the same WHERE the
    -- planner reads every running deadline instead), then primary-key lookups
    WHERE d.id = ANY(ARRAY(SELECT id FROM petitions_deadline
                           WHERE met_at IS NULL AND paused_at IS NULL AND warned_at IS NULL AND warn_at <= %(now)s))
      AND d.met_at IS NULL AND d.paused_at IS NULL AND d.warned_at IS NULL
      AND d.warn_at <= %(now)s AND d.due_at > %(now)s
    RETURNING d.petition_id, d.kind, d.due_at
), breached AS (
    UPDATE petitions_deadline d SET breached_at = %(now)s
    WHERE d.met_at IS NULL AND d.paused_at IS NULL AND d.breached_at IS NULL AND d.due_at <= %(now)s
    RETURNING d.petition_id, d.kind
), climbs AS (
    -- each breached item's level by its primary key (a join would scan the whole table)
    SELECT b.petition_id, p.level AS from_level, greatest(p.level - 1, 1) AS to_level, b.kinds
    FROM (SELECT petition_id, array_agg(kind ORDER BY kind) AS kinds FROM breached GROUP BY petition_id) b
    CROSS JOIN LATERAL (SELECT level FROM petitions_petition WHERE id = b.petition_id) p
), escalated AS (
    UPDATE petitions_petition p
    SET level = c.to_level, escalation_count = p.escalation_count + 1, updated_at = %(now)s
    FROM climbs c WHERE p.id = c.petition_id
    RETURNING p.id
), events AS (
    INSERT INTO petitions_event
        (petition_id, kind, action, from_status, to_status, actor_id, public, text, data, created_at)
    SELECT w.petition_id, 'warning', 'warn', '', '', NULL::bigint, false,
           w.kind || '将于' || to_char(w.due_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') || '到期。',
           jsonb_build_object('deadline', w.kind, 'due_at', w.due_at), %(now)s
    FROM warned w
    UNION ALL
    SELECT c.petition_id, 'escalation', 'escalate', '', '', NULL, false,
           '超时：' || array_to_string(c.kinds, '、') || '。由' || c.from_level || '级升至' || c.to_level || '级。',
           jsonb_build_object('deadline', c.kinds[1], 'deadlines', to_jsonb(c.kinds),
                              'from_level', c.from_level, 'to_level', c.to_level), %(now)s
    FROM climbs c
    RETURNING kind
), messages AS (
    INSERT INTO core_outboxmessage (topic, payload, created_at, attempts, last_error)
    SELECT 'petition', jsonb_build_object('petition', petition_id, 'event', 'warning',
                                          'deadlines', jsonb_agg(kind ORDER BY kind)), %(now)s, 0, ''
    FROM warned GROUP BY petition_id
    UNION ALL
    SELECT 'petition', jsonb_build_object('petition', petition_id, 'event', 'escalated', 'level', to_level),
           %(now)s, 0, ''
    FROM climbs
    RETURNING topic
)
SELECT (SELECT count(*) FROM warned), (SELECT count(*) FROM events WHERE kind = 'warning'),
       (SELECT count(*) FROM breached), (SELECT count(*) FROM escalated),
       (SELECT count(*) FROM events WHERE kind = 'escalation'), (SELECT count(*) FROM messages)
"""
COUNTS = ("warned", "warning_events", "breached", "escalated", "escalation_events", "messages")


def hand_sql(ctx: Context, repeat: int, warmup: int = 1) -> tuple[list[Sample], dict]:
    samples, counts = [], {}
    with ctx.psql() as conn:
        for index in range(warmup + repeat):
            started = time.perf_counter()
            row = conn.execute(HAND_SQL, {"now": ctx.anchor}).fetchone()
            elapsed = time.perf_counter() - started
            conn.rollback()
            counts = dict(zip(COUNTS, row, strict=True))
            if index >= warmup:
                samples.append(Sample(elapsed, db_ms=elapsed * 1000, queries=1))
    return samples, counts


def open_items(ctx: Context) -> tuple[int, int]:
    """Open items whose clock runs, and those the sweep escalates (overdue, not yet breached)."""
    with ctx.psql(autocommit=True) as conn:
        running = conn.execute(
            "SELECT count(*) FROM petitions_petition WHERE status IN ('new', 'assigned', 'accepted')"
        ).fetchone()[0]
        overdue = conn.execute(
            "SELECT count(DISTINCT petition_id) FROM petitions_deadline "
            "WHERE met_at IS NULL AND paused_at IS NULL AND breached_at IS NULL AND due_at <= %s",
            [ctx.anchor],
        ).fetchone()[0]
    return running, overdue


@case("sweep", title="3. Escalation sweep (5 % overdue)", order=30)
def sweep(ctx: Context) -> CaseResult:
    from bench.peers import helpdesk

    result = ctx.result("sweep")
    running, overdue = open_items(ctx)
    result.figures.update(open_running=running, overdue=overdue)
    answer = ctx.django("sweep", now=ctx.anchor.isoformat(), repeat=ctx.heavy_repeat)
    sweep_counts = answer["result"]
    bare, counts = hand_sql(ctx, ctx.heavy_repeat)
    result.add("sweep", "ms", [s * 1000 for s in answer["seconds"]], note="petitions.sweeps.sweep(now=anchor)")
    result.latency("hand-written SQL", bare, note="one statement, same changes")
    result.figures.update(sweep=sweep_counts, hand_sql=counts)
    mismatched = [k for k in COUNTS if sweep_counts.get(k) != counts[k]]
    result.check(
        "hand-written SQL makes the same changes (counts)",
        float(len(mismatched)),
        "==",
        0.0,
        ", ".join(f"{k} {sweep_counts.get(k)}/{counts[k]}" for k in COUNTS),
    )
    result.check_ratio("sweep ≤ 2× hand-written SQL (medians)", "sweep", "hand-written SQL", 2.0, stat="median")
    escalated = sweep_counts["escalated"]
    per_item = Summary.of(answer["seconds"]).median / max(escalated, 1)
    result.add("sweep per escalated item", "ms/item", [s * 1000 / max(escalated, 1) for s in answer["seconds"]])
    peer = helpdesk.measure(ctx, tickets=running, due_share=overdue / max(running, 1))
    if peer.get("error"):
        result.notes.append(f"The peer could not run: {peer['error']}")
    else:
        peer_per_item = [s / max(peer["escalated"], 1) for s in peer["seconds"]]
        result.add(
            "django-helpdesk escalate_tickets",
            "ms",
            [s * 1000 for s in peer["seconds"]],
            note=f"django-helpdesk {peer['version']}, {peer['tickets']:,} open tickets, "
            f"{peer['escalated']:,} escalated, {peer.get('emails', 0):,} mails sent (in-memory backend)",
        )
        result.add("django-helpdesk per escalated item", "ms/item", [s * 1000 for s in peer_per_item])
        ratio = Summary.of(peer_per_item).median / per_item
        result.figures["helpdesk_ratio"] = round(ratio, 1)
        result.notes.append(
            f"Against django-helpdesk (a figure, not a target): {ratio:.1f}× faster per escalated item "
            f"(median {Summary.of(peer_per_item).median * 1000:.3f} against {per_item * 1000:.4f} ms an item)."
        )
        result.figures["peer"] = {k: v for k, v in peer.items() if k != "seconds"}
    result.notes.append(
        f"{running:,} open items with a running clock; {overdue:,} ({overdue / max(running, 1):.1%}) overdue and not "
        f"yet breached as of the seed's anchor {ctx.anchor:%Y-%m-%d %H:%M} UTC. Both sides run in a rolled-back "
        "transaction; the rollback is not timed."
    )
    return result
