"""The Spanish education text: the English page's sections and facts, readable, measured."""

from __future__ import annotations

import re

import pytest
import textstat

from hemispasm.clinic.content.education import (
    EducationContentError,
    load_education,
    plain_text,
    render_html,
    split_sections,
)
from hemispasm.clinic.content.readability import measure_reading

# Fernández-Huerta reading ease: 70-80 reads as "bastante fácil", 80-90 as "fácil".
MIN_READING_EASE = 70.0
MIN_WORDS_PER_SENTENCE = 8.0


def test_it_has_a_section_for_each_english_section_in_the_same_order() -> None:
    english = load_education("en").sections
    spanish = load_education("es").sections
    assert len(spanish) == len(english)
    assert spanish[-1].slug == "donde-leer-mas"  # the accent is dropped from the anchor
    for section_en, section_es in zip(english, spanish, strict=True):
        # the same lists and the same emphasis, section by section
        assert section_es.markdown.count("\n- ") == section_en.markdown.count("\n- ")
        assert section_es.markdown.count("**") == section_en.markdown.count("**")


def test_it_keeps_every_number_of_the_english_text() -> None:
    def numbers(text: str) -> list[str]:
        return sorted(re.findall(r"\b\d+\b", text))

    assert numbers(load_education("es").markdown) == numbers(load_education("en").markdown)


def test_it_reads_easily_in_spanish_without_chopped_sentences() -> None:
    level = measure_reading(load_education("es").markdown, "es")
    assert level.fernandez_huerta is not None and level.fernandez_huerta >= MIN_READING_EASE
    assert level.words_per_sentence >= MIN_WORDS_PER_SENTENCE


def test_the_recorded_spanish_reading_level_matches_the_measured_one() -> None:
    education = load_education("es")
    recorded = education.metadata.reading_level
    measured = measure_reading(education.markdown, "es")
    assert recorded.fernandez_huerta is not None and measured.fernandez_huerta is not None
    assert abs(recorded.fernandez_huerta - measured.fernandez_huerta) <= 0.5
    assert abs(recorded.flesch_kincaid_grade - measured.flesch_kincaid_grade) <= 0.5
    assert recorded.dale_chall_score is None and recorded.text_standard_grade is None


def test_measuring_spanish_leaves_textstat_in_english() -> None:
    english = plain_text(load_education("en").markdown)
    before = textstat.flesch_kincaid_grade(english)
    measure_reading(load_education("es").markdown, "es")
    assert textstat.flesch_kincaid_grade(english) == before


def test_its_metadata_says_spanish_and_names_no_person() -> None:
    meta = load_education("es").metadata
    assert meta.language == "es" and meta.reviewers == ()
    assert meta.read_more_url == load_education("en").metadata.read_more_url
    assert meta.author == "colaboradores del proyecto hemispasm"  # the English role, in Spanish


def test_it_renders_with_anchors_and_the_ninds_link() -> None:
    education = load_education("es")
    html = render_html(education)
    assert '<h2 id="que-es-el-espasmo-hemifacial">¿Qué es el espasmo hemifacial?</h2>' in html
    assert f'href="{education.metadata.read_more_url}"' in html


def test_accents_are_dropped_from_anchors() -> None:
    slugs = [s.slug for s in split_sections("## Cirugía\nUna.\n\n## ¿Cómo se diagnostica?\nDos.")]
    assert slugs == ["cirugia", "como-se-diagnostica"]


def test_it_refuses_a_language_it_has_no_text_for() -> None:
    with pytest.raises(ValueError, match="language must be one of en, es, but got 'fr'"):
        load_education("fr")


def test_a_text_whose_metadata_names_another_language_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hemispasm.clinic.content import education as module

    load_education.cache_clear()
    monkeypatch.setattr(module, "_files_of", lambda language: ("education.es.md", "education.json"))
    try:
        with pytest.raises(EducationContentError, match=r"education.json: language: must be 'es'"):
            load_education("es")
    finally:
        load_education.cache_clear()
