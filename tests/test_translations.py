"""The catalogues are complete and not stale: a string added to the code fails the suite until it
is extracted (``make messages``) and translated."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"


def test_every_chinese_string_is_translated():
    po = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert not missing, f"zh_Hans strings without a translation: {missing}"


def test_placeholders_survive_translation():
    po = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    for entry in po:
        # Chinese has one plural form, used for every count: it must carry the plural's placeholders.
        source = entry.msgid_plural or entry.msgid
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            assert sorted(pattern.findall(text)) == sorted(pattern.findall(source)), entry.msgid


def test_catalogues_are_not_stale(tmp_path):
    if not shutil.which("xgettext"):
        if os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext) is missing in CI: .ci/run must install it")
        pytest.skip("GNU gettext (xgettext) is not installed here; CI installs it and runs this check")
    backup = tmp_path / "locale"
    shutil.copytree(LOCALE, backup)
    before = {lang: _msgids(LOCALE / lang) for lang in ("zh_Hans", "en")}
    try:
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "-l",
                "zh_Hans",
                "-l",
                "en",
                "--no-location",
                "--ignore=.venv",
                "--ignore=var",
                "--ignore=static",
                "--ignore=tests",
                "--ignore=bench",
            ],
            cwd=settings.BASE_DIR,
            check=True,
            capture_output=True,
        )
        after = {lang: _msgids(LOCALE / lang) for lang in ("zh_Hans", "en")}
    finally:
        shutil.rmtree(LOCALE)
        shutil.copytree(backup, LOCALE)
    for lang in before:
        added, gone = after[lang] - before[lang], before[lang] - after[lang]
        assert not added and not gone, (
            f"{lang} catalogue is stale; run `make messages` and translate. New: {sorted(added)} Gone: {sorted(gone)}"
        )


def _msgids(folder: Path) -> set[str]:
    po = polib.pofile(str(folder / "LC_MESSAGES" / "django.po"))
    return {(e.msgctxt or "") + "\x04" + e.msgid for e in po if not e.obsolete}
