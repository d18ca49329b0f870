"""Who a MAC's prefix is registered to (hwctl.io.vendors: the IEEE registry, via netaddr), which
phone brand a name means (identifiers.phone_vendor), and the warning built from both
(identifiers.vendor_warning)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hwctl.domain.identifiers import PHONE_VENDORS, parse_mac, phone_vendor, vendor_warning
from hwctl.io import vendors
from hwctl.io.vendors import registered_org

# --- the registry ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mac", "brand"),
    [
        ("805e0c000001", "Yealink"),
        ("805ec0abcdef", "Yealink"),
        ("001565abcdef", "Yealink"),
        ("249ad8000001", "Yealink"),
        ("64167f000001", "Polycom"),
        ("0004f200106c", "Polycom"),
        ("000b82003189", "Grandstream"),
        ("ec74d7000001", "Grandstream"),
        ("7c2f80000001", "Gigaset"),
        ("589ec6000001", "Gigaset"),
        ("000413aabbcc", "snom"),
        ("00000c000001", "Cisco"),
    ],
)
def test_phone_vendors_prefixes_are_registered_to_them(mac: str, brand: str) -> None:
    org = registered_org(mac)
    assert org is not None
    assert phone_vendor(org) == brand


def test_the_registered_organisation_is_the_registrys_own_text() -> None:
    assert registered_org("805e0c000001") == "YEALINK(XIAMEN) NETWORK TECHNOLOGY CO.,LTD."
    assert registered_org("001565abcdef") == "XIAMEN YEALINK NETWORK TECHNOLOGY CO.,LTD"
    assert registered_org("64167f000001") == "Polycom"
    assert registered_org("000b82003189") == "Grandstream Networks, Inc."
    assert registered_org("7c2f80000001") == "Gigaset Communications GmbH"


# Prefixes in no release of the MA-L list up to netaddr 1.3 (checked against its oui.idx).
@pytest.mark.parametrize("mac", ["000833000001", "a4b1c2abcdef", "a40000123456"])
def test_a_prefix_registered_to_nobody_gives_none(mac: str) -> None:
    assert registered_org(mac) is None


def test_a_prefix_next_to_a_vendors_is_someone_elses() -> None:
    # One digit off Yealink's 00:15:65: a typo lands on another company, not on nobody.
    assert registered_org("001566000001") == "A-First Technology Co., Ltd."
    assert phone_vendor("A-First Technology Co., Ltd.") is None


def test_an_iab_names_the_iabs_organisation_not_the_ieee() -> None:
    assert registered_org("0050c2001000") == "JMBS Developpements"
    assert registered_org("0050c2fff000") == "MSR-Solutions GmbH"


def test_an_ma_s_block_names_the_ieee_registration_authority() -> None:
    # netaddr ships no MA-M/MA-S lists: such blocks stay with their MA-L owner.
    assert registered_org("70b3d5000000") == "IEEE Registration Authority"
    assert phone_vendor("IEEE Registration Authority") is None


@pytest.mark.parametrize("value", ["00:15:65:ab:cd:ef", "001565ABCDEF", "001565abcde", ""])
def test_only_the_storage_form_is_looked_up(value: str) -> None:
    with pytest.raises(ValueError, match="storage form"):
        registered_org(value)


def test_lookups_are_cached_per_prefix() -> None:
    vendors._oui_org.cache_clear()
    registered_org("001565000001")
    registered_org("001565abcdef")
    registered_org("0004f2000001")
    info = vendors._oui_org.cache_info()
    assert (info.misses, info.hits) == (2, 1)


def test_netaddr_is_imported_on_the_first_lookup_not_before() -> None:
    code = (
        "import sys; import hwctl.io.vendors as v; a = 'netaddr' in sys.modules; "
        "v.registered_org('001565abcdef'); print(a, 'netaddr' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "True"]


# --- phone brands ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "brand"),
    [
        ("YEALINK(XIAMEN) NETWORK TECHNOLOGY CO.,LTD.", "Yealink"),
        ("XIAMEN YEALINK NETWORK TECHNOLOGY CO.,LTD", "Yealink"),
        ("Yealink W70B DECT base", "Yealink"),
        ("yealink t54w", "Yealink"),
        ("Polycom", "Polycom"),
        ("Poly VVX 450", "Polycom"),
        ("Poly", "Polycom"),
        ("PLANTRONICS, INC.", "Polycom"),
        ("Gigaset Communications GmbH", "Gigaset"),
        ("Gigaset Digital Technology (Shenzhen) Co., Ltd.", "Gigaset"),
        ("Siemens Home & Office Comm. Devices", "Gigaset"),
        ("Gigaset N870 IP PRO", "Gigaset"),
        ("Grandstream Networks, Inc.", "Grandstream"),
        ("Grandstream Networks Inc", "Grandstream"),
        ("Cisco Systems, Inc", "Cisco"),
        ("Cisco-Linksys, LLC", "Cisco"),
        ("snom technology GmbH", "snom"),
        ("SNOM M9 base", "snom"),
        ("Snom D785", "snom"),
        ("Fanvil Technology Co., Ltd.", "Fanvil"),
        ("Panasonic KX-TGP600", "Panasonic"),
        ("Avaya Inc", "Avaya"),
        ("Mitel Networks Corporation", "Mitel"),
        ("Aastra Telecom", "Mitel"),
        ("Aastra 6865i", "Mitel"),
        ("Alcatel-Lucent Enterprise", "Alcatel-Lucent"),
        ("Alcatel Lucent", "Alcatel-Lucent"),
        ("ALE International", "Alcatel-Lucent"),
        ("Unify Software and Solutions GmbH & Co. KG", "Unify"),
        ("Siemens Enterprise Communications OpenStage 40", "Unify"),
        ("Htek UC926", "Htek"),
        ("Hanlong Technology Co.,LTD", "Htek"),
        ("Spectralink, Inc", "Spectralink"),
        ("RTX Telecom A/S", "RTX"),
        ("Ascom Tateco AB", "Ascom"),
        ("Auerswald GmbH & Co. KG", "Auerswald"),
        ("INNOVAPHONE AG", "Innovaphone"),
        ("AKUVOX (XIAMEN) NETWORKS CO., LTD", "Akuvox"),
        ("Obihai Technology, Inc.", "Obihai"),
        ("Algo Communication Products Ltd", "Algo"),
        ("Sangoma Technologies", "Sangoma"),
        ("Digium", "Sangoma"),
        ("Xiamen Yeastar Information Technology Co., Ltd.", "Yeastar"),
        ("Yealink handset for the Gigaset base", "Yealink"),  # the leftmost brand
    ],
)
def test_a_phone_brand_is_told_from_organisations_and_item_names(text: str, brand: str) -> None:
    assert phone_vendor(text) == brand


@pytest.mark.parametrize(
    "text",
    [
        "Desk phone, black",
        "A-First Technology Co., Ltd.",
        "Dell Inc.",
        "IEEE Registration Authority",
        "LITTON/POLY-SCIENTIFIC",  # "Poly" as part of a hyphenated word
        "Polyphone Industries",  # a longer word
        "Monopoly",
        "Siemens AG",  # mostly industrial gear: no phone brand on its own
        "Nokia Siemens Networks GmbH & Co. KG.",
        "Ciscoesque",
        "Algorithmics Ltd",
        "",
    ],
)
def test_text_naming_no_phone_brand_gives_none(text: str) -> None:
    assert phone_vendor(text) is None


def test_every_canonical_brand_names_itself() -> None:
    for brand, names in PHONE_VENDORS.items():
        assert phone_vendor(brand) == brand
        assert all(phone_vendor(name) == brand for name in names), brand


# --- the warning ----------------------------------------------------------------------------------


def test_a_mac_registered_to_another_phone_vendor_is_warned_about() -> None:
    mac = parse_mac("64:16:7f:00:00:01")
    assert vendor_warning(mac, "Yealink", "Polycom") == (
        "MAC 64:16:7f:00:00:01 is registered to Polycom, not Yealink"
    )


def test_the_warning_names_brands_not_the_registrys_spelling() -> None:
    mac = parse_mac("805e0c000001")
    warning = vendor_warning(mac, "snom", "YEALINK(XIAMEN) NETWORK TECHNOLOGY CO.,LTD.")
    assert warning == "MAC 80:5e:0c:00:00:01 is registered to Yealink, not snom"


def test_a_prefix_registered_to_nobody_is_warned_about() -> None:
    mac = parse_mac("00:08:33:00:00:01")
    assert vendor_warning(mac, "Yealink", None) == (
        "MAC 00:08:33:00:00:01 has a prefix registered to nobody in the IEEE registry "
        "(a typo in the first six digits?)"
    )
    # Whatever the unit's vendor, known or not.
    assert vendor_warning(mac, None, None) == vendor_warning(mac, "Yealink", None)


@pytest.mark.parametrize("org", [None, "Polycom", "Dell Inc."])
def test_a_locally_administered_mac_gets_no_vendor_warning(org: str | None) -> None:
    # In no registry by definition; mac_warnings already says it is locally administered.
    assert vendor_warning(parse_mac("02:15:65:ab:cd:ef"), "Yealink", org) is None


@pytest.mark.parametrize(
    ("mac", "unit_vendor", "org"),
    [
        ("001565abcdef", "Yealink", "XIAMEN YEALINK NETWORK TECHNOLOGY CO.,LTD"),  # same vendor
        ("0004f2000001", "Poly", "Polycom"),  # the same vendor under its newer brand
        ("0004f2000001", "POLYCOM", "Polycom"),
        ("00085d000001", "Mitel", "Aastra Telecom"),  # an absorbed brand
        ("000413aabbcc", "Snom", "snom technology GmbH"),
        ("001566000001", "Yealink", "A-First Technology Co., Ltd."),  # not a phone maker
        ("001aa0000001", "Yealink", "Dell Inc."),
        ("0004f2000001", None, "Polycom"),  # the unit's vendor is unknown
    ],
)
def test_no_vendor_warning_when_vendors_agree_or_cannot_be_told(
    mac: str, unit_vendor: str | None, org: str
) -> None:
    assert vendor_warning(parse_mac(mac), unit_vendor, org) is None


def test_a_unit_vendor_outside_the_vocabulary_is_compared_as_given() -> None:
    mac = parse_mac("0004f2000001")
    assert vendor_warning(mac, "Acme Phones", "Polycom") == (
        "MAC 00:04:f2:00:00:01 is registered to Polycom, not Acme Phones"
    )


@pytest.mark.parametrize(
    ("mac", "unit_vendor", "expected"),
    [
        ("0004f200106c", "Yealink", "MAC 00:04:f2:00:10:6c is registered to Polycom, not Yealink"),
        ("805e0c000001", "Yealink", None),
        ("7c2f80000001", "Gigaset", None),
        ("7c2f80000001", "snom", "MAC 7c:2f:80:00:00:01 is registered to Gigaset, not snom"),
        ("000833000001", "Yealink", "MAC 00:08:33:00:00:01 has a prefix registered to nobody in "
         "the IEEE registry (a typo in the first six digits?)"),
    ],
)  # fmt: skip
def test_the_warning_from_the_real_registry(
    mac: str, unit_vendor: str, expected: str | None
) -> None:
    parsed = parse_mac(mac)
    assert vendor_warning(parsed, unit_vendor, registered_org(parsed.value)) == expected
