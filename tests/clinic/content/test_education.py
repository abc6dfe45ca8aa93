"""The patient education page: readable, complete, honest about its authors, with a QR code."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from importlib import resources
from typing import Any

import numpy as np
import pytest
import textstat

from hemispasm.clinic.content.education import (
    METADATA_KEYS,
    NINDS_URL,
    Education,
    EducationContentError,
    load_education,
    ninds_qr_svg,
    parse_metadata,
    plain_text,
    render_html,
    split_sections,
)
from hemispasm.clinic.content.readability import measure_reading, reading_grade

MAX_GRADE = 8.0
# Below this many words per sentence the grade formulas are being gamed with choppy fragments.
MIN_WORDS_PER_SENTENCE = 8.0
# Roles a reviewer may be recorded as; a clinic adds real reviews, by role, when it adopts the page.
REVIEWER_ROLES = frozenset(
    {
        "neurologist",
        "neurosurgeon",
        "ophthalmologist",
        "clinical nurse specialist",
        "pharmacist",
        "patient representative",
        "plain-language editor",
    }
)
AUTHOR_ROLES = frozenset({"hemispasm project contributors"})
# Capitalised words that may stand inside a sentence: names of things, never of people.
PROPER_NOUNS = frozenset(
    {"MRI", "US", "National", "Institute", "Neurological", "Disorders", "Stroke", "NINDS", "QR"}
)
PERSON_TITLES = re.compile(r"\b(Dr|Mr|Mrs|Ms|Prof|MD|PhD|RN|MPH)\b\.?")


def raw_metadata() -> dict[str, Any]:
    folder = resources.files("hemispasm.clinic.content")
    data: dict[str, Any] = json.loads(folder.joinpath("education.json").read_text("utf-8"))
    return data


def svg_modules(svg: str) -> np.ndarray:
    """Rasterise segno's SVG back to its module grid (True = dark), border included."""
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    group = root.find("g")
    assert group is not None
    transform = re.fullmatch(r"scale\((\d+(?:\.\d+)?)\)", group.attrib["transform"])
    assert transform is not None
    scale = float(transform[1])
    size = round(width / scale)
    assert round(height / scale) == size
    dark = [p for p in group.iter("path") if p.get("stroke")]
    assert len(dark) == 1
    grid = np.zeros((size, size), dtype=bool)
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([^MmHh]*)", dark[0].attrib["d"]):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if command in "Mm":
            x, y = (numbers[0], numbers[1]) if command == "M" else (x + numbers[0], y + numbers[1])
        else:
            end = numbers[0] if command == "H" else x + numbers[0]
            grid[int(y), round(x) : round(end)] = True
            x = end
    return grid


def test_the_text_reads_at_grade_8_or_below() -> None:
    grade = reading_grade(load_education().markdown)
    assert grade <= MAX_GRADE, f"Flesch-Kincaid grade {grade:.2f} is above {MAX_GRADE}"


def test_a_second_formula_agrees_and_sentences_are_not_chopped_to_game_it() -> None:
    words = plain_text(load_education().markdown)
    assert textstat.text_standard(words, float_output=True) <= MAX_GRADE
    assert textstat.words_per_sentence(words) >= MIN_WORDS_PER_SENTENCE


def test_the_recorded_reading_level_matches_the_measured_one() -> None:
    education = load_education()
    recorded = education.metadata.reading_level
    measured = measure_reading(education.markdown)
    assert abs(recorded.flesch_kincaid_grade - measured.flesch_kincaid_grade) <= 0.5
    assert abs(recorded.dale_chall_score - measured.dale_chall_score) <= 0.5
    assert abs(recorded.text_standard_grade - measured.text_standard_grade) <= 0.5


def test_longer_sentences_raise_the_grade() -> None:
    short = "You rate it. You film it. You tell the clinic."
    long = "You rate it, and you film it, and then you tell the clinic what you saw and when."
    assert reading_grade(short) < reading_grade(long)


def test_markup_and_web_addresses_do_not_count_as_words() -> None:
    marked = "## Read more\n\nSee **the page** at <https://example.org/a/very/long/address.htm>."
    assert plain_text(marked) == "Read more.\nSee the page at."
    assert reading_grade(marked) == reading_grade("Read more.\nSee the page at.")


def test_the_metadata_has_every_required_key() -> None:
    assert set(raw_metadata()) == set(METADATA_KEYS)
    metadata = load_education().metadata
    assert metadata.title and metadata.licence == "CC BY 4.0"
    assert metadata.sources, "every fact needs a source note"


def test_the_revision_date_is_a_real_date_not_in_the_future() -> None:
    revised_on = load_education().metadata.revised_on
    assert date(2025, 1, 1) <= revised_on <= date.today()


def test_reviewers_are_roles_never_names() -> None:
    reviewers = load_education().metadata.reviewers
    assert all(reviewer.role in REVIEWER_ROLES for reviewer in reviewers), reviewers


def test_the_author_is_a_role_not_a_person() -> None:
    assert load_education().metadata.author in AUTHOR_ROLES


def test_no_person_is_named_in_the_text_or_the_metadata() -> None:
    education = load_education()
    assert not PERSON_TITLES.search(education.markdown)
    assert not PERSON_TITLES.search(json.dumps(raw_metadata()))
    for sentence in re.split(r"(?<=[.!?:])\s+|\n", plain_text(education.markdown)):
        words = re.findall(r"[A-Za-z][\w'-]*", sentence)
        capitalised = {w for w in words[1:] if w[0].isupper()}
        assert capitalised <= PROPER_NOUNS, f"name-like words {capitalised} in {sentence!r}"


def test_the_ninds_link_is_in_the_text_and_the_metadata() -> None:
    education = load_education()
    assert NINDS_URL in education.markdown
    assert education.metadata.read_more_url == NINDS_URL
    assert f'href="{NINDS_URL}"' in render_html(education)


def test_the_text_mentions_the_key_facts() -> None:
    text = " ".join(load_education().markdown.split()).lower()
    for fact in (
        "botulinum toxin",
        "about 3 months",
        "1 to 2 weeks",
        "earliest date",
        "microvascular decompression",
        "blood vessel presses on the facial nerve",
        "tumour",
        "mri",
        "hard to swallow or to breathe",
        "get help at once",
        "double vision",
        "diary",
        "0 to 10",
        "started working",
        "wore off",
        "estimates",
        "do not replace",
    ):
        assert fact in text, f"the text does not mention {fact!r}"


def test_the_sections_cover_the_page_in_order() -> None:
    slugs = [section.slug for section in load_education().sections]
    assert slugs[1:4] == ["what-is-hemifacial-spasm", "what-causes-it", "how-is-it-found"]
    for slug in ("injections-of-botulinum-toxin", "your-diary", "how-the-video-check-works"):
        assert slug in slugs
    assert slugs[-1] == "where-to-read-more"


def test_the_html_gives_each_section_an_anchor_and_escapes_raw_html() -> None:
    education = load_education()
    html = render_html(education)
    assert html.count("<h2 id=") == len(education.sections)
    assert '<h2 id="your-diary">Your diary</h2>' in html
    unsafe = replace(education, markdown="## Hi\n\n<script>alert(1)</script>\n")
    assert "<script>" not in render_html(unsafe)


def test_the_qr_code_is_an_svg_of_the_expected_size() -> None:
    svg = ninds_qr_svg()
    root = ET.fromstring(svg)
    assert root.tag == "svg" and root.get("role") == "img"
    assert root.find("title") is not None
    grid = svg_modules(svg)
    # 72 bytes at error level M need version 5: 4 * 5 + 17 = 37 modules, plus a 4-module border.
    assert grid.shape == (37 + 8, 37 + 8)
    symbol = grid[4:-4, 4:-4]
    assert not grid[:4].any() and not grid[-4:].any()
    finder = np.ones((7, 7), dtype=bool)
    finder[1:6, 1:6] = False
    finder[2:5, 2:5] = True
    for corner in (symbol[:7, :7], symbol[:7, -7:], symbol[-7:, :7]):
        assert (corner == finder).all()


def test_the_qr_code_decodes_back_to_the_link() -> None:
    cv2 = pytest.importorskip("cv2")
    grid = svg_modules(ninds_qr_svg())
    image = np.where(np.kron(grid, np.ones((8, 8), dtype=bool)), 0, 255).astype(np.uint8)
    decoded, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert decoded == NINDS_URL


def test_it_refuses_a_url_that_is_not_a_web_address() -> None:
    with pytest.raises(ValueError, match=r"^url must be an http\(s\) address, but got 'ftp://x'"):
        ninds_qr_svg("ftp://x")


def test_it_names_the_missing_metadata_keys() -> None:
    with pytest.raises(EducationContentError, match=r"^metadata: missing keys language, author, "):
        parse_metadata({"title": "x"})
    with pytest.raises(EducationContentError, match=r"^metadata: unknown keys editor$"):
        parse_metadata({**raw_metadata(), "editor": "x"})
    with pytest.raises(EducationContentError, match=r"^metadata: must be a JSON object, got list"):
        parse_metadata([])


def test_it_rejects_a_malformed_revision_date() -> None:
    with pytest.raises(EducationContentError, match=r"^revised_on: must be a date as YYYY-MM-DD"):
        parse_metadata({**raw_metadata(), "revised_on": "25/11/2026"})


def test_it_reads_reviewers_as_role_and_date() -> None:
    data = {**raw_metadata(), "reviewers": [{"role": "neurologist", "reviewed_on": "2026-12-01"}]}
    (reviewer,) = parse_metadata(data).reviewers
    assert (reviewer.role, reviewer.reviewed_on) == ("neurologist", date(2026, 12, 1))
    bad = {**raw_metadata(), "reviewers": [{"role": "", "reviewed_on": "2026-12-01"}]}
    with pytest.raises(EducationContentError, match=r"^reviewers\[0\]\.role: must be a non-empty"):
        parse_metadata(bad)
    with pytest.raises(EducationContentError, match=r"^reviewers: must be a list of objects"):
        parse_metadata({**raw_metadata(), "reviewers": "a neurologist"})


def test_it_rejects_a_reading_level_that_is_not_a_number() -> None:
    data = raw_metadata()
    data["reading_level"] = {**data["reading_level"], "flesch_kincaid_grade": "6"}
    with pytest.raises(
        EducationContentError, match=r"^reading_level\.flesch_kincaid_grade: must be a number"
    ):
        parse_metadata(data)


def test_it_rejects_text_outside_a_section() -> None:
    with pytest.raises(EducationContentError, match=r"^education\.md: line 1: text before the"):
        split_sections("Hello.\n\n## A\nB\n")
    with pytest.raises(EducationContentError, match=r"^education\.md: line 1: the page title"):
        split_sections("# Title\n\n## A\nB\n")
    with pytest.raises(EducationContentError, match=r"^education\.md: has no '##' section"):
        split_sections("")
    with pytest.raises(EducationContentError, match=r"^education\.md: repeated section headings"):
        split_sections("## A\nx\n## A\ny\n")


def test_it_refuses_to_grade_what_is_not_text() -> None:
    with pytest.raises(TypeError, match=r"^text must be a str, but got bytes"):
        reading_grade(b"hello")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^text has no words to measure"):
        reading_grade("## \n\n<http://example.org>\n")
    with pytest.raises(TypeError, match=r"^education must be an Education, but got str"):
        render_html("## A")  # type: ignore[arg-type]


def test_the_loaded_content_is_frozen_and_shared() -> None:
    education = load_education()
    assert isinstance(education, Education)
    assert load_education() is education
    with pytest.raises(AttributeError):
        education.markdown = ""  # type: ignore[misc]


def test_the_content_imports_no_web_framework_or_database() -> None:
    code = (
        "import sys, hemispasm.clinic.content.education as e\n"
        "e.load_education(); e.render_html(e.load_education()); e.ninds_qr_svg()\n"
        "bad = {'fastapi', 'starlette', 'jinja2', 'sqlalchemy', 'cv2', 'mediapipe'}\n"
        "print(sorted(bad & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
