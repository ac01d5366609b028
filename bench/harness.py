"""The benchmark harness: cases, their measurements and targets, and the Markdown/JSON report.

A case is a function registered with ``@case``; it gets a :class:`Context` (the scale, the bench
database, a production-like server, logged-in HTTP sessions, helpers to time things side by side)
and returns a :class:`CaseResult`: what it measured and the checks against its targets::

    @case("status_lookup", title="Public status lookup", order=60)
    def status_lookup(ctx: Context) -> CaseResult:
        result = ctx.result("status_lookup")
        series = ctx.interleave({"lookup": ..., "trivial": ...})
        result.latency("lookup", series["lookup"])
        result.check("p95 ≤ 1.5× trivial", result.p95("lookup") / result.p95("trivial"), "<=", 1.5)
        return result
"""

# ruff: noqa: S603 - subprocesses of this project's own commands, never of outside input

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import database
from bench.scales import BenchScale
from bench.stats import Summary, ratio

RESULTS = Path(__file__).resolve().parent / "results"
_DECLARE = re.compile(r'^\s*DECLARE\s+"?[\w$]+"?\s+NO SCROLL CURSOR\s+WITH(?:OUT)? HOLD\s+FOR\s+', re.IGNORECASE)


# --- What a case reports ------------------------------------------------------------------------


@dataclass
class Sample:
    """One timed operation: wall time (s) and, for HTTP requests, what Server-Timing said."""

    seconds: float
    db_ms: float | None = None
    queries: int | None = None
    status: int | None = None
    app_ms: float | None = None  # the whole request inside Django (Server-Timing "app")


@dataclass
class Measurement:
    name: str
    unit: str  # "ms", "req/s", "ms/item", "MB", …
    values: list[float]
    note: str = ""
    queries: int | None = None  # the query count, when it is the same for every sample
    db_ms: list[float] = field(default_factory=list)  # SQL time inside each request (Server-Timing)
    app_ms: list[float] = field(default_factory=list)  # time inside Django for each request (Server-Timing)

    @property
    def summary(self) -> Summary:
        return Summary.of(self.values)

    def as_dict(self) -> dict:
        data = {"name": self.name, "unit": self.unit, "summary": self.summary.as_dict(), "note": self.note}
        if self.queries is not None:
            data["queries"] = self.queries
        if self.db_ms:
            data["db_ms"] = Summary.of(self.db_ms).as_dict()
        if self.app_ms:
            data["app_ms"] = Summary.of(self.app_ms).as_dict()
        return data


@dataclass
class Check:
    """One target: ``measured <op> limit``, e.g. a p95 ratio ≤ 2."""

    target: str
    measured: float | None
    op: str  # "<=", ">=" or "=="
    limit: float
    detail: str = ""

    @property
    def status(self) -> str:
        if self.measured is None:
            return "n/a"
        ok = {
            "<=": self.measured <= self.limit,
            ">=": self.measured >= self.limit,
            "==": self.measured == self.limit,
        }[self.op]
        return "PASS" if ok else "FAIL"

    def as_dict(self) -> dict:
        return {
            "target": self.target,
            "measured": self.measured,
            "op": self.op,
            "limit": self.limit,
            "status": self.status,
            "detail": self.detail,
        }


@dataclass
class CaseResult:
    key: str
    title: str
    measurements: list[Measurement] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, name: str, unit: str, values: list[float], **kwargs) -> Measurement:
        measurement = Measurement(name, unit, list(values), **kwargs)
        self.measurements.append(measurement)
        return measurement

    def latency(self, name: str, samples: list[Sample], note: str = "") -> Measurement:
        """Wall times in ms, with the Server-Timing SQL time and query count when the server sent them."""
        queries = {s.queries for s in samples if s.queries is not None}
        return self.add(
            name,
            "ms",
            [s.seconds * 1000 for s in samples],
            note=note,
            queries=queries.pop() if len(queries) == 1 else None,
            db_ms=[s.db_ms for s in samples if s.db_ms is not None],
            app_ms=[s.app_ms for s in samples if s.app_ms is not None],
        )

    def get(self, name: str) -> Measurement:
        for measurement in self.measurements:
            if measurement.name == name:
                return measurement
        raise KeyError(name)

    def p95(self, name: str) -> float:
        return self.get(name).summary.p95

    def median(self, name: str) -> float:
        return self.get(name).summary.median

    def check(self, target: str, measured: float | None, op: str, limit: float, detail: str = "") -> Check:
        result = Check(target, measured, op, limit, detail)
        self.checks.append(result)
        return result

    def check_ratio(self, target: str, numerator: str, denominator: str, limit: float, *, stat: str = "p95") -> Check:
        """``stat`` of one measurement over ``stat`` of another, ≤ ``limit``."""
        top = getattr(self.get(numerator).summary, stat)
        bottom = getattr(self.get(denominator).summary, stat)
        unit = self.get(numerator).unit
        detail = f"{stat} {numerator} {top:.2f} {unit} / {denominator} {bottom:.2f} {unit}"
        return self.check(target, ratio(top, bottom), "<=", limit, detail)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "seconds": round(self.seconds, 1),
            "measurements": [m.as_dict() for m in self.measurements],
            "checks": [c.as_dict() for c in self.checks],
            "notes": self.notes,
            "figures": self.figures,
        }


# --- The registry -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSpec:
    key: str
    title: str
    order: int
    run: Callable[[Context], CaseResult]


CASES: dict[str, CaseSpec] = {}


def case(key: str, *, title: str, order: int):
    """Register a benchmark case: ``fn(ctx) -> CaseResult``, run in ``order``."""

    def register(fn: Callable[[Context], CaseResult]):
        CASES[key] = CaseSpec(key, title, order, fn)
        return fn

    return register


# --- The context a case runs in -----------------------------------------------------------------


@dataclass
class Context:
    scale: BenchScale
    url: str
    anchor: dt.datetime
    repeat: int = 100  # sequential samples per latency series
    heavy_repeat: int = 5  # repetitions of heavy operations (sweeps, exports)
    duration: float = 40.0  # seconds of load per endpoint in a throughput case
    log: Callable[[str], None] = print
    redis_db: int = 2
    compare: Context | None = None  # the district, in a city run (flatness checks)
    _server: object = None
    _sql: object = None

    def result(self, key: str) -> CaseResult:
        return CaseResult(key, CASES[key].title if key in CASES else key)

    # The server and HTTP sessions (bench/server.py).
    @property
    def server(self):
        if self._server is None:
            from bench.server import Server

            self._server = Server(self.url, scale=self.scale.name, redis_db=self.redis_db, log=self.log)
            self._server.start()
        return self._server

    def session(self, username: str | None = None, **kwargs):
        """An HTTP session on the server; signed in as ``username`` (demo password) unless None."""
        return self.server.session(username, **kwargs)

    def stop(self) -> None:
        if self._sql is not None:
            self._sql.close()
            self._sql = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self.compare is not None:
            self.compare.stop()

    # Timing helpers.
    def interleave(self, series: dict[str, Callable[[], Sample]], n: int | None = None, warmup: int = 5):
        """Run the operations in rounds, each once a round in a shuffled order, ``n`` rounds after
        ``warmup`` ones, so load from elsewhere on the machine — and the server's periodic pauses
        (garbage collection) — fall on all of them alike; returns the samples by name."""
        n = n or self.repeat
        shuffle = random.Random(len(series)).shuffle  # the same orders in every run
        for _ in range(warmup):
            for operation in series.values():
                operation()
        samples: dict[str, list[Sample]] = {name: [] for name in series}
        names = list(series)
        for _ in range(n):
            shuffle(names)
            for name in names:
                samples[name].append(series[name]())
        return samples

    def psql(self, **kwargs):
        return database.connect(self.url, **kwargs)

    def bare_sql(self, statements: list[str]) -> Callable[[], Sample]:
        """One pass over the statements (literal SQL, e.g. captured from a page) through psycopg, as an
        operation for :meth:`interleave`. A server-side cursor Django declared (``iterator()``, e.g. a
        form's choices) runs as its plain query, fetched whole, as the page fetches it."""
        statements = [_DECLARE.sub("", s, count=1) for s in statements]

        def run() -> Sample:
            conn = self.sql_connection()
            started = time.perf_counter()
            for statement in statements:
                cursor = conn.execute(statement)
                while True:
                    if cursor.description is not None:
                        cursor.fetchall()
                    if not cursor.nextset():
                        break
            elapsed = time.perf_counter() - started
            return Sample(elapsed, db_ms=elapsed * 1000, queries=len(statements))

        return run

    def sql_connection(self):
        """A psycopg connection (autocommit) kept for the run: the bare side of the comparisons."""
        if self._sql is None or self._sql.closed:
            self._sql = self.psql(autocommit=True)
        return self._sql

    def django(self, function: str, **kwargs):
        """Call ``bench.worker.<function>(**kwargs)`` in a Django process on this database; returns
        its JSON answer (a separate process: each bench database gets its own Django setup)."""
        env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "zhenhai.settings",
            "REDIS_URL": redis_url(self.redis_db),
            "CACHE_KEY_PREFIX": f"bench-{self.scale.name}-worker",
            "CELERY_QUEUE": f"bench-{self.scale.name}",
        }
        env.pop("DJANGO_ENV", None)
        completed = subprocess.run(
            [sys.executable, "-m", "bench.worker", function, json.dumps(kwargs, default=str)],
            env=env,
            cwd=database.ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(completed.stdout.strip().splitlines()[-1])


def redis_url(db: int) -> str:
    """The environment's Redis (or the embedded one) with the bench's own database number."""
    from urllib.parse import urlsplit, urlunsplit

    url = os.environ.get("REDIS_URL", "")
    if not url:
        sys.path.insert(0, str(database.ROOT))
        from zhenhai import local_services

        url = local_services.redis_url()
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = "&".join([q for q in parts.query.split("&") if q and not q.startswith("db=")] + [f"db={db}"])
        return f"unix://{parts.netloc}{parts.path}?{query}"  # urlunsplit would drop the empty host
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))


# --- Running and reporting ----------------------------------------------------------------------


def run_cases(ctx: Context, keys: list[str]) -> list[CaseResult]:
    results = []
    for spec in sorted((CASES[k] for k in keys), key=lambda s: s.order):
        ctx.log(f"== {spec.key}: {spec.title}")
        started = time.monotonic()
        try:
            result = spec.run(ctx)
        except Exception as exc:  # one broken case must not lose the others' results
            import traceback

            traceback.print_exc()
            result = CaseResult(spec.key, spec.title)
            result.notes.append(f"The case failed: {exc.__class__.__name__}: {exc}")
            result.check("the case runs", None, "==", 1)
        result.seconds = time.monotonic() - started
        for check in result.checks:
            ctx.log(f"   {check.status:4} {check.target}: {_fmt(check.measured)} (limit {check.op} {check.limit})")
        results.append(result)
    return results


def machine_facts() -> dict:
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.processor()
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "load_average": load,
    }


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def write_report(report: dict, results: list[CaseResult]) -> tuple[Path, Path]:
    """``bench/results/<scale>-<YYYYMMDD-HHMM>.json`` and ``.md``, and ``latest-<scale>.md``."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    scale = report["scale"]
    stamp = dt.datetime.fromisoformat(report["started"]).strftime("%Y%m%d-%H%M")
    report = {**report, "cases": [r.as_dict() for r in results]}
    json_path = RESULTS / f"{scale}-{stamp}.json"
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    markdown = render_markdown(report, results)
    md_path = RESULTS / f"{scale}-{stamp}.md"
    md_path.write_text(markdown)
    (RESULTS / f"latest-{scale}.md").write_text(markdown)
    (RESULTS / f"latest-{scale}.json").write_text(json_path.read_text())
    return md_path, json_path


def render_markdown(report: dict, results: list[CaseResult]) -> str:
    machine, data = report["machine"], report["data"]
    lines = [
        f"# Benchmark — {report['scale']} scale — {report['started'][:16].replace('T', ' ')}",
        "",
        f"`{report['command']}` · {report['duration_s'] / 60:.1f} min in all "
        f"(seeding {report['seeding_s'] / 60:.1f} min{', reused' if report['seed_reused'] else ''}) · "
        f"{machine['cores']} cores ({machine['cpu']}), {machine['memory_gib']} GiB · "
        f"PostgreSQL {data['postgresql']} · load average {' '.join(report['load_before'])} before, "
        f"{' '.join(machine['load_average'])} after.",
        "",
        f"Data: {data['rows_estimated']['petitions_petition']:,} petitions ({data['open_petitions']:,} open), "
        f"{data['rows_estimated']['petitions_deadline']:,} deadlines, "
        f"{data['rows_estimated']['petitions_event']:,} events, "
        f"{data['rows_estimated']['petitions_evaluation']:,} evaluations; database {data['database_size']}; "
        f"seeded as of {report['anchor']}.",
        "",
        "## Targets",
        "",
        "| case | target | measured | limit | result |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for result in results:
        for check in result.checks:
            lines.append(
                f"| {result.title} | {check.target} | {_fmt(check.measured)} | {check.op} {_fmt(check.limit)} | "
                f"**{check.status}** |"
            )
    for result in results:
        lines += ["", f"## {result.title}", ""]
        lines += [
            "| measurement | n | median | p95 | min | max | unit | in Django (median) | SQL in request (median) "
            "| queries |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
        ]
        for m in result.measurements:
            s = m.summary
            db = _fmt(Summary.of(m.db_ms).median) + " ms" if m.db_ms else ""
            app = _fmt(Summary.of(m.app_ms).median) + " ms" if m.app_ms else ""
            queries = "" if m.queries is None else str(m.queries)
            lines.append(
                f"| {m.name} | {s.n} | {_fmt(s.median)} | {_fmt(s.p95)} | {_fmt(s.min)} | {_fmt(s.max)} | "
                f"{m.unit} | {app} | {db} | {queries} |"
            )
        details = [c for c in result.checks if c.detail]
        if details:
            lines.append("")
            lines += [f"- {c.target}: {c.detail}" for c in details]
        if result.notes:
            lines.append("")
            lines += [f"- {note}" for note in result.notes]
        lines += ["", f"_{result.seconds:.0f} s._"]
    seeding = report.get("seed", {})
    if seeding:
        lines += ["", "## Seeding", "", "| seeder | seconds | rows | seeded at |", "| --- | ---: | --- | --- |"]
        for name, marker in seeding.items():
            rows = ", ".join(f"{v:,} {k}" for k, v in (marker.get("rows") or {}).items())
            lines.append(f"| {name} | {marker['seconds']:.0f} | {rows} | {str(marker['at'])[:16]} |")
    return "\n".join(lines) + "\n"
