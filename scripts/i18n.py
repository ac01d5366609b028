"""Translation catalogue tools that need only Python (polib), no GNU gettext.

python scripts/i18n.py compile      # .po → .mo for every catalogue under locale/
python scripts/i18n.py missing      # list msgids without a zh_Hans translation (exit 1 if any)
"""

from __future__ import annotations

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


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "compile"
    if command == "compile":
        return compile_all()
    if command == "missing":
        gaps = missing()
        for msgid in gaps:
            print(msgid)
        return 1 if gaps else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
