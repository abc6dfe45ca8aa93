"""The patient education page about hemifacial spasm: its text, metadata, reading level and QR code.

The text is ``education.md`` and its metadata ``education.json``, both beside this module, so that
a clinic can edit them without touching code; a translation sits beside them as
``education.<lang>.md`` and ``education.<lang>.json`` (``education.es.md``), with its own metadata
and reading level measured in its own language. Nothing here imports a web framework: the page route
and its template take an :class:`Education` and the strings the functions below return.

``reviewers`` ships empty, because the project has no clinical reviewer and invents none. A clinic
that adopts the page fills it in once real people have checked the text, one entry per review with
the reviewer's role and the date, e.g. ``{"role": "neurologist", "reviewed_on": "2027-01-15"}``.
After every edit of the text, re-measure the reading level and copy the numbers into
``reading_level`` (the tests fail when the recorded Flesch-Kincaid grade is off by more than 0.5)::

    python -c "from hemispasm.clinic.content.education import load_education; \
from hemispasm.clinic.content.readability import measure_reading; \
print(measure_reading(load_education().markdown))"

(``readability`` needs ``textstat`` from the ``dev`` extra; the server never imports it.)
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

import segno
from markdown_it import MarkdownIt
from markdown_it.token import Token

from hemispasm.errors import HemispasmError

NINDS_URL = "http://www.ninds.nih.gov/disorders/hemifacial_spasm/hemifacial_spasm.htm"
"""Where patients read more: the NINDS page on hemifacial spasm, as the leaflet gives it."""

METADATA_KEYS = (
    "title",
    "language",
    "author",
    "reviewers",
    "licence",
    "licence_url",
    "revised_on",
    "read_more_url",
    "sources",
    "reading_level",
)
"""The keys ``education.json`` must have, no more and no fewer."""

_TEXT_FILE = "education.md"
_METADATA_FILE = "education.json"
LANGUAGES = ("en", "es")
"""The languages the text is written in; English is the original, the others translations."""
_SENTENCE_END = (".", "!", "?", ":", ";", ",")
_URL = re.compile(r"\bhttps?://\S+")


class EducationContentError(HemispasmError, ValueError):
    """The education text or its metadata is malformed; the message names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class Reviewer:
    """One review of the text: the reviewer's role (never an invented name) and its date."""

    role: str
    reviewed_on: date


@dataclass(frozen=True, slots=True)
class SourceNote:
    """Where a group of facts in the text came from."""

    source: str
    facts: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ReadingLevel:
    """Readability of the text as measured by ``textstat``, markdown and web addresses removed.

    ``flesch_kincaid_grade`` and ``text_standard_grade`` are US school grades;
    ``dale_chall_score`` is the raw Dale-Chall score (6.0-6.9 reads as grades 7-8, 7.0-7.9 as
    grades 9-10), which counts words outside a list of familiar ones, so splitting sentences
    cannot lower it much. Both are English formulas: a translation records them as None and gives
    its own language's measure, e.g. ``fernandez_huerta`` (Spanish reading ease, 0-100, higher is
    easier; 60-70 reads as "normal", 70-80 as "fairly easy").
    """

    flesch_kincaid_grade: float
    dale_chall_score: float | None
    text_standard_grade: float | None
    words_per_sentence: float
    measured_with: str
    fernandez_huerta: float | None = None


@dataclass(frozen=True, slots=True)
class EducationMetadata:
    """Editable facts about the text: who wrote and reviewed it, its licence, date and sources."""

    title: str
    language: str
    author: str
    reviewers: tuple[Reviewer, ...]
    licence: str
    licence_url: str
    revised_on: date
    read_more_url: str
    sources: tuple[SourceNote, ...]
    reading_level: ReadingLevel


@dataclass(frozen=True, slots=True)
class Section:
    """One ``##`` section of the text: an anchor ``slug``, its heading and its markdown body."""

    slug: str
    title: str
    markdown: str


@dataclass(frozen=True, slots=True)
class Education:
    """The whole education page: metadata, the markdown text and the text split into sections."""

    metadata: EducationMetadata
    markdown: str
    sections: tuple[Section, ...]


@cache
def load_education(language: str = "en") -> Education:
    """Read the packaged text and metadata in ``language`` (one of ``LANGUAGES``);
    ``EducationContentError`` if either is malformed or says another language."""
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, but got {language!r}")
    text_file, metadata_file = _files_of(language)
    folder = resources.files(__package__ or "hemispasm.clinic.content")
    markdown = folder.joinpath(text_file).read_text(encoding="utf-8")
    try:
        data = json.loads(folder.joinpath(metadata_file).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise EducationContentError(metadata_file, f"is not valid JSON ({exc})") from exc
    metadata = parse_metadata(data)
    if metadata.language != language:
        raise EducationContentError(
            f"{metadata_file}: language", f"must be {language!r}, got {metadata.language!r}"
        )
    return Education(metadata=metadata, markdown=markdown, sections=split_sections(markdown))


def _files_of(language: str) -> tuple[str, str]:
    """The text and metadata files of ``language`` (English: ``education.md``/``.json``)."""
    if language == "en":
        return _TEXT_FILE, _METADATA_FILE
    return f"education.{language}.md", f"education.{language}.json"


def parse_metadata(data: object) -> EducationMetadata:
    """Check the decoded ``education.json`` and turn it into an ``EducationMetadata``.

    Examples
    --------
    >>> parse_metadata(["title"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hemispasm...EducationContentError: metadata: must be a JSON object, got list
    """
    if not isinstance(data, Mapping):
        raise EducationContentError("metadata", f"must be a JSON object, got {type(data).__name__}")
    missing = [key for key in METADATA_KEYS if key not in data]
    if missing:
        raise EducationContentError("metadata", f"missing keys {', '.join(missing)}")
    unknown = sorted(set(data) - set(METADATA_KEYS))
    if unknown:
        raise EducationContentError("metadata", f"unknown keys {', '.join(unknown)}")
    return EducationMetadata(
        title=_text(data, "title"),
        language=_text(data, "language"),
        author=_text(data, "author"),
        reviewers=tuple(
            Reviewer(
                role=_text(entry, "role", where=f"reviewers[{i}]."),
                reviewed_on=_date(entry, "reviewed_on", where=f"reviewers[{i}]."),
            )
            for i, entry in enumerate(_objects(data, "reviewers"))
        ),
        licence=_text(data, "licence"),
        licence_url=_url(data, "licence_url"),
        revised_on=_date(data, "revised_on"),
        read_more_url=_url(data, "read_more_url"),
        sources=tuple(
            SourceNote(
                source=_text(entry, "source", where=f"sources[{i}]."),
                facts=_text(entry, "facts", where=f"sources[{i}]."),
                url=_url(entry, "url", where=f"sources[{i}].") if entry.get("url") else None,
            )
            for i, entry in enumerate(_objects(data, "sources"))
        ),
        reading_level=_reading_level(data),
    )


def split_sections(markdown: str) -> tuple[Section, ...]:
    """Split the text at its ``##`` headings; refuse text before the first heading or no heading.

    Examples
    --------
    >>> [s.slug for s in split_sections("## What is it?\\nA twitch.\\n\\n## Your diary\\nRate it.")]
    ['what-is-it', 'your-diary']
    """
    sections: list[Section] = []
    title: str | None = None
    body: list[str] = []
    for number, line in enumerate(markdown.splitlines(), start=1):
        if line.startswith("## "):
            if title is not None:
                sections.append(_section(title, body))
            title, body = line[3:].strip(), []
        elif line.startswith("# "):
            raise EducationContentError(
                _TEXT_FILE, f"line {number}: the page title comes from the metadata, not a '#' line"
            )
        elif title is None and line.strip():
            raise EducationContentError(_TEXT_FILE, f"line {number}: text before the first '##'")
        else:
            body.append(line)
    if title is None:
        raise EducationContentError(_TEXT_FILE, "has no '##' section")
    sections.append(_section(title, body))
    slugs = [section.slug for section in sections]
    duplicates = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if duplicates:
        raise EducationContentError(_TEXT_FILE, f"repeated section headings {duplicates}")
    return tuple(sections)


def plain_text(markdown: str) -> str:
    """The words a reader reads: markup and web addresses removed, one block per line.

    A heading or list item without closing punctuation gets a full stop, as a reader pauses
    there; a paragraph that is only a web address is dropped.

    Examples
    --------
    >>> plain_text("## Read more\\n\\nSee **the page**: <https://example.org/x>")
    'Read more.\\nSee the page:'
    """
    blocks: list[str] = []
    for token in _markdown().parse(markdown):
        if token.type != "inline":
            continue
        words = " ".join(_inline_text(token.children or []).split())
        words = re.sub(r"\s+(?=[.,;:!?])", "", words)
        if not words:
            continue
        if not words.endswith(_SENTENCE_END):
            words += "."
        blocks.append(words)
    return "\n".join(blocks)


QR_TITLE = "QR code: scan it to open the NINDS page on hemifacial spasm"


def ninds_qr_svg(url: str = NINDS_URL, *, title: str = QR_TITLE) -> str:
    """A QR code of ``url`` (the NINDS page by default) as inline SVG, black on white.

    The SVG has a ``viewBox`` but no fixed size, so the page's CSS sets its size; its ``<title>``
    names it for screen readers.
    """
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, but got {type(url).__name__}")
    if not _URL.fullmatch(url):
        raise ValueError(f"url must be an http(s) address, but got {url!r}")
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(
        scale=4,
        border=4,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="qr-code",
        title=title,
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


def render_html(education: Education) -> str:
    """The text as an HTML fragment (raw HTML in the markdown is escaped); h2 ids are the slugs."""
    if not isinstance(education, Education):
        raise TypeError(f"education must be an Education, but got {type(education).__name__}")
    renderer = _markdown()
    tokens = renderer.parse(education.markdown)
    slugs = iter(section.slug for section in education.sections)
    for token in tokens:
        if token.type == "heading_open" and token.tag == "h2":
            token.attrSet("id", next(slugs))
    return renderer.renderer.render(tokens, renderer.options, {})


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False})


def _inline_text(children: Sequence[Token]) -> str:
    parts: list[str] = []
    in_autolink = False
    for child in children:
        if child.type == "link_open":
            in_autolink = child.markup == "autolink"
        elif child.type == "link_close":
            in_autolink = False
        elif in_autolink:
            continue
        elif child.type in ("text", "code_inline"):
            parts.append(_URL.sub("", child.content))
        elif child.type == "image":
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _section(title: str, body: list[str]) -> Section:
    # accents dropped, so that "¿Qué es?" gives "que-es" in a translation
    bare = "".join(
        c for c in unicodedata.normalize("NFKD", title.lower()) if not unicodedata.combining(c)
    )
    slug = re.sub(r"[^a-z0-9]+", "-", bare).strip("-")
    if not slug:
        raise EducationContentError(_TEXT_FILE, f"heading {title!r} has no letters or digits")
    return Section(slug=slug, title=title, markdown="\n".join(body).strip() + "\n")


def _text(data: Mapping[str, object], key: str, *, where: str = "") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise EducationContentError(f"{where}{key}", f"must be a non-empty string, got {value!r}")
    return value


def _url(data: Mapping[str, object], key: str, *, where: str = "") -> str:
    value = _text(data, key, where=where)
    if not _URL.fullmatch(value):
        raise EducationContentError(f"{where}{key}", f"must be an http(s) address, got {value!r}")
    return value


def _date(data: Mapping[str, object], key: str, *, where: str = "") -> date:
    value = _text(data, key, where=where)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise EducationContentError(
            f"{where}{key}", f"must be a date as YYYY-MM-DD, got {value!r}"
        ) from None


def _objects(data: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise EducationContentError(key, f"must be a list of objects, got {value!r}")
    return value


def _number(data: Mapping[str, object], key: str, *, where: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EducationContentError(f"{where}{key}", f"must be a number, got {value!r}")
    return float(value)


def _reading_level(data: Mapping[str, object]) -> ReadingLevel:
    level = data.get("reading_level")
    if not isinstance(level, Mapping):
        raise EducationContentError("reading_level", f"must be an object, got {level!r}")
    where = "reading_level."

    def optional(key: str) -> float | None:
        return None if level.get(key) is None else _number(level, key, where=where)

    return ReadingLevel(
        flesch_kincaid_grade=_number(level, "flesch_kincaid_grade", where=where),
        dale_chall_score=optional("dale_chall_score"),
        text_standard_grade=optional("text_standard_grade"),
        words_per_sentence=_number(level, "words_per_sentence", where=where),
        measured_with=_text(level, "measured_with", where=where),
        fernandez_huerta=optional("fernandez_huerta"),
    )
