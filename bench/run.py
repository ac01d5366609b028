"""``make bench SCALE=district|city`` — seed (or reuse) the bench database, run the cases, write the
report under bench/results/. See docs/performance.md.

    .venv/bin/python bench/run.py --scale district [--repeat 100] [--cases triage,sweep] [--reseed]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import database, harness, seeding  # noqa: E402
from bench.cases import common  # noqa: E402, F401 - registers the cases
from bench.scales import SCALES  # noqa: E402
from bench.seeders import SEEDERS  # noqa: E402

REDIS_DB = {"mini": 2, "district": 2, "city": 3}


def parse(argv: list[str]) -> argparse.Namespace:
    import bench.cases  # noqa: F401 - registers every case

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="district")
    parser.add_argument(
        "--repeat",
        type=int,
        default=100,
        help="samples per latency series (default 100; a p95 of 40 samples is their second-worst)",
    )
    parser.add_argument("--heavy-repeat", type=int, default=5, help="runs of the sweep and the like (default 5)")
    parser.add_argument("--duration", type=float, default=40.0, help="seconds of load per endpoint (intake)")
    parser.add_argument(
        "--cases", default="all", help=f"comma-separated, of: {', '.join(sorted(harness.CASES))} (default all)"
    )
    parser.add_argument("--reseed", action="store_true", help="rebuild the bench database from scratch")
    parser.add_argument(
        "--no-compare", action="store_true", help="in a city run, do not measure the district beside it"
    )
    args = parser.parse_args(argv)
    args.case_keys = sorted(harness.CASES) if args.cases == "all" else [c.strip() for c in args.cases.split(",")]
    unknown = [k for k in args.case_keys if k not in harness.CASES]
    if unknown:
        parser.error(f"unknown cases: {', '.join(unknown)}")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    started, started_at = time.monotonic(), dt.datetime.now().astimezone()
    load_before = harness.machine_facts()["load_average"]
    scale = SCALES[args.scale]
    base = database.base_url()
    url = database.bench_url(scale.name, base)
    print(f"Benchmark at {scale.name} scale on {database.bench_name(scale.name)}.", flush=True)
    seeding_started = time.monotonic()
    markers_before = database.markers(url) if database.database_exists(url) else {}
    markers = seeding.ensure(scale, url, force=args.reseed)
    seeding_seconds = time.monotonic() - seeding_started
    reused = all(markers_before.get(s.NAME, {}).get("at") == markers[s.NAME]["at"] for s in SEEDERS)
    anchor = markers[SEEDERS[0].NAME]["anchor"]

    ctx = harness.Context(
        scale=scale,
        url=url,
        anchor=anchor,
        repeat=args.repeat,
        heavy_repeat=args.heavy_repeat,
        duration=args.duration,
        redis_db=REDIS_DB[scale.name],
    )
    if scale.name == "city" and not args.no_compare:
        district_url = database.bench_url("district", base)
        current = database.database_exists(district_url) and seeding._current(
            database.markers(district_url).get(SEEDERS[0].NAME), SCALES["district"], SEEDERS[0].VERSION
        )
        if current:
            district_markers = database.markers(district_url)
            ctx.compare = harness.Context(
                scale=SCALES["district"],
                url=district_url,
                anchor=district_markers[SEEDERS[0].NAME]["anchor"],
                repeat=args.repeat,
                heavy_repeat=args.heavy_repeat,
                duration=args.duration,
                redis_db=REDIS_DB["district"],
            )
        else:
            print("The district database is not seeded: flatness checks are left out (run the district first).")
    try:
        results = harness.run_cases(ctx, args.case_keys)
    finally:
        ctx.stop()

    facts = database.facts(url)
    report = {
        "scale": scale.name,
        "command": "make bench SCALE=" + scale.name + (f" (bench/run.py {' '.join(argv)})" if argv else ""),
        "started": started_at.isoformat(),
        "duration_s": round(time.monotonic() - started, 1),
        "seeding_s": round(seeding_seconds, 1),
        "seed_reused": reused,
        "anchor": anchor.isoformat() if anchor else None,
        "load_before": load_before,
        "machine": harness.machine_facts(),
        "data": facts,
        "seed": markers,
        "options": {"repeat": args.repeat, "heavy_repeat": args.heavy_repeat, "duration": args.duration},
        "compared_with": ctx.compare.scale.name if ctx.compare else None,
    }
    md_path, json_path = harness.write_report(report, results)
    print(f"\nWrote {md_path.relative_to(database.ROOT)} and {json_path.relative_to(database.ROOT)}.")
    failed = [(r.title, c.target) for r in results for c in r.checks if c.status == "FAIL"]
    print(f"{sum(len(r.checks) for r in results) - len(failed)} targets met, {len(failed)} not:")
    for title, target in failed:
        print(f"  FAIL {title}: {target}")
    broken = [r for r in results if any(c.target == "the case runs" for c in r.checks)]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
