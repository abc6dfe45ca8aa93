"""The services' refusals in the page's words and language.

Services and the domain refuse in English and name fields by their columns
(``onset_on: 2026-06-16 is in the future (today 2026-06-15)``): they know nothing of pages or
languages. A page shows such a refusal beside its field through ``refusal_text``. A refusal it
knows (``KNOWN``) is matched by its pattern and shown as its marked sentence in the page's
language, the values put back and the columns it names in the form's own words; any other stays
as the service wrote it, its column names put in words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from hemispasm.clinic.web.i18n import N_, gettext

_DAY = r"\d{4}-\d\d-\d\d"


@dataclass(frozen=True)
class KnownRefusal:
    """One refusal a page can translate: its English pattern and its sentence."""

    pattern: re.Pattern[str]
    """Matches the whole message; its named groups fill the sentence's placeholders."""
    sentence: str
    """The marked sentence (``N_``), English as the service writes it, with ``%(name)s``."""


def _known(pattern: str, sentence: str) -> KnownRefusal:
    return KnownRefusal(re.compile(pattern, re.DOTALL), sentence)


KNOWN = (
    # dates (``domain/dates.py``, ``domain/cycles.py``)
    _known(
        rf"(?P<date>{_DAY}) is in the future \(today (?P<today>{_DAY})\)",
        N_("%(date)s is in the future (today %(today)s)"),
    ),
    _known(
        rf"(?P<date>{_DAY}) is before (?P<field>[a-z_]+|the injection) (?P<earlier>{_DAY})",
        N_("%(date)s is before %(field)s %(earlier)s"),
    ),
    _known(
        rf"(?P<date>{_DAY}) is before (?P<earlier>{_DAY})", N_("%(date)s is before %(earlier)s")
    ),
    # the patient's diary (``web/diary.py``, ``services/access.py``)
    _known(
        r"no injection is recorded yet, so there is no effect",
        N_("no injection is recorded yet, so there is no effect"),
    ),
    _known(
        r"your clinic recorded this cycle: you can read it but not change it; "
        r"ask them if it is wrong",
        N_(
            "your clinic recorded this cycle: you can read it but not change it; "
            "ask them if it is wrong"
        ),
    ),
    # a video sent from a page (``services/uploads.py``, ``api/video_form.py``)
    _known(r"the file is empty", N_("the file is empty")),
    _known(
        r"not a video in a supported format \((?P<formats>[^)]*)\)",
        N_("not a video in a supported format (%(formats)s)"),
    ),
    _known(
        r"not a video in a supported format \((?P<formats>[^)]*)\): found (?P<found>.*)",
        N_("not a video in a supported format (%(formats)s): found %(found)s"),
    ),
    _known(r"not a readable video: (?P<reason>.*)", N_("not a readable video: %(reason)s")),
    _known(
        r"the video is (?P<seconds>[\d.]+) s long; at least (?P<minimum>[\d.]+) s is needed",
        N_("the video is %(seconds)s s long; at least %(minimum)s s is needed"),
    ),
    _known(
        r"the video is larger than the limit of (?P<bytes>\d+) bytes",
        N_("the video is larger than the limit of %(bytes)s bytes"),
    ),
    _known(
        r"missing: send the video in a part named file",
        N_("missing: send the video in a part named file"),
    ),
    _known(
        r"must be a date like (?P<example>\S+), not (?P<value>.*)",
        N_("must be a date like %(example)s, not %(value)s"),
    ),
    # record forms (``services/patients.py``, ``services/treatment.py``)
    _known(r"must not be empty", N_("must not be empty")),
    _known(
        r"is after the patient's injection sessions",
        N_("is after the patient's injection sessions"),
    ),
    _known(
        r"name the product when the product is 'other'",
        N_("name the product when the product is 'other'"),
    ),
)
"""The refusals pages translate: every one a patient can meet, and the record forms' commonest."""


def _in_words(message: str, words: Mapping[str, str]) -> str:
    """``message`` with each column name of ``words`` replaced by its words."""
    if not words:
        return message
    names = re.compile(r"\b(" + "|".join(map(re.escape, sorted(words, key=len)[::-1])) + r")\b")
    return names.sub(lambda m: words[m.group(1)], message)


def refusal_text(message: str, words: Mapping[str, str] | None = None) -> str:
    """A service's refusal (without its ``field:`` prefix) in the current locale.

    ``words`` gives, by column name, the words the form uses for the fields a refusal may name
    (already in the page's language): ``{"effect_began_on": "the day it started working"}``.

    Examples
    --------
    >>> refusal_text("2026-06-16 is in the future (today 2026-06-15)")
    '2026-06-16 is in the future (today 2026-06-15)'
    >>> words = {"birth_date": "your birth date"}
    >>> refusal_text("2026-06-01 is before birth_date 1960-01-01", words)
    '2026-06-01 is before your birth date 1960-01-01'
    """
    words = words or {}
    for known in KNOWN:
        match = known.pattern.fullmatch(message)
        if match is None:
            continue
        values = {name: value for name, value in match.groupdict().items() if value is not None}
        named = values.get("field")
        if named is not None:
            values["field"] = words.get(named, gettext(named))
        return gettext(known.sentence) % values
    return _in_words(message, words)
