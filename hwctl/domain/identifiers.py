"""Device identifiers: MAC addresses (desk phones, DECT bases) and IPEIs (DECT handsets).

Owns parsing every spelling people type or copy from a label into one value (with its `MAC:`,
`IPEI:` or `IPUI N:` prefix, octets separated by spaces, dots, dashes or colons), refusing what can
never name a device, the storage key (`normalise`), display forms, and soft warnings: locally
administered MACs, and a MAC whose prefix is registered to nobody or to another phone vendor than
the ordered model. The registry itself is not here (hwctl.io.vendors reads the IEEE's, as shipped
by netaddr): `vendor_warning` takes the organisation it names, and `phone_vendor` knows the
desk-phone and DECT brands by name. Pure: standard library only.

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
    re.compile(rf"{_HEX}{{2}}(?:\.{_HEX}{{2}}){{5}}"),  # 00.15.65.ab.cd.ef (some web UIs)
    re.compile(rf"{_HEX}{{2}}(?: {_HEX}{{2}}){{5}}"),  # 00 15 65 ab cd ef
    re.compile(rf"{_HEX}{{12}}"),  # 001565abcdef
)
_MAC_SEPARATORS = re.compile(r"[:.\- ]")
_ONLY_HEX = re.compile(rf"{_HEX}*")

# Groups separated by single spaces, or not at all; the check character may also be attached
# to the serial (`EEEEE PPPPPPPC`, as some labels print it).
_IPEI_DECIMAL = re.compile(
    r"([0-9]{5}) ([0-9]{7}) ([0-9*])|([0-9]{5}) ([0-9]{7})([0-9*])|([0-9]{5})([0-9]{7})([0-9*])"
)
_IPEI_NO_CHECK = re.compile(r"([0-9]{5}) ([0-9]{7})|([0-9]{5})([0-9]{7})")
_IPUI_HEX = re.compile(rf"(?:0[xX])?({_HEX}{{10}})")
# Five octets, one separator throughout: `00 09 22 63 A1`, `00-09-22-63-a1`, `0D:EA:DB:EE:F4`.
_IPUI_OCTETS = re.compile(rf"{_HEX}{{2}}([ :-]){_HEX}{{2}}(?:\1{_HEX}{{2}}){{3}}")
_IPUI_OCTET_SEPARATORS = re.compile(r"[ :-]")
# The default identity of a handset that was never registered: printed, but never a real one.
_UNREGISTERED_IPUI = 0xFFFFFFFFFF

# Label text copied with the value: `MAC: …`, `MAC=…`, `IPEI …`, `IPUI N: …`, `IPUI-N …`, any case.
# The label must be followed by `:`, `=` or blanks (or nothing): no hex digit spells a label.
_LABEL = re.compile(
    r"(?:(?P<mac>MAC)|(?P<ipei>IPEI|IPUI(?:[ -]?N)?))(?:\s*[:=]\s*|\s+|$)(?P<body>.*)",
    re.IGNORECASE | re.DOTALL,
)

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


def _unlabel(stripped: str) -> tuple[IdentifierKind | None, str]:
    """The kind a copied label names (None: no label) and the text after it."""
    match = _LABEL.fullmatch(stripped)
    if match is None:
        return None, stripped
    return ("mac" if match.group("mac") else "ipei"), match.group("body").strip()


def _label_fault(label: IdentifierKind | None, body: str, wanted: IdentifierKind) -> str | None:
    """Why a labelled text cannot be the `wanted` kind (None: it may be)."""
    if label is not None and label != wanted:
        return f"its label says it is {_KIND_NAMES[label]}"
    if not body:
        return "nothing follows the label"
    return None


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
    """Parse a MAC in any usual spelling; any case, with or without a copied `MAC:` label.

    Spellings: octets separated by colons, dashes, dots or single spaces; Cisco's dotted groups
    of four; 12 digits run together. Raises IdentifierError for anything that is not exactly 12
    hex digits in one consistent style, for text labelled as an IPEI/IPUI, and for addresses
    that never name a device: all zeros, broadcast, multicast.
    """
    stripped = text.strip()
    if not stripped:
        raise IdentifierError(f"{_quote(text)} is not a MAC address: it is empty")
    label, body = _unlabel(stripped)
    if fault := _label_fault(label, body, "mac"):
        raise IdentifierError(f"{_quote(stripped)} is not a MAC address: {fault}")
    if not any(style.fullmatch(body) for style in _MAC_STYLES):
        raise IdentifierError(f"{_quote(stripped)} is not a MAC address: {_mac_shape_fault(body)}")
    value = _MAC_SEPARATORS.sub("", body).lower()
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
        return "it contains characters other than hex digits and ':' '-' '.' ' ' separators"
    if len(digits) != 12:
        return f"it has {len(digits)} hex digits, not 12"
    return "separators are mixed or misplaced"


def mac_warnings(mac: Mac) -> list[str]:
    """Soft doubts about a valid MAC (each one line); empty when there are none."""
    warnings: list[str] = []
    if int(mac.value[:2], 16) & 0x02:
        warnings.append(f"MAC {mac.display} is locally administered, not a vendor-assigned address")
    return warnings


# --- phone vendors --------------------------------------------------------------------------------

# Desk-phone and DECT brands, as catalog item names and the IEEE registry's organisations name
# them: canonical spelling -> the names that mean it (matched as whole words, any case). A
# vocabulary of brands, not a prefix table: which prefixes a vendor owns is the registry's business.
# Absorbed brands go to the one that sells their phones now (Aastra -> Mitel, Digium -> Sangoma,
# Plantronics/Poly -> Polycom, ALE International is Alcatel-Lucent Enterprise, Hanlong makes Htek,
# Siemens Enterprise Communications became Unify, Siemens' Home & Office phones became Gigaset).
# Plain "Siemens" is left out: most of its registered blocks are industrial and medical gear.
PHONE_VENDORS: dict[str, tuple[str, ...]] = {
    "Yealink": ("Yealink",),
    "Polycom": ("Polycom", "Poly", "Plantronics"),
    "Gigaset": ("Gigaset", "Siemens Home & Office", "Siemens Home and Office"),
    "Grandstream": ("Grandstream",),
    "Cisco": ("Cisco",),
    "snom": ("snom",),
    "Fanvil": ("Fanvil",),
    "Panasonic": ("Panasonic",),
    "Avaya": ("Avaya",),
    "Mitel": ("Mitel", "Aastra"),
    "Alcatel-Lucent": ("Alcatel-Lucent", "Alcatel Lucent", "Alcatel", "ALE International"),
    "Unify": ("Unify", "Siemens Enterprise Communications", "Siemens Enterprise"),
    "Htek": ("Htek", "Hanlong Technology"),
    "Spectralink": ("Spectralink",),
    "RTX": ("RTX",),
    "Ascom": ("Ascom",),
    "Auerswald": ("Auerswald",),
    "Innovaphone": ("Innovaphone",),
    "Akuvox": ("Akuvox",),
    "Obihai": ("Obihai",),
    "Algo": ("Algo",),
    "Sangoma": ("Sangoma", "Digium"),
    "Yeastar": ("Yeastar",),
}

_BRAND_OF_NAME: dict[str, str] = {
    name.casefold(): brand for brand, names in PHONE_VENDORS.items() for name in names
}
# Longest names first, so "Alcatel-Lucent" wins over "Alcatel" where both start; "Poly" must not
# be the start of a hyphenated word ("LITTON/POLY-SCIENTIFIC" is registered, and no phone maker).
_PHONE_VENDOR = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    + "|".join(
        r"\s+".join(map(re.escape, name.split(" "))) + (r"(?!-)" if name == "poly" else "")
        for name in sorted(_BRAND_OF_NAME, key=len, reverse=True)
    )
    + r")(?![0-9A-Za-z])",
    re.IGNORECASE,
)


def phone_vendor(text: str) -> str | None:
    """The phone brand `text` names, spelt canonically ("Yealink", "Polycom", "snom", ...).

    `text` is a catalog item name ("Poly VVX 450" -> "Polycom") or an organisation from the IEEE
    registry ("YEALINK(XIAMEN) NETWORK TECHNOLOGY CO.,LTD." -> "Yealink"). Brand names count as
    whole words in any case; the leftmost one wins. None when no phone brand is named.
    """
    match = _PHONE_VENDOR.search(text)
    if match is None:
        return None
    return _BRAND_OF_NAME[re.sub(r"\s+", " ", match.group()).casefold()]


def vendor_warning(mac: Mac, unit_vendor: str | None, org: str | None) -> str | None:
    """A one-line doubt about the vendor of `mac`, given what the IEEE registry says of it.

    `org` is the organisation its prefix is registered to (hwctl.io.vendors.registered_org), None
    when it is registered to nobody; `unit_vendor` is the ordered model's brand (None: unknown).
    Warns when the prefix is registered to nobody (a typo in the first six digits?) or to another
    phone vendor than the unit's. Vendors own many prefixes and phones come from contract
    manufacturers, so an organisation that is no phone brand says nothing. None for locally
    administered addresses: they are in no registry (mac_warnings names them).
    """
    if int(mac.value[:2], 16) & 0x02:
        return None
    if org is None:
        return (
            f"MAC {mac.display} has a prefix registered to nobody in the IEEE registry "
            "(a typo in the first six digits?)"
        )
    registered = phone_vendor(org)
    if registered is None or unit_vendor is None:
        return None
    ordered = phone_vendor(unit_vendor) or unit_vendor.strip()
    if registered.casefold() == ordered.casefold():
        return None
    return f"MAC {mac.display} is registered to {registered}, not {ordered}"


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
    """Parse an IPEI as printed: decimal, hex IPUI N, with or without a copied label.

    Decimal: `EEEEE PPPPPPP C`, `EEEEE PPPPPPPC`, 13 characters run together, or 12 digits
    (`EEEEE PPPPPPP` or run together) without the check character, which is then computed.
    Hex: 10 digits with or without `0x`, or five octets separated throughout by single spaces,
    dashes or colons. Any of these may follow a label copied with it: `IPEI`, `IPUI` or `IPUI N`
    (any case; then `:`, `=` or blanks). The check character, when given, must match. Hex must
    be an IPUI of type N (first digit 0); `FFFFFFFFFF` is an unregistered handset's default.
    EMC 0 with PSN 0 (all zeros, in any form) is a placeholder, never a handset.
    """
    stripped = text.strip()
    if not stripped:
        raise IdentifierError(f"{_quote(text)} is not an IPEI: it is empty")
    shown = _quote(stripped)
    label, body = _unlabel(stripped)
    if fault := _label_fault(label, body, "ipei"):
        raise IdentifierError(f"{shown} is not an IPEI: {fault}")

    check: str | None = None
    if match := _IPEI_DECIMAL.fullmatch(body):
        emc_text, psn_text, check = (g for g in match.groups() if g is not None)
    elif match := _IPEI_NO_CHECK.fullmatch(body):
        emc_text, psn_text = (g for g in match.groups() if g is not None)
    else:
        return _parse_ipui_hex(body, shown)

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


def _parse_ipui_hex(body: str, shown: str) -> Ipei:
    if match := _IPUI_HEX.fullmatch(body):
        digits = match.group(1)
    elif _IPUI_OCTETS.fullmatch(body):
        digits = _IPUI_OCTET_SEPARATORS.sub("", body)
    else:
        raise IdentifierError(
            f"{shown} is not an IPEI: expected 'EEEEE PPPPPPP C', 13 or 12 digits, "
            "or 10 hex digits (IPUI), run together or as five octets"
        )
    value = int(digits, 16)
    if value == _UNREGISTERED_IPUI:
        raise IdentifierError(
            f"{shown} is not an IPEI: FFFFFFFFFF is the default identity of an unregistered "
            "handset, never a real one"
        )
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
    Twelve decimal digits can be either kind: `wanted` decides. Five unlabelled hex octets
    where a MAC is wanted (`00:15:65:ab:cd`) are a MAC cut short, not "an IPEI".
    """
    try:
        return _parse(text, wanted)
    except IdentifierError as wanted_error:
        stripped = text.strip()
        if _AMBIGUOUS.fullmatch(stripped) or (wanted == "mac" and _IPUI_OCTETS.fullmatch(stripped)):
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
    """The kinds `text` is a valid spelling of: {"mac"}, {"ipei"}, both (12 digits), or none.

    A copied label decides: `MAC: 100000000000` is only a MAC, `IPEI: 100000000000` only an IPEI.
    """
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
