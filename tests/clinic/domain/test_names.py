"""Names are stored as typed, in normal form C, and never with invisible formatting characters."""

from __future__ import annotations

import pytest

from hemispasm.clinic.domain.names import clean_name

INVISIBLE = [
    *(chr(c) for c in range(0x202A, 0x202F)),  # bidirectional embeddings and overrides
    *(chr(c) for c in range(0x2066, 0x206A)),  # bidirectional isolates
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
]


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_it_refuses_a_name_with_an_invisible_formatting_character(char: str) -> None:
    with pytest.raises(ValueError, match=rf"has U\+{ord(char):04X} at position 4$"):
        clean_name(f"Ann{char}a Smith")


def test_an_accent_typed_as_two_characters_is_the_same_name_as_typed_as_one() -> None:
    assert clean_name("Jose\u0301 Nun\u0303ez") == "Jos\u00e9 Nu\u00f1ez"


@pytest.mark.parametrize(
    "name",
    [
        "S\u00f8ren \u00d8deg\u00e5rd",
        "\u0645\u062d\u0645\u062f",
        "\u674e\u5c0f\u9f99",
        "O'Brien-Lee",
    ],
)
def test_names_in_any_script_are_kept_as_typed(name: str) -> None:
    assert clean_name(name) == name
