"""Masking of residents' personal data: the one place lists, pages, exports and the API use."""

from __future__ import annotations

import re

# Seven or more digits, with up to three separators of any kind between them (spaces, dashes, dots,
# slashes, brackets, full-width ones): a phone number however it was typed — 13812345678,
# 138 1234 5678, 138.1234.5678, 138/1234/5678, (0574) 8612-3456, １３８－１２３４－５６７８.
_NUMBER = re.compile(r"[+(（]?\d(?:[\W_]{0,3}\d){6,}")


def mask_numbers(text: str) -> str:
    """``text`` with every phone-like number replaced by ``***``: for titles and descriptions that
    are shown publicly and may hold a number a resident typed."""
    return _NUMBER.sub("***", text or "")


def mask_name(name: str) -> str:
    """张三丰 → 张**; Alice → A****. Anonymous or empty stays empty."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, min(len(name) - 1, 4))


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    phone = (phone or "").strip()
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "****" + phone[-4:]


def mask_address(address: str) -> str:
    """Keep the first part (street, compound) and hide the building and room."""
    address = (address or "").strip()
    if len(address) <= 6:
        return address[:2] + "****" if address else ""
    return address[: len(address) // 2] + "****"
