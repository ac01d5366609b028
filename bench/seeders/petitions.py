"""Benchmark petitions: ``petitions.bulk`` at the scale's volume (20 months of a district's or a
city's items; the mix is described there), with the secondary indexes dropped for the load."""

from __future__ import annotations

import datetime as dt

from petitions import bulk

NAME = "petitions"
VERSION = 2  # 2: the timeline as kinds and parameters, escalation entries, closed-without-a-fix replies


def seed(conn, *, scale, anchor: dt.datetime, log) -> dict[str, int]:
    return bulk.load(conn, count=scale.petitions, months=scale.months, anchor=anchor, log=log)


def figures(conn, anchor: dt.datetime) -> dict:
    return bulk.figures(conn, anchor)
