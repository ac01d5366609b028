"""Case 4: the satisfaction export of a district's year, streamed as CSV over HTTP, against
PostgreSQL's own ``COPY (the same query) TO STDOUT``, with the serving worker's peak memory."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import time
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bench.cases.common import contexts
from bench.harness import CaseResult, Context, Sample, case

DISTRICT_STAFF = "district_staff"  # accounts.demo: the whole district in scope, no second factor
DISTRICT_PATH = "330211/"  # 镇海区 (in the city too)
STREAM_ROWS = "100000000"  # EXPORT_STREAM_MAX_ROWS for the bench server: every export streams
MEMORY_LIMIT_MB = 200.0
ZONE = ZoneInfo("Asia/Shanghai")


def full_months(anchor: dt.datetime, months: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the latest ``months`` full months before ``anchor`` (Asia/Shanghai)."""
    first_of_this = anchor.astimezone(ZONE).date().replace(day=1)
    year, month = divmod(first_of_this.year * 12 + first_of_this.month - 1 - months, 12)
    return dt.date(year, month + 1, 1), first_of_this - dt.timedelta(days=1)


def memory_kib(pid: int) -> dict[str, int]:
    with open(f"/proc/{pid}/status") as f:
        return {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in f) if k in ("VmHWM", "VmRSS")}


class Digest:
    """SHA-256 of the CSV rows (after the BOM and the header line, which COPY does not write)."""

    def __init__(self, skip_header: bool) -> None:
        self.hash = hashlib.sha256()
        self.size = 0
        self.head = b"" if skip_header else None

    def update(self, data: bytes) -> None:
        self.size += len(data)
        if self.head is not None:
            self.head += data
            if b"\n" not in self.head:
                return
            data = self.head.split(b"\n", 1)[1]
            self.head = None
        self.hash.update(data)


def http_export(session, region_id: int, start: dt.date, end: dt.date) -> tuple[Sample, Digest, float]:
    """GET the export page (CSRF token), POST it for CSV, read the streamed body to the end."""
    path = "/exports/new/?" + urlencode({"kind": "satisfaction", "region": region_id, "start": start, "end": end})
    token = session.csrf_token(path)
    body = urlencode({"csrfmiddlewaretoken": token, "format": "csv"}).encode()
    host = f"127.0.0.1:{session.port}"
    headers = {
        "Host": host,
        "X-Forwarded-Proto": "https",
        "Referer": f"https://{host}{path}",
        "Accept-Language": "zh-hans",
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in session.cookies.items()),
        "X-CSRFToken": session.cookies.get("csrftoken", ""),
    }
    conn = http.client.HTTPConnection("127.0.0.1", session.port, timeout=600)
    digest = Digest(skip_header=True)
    try:
        started = time.perf_counter()
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        first = None
        while chunk := response.read1(1 << 16):
            if first is None:
                first = time.perf_counter() - started
            digest.update(chunk)
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    if response.status != 200 or "csv" not in (response.getheader("Content-Type") or ""):
        raise RuntimeError(f"export: HTTP {response.status} {response.getheader('Content-Type')} (not streamed?)")
    return Sample(elapsed, status=response.status), digest, first or elapsed


def copy_export(conn, statement: str) -> tuple[Sample, Digest, int]:
    """``COPY (query) TO STDOUT`` through psycopg, every byte read."""
    digest = Digest(skip_header=False)
    started = time.perf_counter()
    with conn.cursor() as cursor:
        with cursor.copy(statement) as copy:
            for data in copy:
                digest.update(bytes(data))
        rows = cursor.rowcount
    return Sample(time.perf_counter() - started), digest, rows


def _one_scale(result: CaseResult, label: str, ctx: Context, repeat: int) -> dict:
    from bench.server import Server

    start12, end = full_months(ctx.anchor, 12)
    start1, _ = full_months(ctx.anchor, 1)
    year = ctx.django("satisfaction_copy", region_path=DISTRICT_PATH, start=start12, end=end)
    region_id = year["region_id"]
    server = Server(
        ctx.url,
        scale=ctx.scale.name,
        redis_db=ctx.redis_db,
        log=ctx.log,
        workers=1,
        env={"EXPORT_STREAM_MAX_ROWS": STREAM_ROWS},
    )
    server.start()
    try:
        session = server.session(DISTRICT_STAFF)
        [pid] = server.worker_pids()
        session.csrf_token("/exports/new/?kind=satisfaction")
        before = memory_kib(pid)
        month_sample, month_digest, _ = http_export(session, region_id, start1, end)
        after_month = memory_kib(pid)
        conn = ctx.psql(autocommit=True)
        http_samples, copy_samples, digests, firsts = [], [], set(), []
        rows = None
        try:
            for index in range(repeat):  # alternate, the export first every other time
                order = ("http", "copy") if index % 2 == 0 else ("copy", "http")
                for side in order:
                    if side == "http":
                        sample, digest, first = http_export(session, region_id, start12, end)
                        http_samples.append(sample)
                        firsts.append(first)
                        digests.add(("http", digest.hash.hexdigest(), digest.size))
                    else:
                        sample, digest, rows = copy_export(conn, year["statement"])
                        copy_samples.append(sample)
                        digests.add(("copy", digest.hash.hexdigest(), digest.size))
        finally:
            conn.close()
        after_year = memory_kib(pid)
    finally:
        server.stop()
    result.latency(f"{label}: export 12 months (HTTP, CSV)", http_samples)
    result.latency(f"{label}: COPY 12 months (psycopg)", copy_samples)
    result.add(f"{label}: export 12 months, first byte", "ms", [f * 1000 for f in firsts])
    result.latency(f"{label}: export 1 month (HTTP, CSV)", [month_sample], note="once, on the fresh worker")
    mb = 1 / 1024
    figures = {
        "region_id": region_id,
        "period": [str(start12), str(end)],
        "rows": rows,
        "http_bytes": max(d[2] for d in digests if d[0] == "http"),
        "copy_bytes": max(d[2] for d in digests if d[0] == "copy"),
        "identical": len({d[1] for d in digests}) == 1,
        "worker_rss_start_mb": round(before["VmRSS"] * mb, 1),
        "worker_peak_1_month_mb": round(after_month["VmHWM"] * mb, 1),
        "worker_peak_12_months_mb": round(after_year["VmHWM"] * mb, 1),
        "month_bytes": month_digest.size,
    }
    result.add(f"{label}: worker peak RSS (VmHWM) after 1 month", "MB", [figures["worker_peak_1_month_mb"]])
    result.add(f"{label}: worker peak RSS (VmHWM) after 12 months", "MB", [figures["worker_peak_12_months_mb"]])
    return figures


@case("export", title="4. Satisfaction export", order=40)
def export(ctx: Context) -> CaseResult:
    result = ctx.result("export")
    repeat = min(ctx.heavy_repeat, 3)
    for label, c in contexts(ctx):
        figures = _one_scale(result, label, c, repeat)
        result.figures[label] = figures
        result.check_ratio(
            f"{label}: export ≤ 3× COPY (median)",
            f"{label}: export 12 months (HTTP, CSV)",
            f"{label}: COPY 12 months (psycopg)",
            3.0,
            stat="median",
        )
        peak1, peak12 = figures["worker_peak_1_month_mb"], figures["worker_peak_12_months_mb"]
        result.check(
            f"{label}: worker peak RSS < {MEMORY_LIMIT_MB:.0f} MB (12 months)",
            peak12,
            "<=",
            MEMORY_LIMIT_MB,
            f"1 month {peak1} MB, 12 months {peak12} MB, at start {figures['worker_rss_start_mb']} MB",
        )
        result.check(
            f"{label}: peak not growing (12-month peak − (1.2 × 1-month peak + 5 MB), ≤ 0)",
            round(peak12 - (1.2 * peak1 + 5), 1),
            "<=",
            0,
            f"{peak12} MB vs {peak1} MB",
        )
        result.check(
            f"{label}: same bytes as COPY (rows after the BOM and header)",
            1 if figures["identical"] else 0,
            "==",
            1,
            f"{figures['rows']:,} rows; {figures['http_bytes']:,} bytes over HTTP, {figures['copy_bytes']:,} by COPY",
        )
    if ctx.compare is not None:
        here, there = ctx.scale.name, ctx.compare.scale.name
        for name in ("export 12 months (HTTP, CSV)", "COPY 12 months (psycopg)"):
            grow = result.median(f"{here}: {name}") / result.median(f"{there}: {name}")
            result.notes.append(f"{name}: {here} median / {there} median = {grow:.2f} (the same district's rows)")
    return result
