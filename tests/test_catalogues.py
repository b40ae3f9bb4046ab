"""The shipped catalogues are complete: every employee-facing string translated, none fuzzy, and
each translation keeping its source's placeholders, markup and keywords (issue 16)."""

from __future__ import annotations

import collections
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.checkers import python_format
from babel.messages.plurals import get_plural
from django.conf import settings

from tests.catalogues import LOCALE_DIR, read_catalogue, shipped_catalogues

SHIPPED = shipped_catalogues()
# Words a carrier acts on: a translation that says "ARRET" instead of STOP would tell people a
# keyword that does nothing.
KEYWORDS = ("STOP", "START")
TAG = re.compile(r"<[^>]+>")


def translations(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]


def sources(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, (tuple, list)) else [message.id]


def test_every_language_but_the_source_has_a_catalogue():
    assert set(SHIPPED) == {code for code, _name in settings.LANGUAGES} - {settings.LANGUAGE_CODE}
    assert settings.LOCALE_PATHS == [LOCALE_DIR]


@pytest.mark.parametrize("language", sorted(SHIPPED))
def test_no_string_is_untranslated_or_fuzzy(language):
    catalogue = read_catalogue(SHIPPED[language])

    assert not catalogue.fuzzy, "the header is marked fuzzy: msgfmt would skip the whole catalogue"
    untranslated = [message.id for message in catalogue if message.id and not all(translations(message))]
    fuzzy = [message.id for message in catalogue if message.id and message.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert len(catalogue) > 200


@pytest.mark.parametrize("language", sorted(SHIPPED))
def test_the_plural_forms_are_the_languages_own(language):
    catalogue = read_catalogue(SHIPPED[language])

    # Arabic has six: none, one, two, a few (3-10), many (11-99), and the rest.
    assert catalogue.num_plurals == get_plural(language).num_plurals
    assert catalogue.num_plurals == {"fr": 2, "ar": 6}[language]
    for message in catalogue:
        if message.pluralizable:
            assert len(translations(message)) == catalogue.num_plurals, message.id


@pytest.mark.parametrize("language", sorted(SHIPPED))
def test_placeholders_markup_and_keywords_survive_translation(language):
    catalogue = read_catalogue(SHIPPED[language])
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        if message.python_format:
            try:
                python_format(catalogue, message)
            except Exception as error:  # Babel's TranslationError says which placeholder
                problems.append(f"{message.id!r}: {error}")
            wanted = set(re.findall(r"%\(\w+\)\w", " ".join(sources(message))))
            for translated in translations(message):
                if set(re.findall(r"%\(\w+\)\w", translated)) != wanted:
                    problems.append(f"{message.id!r}: placeholders {wanted} in {translated!r}")
        source_tags = collections.Counter(TAG.findall(sources(message)[0]))
        for translated in translations(message):
            if collections.Counter(TAG.findall(translated)) != source_tags:
                problems.append(f"{message.id!r}: markup changed in {translated!r}")
            for keyword in KEYWORDS:
                if keyword in sources(message)[0] and keyword not in translated:
                    problems.append(f"{message.id!r}: the keyword {keyword} is missing from {translated!r}")
    assert problems == []


@pytest.mark.requires("gettext")
def test_the_catalogues_hold_every_string_the_source_marks_now(tmp_path):
    """makemessages over a copy of the project: a string marked since the catalogues were last
    translated (or changed, which makes it fuzzy) fails here, naming it."""
    project = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    shutil.copytree(
        project,
        copy,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "staticfiles", "__pycache__", "*.mo", ".*cache", ".hypothesis", "*.sqlite3"
        ),
    )
    languages = [argument for language in sorted(SHIPPED) for argument in ("--locale", language)]
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", *languages, "--no-obsolete", "--verbosity=0"],
        cwd=copy,
        env={**os.environ, "DATABASE_URL": "sqlite:///:memory:"},
        check=True,
        timeout=300,
    )

    for language, shipped_po in SHIPPED.items():
        extracted = read_catalogue(copy / "locale" / language / "LC_MESSAGES" / "django.po")
        shipped = read_catalogue(shipped_po)
        needing_work = [
            message.id
            for message in extracted
            if message.id and (message.fuzzy or not all(translations(message)))
        ]
        assert needing_work == [], f"{language}: translate these, then `make makemessages` keeps them"
        no_longer_used = sorted(
            str(message.id)
            for message in shipped
            if message.id and extracted.get(message.id, context=message.context) is None
        )
        assert no_longer_used == [], f"{language}: `make makemessages` drops what the source no longer says"
