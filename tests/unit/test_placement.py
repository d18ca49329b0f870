"""Placing shipping rows on units (hwctl.domain.placement), pure: model columns that bind by
their values, catalog aliases, the vendor as evidence, refusals instead of guesses, and a
placement that no shuffling of the file's rows or columns can change."""

from __future__ import annotations

import csv
import io
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwctl.domain.fulfilment import Slot
from hwctl.domain.placement import catalog_keys, model_key, place_rows
from hwctl.errors import InvalidInput
from hwctl.io.shipments import read_shipments

ITEMS = {
    "CP-8841": ("Cisco IP Phone 8841", "deskphone", ("CP-8841-K9",), "Cisco"),
    "GRP2614": ("Grandstream GRP2614", "deskphone", ("GRP-2614",), "Grandstream"),
    "T54W": ("Yealink T54W", "deskphone", ("SIP-T54W", "Yealink SIP-T54W", "1301201"), "Yealink"),
    "W70B": ("Yealink W70B", "dect_base", ("1302001",), "Yealink"),
    "W73H": ("Yealink W73H", "dect_handset", ("1302005",), "Yealink"),
}
VENDORS = {"001b54": "Cisco", "000b82": "Grandstream", "805e0c": "Yealink", "001565": "Yealink"}


def vendor_of(key: str) -> str | None:
    return VENDORS.get(key[:6])


def slots(*skus: str) -> list[Slot]:
    out = []
    for number, sku in enumerate(skus, start=1):
        name, kind, aliases, vendor = ITEMS[sku]
        out.append(
            Slot(
                number=number,
                sku=sku,
                name=name,
                kind=kind,
                max_handsets=None,
                user=None,
                location=None,
                aliases=aliases,
                vendor=vendor,
            )  # fmt: skip
        )
    return out


def place(units: list[Slot], text: str, *, vendors: bool = True) -> dict[int, str]:
    rows = read_shipments(text, "f.csv")
    placed = place_rows(units, rows, "f.csv", vendor_of=vendor_of if vendors else None)
    return {n: a.text for n, a in placed.answers.items()}


def refusal(units: list[Slot], text: str, **kw: bool) -> str:
    with pytest.raises(InvalidInput) as caught:
        place(units, text, **kw)
    assert "\n" not in str(caught.value)
    return str(caught.value)


CISCO, GRANDSTREAM, YEALINK = "00:1b:54:00:00:01", "00:0b:82:00:00:02", "80:5e:0c:00:00:03"


def test_the_model_column_puts_each_mac_on_its_model_whatever_the_file_order() -> None:
    units = slots("CP-8841", "GRP2614")
    text = f"MAC,Device Model\n{GRANDSTREAM},GRP2614\n{CISCO},CP-8841-K9\n"
    assert place(units, text, vendors=False) == {1: CISCO, 2: GRANDSTREAM}


def test_an_alias_binds_ignoring_case_spaces_dashes_underscores_and_dots() -> None:
    units = slots("T54W", "W70B")
    text = f"Part Number,MAC\nyealink_sip.t54w,{YEALINK}\n1302001,00:15:65:00:00:09\n"
    assert place(units, text) == {1: YEALINK, 2: "00:15:65:00:00:09"}


def test_without_a_model_column_two_models_of_one_kind_are_refused_when_nothing_tells_them_apart():
    units = slots("T54W", "W70B")
    message = refusal(units, f"MAC\n{YEALINK}\n00:15:65:00:00:09\n")
    assert message.startswith("f.csv: lines 2, 3 could be T54W or W70B: nothing in the file")


def test_the_registered_vendor_places_a_mac_when_it_matches_exactly_one_candidate() -> None:
    units = slots("CP-8841", "GRP2614", "T54W")
    assert place(units, f"MAC\n{YEALINK}\n{GRANDSTREAM}\n{CISCO}\n") == {
        1: CISCO,
        2: GRANDSTREAM,
        3: YEALINK,
    }
    # Without the registry the same file is refused: the vendor is evidence, file order is not.
    assert "could be CP-8841 or GRP2614 or T54W" in refusal(
        units, f"MAC\n{YEALINK}\n{GRANDSTREAM}\n{CISCO}\n", vendors=False
    )


def test_a_model_column_none_of_whose_values_binds_is_ignored_with_a_warning() -> None:
    units = slots("T54W", "W73H")
    rows = read_shipments(f"Type,MAC,IPEI\nDesk phone,{YEALINK},\nHandset,,0DEADBEEF4\n", "f.csv")
    placed = place_rows(units, rows, "f.csv")
    assert {n: a.text for n, a in placed.answers.items()} == {1: YEALINK, 2: "0DEADBEEF4"}
    assert placed.warnings == [
        "f.csv: column 'Type' ignored: none of its values names a SKU of this order (T54W, W73H)"
    ]


def test_in_a_binding_column_a_value_naming_no_sku_of_the_order_is_an_error_on_its_row() -> None:
    units = slots("T54W", "GRP2614")
    message = refusal(units, f"Model,MAC\nT54W,{YEALINK}\nGXP2170,{GRANDSTREAM}\n")
    assert (
        message == "f.csv line 3: Model 'GXP2170' names no SKU of this order (it has GRP2614, T54W)"
    )


def test_two_model_columns_naming_different_skus_on_one_row_are_refused() -> None:
    units = slots("T54W", "GRP2614")
    message = refusal(
        units, f"Model,Article,MAC\nT54W,1301201,{YEALINK}\nT54W,GRP-2614,{GRANDSTREAM}\n"
    )
    assert message.startswith("f.csv line 3: the row names two models:")


def test_catalog_keys_refuse_an_alias_two_skus_share_or_that_is_another_sku() -> None:
    with pytest.raises(InvalidInput, match="would also name SKU 'A'"):
        catalog_keys([("A", ["X-1"]), ("B", ["x1"])])
    with pytest.raises(InvalidInput, match="would also name SKU 'A'"):
        catalog_keys([("A", []), ("B", ["a"])])
    assert catalog_keys([("T54W", []), ("t-54w", [])]) == {model_key("T54W"): None}


# --- the placement never depends on the file's order ----------------------------------------------

ORDER = ("CP-8841", "GRP2614", "T54W", "T54W", "W70B", "W73H", "W73H")
SHIPPED = [  # (model column, MAC, IPEI, serial)
    ("CP-8841-K9", CISCO, "", "FCH1"),
    ("GRP-2614", GRANDSTREAM, "", "GS1"),
    ("SIP-T54W", YEALINK, "", "Y1"),
    ("1301201", "00:15:65:00:00:04", "", "Y2"),
    ("1302001", "80:5e:0c:00:00:05", "", "Y3"),
    ("1302005", "", "57005 0782068 7", "Y4"),
    ("W73H", "", "0DEADBEEF5", "Y5"),
]
HEADER = ("Artikelnummer", "MAC-Adresse", "IPEI/IPDI", "Seriennummer")


def shipping_file(order: list[int], columns: list[int], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([HEADER[c] for c in columns])
    for r in order:
        writer.writerow([SHIPPED[r][c] for c in columns])
    return out.getvalue()


EXPECTED = place(slots(*ORDER), shipping_file(list(range(7)), [0, 1, 2, 3], ","))


def test_the_reference_file_puts_every_identifier_on_its_own_model() -> None:
    by_unit = {n: ORDER[n - 1] for n in range(1, 8)}
    model_of = {row[1] or row[2]: row[0] for row in SHIPPED}
    bound = {"CP-8841-K9": "CP-8841", "GRP-2614": "GRP2614", "SIP-T54W": "T54W",
             "1301201": "T54W", "1302001": "W70B", "1302005": "W73H", "W73H": "W73H"}  # fmt: skip
    assert len(EXPECTED) == 7
    for unit, identifier in EXPECTED.items():
        assert bound[model_of[identifier]] == by_unit[unit]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.randoms(use_true_random=False),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_shuffling_rows_and_columns_never_changes_the_placement(
    seed: random.Random, delimiter: str
) -> None:
    rows = list(range(len(SHIPPED)))
    columns = list(range(len(HEADER)))
    seed.shuffle(rows)
    seed.shuffle(columns)
    assert place(slots(*ORDER), shipping_file(rows, columns, delimiter)) == EXPECTED


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # the case: one unit, its MAC twice (not "more T54W rows than the order's 1")
        (f"SKU,MAC\nT54W,{YEALINK}\nT54W,{YEALINK.upper().replace(':', '-')}\n",
         f"f.csv: MAC {YEALINK} is listed twice, on lines 2 and 3"),
        # in a generic column, in two printed forms, with rows between
        (f"Serial,Model\n{YEALINK},SIP-T54W\n{CISCO},CP-8841-K9\n805e0c000003,SIP-T54W\n",
         f"f.csv: MAC {YEALINK} is listed twice, on lines 2 and 4"),
        # an IPEI as decimal and as its hex form (the first two lines only)
        ("SKU,IPEI\nW73H,57005 0782068 7\nW73H,0DEADBEEF4\nW73H,0x0DEADBEEF4\n",
         "f.csv: IPEI 57005 0782068 7 is listed twice, on lines 2 and 3"),
    ],
    ids=["same-unit", "generic-column", "ipei-forms"],
)  # fmt: skip
def test_an_identifier_listed_twice_is_refused_naming_it_and_its_two_lines(
    text: str, message: str
) -> None:
    assert refusal(slots("T54W", "CP-8841", "W73H", "W73H"), text) == message
