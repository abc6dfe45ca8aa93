"""Keep the message catalogs in step with the text of the pages (a development tool).

``python -m hemispasm.clinic.web.catalog`` extracts every string the templates wrap in ``_()``
and the web modules in ``gettext()``/``N_()`` (labels, hints, choices and messages made in
Python as well as the templates' text), and merges them into each language's ``.po``: new
strings arrive untranslated, strings no page uses any more are dropped, translations are kept.
A translator then fills in the new entries; the server compiles the ``.po`` files when it starts
answering in that language (``i18n.translations``). The tests fail when a catalog and the pages
disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po, write_po

from hemispasm.clinic.domain.schedule import DueStatus
from hemispasm.clinic.web.chart_measures import CLOSED, JANKOVIC, RATING, SPASMS
from hemispasm.clinic.web.i18n import DEFAULT_LOCALE, DOMAIN, LOCALE_DIR, SUPPORTED_LOCALES
from hemispasm.clinic.web.video_timeline import SIDES
from hemispasm.report import labels as report_labels
from hemispasm.report.labels import side_name

WEB_DIR = Path(__file__).resolve().parent
REPORT_WORDS = Path(report_labels.__file__)
"""The video report's words, shared with the standalone report.html (marked there too)."""
METHODS = [("templates/**.html", "jinja2.ext:babel_extract"), ("*.py", "python")]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}


def extract_catalog(web_dir: Path = WEB_DIR) -> Catalog:
    """Every message the pages use (the templates' and the Python modules' of ``web_dir``), with
    where each is used (no translations)."""
    catalog = Catalog(domain=DOMAIN, project="hemispasm", charset="utf-8", fuzzy=False)
    found = extract_from_dir(
        str(web_dir), method_map=METHODS, keywords=KEYWORDS, options_map={}, strip_comment_tags=True
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    if web_dir == WEB_DIR:
        report = extract_from_file(
            "python", str(REPORT_WORDS), keywords=KEYWORDS, strip_comment_tags=True
        )
        for lineno, message, comments, context in report:
            where = [(f"report/{REPORT_WORDS.name}", lineno)]
            catalog.add(message, None, where, auto_comments=comments, context=context)
    for table, words in _vocabulary_words():
        for word in words:
            if word not in catalog:
                catalog.add(word, None, [("vocab_labels.py", 0)], auto_comments=[table])
    return catalog


def _vocabulary_words() -> list[tuple[str, list[str]]]:
    """Words kept outside the web modules, or made from values, that pages translate as they
    show them: the chart's measures, the due statuses, the sides. (The
    vocabularies' words in ``vocab_labels`` are marked with ``N_`` and extracted like the rest.)"""
    return [
        ("chart_measures", [m.label for m in (RATING, JANKOVIC, SPASMS, CLOSED)]),
        ("DueStatus", [status.value.replace("_", " ") for status in DueStatus]),
        ("sides", [side_name(side) for side in (*SIDES, "both", None)]),
    ]


def drift(used: Catalog, translated: Catalog) -> tuple[list[str], list[str]]:
    """Where a language's catalog and the pages disagree: the messages the pages use that it
    lacks, and those it holds that no page uses (each sorted)."""
    used_ids = {str(message.id) for message in used if message.id}
    translated_ids = {str(message.id) for message in translated if message.id}
    return sorted(used_ids - translated_ids), sorted(translated_ids - used_ids)


def catalog_path(locale: str) -> Path:
    """Where the ``.po`` file of ``locale`` lives."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(locale: str) -> Catalog:
    """The ``.po`` file of ``locale`` as it is now."""
    with catalog_path(locale).open("rb") as po:
        return read_po(po, locale=locale, domain=DOMAIN)


def update_catalogs() -> list[Path]:
    """Merge the extracted messages into every translated language's ``.po``; the paths written."""
    template = extract_catalog()
    written = []
    for locale in SUPPORTED_LOCALES:
        if locale == DEFAULT_LOCALE:
            continue
        path = catalog_path(locale)
        if path.exists():
            catalog = read_catalog(locale)
        else:
            catalog = Catalog(locale=locale, domain=DOMAIN, project="hemispasm", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as po:
            write_po(po, catalog, width=100, include_lineno=False, sort_output=False)
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover -- a developer's command
    for path in update_catalogs():
        print(path, file=sys.stdout)
