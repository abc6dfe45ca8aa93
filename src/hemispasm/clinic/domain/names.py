"""Names and labels people type (patients, users, clinics, products): visible text only.

A right-to-left override (U+202E) can make a name display as another ("Ann" shown for a stored
"nnA"), and zero-width characters make two names that look the same differ, so that a search or
a duplicate check misses one. Such characters are refused, not silently removed: the person who
typed the name sees what was wrong and what is stored is what they meant. Text is stored in
Unicode normal form C, so that an accent typed as one character or as two is the same name.

This also refuses the zero-width joiner and non-joiner (U+200C, U+200D), which some Persian and
Indic spellings use; such a name is entered without them.
"""

from __future__ import annotations

import re
import unicodedata

INVISIBLE = re.compile("[\u200b-\u200d\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
"""Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), zero-width
space, non-joiner and joiner (U+200B-U+200D), word joiner (U+2060), zero-width no-break space
(U+FEFF)."""


def clean_name(value: str) -> str:
    r"""``value`` in normal form C; ``ValueError`` naming the first invisible formatting
    character, if it has one.

    Examples
    --------
    >>> clean_name("Jose\u0301")  # e and a combining acute accent
    'José'
    """
    found = INVISIBLE.search(value)
    if found:
        raise ValueError(
            "must not contain invisible formatting characters (bidirectional controls or "
            f"zero-width characters), but has U+{ord(found.group()):04X} at position "
            f"{found.start() + 1}"
        )
    return unicodedata.normalize("NFC", value)
