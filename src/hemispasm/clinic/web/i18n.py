"""The pages' language: which locale a request gets, its message catalog, and dates in its words.

The text of the pages is English in the templates and the code, wrapped in ``_()`` (templates,
through Jinja's i18n extension) or ``gettext()`` (Python). A catalog per language,
``locale/<lang>/LC_MESSAGES/messages.po`` beside this module, gives the other languages; English
needs none. The ``.po`` files are the only form kept: they are compiled in memory the first time a
language is asked for, so a wheel or a fresh clone has working translations with no build step.

The locale of a request is chosen, in this order, by the ``lang`` cookie (set by the language
links at the foot of every page), by the browser's ``Accept-Language`` header, else English. The
chosen locale lives in a context variable for the time of one request (``PageRoute`` sets it), so
templates, macros and Python-side labels all read the same one.

Dates shown in pages follow the locale (``7 Dec 2026``, ``7 dic 2026``): day, short month name and
year, never a form that reads differently in different countries (``07/12/2026``). Date inputs stay
``<input type="date">``: the browser shows them in its own locale and sends ISO dates.
"""

from __future__ import annotations

import gettext as gettext_module
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment

DEFAULT_LOCALE = "en"
SUPPORTED_LOCALES = ("en", "es")
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
"""Each language named in itself, as the language links show it."""
LOCALE_COOKIE = "lang"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
DAY_PATTERN = "d MMM y"
"""A date as pages show it: ``7 Dec 2026`` in English, ``7 dic 2026`` in Spanish."""
MOMENT_PATTERN = "d MMM y, HH:mm zzz"
"""A moment (an upload time) in the clinic's time zone, with the zone's short name."""
NOT_RECORDED = "—"

_current: ContextVar[str] = ContextVar("hemispasm_locale", default=DEFAULT_LOCALE)


def parse_accept_language(header: str | None) -> list[str]:
    """The languages of an ``Accept-Language`` header, most wanted first (``q=0`` dropped).

    Examples
    --------
    >>> parse_accept_language("fr-CH, fr;q=0.9, es;q=0.95, *;q=0.5")
    ['fr-ch', 'es', 'fr', '*']
    """
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag:
            continue
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if weight > 0:
            weighted.append((-weight, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def supported(tag: str | None) -> str | None:
    """The supported locale a language tag names (``es-MX`` -> ``es``), else None."""
    if not tag:
        return None
    language = tag.strip().lower().replace("_", "-").split("-")[0]
    return language if language in SUPPORTED_LOCALES else None


def choose_locale(
    *, cookie: str | None = None, accept_language: str | None = None, preference: str | None = None
) -> str:
    """The locale of a request: the user's preference, the ``lang`` cookie, the browser's
    languages, else English; values naming no supported language are skipped.

    Examples
    --------
    >>> choose_locale(cookie="es", accept_language="en-GB")
    'es'
    >>> choose_locale(cookie="xx", accept_language="de, es-MX;q=0.8")
    'es'
    >>> choose_locale(accept_language="de")
    'en'
    """
    for chosen in (preference, cookie):
        if locale := supported(chosen):
            return locale
    for tag in parse_accept_language(accept_language):
        if locale := supported(tag):
            return locale
    return DEFAULT_LOCALE


@cache
def translations(locale: str) -> gettext_module.NullTranslations:
    """The compiled catalog of ``locale`` (English, the templates' own text, needs none)."""
    _check_locale(locale)
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if locale == DEFAULT_LOCALE or not path.exists():
        return gettext_module.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def _check_locale(locale: str) -> None:
    if locale not in SUPPORTED_LOCALES:
        names = ", ".join(SUPPORTED_LOCALES)
        raise ValueError(f"locale must be one of {names}, but got {locale!r}")


def current_locale() -> str:
    """The locale of the request being answered (English outside a request)."""
    return _current.get()


@contextmanager
def using_locale(locale: str) -> Iterator[str]:
    """Answer in ``locale`` inside the block (a request, a test)."""
    _check_locale(locale)
    token = _current.set(locale)
    try:
        yield locale
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    """``message`` in the current locale ("" stays "", not the catalog's header)."""
    return translations(current_locale()).gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current locale."""
    return translations(current_locale()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current locale, told apart from the same words by ``context``."""
    return translations(current_locale()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    """``ngettext`` with a context."""
    return translations(current_locale()).npgettext(context, singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog; the page translates it when it shows it."""
    return message


def format_day(value: date | datetime | None, locale: str | None = None) -> str:
    """A date in the locale's words (``7 Dec 2026``, ``7 dic 2026``); a dash when missing."""
    if value is None:
        return NOT_RECORDED
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        raise TypeError(f"value must be a date, but got {type(value).__name__}")
    return format_date(value, DAY_PATTERN, locale=locale or current_locale())


def format_moment(value: datetime | None, time_zone: str = "UTC", locale: str | None = None) -> str:
    """A moment in ``time_zone`` (the clinic's), in the locale's words; a dash when missing."""
    if value is None:
        return NOT_RECORDED
    if not isinstance(value, datetime):
        raise TypeError(f"value must be a datetime, but got {type(value).__name__}")
    if value.tzinfo is None:
        raise ValueError("value must be timezone-aware, but got a naive datetime")
    return format_datetime(
        value, MOMENT_PATTERN, tzinfo=ZoneInfo(time_zone), locale=locale or current_locale()
    )


def _translated(words: Callable[..., str]) -> Callable[..., str]:
    """``words`` (``vocab_label``) giving each item's words in the current locale."""

    def translated(value: Any, *args: Any, **kwargs: Any) -> str:
        if isinstance(value, list | tuple):
            return ", ".join(translated(v, *args, **kwargs) for v in value) or NOT_RECORDED
        return gettext(words(value, *args, **kwargs))

    return translated


def install_i18n(env: Environment) -> None:
    """Give ``env`` the ``_``/``gettext``/``ngettext`` of the current locale and the date filters
    ``day`` and ``moment``."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext, newstyle=True
    )
    words = env.filters.get("vocab_label")
    if words is not None:  # the vocabulary's words, then in the page's language
        env.filters["vocab_label"] = _translated(words)
    env.filters["translate"] = gettext  # words held in a variable (a label); no % formatting
    env.filters["day"] = format_day
    env.filters["moment"] = format_moment
    env.globals["current_locale"] = current_locale
    env.globals["language_names"] = LANGUAGE_NAMES
