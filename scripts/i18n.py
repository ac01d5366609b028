"""Translation catalogue tools that need only Python (polib), no GNU gettext.

python scripts/i18n.py compile      # .po → .mo for every catalogue under locale/
python scripts/i18n.py missing      # list msgids without a zh_Hans translation (exit 1 if any)
python scripts/i18n.py merge F.json  # fill untranslated or fuzzy zh_Hans entries from {msgid: msgstr}
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def compile_all() -> int:
    for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
    return 0


def missing(language: str = "zh_Hans") -> list[str]:
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def merge(paths: list[str], language: str = "zh_Hans") -> int:
    """Fill entries that are untranslated or fuzzy from JSON files of {msgid: msgstr or [plural forms]}."""
    table: dict = {}
    for path in paths:
        table.update(json.loads(Path(path).read_text(encoding="utf-8")))
    po_path = LOCALE / language / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    filled = 0
    for entry in po:
        if entry.obsolete or (entry.translated() and "fuzzy" not in entry.flags):
            continue
        value = table.get(entry.msgid)
        if value is None:
            continue
        if entry.msgid_plural:
            forms = value if isinstance(value, list) else [value]
            entry.msgstr_plural = dict(enumerate(forms))
        else:
            entry.msgstr = value[0] if isinstance(value, list) else value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = None
        filled += 1
    po.save()
    print(f"filled {filled} entries", file=sys.stderr)
    return 0


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "compile"
    if command == "compile":
        return compile_all()
    if command == "missing":
        gaps = missing()
        for msgid in gaps:
            print(msgid)
        return 1 if gaps else 0
    if command == "merge":
        return merge(argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
