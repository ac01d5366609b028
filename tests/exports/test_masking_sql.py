"""The SQL masking that PostgreSQL applies to streamed exports follows core.masking exactly."""

from __future__ import annotations

import pytest
from django.db import connection

from core import masking
from exports import masking_sql

SAMPLES = [
    "",
    " ",
    "张",
    "张三",
    "张三丰",
    "欧阳娜娜娜娜娜",
    " 陈秀英\u3000",
    "Alice",
    "\tBob Smith\n",
    "138",
    "123456",
    "1381234",
    "13812345678",
    " 13812345678 ",
    "+8613812345678",
    "清川佳园",
    "清川佳园3号",
    "清川佳园3号楼",
    "清川佳园3号楼2单元501室",
    "=HYPERLINK(1)",
    "-5",
    "@cmd",
    "\u2003\u00a0x\u205f",
]


def _sql(build, values: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {build('v.t')} FROM unnest(%s::text[]) WITH ORDINALITY AS v(t, n) ORDER BY v.n",  # noqa: S608
            [values],
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("build", "python"),
    [
        (masking_sql.mask_name, masking.mask_name),
        (masking_sql.mask_phone, masking.mask_phone),
        (masking_sql.mask_address, masking.mask_address),
    ],
)
def test_sql_masking_equals_core_masking(build, python):
    assert _sql(build, SAMPLES) == [python(s) for s in SAMPLES]


@pytest.mark.django_db
def test_formula_like_text_is_defused_and_the_rest_untouched():
    values = ["=1+1", "+86", "-5", "@a", "\tx", "\rx", "a=b", "", "路灯"]
    assert _sql(masking_sql.defuse, values) == ["'=1+1", "'+86", "'-5", "'@a", "'\tx", "'\rx", "a=b", "", "路灯"]
