"""``core.masking``'s rules as SQL, for exports that PostgreSQL writes itself.

A streamed CSV is produced by ``COPY (query) TO STDOUT``: the rows never pass through Python, so the
masking has to happen in the query. The rules are ``core.masking``'s, character for character
(``tests/exports/test_masking_sql.py`` compares both on the same inputs); change them together.

Each function takes the SQL of a text expression (a column) and returns an SQL expression. Only
constants of our own are inlined (``chr(n)`` codes), never data.
"""

from __future__ import annotations

import sys

# Exactly what Python's str.strip() removes, as chr() codes PostgreSQL folds into one constant.
_WHITESPACE = [ord(c) for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()]
WHITESPACE_SQL = "(" + " || ".join(f"chr({code})" for code in _WHITESPACE) + ")"
# A cell a spreadsheet would run as a formula gets a leading apostrophe (CSV / formula injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_SQL = ", ".join(f"chr({ord(c)})" for c in FORMULA_START)


def _stripped(expr: str) -> str:
    return f"btrim(COALESCE({expr}, ''), {WHITESPACE_SQL})"


def mask_name(expr: str) -> str:
    """张三丰 → 张**; empty stays empty (``core.masking.mask_name``)."""
    s = _stripped(expr)
    stars = f"repeat('*', greatest(1, least(char_length({s}) - 1, 4)))"
    return f"(CASE WHEN {s} = '' THEN '' ELSE left({s}, 1) || {stars} END)"


def mask_phone(expr: str) -> str:
    """13812345678 → 138****5678 (``core.masking.mask_phone``)."""
    s = _stripped(expr)
    return (
        f"(CASE WHEN char_length({s}) < 7 THEN repeat('*', char_length({s})) "
        f"ELSE left({s}, 3) || '****' || right({s}, 4) END)"
    )


def mask_address(expr: str) -> str:
    """Keep the first half, hide the building and room (``core.masking.mask_address``)."""
    s = _stripped(expr)
    return (
        f"(CASE WHEN {s} = '' THEN '' WHEN char_length({s}) <= 6 THEN left({s}, 2) || '****' "
        f"ELSE left({s}, char_length({s}) / 2) || '****' END)"
    )


def defuse(expr: str) -> str:
    """Text a spreadsheet would take for a formula (=, +, -, @ …) gets a leading apostrophe."""
    return f"(CASE WHEN left({expr}, 1) IN ({_FORMULA_SQL}) THEN '''' || {expr} ELSE {expr} END)"
