"""The one rule for text from outside (hwctl.domain.text): control characters and Unicode
format characters are refused in names, reasons and notes; and the one form names are
searched by."""

from __future__ import annotations

import unicodedata

import pytest

from hwctl.domain.status import text_problem
from hwctl.domain.text import character_problem, search_key

# The ranges the black-box review listed, and more of category Cf.
INVISIBLE = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), *range(0x200B, 0x2010), 0xFEFF,
             0x00AD, 0x2060, 0x061C, 0xE0041]  # fmt: skip


@pytest.mark.parametrize("code", INVISIBLE, ids=[f"U+{c:04X}" for c in INVISIBLE])
def test_every_invisible_formatting_character_is_refused_in_a_reason_naming_it(code: int) -> None:
    ch = chr(code)
    assert unicodedata.category(ch) == "Cf"
    problem = text_problem(f"PO {ch}4711")
    assert problem is not None
    assert problem.startswith(f"invisible formatting characters are not allowed (U+{code:04X}")
    assert problem.endswith("at character 4)")
    assert character_problem(f"Evil{ch}Corp") is not None


@pytest.mark.parametrize(
    "text", ["Ärzte GmbH İstanbul", "株式会社", "Zoë O'Brien", "☎ desk", "👩🏽‍💻"[:2], "a\u0301b"]
)
def test_visible_text_beyond_ascii_passes(text: str) -> None:
    assert character_problem(text) is None
    assert text_problem(text) is None


def test_search_keys_fold_case_width_and_accents() -> None:
    assert search_key("Ärzte GmbH İstanbul") == "arzte gmbh istanbul"
    assert search_key("Große STRASSE") == search_key("grosse strasse") == "grosse strasse"
    assert search_key("Ｓky ﬁber") == "sky fiber"
    assert search_key("Çağrı") == search_key("ÇAĞRI") == search_key("cagri") == "cagri"
    assert search_key("100% Fo_o") == "100% fo_o"
