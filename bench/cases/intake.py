"""Case 2: petition intake through the REST API under concurrency, beside the trivial endpoint.

``CLIENTS`` threads, each with its own keep-alive connection and the street staff's session (CSRF
included), POST to ``/api/v1/petitions/`` — a new item in a grid of the street, with a category,
a title, a description and the resident's phone — and, in alternating rounds of equal length, to
``/api/v1/trivial/`` with the same body. Target: intake throughput ≥ 0.35× the trivial endpoint's,
with zero errors (the filing is written with the ORM's public API inside one transaction).
"""

from __future__ import annotations

import json
import threading
import time

from bench.cases.common import STREET_PATH, STREET_STAFF
from bench.harness import CaseResult, Context, case
from bench.server import THREADS, WORKERS

CLIENTS = 8
# What filing adds; removed again afterwards, so every run finds the data as seeded.
FILED_TABLES = ("petitions_event", "petitions_deadline", "core_outboxmessage", "petitions_petition")
ROUNDS = 4  # trivial, intake, trivial, intake, …: drift and load from elsewhere fall on both alike
TITLES = ("路灯不亮", "人行道地砖松动", "垃圾分类亭满溢", "雨水井堵塞", "电梯经常停运")


def _bodies(ctx: Context, count: int = 64) -> list[bytes]:
    with ctx.psql(autocommit=True) as conn:
        grids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM grids_region WHERE level = 5 AND path LIKE %s ORDER BY id", [STREET_PATH + "%"]
            )
        ]
        categories = [r[0] for r in conn.execute("SELECT code FROM petitions_category WHERE is_active ORDER BY code")]
    bodies = []
    for i in range(count):
        title = TITLES[i % len(TITLES)]
        bodies.append(
            json.dumps(
                {
                    "category": categories[i % len(categories)],
                    "region": grids[(i * 7) % len(grids)],
                    "title": title,
                    "description": f"{title}，已经持续好几天了，请尽快派人处理。（压测第{i}条）",
                    "address": f"{1 + i % 30}幢楼前",
                    "channel": "phone",
                    "reporter_name": "陈秀英",
                    "reporter_phone": f"139{10000000 + i * 7919 % 90000000:08d}",
                },
                ensure_ascii=False,
            ).encode()
        )
    return bodies


def _high_water(ctx: Context) -> dict[str, int]:
    with ctx.psql(autocommit=True) as conn:
        return {t: conn.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0] for t in FILED_TABLES}  # noqa: S608


def _remove_filed(ctx: Context, marks: dict[str, int]) -> int:
    """Delete what the run filed (triggers and foreign-key checks off: these rows only)."""
    with ctx.psql() as conn:
        conn.execute("SET LOCAL session_replication_role = replica")
        removed = 0
        for table in FILED_TABLES:
            removed += conn.execute(f"DELETE FROM {table} WHERE id > %s", [marks[table]]).rowcount  # noqa: S608
        conn.commit()
    return removed


def _load(base, path: str, bodies: list[bytes], seconds: float) -> dict:
    """``CLIENTS`` threads POSTing for ``seconds``; completed requests, errors and latencies."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(index: int) -> None:
        session = base.copy()
        mine, failed, n = [], [], 0
        while time.perf_counter() < deadline:
            try:
                response = session.post_json(path, bodies[(index * 97 + n) % len(bodies)])
                if response.status in (200, 201):
                    mine.append(response.seconds)
                else:
                    failed.append(f"HTTP {response.status}: {response.text[:200]}")
            except OSError as exc:
                failed.append(f"{exc.__class__.__name__}: {exc}")
                session.close()
            n += 1
        session.close()
        with lock:
            latencies.extend(mine)
            errors.extend(failed)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"ok": len(latencies), "errors": errors, "seconds": time.perf_counter() - started, "latencies": latencies}


@case("intake", title="2. Petition intake through the API (8 clients)", order=20)
def intake(ctx: Context) -> CaseResult:
    result = ctx.result("intake")
    base = ctx.session(STREET_STAFF)
    bodies = _bodies(ctx)
    marks = _high_water(ctx)
    try:
        return _measure(ctx, result, base, bodies)
    finally:
        _remove_filed(ctx, marks)


def _measure(ctx: Context, result: CaseResult, base, bodies: list[bytes]) -> CaseResult:
    probe = base.post_json("/api/v1/petitions/", bodies[0])
    if probe.status != 201:
        raise RuntimeError(f"intake probe: HTTP {probe.status}: {probe.text[:300]}")
    _load(base, "/api/v1/trivial/", bodies, 2.0)  # warm every worker thread up
    _load(base, "/api/v1/petitions/", bodies, 2.0)
    with ctx.psql(autocommit=True) as conn:
        before = conn.execute("SELECT count(*) FROM petitions_petition").fetchone()[0]
    runs = {"trivial": [], "intake": []}
    for _round in range(ROUNDS):
        runs["trivial"].append(_load(base, "/api/v1/trivial/", bodies, ctx.duration / ROUNDS))
        runs["intake"].append(_load(base, "/api/v1/petitions/", bodies, ctx.duration / ROUNDS))
    with ctx.psql(autocommit=True) as conn:
        after = conn.execute("SELECT count(*) FROM petitions_petition").fetchone()[0]
    rate = {}
    for name, rounds in runs.items():
        ok = sum(r["ok"] for r in rounds)
        seconds = sum(r["seconds"] for r in rounds)
        rate[name] = ok / seconds
        result.add(
            f"{name} throughput", "req/s", [r["ok"] / r["seconds"] for r in rounds], note=f"{ok} in {seconds:.1f} s"
        )
        result.add(f"{name} latency under load", "ms", [x * 1000 for r in rounds for x in r["latencies"]])
        errors = [e for r in rounds for e in r["errors"]]
        result.figures[f"{name}_errors"] = len(errors)
        if errors:
            result.notes.append(f"{name}: {len(errors)} errors, e.g. {errors[0]}")
    result.check(
        "intake throughput ≥ 0.35× trivial endpoint",
        rate["intake"] / rate["trivial"],
        ">=",
        0.35,
        f"{rate['intake']:.1f} / {rate['trivial']:.1f} req/s",
    )
    errors = result.figures["intake_errors"] + result.figures["trivial_errors"]
    result.check("zero errors", float(errors), "==", 0.0)
    filed = sum(r["ok"] for r in runs["intake"])
    result.figures["items_filed"] = after - before
    result.check("every 201 filed one item", float(after - before - filed), "==", 0.0, f"{after - before} new rows")
    result.notes.append(
        f"{CLIENTS} client threads (keep-alive, one connection each) against gunicorn "
        f"{WORKERS} workers × {THREADS} threads; {ROUNDS} alternating rounds of {ctx.duration / ROUNDS:.0f} s "
        "per endpoint after a 2 s warm-up of each; the intake goes through the whole service "
        "(validation, the item, its triage deadline, timeline event, outbox row and the after-commit kick "
        "to Redis). What the run filed is deleted afterwards."
    )
    return result
