"""Indonesian is the default language: every string a person can see must be translated.

The catalogue is regenerated from the sources into a scratch copy (makemessages needs
GNU gettext) and compared with the committed one; the committed .mo must match the .po.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib

from tests.conftest import require

SRC = Path(__file__).resolve().parents[1] / "src" / "ispcare"
PO = SRC / "locale" / "id" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _entries(po: polib.POFile) -> dict[tuple[str, str], polib.POEntry]:
    return {(e.msgctxt or "", e.msgid): e for e in po if not e.obsolete}


def test_committed_catalogue_is_complete():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


def test_compiled_catalogue_matches_po():
    po, mo = polib.pofile(str(PO)), polib.mofile(str(MO))
    compiled = {
        (e.msgctxt or "", e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo
    }
    for key, entry in _entries(po).items():
        if entry.msgid and not entry.fuzzy:
            assert key in compiled, f"not compiled: {entry.msgid!r} (run make messages)"
            expected = (entry.msgstr, tuple(sorted(entry.msgstr_plural.items())))
            assert compiled[key] == expected, f"stale .mo for {entry.msgid!r} (run make messages)"


def test_every_source_string_is_in_the_catalogue(tmp_path):
    require(
        shutil.which("xgettext") is not None, "GNU gettext not installed (apt-get install gettext)"
    )
    tree = tmp_path / "ispcare"
    shutil.copytree(SRC, tree, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "id",
            "--no-obsolete",
            "--no-location",
        ],
        cwd=tree,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    fresh = _entries(polib.pofile(str(tree / "locale" / "id" / "LC_MESSAGES" / "django.po")))
    committed = _entries(polib.pofile(str(PO)))
    missing = sorted(k[1] for k in fresh if k not in committed or not committed[k].translated())
    assert not missing, f"{len(missing)} strings not translated (run make messages): {missing[:8]}"
