"""Bulk data for the benchmark, one module per app, run in this order after ``seed_demo``.

A seeder module defines ``NAME``, ``VERSION`` (bump it when what it loads changes) and
``seed(conn, *, scale, anchor, log) -> dict[str, int]`` (the rows it loaded, by table). It loads
with set-based SQL (``INSERT … SELECT … FROM generate_series``) or COPY on the psycopg connection
it is given, inside one transaction the harness commits; ``bench_u(id, k)`` (created by the first
seeder) gives a deterministic uniform number in [0, 1) per row and purpose. ``anchor`` is the
seed's "now": data is laid out relative to it, and time-dependent cases run "as of" it.

The first seeder is the base: when its version changes the whole database is rebuilt; a later
seeder that is missing or outdated runs alone (it must then remove its own old rows first).
"""

from bench.seeders import funds, gridwork, petitions, reports, volunteers

SEEDERS = [petitions, reports, funds, volunteers, gridwork]
