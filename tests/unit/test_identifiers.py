"""MAC and IPEI/IPUI parsing, normalising, refusing and warning (hwctl.domain.identifiers).

The vendor vocabulary and the registry warning are in tests/unit/test_vendors.py."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hwctl.domain.identifiers import (
    IdentifierError,
    Ipei,
    Mac,
    ipei_check_char,
    kind_for_device,
    mac_warnings,
    normalise,
    parse_for_kind,
    parse_ipei,
    parse_mac,
    shapes,
)
from hwctl.errors import InvalidInput

# --- strategies -----------------------------------------------------------------------------------

device_macs = (
    st.binary(min_size=6, max_size=6)
    .filter(lambda b: not b[0] & 0x01 and any(b))
    .map(lambda b: Mac(b.hex()))
)
emcs = st.integers(min_value=0, max_value=0xFFFF)
psns = st.integers(min_value=0, max_value=0xFFFFF)
# EMC 0 with PSN 0 is the all-zero placeholder the parser refuses: never a generated handset.
ipeis = st.builds(Ipei, emcs, psns).filter(lambda i: (i.emc, i.psn) != (0, 0))


def mac_spellings(mac: Mac) -> list[str]:
    v = mac.value
    pairs = [v[i : i + 2] for i in range(0, 12, 2)]
    quads = [v[i : i + 4] for i in range(0, 12, 4)]
    forms = [":".join(pairs), "-".join(pairs), ".".join(quads), v, ".".join(pairs), " ".join(pairs)]
    return [f for form in forms for f in (form, form.upper())] + [
        f"  {v}\n",
        f"\t{v.upper()} ",
        f"MAC: {':'.join(pairs)}",
        f"mac={v}",
        f"MAC {' '.join(pairs).upper()}",
    ]


def ipei_spellings(ipei: Ipei) -> list[str]:
    digits12 = ipei.decimal[:12]
    octets = [ipei.ipui[i : i + 2] for i in range(0, 10, 2)]
    return [
        ipei.display,
        ipei.decimal,
        digits12,
        f"{digits12[:5]} {digits12[5:]}",
        ipei.ipui,
        ipei.ipui.lower(),
        "0x" + ipei.ipui,
        "0X" + ipei.ipui.lower(),
        f" {ipei.display}\n",
        f"{digits12[:5]} {digits12[5:]}{ipei.check}",
        *(sep.join(octets) for sep in (" ", "-", ":")),
        ":".join(octets).lower(),
        f"IPEI: {ipei.display}",
        f"IPUI N: {ipei.ipui}",
        f"ipui-n {' '.join(octets)}",
        f"IPEI={ipei.decimal}",
    ]


# --- MAC ------------------------------------------------------------------------------------------


@given(device_macs)
def test_every_accepted_mac_spelling_normalises_to_the_same_value(mac: Mac) -> None:
    for spelling in mac_spellings(mac):
        assert parse_mac(spelling) == mac, spelling
        assert normalise(parse_mac(spelling)) == mac.value


@given(device_macs)
def test_a_mac_parses_back_from_its_display_form(mac: Mac) -> None:
    assert parse_mac(mac.display) == mac
    assert str(mac) == mac.display


def test_a_mac_is_stored_bare_and_lowercase_and_displayed_with_colons() -> None:
    mac = parse_mac("00-15-65-AB-CD-EF")
    assert mac.value == "001565abcdef"
    assert mac.display == "00:15:65:ab:cd:ef"
    assert normalise(mac) == "001565abcdef"


@pytest.mark.parametrize(
    "text",
    [
        "00:15:65:AB:CD:EF",
        "00-15-65-ab-cd-ef",
        "0015.65ab.cdef",
        "001565ABCDEF",
        "0015.65AB.CDEF",
        " 001565abcdef\r\n",
    ],
)
def test_the_usual_mac_spellings_are_accepted(text: str) -> None:
    assert parse_mac(text) == Mac("001565abcdef")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("00:15-65:ab:cd:ef", "separators are mixed or misplaced"),
        ("0015:65ab:cdef", "separators are mixed or misplaced"),
        ("00.15.65.abcd.ef", "separators are mixed or misplaced"),
        ("00.15.65:ab:cd:ef", "separators are mixed or misplaced"),
        ("00 15 65-ab-cd-ef", "separators are mixed or misplaced"),
        ("00 15 65 ab cd  ef", "separators are mixed or misplaced"),
        ("0015 65ab cdef", "separators are mixed or misplaced"),
        ("00 15 65 ab cd", "10 hex digits, not 12"),
        ("001:565:abc:def", "separators are mixed or misplaced"),
        ("00:15:65:ab:cd:ef:", "separators are mixed or misplaced"),
        ("001565-abcdef", "separators are mixed or misplaced"),
        ("0x001565abcdef", "characters other than hex digits"),
        ("001565abcdeg", "characters other than hex digits"),
        ("001565ab\ncdef", "characters other than hex digits"),
        ("00\t15\t65\tab\tcd\tef", "characters other than hex digits"),
        ("MAC-Adresse: 00:15:65:ab:cd:ef", "characters other than hex digits"),
        ("MAC: 00:15:65:ab:cd", "10 hex digits, not 12"),
        ("MAC:", "nothing follows the label"),
        ("mac =  ", "nothing follows the label"),
        ("IPEI: 00:15:65:ab:cd:ef", "its label says it is an IPEI"),
        ("IPUI N 001565abcdef", "its label says it is an IPEI"),
        ("001565abcde", "11 hex digits, not 12"),
        ("001565abcdef0", "13 hex digits, not 12"),
        ("00:15:65:ab:cd", "10 hex digits, not 12"),
        ("00:15:65:ab:cd:ef:01:02", "16 hex digits, not 12"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_a_badly_shaped_mac_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(IdentifierError, match="is not a MAC address") as caught:
        parse_mac(text)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


def test_full_width_digits_are_not_hex() -> None:
    with pytest.raises(IdentifierError):
        parse_mac("\uff10\uff101565abcdef")


def test_an_all_zero_mac_is_refused() -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_mac("00:00:00:00:00:00")
    assert str(caught.value) == "'00:00:00:00:00:00' is not a device MAC: all zeros"


def test_the_broadcast_mac_is_refused() -> None:
    with pytest.raises(IdentifierError, match="broadcast"):
        parse_mac("FF:FF:FF:FF:FF:FF")


@pytest.mark.parametrize("text", ["01:00:5e:00:00:01", "33:33:00:00:00:01", "0315.65ab.cdef"])
def test_a_multicast_mac_is_refused(text: str) -> None:
    with pytest.raises(IdentifierError, match="multicast"):
        parse_mac(text)


def test_an_identifier_error_is_an_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        parse_mac("nonsense")


def test_a_locally_administered_mac_is_accepted_with_a_warning() -> None:
    mac = parse_mac("02:15:65:ab:cd:ef")
    warnings = mac_warnings(mac)
    assert len(warnings) == 1
    assert "02:15:65:ab:cd:ef" in warnings[0]
    assert "locally administered" in warnings[0]


def test_a_vendor_assigned_mac_has_no_warnings() -> None:
    assert mac_warnings(parse_mac("001565abcdef")) == []


# --- MAC: printed forms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "00.15.65.AB.CD.EF",  # dotted octets (some web UIs)
        "00.15.65.ab.cd.ef",
        "00 15 65 AB CD EF",  # space-separated octets
        "MAC: 00:15:65:ab:cd:ef",
        "MAC:00-15-65-AB-CD-EF",
        "MAC=001565abcdef",
        "mac = 0015.65ab.cdef",
        "MAC 00 15 65 AB CD EF",
        "Mac: 00.15.65.ab.cd.ef",
        "  MAC:\t001565ABCDEF \r\n",
    ],
)
def test_printed_mac_forms_are_accepted(text: str) -> None:
    mac = parse_mac(text)
    assert mac == Mac("001565abcdef")
    assert normalise(mac) == "001565abcdef"
    assert mac.display == "00:15:65:ab:cd:ef"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("MAC: 01:00:5e:00:00:01", "multicast"),
        ("01.00.5E.00.00.01", "multicast"),
        ("MAC: ff ff ff ff ff ff", "broadcast"),
        ("MAC=00.00.00.00.00.00", "all zeros"),
    ],
)
def test_printed_macs_that_name_no_device_are_refused(text: str, reason: str) -> None:
    with pytest.raises(IdentifierError, match="is not a device MAC") as caught:
        parse_mac(text)
    assert reason in str(caught.value)
    assert str(caught.value).startswith(repr(text.strip()))


# --- IPEI -----------------------------------------------------------------------------------------


def test_the_worked_example_holds() -> None:
    ipei = parse_ipei("0DEADBEEF4")
    assert (ipei.emc, ipei.psn) == (57005, 782068)
    assert ipei.decimal == "5700507820687"
    assert ipei.display == "57005 0782068 7"
    assert ipei.ipui == "0DEADBEEF4"
    assert str(ipei) == "57005 0782068 7"
    assert normalise(ipei) == "5700507820687"
    assert parse_ipei("57005 0782068 7") == ipei


@given(ipeis)
def test_every_accepted_ipei_spelling_normalises_to_one_ipei_and_back(ipei: Ipei) -> None:
    for spelling in ipei_spellings(ipei):
        parsed = parse_ipei(spelling)
        assert parsed == ipei, spelling
        assert normalise(parsed) == ipei.decimal
    assert parse_ipei(ipei.decimal) == parse_ipei(ipei.ipui) == parse_ipei(ipei.display)
    assert len(ipei.decimal) == 13
    assert len(ipei.ipui) == 10
    assert ipei.ipui[0] == "0"
    assert ipei.ipui == ipei.ipui.upper()


def test_a_check_value_of_ten_is_written_as_a_star() -> None:
    # 1*1 + 12*9 = 109, which is 10 modulo 11
    assert ipei_check_char("100000000009") == "*"
    ipei = parse_ipei("10000 0000009 *")
    assert ipei.decimal == "100000000009*"
    assert parse_ipei("100000000009*") == ipei


def test_the_check_character_is_computed_when_left_out() -> None:
    assert parse_ipei("570050782068").decimal == "5700507820687"
    assert parse_ipei("57005 0782068").display == "57005 0782068 7"


@given(
    st.text(alphabet="0123456789", min_size=12, max_size=12),
    st.integers(min_value=1, max_value=12).filter(lambda p: p != 11),
    st.integers(min_value=1, max_value=9),
)
def test_the_check_character_catches_every_single_digit_substitution_outside_position_11(
    digits: str, position: int, shift: int
) -> None:
    original = int(digits[position - 1])
    changed = digits[: position - 1] + str((original + shift) % 10) + digits[position:]
    assert ipei_check_char(changed) != ipei_check_char(digits)


def test_the_check_character_catches_all_substitutions_of_the_worked_example() -> None:
    digits = "570050782068"
    for position in range(1, 13):
        for replacement in "0123456789":
            if position == 11 or replacement == digits[position - 1]:
                continue
            changed = digits[: position - 1] + replacement + digits[position:]
            assert ipei_check_char(changed) != "7", changed


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.sampled_from("0123456789"))
def test_the_check_character_cannot_catch_an_error_in_position_11(
    digits: str, replacement: str
) -> None:
    # Weight 11 is 0 modulo 11: the standard's known blind spot, not a bug here.
    changed = digits[:10] + replacement + digits[11:]
    assert ipei_check_char(changed) == ipei_check_char(digits)


def test_a_wrong_check_character_is_refused_without_naming_the_right_one() -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_ipei("57005 0782068 3")
    message = str(caught.value)
    assert message == "'57005 0782068 3' is not a valid IPEI: the check character does not match"
    assert "7" not in message.split(":", 1)[1]


def test_a_typo_in_an_ipei_is_caught_by_its_check_character() -> None:
    with pytest.raises(IdentifierError, match="check character does not match"):
        parse_ipei("57005 0782069 7")


def test_a_star_where_a_digit_is_due_is_refused() -> None:
    with pytest.raises(IdentifierError, match="check character does not match"):
        parse_ipei("570050782068*")


def test_an_ipui_of_another_type_is_refused() -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_ipei("1DEADBEEF4")
    assert "is an IPUI of another type" in str(caught.value)
    assert "not an IPEI" in str(caught.value)


def test_an_emc_above_65535_is_refused() -> None:
    with pytest.raises(IdentifierError, match="manufacturer code 65536 is above 65535"):
        parse_ipei("65536 0000000")


def test_a_psn_above_1048575_is_refused() -> None:
    with pytest.raises(IdentifierError, match="serial number 1048576 is above 1048575"):
        parse_ipei("00001 1048576")


def test_the_largest_emc_and_psn_are_accepted() -> None:
    ipei = parse_ipei("0FFFFFFFFF")
    assert (ipei.emc, ipei.psn) == (65535, 1048575)
    assert parse_ipei(ipei.display) == ipei


def test_an_ipei_built_out_of_range_is_refused() -> None:
    with pytest.raises(IdentifierError):
        Ipei(emc=70000, psn=0)
    with pytest.raises(IdentifierError):
        Ipei(emc=0, psn=-1)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "57005-0782068-7",
        "57005  0782068 7",
        "570050782068 7",
        "5700 50782068 7",
        "57005 078206 87",
        "5700507820687x",
        "57005078206",
        "57005078206877",
        "0DEADBEEF",
        "0DEADBEEF41",
        "0xDEADBEEF",
        "0DEADBEEFG",
        "x0DEADBEEF4",
        "00:15:65:ab:cd:ef",
        "٥٧٠٠٥٠٧٨٢٠٦٨٧",
    ],
)
def test_a_badly_shaped_ipei_is_refused(text: str) -> None:
    with pytest.raises(IdentifierError, match="not an IPEI") as caught:
        parse_ipei(text)
    assert "\n" not in str(caught.value)


def test_check_characters_are_computed_only_for_twelve_decimal_digits() -> None:
    with pytest.raises(IdentifierError):
        ipei_check_char("12345")


# --- IPEI: printed forms ------------------------------------------------------------------------

# The worked example: hex 0DEADBEEF4 = EMC 57005, PSN 782068 = decimal 57005 0782068 7.
WORKED_KEY = "5700507820687"


@pytest.mark.parametrize(
    "text",
    [
        "57005 07820687",  # check character attached to the serial
        "0D EA DB EE F4",  # five octets, spaces
        "0d-ea-db-ee-f4",  # dashes
        "0D:EA:DB:EE:F4",  # colons
        "IPEI: 57005 0782068 7",
        "IPEI 57005 0782068 7",
        "ipei:5700507820687",
        "IPEI=570050782068",  # check character computed
        "IPEI = 57005 07820687",
        "IPUI 0DEADBEEF4",
        "IPUI: 0x0DEADBEEF4",
        "IPUI N: 0DEADBEEF4",
        "ipui n 0deadbeef4",
        "IPUI-N 0DEADBEEF4",
        "IPUI-N: 0D:EA:DB:EE:F4",
        "IPUIN 0DEADBEEF4",
        " IPEI:\t57005 0782068 7\r\n",
    ],
)
def test_printed_ipei_forms_are_accepted(text: str) -> None:
    ipei = parse_ipei(text)
    assert normalise(ipei) == WORKED_KEY
    assert (ipei.emc, ipei.psn) == (57005, 782068)
    assert ipei.display == "57005 0782068 7"
    assert ipei.ipui == "0DEADBEEF4"


def test_the_octet_form_of_the_domain_notes_is_an_ipei() -> None:
    ipei = parse_ipei("00 09 22 63 A1")
    assert (ipei.emc, ipei.psn) == (0x0092, 0x263A1)
    assert parse_ipei("00-09-22-63-a1") == parse_ipei("IPUI N: 00092263A1") == ipei


@pytest.mark.parametrize(
    "text",
    [
        "57005 07820683",
        "IPEI: 57005 0782068 3",
        "IPEI=5700507820683",
        "IPEI 57005 07820689",
    ],
)
def test_a_wrong_check_character_is_refused_in_every_printed_form(text: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_ipei(text)
    assert str(caught.value) == (
        f"{text!r} is not a valid IPEI: the check character does not match"
    )


@pytest.mark.parametrize(
    "text",
    [
        "0D:EA-DB:EE:F4",  # mixed separators
        "0D EA:DB EE:F4",
        "0D.EA.DB.EE.F4",  # dots: not a printed IPUI form
        "0D  EA DB EE F4",  # two spaces
        "0D EA DB EE",  # four octets
        "0D EA DB EE F4 00",  # six octets (a MAC's shape)
        "0DEA DBEE F4",
        "0x0D:EA:DB:EE:F4",
        "IPEI:",
        "IPEI: ",
        "IPUI N:",
        "IPEI",
        "IPEI: IPEI: 57005 0782068 7",
        "IPEI 57005-0782068-7",
        "IPEI57005 0782068 7x",
        "MAC: 0DEADBEEF4",
        "MAC 57005 0782068 7",
        "IPDI: 0DEADBEEF4",
        "IPUI O: 0DEADBEEF4",
    ],
)
def test_badly_printed_ipeis_are_refused(text: str) -> None:
    with pytest.raises(IdentifierError, match="not an IPEI") as caught:
        parse_ipei(text)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("IPEI:", "nothing follows the label"),
        ("IPUI N = ", "nothing follows the label"),
        ("MAC: 0DEADBEEF4", "its label says it is a MAC address"),
        ("mac=57005 0782068 7", "its label says it is a MAC address"),
    ],
)
def test_a_label_that_cannot_be_an_ipei_is_named(text: str, reason: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_ipei(text)
    assert str(caught.value) == f"{text.strip()!r} is not an IPEI: {reason}"


@pytest.mark.parametrize(
    "text", ["FFFFFFFFFF", "ffffffffff", "0xFFFFFFFFFF", "FF FF FF FF FF", "IPUI: FF:FF:FF:FF:FF"]
)
def test_the_default_identity_of_an_unregistered_handset_is_refused_as_such(text: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_ipei(text)
    message = str(caught.value)
    assert message == (
        f"{text!r} is not an IPEI: FFFFFFFFFF is the default identity of an unregistered "
        "handset, never a real one"
    )
    assert "another type" not in message
    assert shapes(text) == set()


def test_other_ipui_types_still_say_so() -> None:
    with pytest.raises(IdentifierError, match=r"another type \(type digit E\)"):
        parse_ipei("EFFFFFFFFF")
    with pytest.raises(IdentifierError, match=r"another type \(type digit 1\)"):
        parse_ipei("IPUI: 1D EA DB EE F4")


@pytest.mark.parametrize("text", ["00 00 00 00 00", "IPEI: 00000 0000000 0", "IPUI 0000000000"])
def test_a_printed_all_zero_ipei_is_refused(text: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_ipei(text)
    assert str(caught.value) == f"{text!r} is not an IPEI: all zeros"


# --- either kind ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("device_kind", "identifier_kind"),
    [("deskphone", "mac"), ("dect_base", "mac"), ("dect_handset", "ipei")],
)
def test_each_device_kind_carries_one_identifier_kind(
    device_kind: str, identifier_kind: str
) -> None:
    assert kind_for_device(device_kind) == identifier_kind


def test_an_unknown_device_kind_is_refused() -> None:
    with pytest.raises(IdentifierError, match="unknown device kind 'fax'"):
        kind_for_device("fax")


def test_a_mac_given_where_an_ipei_is_needed_is_named_as_a_mac() -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_for_kind("001565abcdef", "ipei", context="unit 4 (W73H)")
    assert str(caught.value) == "'001565abcdef' is a MAC address, but unit 4 (W73H) needs an IPEI"


def test_an_ipei_given_where_a_mac_is_needed_is_named_as_an_ipei() -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_for_kind(" 0DEADBEEF4 ", "mac")
    assert str(caught.value) == "'0DEADBEEF4' is an IPEI, but this unit needs a MAC address"


def test_text_that_is_neither_kind_gets_the_wanted_parsers_error() -> None:
    with pytest.raises(IdentifierError, match="is not an IPEI"):
        parse_for_kind("hello", "ipei", context="unit 1")
    with pytest.raises(IdentifierError, match="all zeros"):
        parse_for_kind("000000000000", "mac")


@pytest.mark.parametrize(
    "text", ["0000000000", "0x0000000000", "00000 0000000 0", "0000000000000", "000000000000"]
)
def test_the_all_zero_ipei_is_refused_like_the_all_zero_mac(text: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_ipei(text)
    assert str(caught.value) == f"{text!r} is not an IPEI: all zeros"
    with pytest.raises(IdentifierError, match="is not an IPEI: all zeros"):
        parse_for_kind(text, "ipei", context="unit 1")


def test_twelve_decimal_digits_are_read_as_the_kind_wanted() -> None:
    assert parse_for_kind("100000000000", "mac") == Mac("100000000000")
    assert parse_for_kind("100000000000", "ipei") == Ipei(emc=10000, psn=0)


def test_twelve_decimal_digits_that_fail_as_the_wanted_kind_get_its_error() -> None:
    # Valid as the other kind, but the shape is ambiguous, so no "is an IPEI/MAC" guess.
    with pytest.raises(IdentifierError, match="manufacturer code 70000 is above 65535"):
        parse_for_kind("700000000000", "ipei", context="unit 2")
    with pytest.raises(IdentifierError, match="multicast"):
        parse_for_kind("110000000000", "mac")


def test_parse_for_kind_returns_the_parsed_identifier() -> None:
    assert parse_for_kind("00:15:65:ab:cd:ef", "mac") == Mac("001565abcdef")
    assert parse_for_kind("0DEADBEEF4", "ipei") == Ipei(57005, 782068)


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("00:15:65:ab:cd:ef", {"mac"}),
        ("0015.65ab.cdef", {"mac"}),
        ("001565ABCDEF", {"mac"}),
        ("57005 0782068 7", {"ipei"}),
        ("5700507820687", {"ipei"}),
        ("0DEADBEEF4", {"ipei"}),
        ("0x0deadbeef4", {"ipei"}),
        ("57005 0782068", {"ipei"}),
        ("100000000000", {"mac", "ipei"}),
        ("700000000000", {"mac"}),  # EMC 70000 is out of range
        ("110000000000", {"ipei"}),  # first octet 0x11 is multicast
        ("000000000000", set()),  # all-zero MAC, and all-zero IPEI
        ("5700507820680", set()),
        ("1DEADBEEF4", set()),
        ("ff:ff:ff:ff:ff:ff", set()),
        ("hello", set()),
        ("", set()),
        ("00.15.65.ab.cd.ef", {"mac"}),
        ("00 15 65 AB CD EF", {"mac"}),
        ("MAC: 00:15:65:ab:cd:ef", {"mac"}),
        ("MAC: 100000000000", {"mac"}),  # the label settles the ambiguous shape
        ("MAC=100000000000", {"mac"}),
        ("IPEI: 100000000000", {"ipei"}),
        ("IPEI: 57005 0782068 7", {"ipei"}),
        ("IPUI N: 0DEADBEEF4", {"ipei"}),
        ("57005 07820687", {"ipei"}),
        ("0D:EA:DB:EE:F4", {"ipei"}),
        ("00 09 22 63 A1", {"ipei"}),
        ("MAC: 01:00:5e:00:00:01", set()),
        ("IPEI: 00:15:65:ab:cd:ef", set()),
        ("MAC: 0DEADBEEF4", set()),
        ("IPEI: ", set()),
        ("FFFFFFFFFF", set()),
    ],
)
def test_shapes_tells_which_kinds_a_text_could_be(text: str, kinds: set[str]) -> None:
    assert shapes(text) == kinds


@given(device_macs)
@example(Mac("001565abcdef"))
def test_a_valid_mac_written_with_separators_is_only_a_mac(mac: Mac) -> None:
    assert shapes(mac.display) == {"mac"}


@given(ipeis)
def test_a_valid_ipei_is_only_an_ipei_in_its_13_and_10_character_forms(ipei: Ipei) -> None:
    assert shapes(ipei.decimal) == {"ipei"}
    assert shapes(ipei.ipui) == {"ipei"}


# --- mix-ups in printed forms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["MAC: 00:15:65:ab:cd:ef", "MAC=001565ABCDEF", "00.15.65.ab.cd.ef", "00 15 65 ab cd ef",
     "mac 100000000000"],
)  # fmt: skip
def test_a_printed_mac_given_for_a_handset_is_named_as_a_mac(text: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_for_kind(text, "ipei", context="unit 4 (W73H)")
    assert str(caught.value) == f"{text!r} is a MAC address, but unit 4 (W73H) needs an IPEI"


@pytest.mark.parametrize(
    "text",
    ["IPEI: 57005 0782068 7", "IPUI N: 0DEADBEEF4", "57005 07820687", "IPEI=100000000000",
     "IPUI 0D EA DB EE F4"],
)  # fmt: skip
def test_a_printed_ipei_given_for_a_desk_phone_is_named_as_an_ipei(text: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_for_kind(text, "mac", context="unit 1 (T54W)")
    assert str(caught.value) == f"{text!r} is an IPEI, but unit 1 (T54W) needs a MAC address"


@pytest.mark.parametrize("text", ["00:15:65:ab:cd", "00-15-65-ab-cd", "00 15 65 ab cd"])
def test_five_unlabelled_octets_for_a_desk_phone_are_a_mac_cut_short(text: str) -> None:
    # Valid as an IPUI, but in a MAC's field far likelier a MAC missing its last octet.
    assert shapes(text) == {"ipei"}
    with pytest.raises(IdentifierError) as caught:
        parse_for_kind(text, "mac", context="unit 1")
    assert str(caught.value) == f"{text!r} is not a MAC address: it has 10 hex digits, not 12"


def test_a_label_of_the_other_kind_on_a_value_of_neither_gets_the_wanted_error() -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_for_kind("IPEI: 00:15:65:ab:cd:ef", "mac", context="unit 1")
    assert str(caught.value) == (
        "'IPEI: 00:15:65:ab:cd:ef' is not a MAC address: its label says it is an IPEI"
    )


def test_a_printed_identifier_of_the_wanted_kind_is_returned() -> None:
    assert parse_for_kind("MAC: 00.15.65.AB.CD.EF", "mac") == Mac("001565abcdef")
    assert parse_for_kind("IPUI N: 0D:EA:DB:EE:F4", "ipei") == Ipei(57005, 782068)
    assert parse_for_kind("MAC: 100000000000", "mac") == Mac("100000000000")
    assert parse_for_kind("IPEI: 100000000000", "ipei") == Ipei(10000, 0)
