"""Device identifiers: MAC addresses (desk phones, DECT bases) and IPEIs (DECT handsets).

Owns parsing every spelling people type into one value, refusing what can never name a device,
the storage key (`normalise`), display forms, and soft warnings (locally administered MACs, a MAC
prefix that belongs to another vendor than the ordered model). Pure: standard library only.

Facts (see the project's domain notes): a MAC is stored as 12 lowercase hex digits; an IPEI is a
16-bit manufacturer code (EMC) plus a 20-bit serial (PSN), stored in its 13-character decimal form
`EEEEEPPPPPPPC`, and also written as a 10-hex-digit IPUI of type N (`0` + EMC + PSN).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from hwctl.errors import InvalidInput

IdentifierKind = Literal["mac", "ipei"]

EMC_MAX = 0xFFFF
PSN_MAX = 0xFFFFF

# A few well-known prefixes; vendors own many more, so a mismatch can only ever be a warning.
KNOWN_OUIS: dict[str, str] = {
    "001565": "Yealink",
    "805ec0": "Yealink",
    "249ad8": "Yealink",
    "000413": "snom",
    "0004f2": "Polycom",
    "7c2f80": "Gigaset",
    "589ec6": "Gigaset",
}

_KIND_NAMES: dict[str, str] = {"mac": "a MAC address", "ipei": "an IPEI"}

_DEVICE_KIND_IDENTIFIER: dict[str, IdentifierKind] = {
    "deskphone": "mac",
    "dect_base": "mac",
    "dect_handset": "ipei",
}

# Explicit ASCII classes: `\d` would also accept other scripts' digits.
_HEX = "[0-9A-Fa-f]"
_MAC_STYLES = (
    re.compile(rf"{_HEX}{{2}}(?::{_HEX}{{2}}){{5}}"),  # 00:15:65:ab:cd:ef
    re.compile(rf"{_HEX}{{2}}(?:-{_HEX}{{2}}){{5}}"),  # 00-15-65-ab-cd-ef
    re.compile(rf"{_HEX}{{4}}(?:\.{_HEX}{{4}}){{2}}"),  # 0015.65ab.cdef (Cisco)
    re.compile(rf"{_HEX}{{12}}"),  # 001565abcdef
)
_MAC_SEPARATORS = re.compile(r"[:.\-]")
_ONLY_HEX = re.compile(rf"{_HEX}*")

# Groups separated by single spaces, or not at all; never a mix of both.
_IPEI_DECIMAL = re.compile(r"([0-9]{5}) ([0-9]{7}) ([0-9*])|([0-9]{5})([0-9]{7})([0-9*])")
_IPEI_NO_CHECK = re.compile(r"([0-9]{5}) ([0-9]{7})|([0-9]{5})([0-9]{7})")
_IPUI_HEX = re.compile(rf"(?:0[xX])?({_HEX}{{10}})")

# The one spelling both kinds share (a bare MAC, an IPEI without its check character).
_AMBIGUOUS = re.compile(r"[0-9]{12}")

_QUOTE_LIMIT = 40


class IdentifierError(InvalidInput):
    """An identifier that cannot name a device; the message names the input and the reason."""


def _quote(text: str) -> str:
    """The input as it goes into a message: quoted, escaped to one line, cut if very long."""
    if len(text) > _QUOTE_LIMIT:
        text = text[:_QUOTE_LIMIT] + "..."
    return repr(text)


# --- MAC ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mac:
    """A device MAC address; `value` is the storage form, 12 lowercase hex digits."""

    value: str

    @property
    def display(self) -> str:
        """Lowercase with colons: `00:15:65:ab:cd:ef`."""
        return ":".join(self.value[i : i + 2] for i in range(0, 12, 2))

    @property
    def oui(self) -> str:
        """The first three octets as 6 lowercase hex digits (the vendor prefix)."""
        return self.value[:6]

    def __str__(self) -> str:
        return self.display


def parse_mac(text: str) -> Mac:
    """Parse a MAC in any usual spelling (colons, dashes, Cisco dots, bare; any case).

    Raises IdentifierError for anything that is not exactly 12 hex digits in one consistent
    style, and for addresses that never name a device: all zeros, broadcast, multicast.
    """
    stripped = text.strip()
    if not stripped:
        raise IdentifierError(f"{_quote(text)} is not a MAC address: it is empty")
    if not any(style.fullmatch(stripped) for style in _MAC_STYLES):
        raise IdentifierError(
            f"{_quote(stripped)} is not a MAC address: {_mac_shape_fault(stripped)}"
        )
    value = _MAC_SEPARATORS.sub("", stripped).lower()
    first_octet = int(value[:2], 16)
    if value == "0" * 12:
        raise IdentifierError(f"{_quote(stripped)} is not a device MAC: all zeros")
    if value == "f" * 12:
        raise IdentifierError(f"{_quote(stripped)} is not a device MAC: broadcast address")
    if first_octet & 0x01:
        raise IdentifierError(
            f"{_quote(stripped)} is not a device MAC: multicast address (first octet is odd)"
        )
    return Mac(value)


def _mac_shape_fault(text: str) -> str:
    """Why `text` does not have the shape of a MAC, in a few words."""
    digits = _MAC_SEPARATORS.sub("", text)
    if not _ONLY_HEX.fullmatch(digits):
        return "it contains characters other than hex digits and ':' '-' '.' separators"
    if len(digits) != 12:
        return f"it has {len(digits)} hex digits, not 12"
    return "separators are mixed or misplaced"


def mac_warnings(mac: Mac) -> list[str]:
    """Soft doubts about a valid MAC (each one line); empty when there are none."""
    warnings: list[str] = []
    if int(mac.value[:2], 16) & 0x02:
        warnings.append(f"MAC {mac.display} is locally administered, not a vendor-assigned address")
    return warnings


def vendor_mismatch_warning(mac: Mac, item_name: str) -> str | None:
    """A warning when the MAC's prefix belongs to a known vendor and the item names another one.

    None when the prefix is unknown, when the item names no known vendor, or when it names the
    prefix's own vendor.
    """
    vendor = KNOWN_OUIS.get(mac.oui)
    if vendor is None:
        return None
    lowered = item_name.casefold()
    named = sorted({v for v in KNOWN_OUIS.values() if v.casefold() in lowered})
    if not named or vendor in named:
        return None
    return f"MAC {mac.display} belongs to {vendor}, but the unit is a {item_name.strip()}"


# --- IPEI -----------------------------------------------------------------------------------------


def ipei_check_char(digits12: str) -> str:
    """The IPEI check character of 12 decimal digits: sum of position * digit mod 11; 10 is `*`."""
    if len(digits12) != 12 or not all("0" <= c <= "9" for c in digits12):
        raise IdentifierError(f"{_quote(digits12)} is not 12 decimal digits")
    total = sum(position * int(digit) for position, digit in enumerate(digits12, start=1)) % 11
    return "*" if total == 10 else str(total)


@dataclass(frozen=True)
class Ipei:
    """A DECT handset's IPEI: manufacturer code (EMC, 16 bits) and serial number (PSN, 20 bits)."""

    emc: int
    psn: int

    def __post_init__(self) -> None:
        if not 0 <= self.emc <= EMC_MAX:
            raise IdentifierError(f"EMC {self.emc} is out of range (0 to {EMC_MAX})")
        if not 0 <= self.psn <= PSN_MAX:
            raise IdentifierError(f"PSN {self.psn} is out of range (0 to {PSN_MAX})")

    @property
    def _digits(self) -> str:
        return f"{self.emc:05d}{self.psn:07d}"

    @property
    def check(self) -> str:
        """The check character: a digit or `*` (for 10)."""
        return ipei_check_char(self._digits)

    @property
    def decimal(self) -> str:
        """The storage form: 13 characters `EEEEEPPPPPPPC`."""
        return self._digits + self.check

    @property
    def display(self) -> str:
        """`EEEEE PPPPPPP C`, as printed on labels."""
        return f"{self.emc:05d} {self.psn:07d} {self.check}"

    @property
    def ipui(self) -> str:
        """The IPUI type N hex form: `0` + EMC (4 hex) + PSN (5 hex), uppercase."""
        return f"0{self.emc:04X}{self.psn:05X}"

    def __str__(self) -> str:
        return self.display


def parse_ipei(text: str) -> Ipei:
    """Parse an IPEI as `EEEEE PPPPPPP C` (spaces optional), 12 digits, or 10 hex digits (IPUI N).

    The check character, when given, must match. Hex must be an IPUI of type N (first digit 0).
    EMC 0 with PSN 0 (all zeros, in any form) is a placeholder, never a handset.
    """
    stripped = text.strip()
    if not stripped:
        raise IdentifierError(f"{_quote(text)} is not an IPEI: it is empty")
    shown = _quote(stripped)

    check: str | None = None
    if match := _IPEI_DECIMAL.fullmatch(stripped):
        emc_text, psn_text, check = (g for g in match.groups() if g is not None)
    elif match := _IPEI_NO_CHECK.fullmatch(stripped):
        emc_text, psn_text = (g for g in match.groups() if g is not None)
    else:
        return _parse_ipui_hex(stripped, shown)

    emc, psn = int(emc_text), int(psn_text)
    if emc > EMC_MAX:
        raise IdentifierError(f"{shown} is not an IPEI: manufacturer code {emc} is above {EMC_MAX}")
    if psn > PSN_MAX:
        raise IdentifierError(f"{shown} is not an IPEI: serial number {psn} is above {PSN_MAX}")
    if emc == 0 and psn == 0:
        raise IdentifierError(f"{shown} is not an IPEI: all zeros")
    ipei = Ipei(emc, psn)
    # The right character is deliberately not named: it would turn a typo into a valid IPEI.
    if check is not None and check != ipei.check:
        raise IdentifierError(f"{shown} is not a valid IPEI: the check character does not match")
    return ipei


def _parse_ipui_hex(stripped: str, shown: str) -> Ipei:
    match = _IPUI_HEX.fullmatch(stripped)
    if not match:
        raise IdentifierError(
            f"{shown} is not an IPEI: expected 'EEEEE PPPPPPP C', 13 or 12 digits, "
            "or 10 hex digits (IPUI)"
        )
    value = int(match.group(1), 16)
    ipui_type = value >> 36
    if ipui_type != 0:
        raise IdentifierError(
            f"{shown} is an IPUI of another type (type digit {ipui_type:X}), not an IPEI"
        )
    if value == 0:
        raise IdentifierError(f"{shown} is not an IPEI: all zeros")
    return Ipei((value >> 20) & EMC_MAX, value & PSN_MAX)


# --- Either kind ----------------------------------------------------------------------------------


def kind_for_device(device_kind: str) -> IdentifierKind:
    """The identifier a device kind carries: a MAC (desk phones, bases) or an IPEI (handsets)."""
    try:
        return _DEVICE_KIND_IDENTIFIER[device_kind]
    except KeyError:
        known = ", ".join(_DEVICE_KIND_IDENTIFIER)
        raise IdentifierError(
            f"unknown device kind {_quote(device_kind)} (known: {known})"
        ) from None


def _parse(text: str, kind: IdentifierKind) -> Mac | Ipei:
    return parse_mac(text) if kind == "mac" else parse_ipei(text)


def parse_for_kind(text: str, wanted: IdentifierKind, context: str | None = None) -> Mac | Ipei:
    """Parse `text` as the `wanted` kind; name the mix-up when it is a valid one of the other kind.

    `context` names what needs the identifier, e.g. "unit 4 (W73H)"; it defaults to "this unit".
    Twelve decimal digits can be either kind: `wanted` decides.
    """
    try:
        return _parse(text, wanted)
    except IdentifierError as wanted_error:
        if _AMBIGUOUS.fullmatch(text.strip()):
            # Meant as the wanted kind: "000000000000" is a refused MAC, not "an IPEI".
            raise
        other: IdentifierKind = "ipei" if wanted == "mac" else "mac"
        try:
            _parse(text, other)
        except IdentifierError:
            raise wanted_error from None
        raise IdentifierError(
            f"{_quote(text.strip())} is {_KIND_NAMES[other]}, but {context or 'this unit'} "
            f"needs {_KIND_NAMES[wanted]}"
        ) from None


def shapes(text: str) -> set[IdentifierKind]:
    """The kinds `text` is a valid spelling of: {"mac"}, {"ipei"}, both (12 digits), or none."""
    kinds: set[IdentifierKind] = set()
    for kind in ("mac", "ipei"):
        try:
            _parse(text, kind)
        except IdentifierError:
            continue
        kinds.add(kind)
    return kinds


def normalise(ident: Mac | Ipei) -> str:
    """The storage key: a MAC's 12 lowercase hex digits, an IPEI's 13-character decimal form."""
    return ident.value if isinstance(ident, Mac) else ident.decimal
