"""The translation catalogues the tests read: compiled before any test runs, and parsed with Babel.

`make test` compiles them already (make messages); a bare `pytest` on a fresh checkout gets them too,
so a test never sees English where a missing .mo file, not a missing translation, is the cause.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def shipped_catalogues(locale_dir: Path = LOCALE_DIR) -> dict[str, Path]:
    """Each shipped language and its .po file."""
    return {po.parent.parent.name: po for po in sorted(locale_dir.glob("*/LC_MESSAGES/django.po"))}


def read_catalogue(po: Path) -> Catalog:
    with po.open("rb") as file:
        return read_po(file, abort_invalid=True)


def compile_stale_catalogues(locale_dir: Path = LOCALE_DIR) -> None:
    """Write each .mo older than its .po, leaving fuzzy entries out as msgfmt does."""
    for po in shipped_catalogues(locale_dir).values():
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalogue = read_catalogue(po)
        with mo.open("wb") as file:
            write_mo(file, catalogue)
