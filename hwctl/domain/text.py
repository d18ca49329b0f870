"""Text from outside, as rules: which characters a name or a reason may not hold, and the one
form a name is searched by. Pure: the standard library's Unicode tables only.

A control character (C0, DEL, C1, the line and paragraph separators) would split a line or
drive the terminal. A Unicode *format* character (category Cf: the bidi embeddings, overrides
and isolates U+202A-202E and U+2066-2069, the zero-width space, joiners and marks
U+200B-200F, the byte-order mark U+FEFF, the soft hyphen, the word joiner, the tag
characters U+E0000-E007F, ...) is invisible: it reorders what a table shows ("Trojan
Source"), makes two names that look alike differ, or hides text a reader never sees. All of
category Cf is refused, the zero-width joiner U+200D included: it also glues emoji sequences
(a family, a flag) and the non-joiner U+200C shapes some Persian and Indic spellings, but a
name or a reason of an order does without them, and one rule with no exceptions is one that
a later Unicode version cannot slip past.
"""

from __future__ import annotations

import unicodedata

# Characters that break a line wherever they are shown.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_NAMES = {"\x00": "NUL", "\t": "a tab", "\x1b": "ESC", "\x7f": "DEL"}


def is_control(ch: str) -> bool:
    """C0, DEL and C1 control characters, and the Unicode line and paragraph separators."""
    code = ord(ch)
    return code < 0x20 or 0x7F <= code <= 0x9F or ch in LINE_BREAKS


def is_invisible(ch: str) -> bool:
    """A Unicode format character (category Cf): bidi controls, zero-width characters, the
    byte-order mark, tags."""
    return unicodedata.category(ch) == "Cf"


def refused_character(text: str) -> tuple[int, str] | None:
    """The first character of `text` a name or a reason may not hold, with its position
    (1-based), or None."""
    for n, ch in enumerate(text, start=1):
        if is_control(ch) or is_invisible(ch):
            return n, ch
    return None


def has_refused_characters(text: str) -> bool:
    return refused_character(text) is not None


def described(ch: str) -> str:
    """How a refusal names a character: `ESC`, `a tab`, `U+202E RIGHT-TO-LEFT OVERRIDE`."""
    if ch in _NAMES:
        return _NAMES[ch]
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}" if name else f"U+{ord(ch):04X}"


def character_problem(text: str) -> str | None:
    """Why `text` cannot be a name or a one-line text, or None: `control characters are not
    allowed (ESC at character 5)`, `invisible formatting characters are not allowed (U+202E
    RIGHT-TO-LEFT OVERRIDE at character 3)`."""
    found = refused_character(text)
    if found is None:
        return None
    n, ch = found
    if ch in LINE_BREAKS:
        return (
            f"control characters are not allowed (a line break at character {n}: "
            "it must be one line)"
        )
    if is_control(ch):
        return f"control characters are not allowed ({described(ch)} at character {n})"
    return f"invisible formatting characters are not allowed ({described(ch)} at character {n})"


def search_key(text: str) -> str:
    """The form a name is searched by, the same on every store: compatibility forms unified
    (NFKD: `ﬁ` is `fi`, a full-width `Ａ` is `A`), case folded (`ß` is `ss`, `İ` is `i̇`, and
    the dotless `ı` is `i` too, as `I` is: `ÇAĞRI` finds `Çağrı`), the combining marks dropped
    (`Ä` is `a`, so `arzte` finds `Ärzte` and `istanbul` finds `İstanbul`), then composed
    again (NFC). Both the stored column and the text searched for
    go through it, so a search is a plain substring match."""
    folded = unicodedata.normalize("NFKD", text).casefold().replace("ı", "i")  # dotless i
    decomposed = unicodedata.normalize("NFKD", folded)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)


def lookalike_key(name: str) -> str:
    """What two names that look alike share: the search key without invisible characters or
    surrounding blanks (`Dana`, `dana\u200b` and ` dana` are all `dana`)."""
    return "".join(ch for ch in search_key(name) if not is_invisible(ch)).strip()
