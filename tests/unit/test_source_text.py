"""The package's source holds no invisible characters: no Unicode format character (category Cf:
zero-width spaces and joiners U+200B-U+200F, bidi embeddings and overrides U+202A-U+202E and
isolates U+2066-U+2069, the byte order mark U+FEFF, ...). They change what a line means or how
it is shown without being seen in a review; a character the code must name is written as an
escape (`"\\u200b"`)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "hwctl"


def format_characters(text: str) -> list[tuple[int, int, str]]:
    """(line, column, code point) of each format character in `text`, 1-based."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for column, char in enumerate(line, start=1):
            if unicodedata.category(char) == "Cf":
                found.append((number, column, f"U+{ord(char):04X}"))
    return found


def test_the_check_finds_what_it_looks_for() -> None:
    sample = "a\u200bb\n\u202eevil\u202c\n\ufeffx\nplain \u2066iso\u2069"
    assert format_characters(sample) == [
        (1, 2, "U+200B"),
        (2, 1, "U+202E"),
        (2, 6, "U+202C"),
        (3, 1, "U+FEFF"),
        (4, 7, "U+2066"),
        (4, 11, "U+2069"),
    ]
    assert format_characters("naïve – Ärzte GmbH İstanbul … 80:5e:c0") == []


def test_no_source_file_of_the_package_holds_a_format_character() -> None:
    files = [
        p
        for p in sorted(PACKAGE.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.suffix in {".py", ".mako", ".md"}
    ]
    assert len(files) > 50, "the package's sources were not found"
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}:{column}: {code}"
        for path in files
        for line, column, code in format_characters(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
