"""The harness's bookkeeping: targets, the report, database and Redis names, interleaving."""

import datetime as dt

import pytest

from bench import database, harness
from bench.harness import CaseResult, Check, Context, Sample
from bench.scales import SCALES


def test_check_status():
    assert Check("p95 ≤ 2×", 1.9, "<=", 2.0).status == "PASS"
    assert Check("p95 ≤ 2×", 2.1, "<=", 2.0).status == "FAIL"
    assert Check("≥ 100× faster", 99.0, ">=", 100.0).status == "FAIL"
    assert Check("zero errors", 0.0, "==", 0.0).status == "PASS"
    assert Check("flat", None, "<=", 1.2).status == "n/a"


def test_check_ratio_and_latency_summary():
    result = CaseResult("x", "X")
    result.latency("page", [Sample(s / 1000, db_ms=1.0, queries=7) for s in (10, 20, 30, 40, 50)])
    result.latency("trivial", [Sample(s / 1000, queries=3) for s in (5, 10, 15, 20, 25)])
    check = result.check_ratio("p95 ≤ 2× trivial", "page", "trivial", 2.0)
    assert check.measured == pytest.approx(2.0)
    assert check.status == "PASS"
    assert result.get("page").queries == 7
    mixed = result.latency("mixed", [Sample(0.01, queries=3), Sample(0.01, queries=4)])
    assert mixed.queries is None  # a query count that varies is not a count


def test_markdown_report_lists_every_target():
    result = CaseResult("status_lookup", "6. Public status lookup")
    result.add("lookup", "ms", [10.0, 12.0, 30.0])
    result.check("p95 ≤ 1.5× trivial", 1.8, "<=", 1.5, "p95 lookup 28.2 ms / trivial 15.7 ms")
    report = {
        "scale": "district",
        "command": "make bench SCALE=district",
        "started": "2026-11-27T04:00:00+08:00",
        "duration_s": 600.0,
        "seeding_s": 90.0,
        "seed_reused": False,
        "anchor": "2026-11-27T03:48:00+00:00",
        "load_before": ["1.0", "1.0", "1.0"],
        "machine": {"cores": 2, "cpu": "test cpu", "memory_gib": 24, "load_average": ["2.0", "1.5", "1.0"]},
        "data": {
            "postgresql": "15.20",
            "database_size": "2.3 GiB",
            "open_petitions": 26_000,
            "rows_estimated": {
                "petitions_petition": 1_000_000,
                "petitions_deadline": 2_000_000,
                "petitions_event": 3_800_000,
                "petitions_evaluation": 800_000,
            },
        },
    }
    text = harness.render_markdown(report, [result])
    assert "| 6. Public status lookup | p95 ≤ 1.5× trivial | 1.80 | <= 1.50 | **FAIL** |" in text
    assert "1,000,000 petitions (26,000 open)" in text
    assert "| lookup | 3 | 12.00 | 28.20 | 10.00 | 30.00 | ms |  |  |  |" in text


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://postgres@127.0.0.1:5432/zhenhai_dev", "postgres://postgres@127.0.0.1:5432/zhenhai_bench_city"),
        (
            "postgres://postgres@/zhenhai?host=/work/var/pg&port=5433",
            "postgres://postgres@/zhenhai_bench_city?host=/work/var/pg&port=5433",
        ),
    ],
)
def test_bench_database_replaces_only_the_name(url, expected):
    assert database.bench_url("city", url) == expected


def test_redis_url_takes_the_bench_database_number(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert harness.redis_url(3) == "redis://127.0.0.1:6379/3"
    monkeypatch.setenv("REDIS_URL", "unix:///work/var/redis.sock")
    assert harness.redis_url(2) == "unix:///work/var/redis.sock?db=2"


def test_server_side_cursors_replay_as_plain_queries():
    declared = 'DECLARE "_django_curs_1_sync_3" NO SCROLL CURSOR WITH HOLD FOR SELECT "a" FROM "t"'
    assert harness._DECLARE.sub("", declared) == 'SELECT "a" FROM "t"'
    assert harness._DECLARE.sub("", "SELECT 1") == "SELECT 1"


def test_interleave_runs_every_operation_once_a_round_after_the_warm_up():
    calls = []

    def op(name):
        def run():
            calls.append(name)
            return Sample(0.001)

        return run

    ctx = Context(scale=SCALES["mini"], url="postgres://x/y", anchor=dt.datetime.now(dt.UTC), repeat=3)
    samples = ctx.interleave({"a": op("a"), "b": op("b"), "c": op("c")}, warmup=2)
    assert calls[:6] == ["a", "b", "c"] * 2  # the warm-up, in order
    rounds = [calls[i : i + 3] for i in range(6, 15, 3)]
    assert all(sorted(r) == ["a", "b", "c"] for r in rounds)
    assert len({tuple(r) for r in rounds}) > 1  # shuffled, not one fixed order
    assert [len(v) for v in samples.values()] == [3, 3, 3]
