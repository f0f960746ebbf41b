"""The French and German catalogues are complete: no empty and no fuzzy entries."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "conference" / "translations"


def _problems(language: str) -> list[str]:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    return problems


def test_catalogues_exist_with_their_plural_rules():
    for language in ("fr", "de"):
        with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
            catalog = read_po(source, locale=language)
        assert catalog.num_plurals >= 2
        assert len(catalog) > 10


@pytest.mark.parametrize("language", ["fr", "de"])
def test_catalogue_is_complete(language):
    problems = _problems(language)
    assert not problems, f"{len(problems)} entries to fix in {language}:\n" + "\n".join(problems)
