"""The fulfilment plan, pure (hwctl.domain.fulfilment): placing CSV rows on units, parsing the
answers, create/link/skip, conflicts, intents and pairing. No store, no files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from hwctl.domain.fulfilment import (
    Answer,
    Plan,
    Registered,
    Slot,
    build_plan,
    missing,
    parse_all,
)
from hwctl.domain.identifiers import Ipei
from hwctl.domain.placement import place_rows
from hwctl.domain.shipment import ShipmentRow
from hwctl.errors import Conflict, InvalidInput
from hwctl.io.shipments import column_kind, read_shipments

ORDER = 7
CATALOG = {
    "deskphone": ("T54W", "Yealink T54W desk phone", None),
    "dect_base": ("W70B", "Yealink W70B DECT base", 10),
    "dect_handset": ("W73H", "Yealink W73H DECT handset", None),
    "other_base": ("W80B", "Yealink W80B DECT base", 100),
}


# --- factories ------------------------------------------------------------------------------------


def slot(number: int, kind: str = "deskphone", **kw: object) -> Slot:
    """A unit of the order; `kind` may also be `other_base` (a second base model)."""
    sku, name, max_handsets = CATALOG[kind]
    fields: dict[str, object] = {
        "number": number,
        "sku": sku,
        "name": name,
        "kind": "dect_base" if kind == "other_base" else kind,
        "max_handsets": max_handsets,
        "user": None,
        "location": None,
    }
    fields.update(kw)
    return Slot(**fields)  # type: ignore[arg-type]


def units(*kinds: str) -> list[Slot]:
    """Slots numbered 1..N in the given kinds."""
    return [slot(n, kind) for n, kind in enumerate(kinds, start=1)]


def mac(n: int) -> str:
    """A Yealink MAC, distinct per n."""
    return f"00:15:65:00:00:{n:02x}"


def mac_key(n: int) -> str:
    return f"0015650000{n:02x}"


def ipei(n: int) -> str:
    """A valid 13-character IPEI, distinct per n."""
    return Ipei(57005, 782000 + n).decimal


def identifier_for(s: Slot) -> str:
    return ipei(s.number) if s.kind == "dect_handset" else mac(s.number)


def plan_for(
    slots: Sequence[Slot],
    answers: Mapping[int, str] | None = None,
    registered: Mapping[str, Registered] | None = None,
    *,
    already: int = 0,
) -> Plan:
    """The plan with every unit without a device given its own identifier, unless told."""
    if answers is None:
        answers = {s.number: identifier_for(s) for s in slots if s.device_id is None}
    parsed = parse_all(slots, {n: Answer(t) for n, t in answers.items()})
    return build_plan(ORDER, slots, parsed, registered or {}, base_already_paired=already)


def registered(key: str, **kw: object) -> dict[str, Registered]:
    fields: dict[str, object] = {
        "id": 42,
        "key": key,
        "kind": "deskphone",
        "same_account": True,
        "unit_number": None,
        "bound_elsewhere": None,
    }
    fields.update(kw)
    return {key: Registered(**fields)}  # type: ignore[arg-type]


def row(identifier: str, *, line: int = 2, unit: int | None = None, sku: str | None = None):
    return ShipmentRow(
        line=line, unit=unit, sku=sku, models=(), identifier=identifier, column="Serial", kind=None
    )


def rows(*specs: dict[str, object]) -> list[ShipmentRow]:
    return [row(line=n, **spec) for n, spec in enumerate(specs, start=2)]  # type: ignore[arg-type]


def placed(slots: Sequence[Slot], shipment: Sequence[ShipmentRow]) -> dict[int, str]:
    return {n: a.text for n, a in place_rows(slots, shipment, "shipped.csv").answers.items()}


def refusal(error: type[Exception], call, *args, **kw) -> str:  # noqa: ANN001
    with pytest.raises(error) as caught:
        call(*args, **kw)
    message = str(caught.value)
    assert "\n" not in message
    return message


# --- pairing --------------------------------------------------------------------------------------


def test_one_base_and_handsets_pairs_every_handset_to_that_base() -> None:
    plan = plan_for(units("dect_base", "dect_handset", "dect_handset", "dect_handset"))
    assert plan.pairing == "base"
    assert [(u.number, u.base_unit) for u in plan.units] == [(1, None), (2, 1), (3, 1), (4, 1)]
    assert plan.paired == 3
    assert plan.warnings == []


def test_handsets_listed_before_their_base_still_pair_to_it_in_unit_order() -> None:
    plan = plan_for(units("dect_handset", "deskphone", "dect_handset", "dect_base"))
    assert [(u.number, u.base_unit) for u in plan.units if u.kind == "dect_handset"] == [
        (1, 4),
        (3, 4),
    ]


def test_two_bases_leave_the_handsets_for_on_site_registration_with_a_warning() -> None:
    plan = plan_for(units("dect_base", "other_base", "dect_handset", "dect_handset"))
    assert plan.pairing == "on-site"
    assert all(u.base_unit is None for u in plan.units)
    assert plan.paired == 0
    assert plan.warnings == ["the order has 2 bases: 2 handset(s) left for on-site registration"]


def test_handsets_without_a_base_are_left_for_on_site_registration() -> None:
    plan = plan_for(units("deskphone", "dect_handset"))
    assert plan.pairing == "on-site"
    assert plan.units[1].base_unit is None
    assert plan.warnings == ["the order has no base: 1 handset(s) left for on-site registration"]


def test_a_base_on_its_own_pairs_nothing_and_warns_about_nothing() -> None:
    plan = plan_for(units("dect_base", "deskphone"))
    assert plan.pairing == "none"
    assert plan.paired == 0
    assert plan.warnings == []


def test_a_base_takes_at_most_its_max_handsets_and_the_rest_stay_unpaired() -> None:
    base = slot(1, "dect_base", max_handsets=2)
    handsets = [slot(n, "dect_handset") for n in range(2, 6)]
    plan = plan_for([base, *handsets])
    assert [(u.number, u.base_unit) for u in plan.units[1:]] == [
        (2, 1),
        (3, 1),
        (4, None),
        (5, None),
    ]
    assert plan.paired == 2
    assert plan.warnings == [
        "unit 1 (W70B) takes at most 2 handsets: unit(s) 4, 5 stay unpaired for on-site "
        "registration"
    ]


def test_handsets_already_paired_to_the_base_elsewhere_count_toward_its_capacity() -> None:
    base = slot(1, "dect_base", max_handsets=3)
    plan = plan_for([base, slot(2, "dect_handset"), slot(3, "dect_handset")], already=2)
    assert [u.base_unit for u in plan.units[1:]] == [1, None]
    assert "unit(s) 3 stay unpaired" in plan.warnings[0]


def test_a_linked_handset_already_on_the_linked_base_keeps_its_place_first() -> None:
    base = slot(1, "dect_base", max_handsets=2)
    slots = [base, slot(2, "dect_handset"), slot(3, "dect_handset"), slot(4, "dect_handset")]
    known = {
        **registered(mac_key(1), id=50, kind="dect_base"),
        **registered(ipei(4), id=51, kind="dect_handset", base_id=50),
    }
    plan = plan_for(slots, registered=known)
    assert [(u.number, u.action, u.base_unit) for u in plan.units[1:]] == [
        (2, "create", 1),
        (3, "create", None),
        (4, "link", 1),
    ]
    assert "unit(s) 3 stay unpaired" in plan.warnings[0]


def test_a_linked_handset_paired_to_another_base_has_no_priority() -> None:
    base = slot(1, "dect_base", max_handsets=1)
    slots = [base, slot(2, "dect_handset"), slot(3, "dect_handset")]
    known = registered(ipei(3), id=51, kind="dect_handset", base_id=77)
    plan = plan_for(slots, registered=known)
    assert [(u.number, u.base_unit) for u in plan.units[1:]] == [(2, 1), (3, None)]


def test_a_full_base_pairs_no_handset_at_all() -> None:
    base = slot(1, "dect_base", max_handsets=2)
    plan = plan_for([base, slot(2, "dect_handset")], already=5)
    assert plan.paired == 0
    assert plan.units[1].base_unit is None
    assert "unit(s) 2 stay unpaired" in plan.warnings[0]


def test_a_base_without_a_known_capacity_takes_every_handset() -> None:
    base = slot(1, "dect_base", max_handsets=None)
    plan = plan_for([base, *(slot(n, "dect_handset") for n in range(2, 30))], already=100)
    assert plan.paired == 28
    assert plan.warnings == []


# --- intents --------------------------------------------------------------------------------------


def test_the_user_intent_goes_everywhere_and_the_location_never_onto_a_handset() -> None:
    intent = {"user": "ann@globex.example", "location": "HQ Floor 2"}
    slots = [slot(1, "deskphone", **intent), slot(2, "dect_base", **intent)]
    slots.append(slot(3, "dect_handset", **intent))
    plan = plan_for(slots)
    assert [(u.kind, u.user, u.location) for u in plan.units] == [
        ("deskphone", "ann@globex.example", "HQ Floor 2"),
        ("dect_base", "ann@globex.example", "HQ Floor 2"),
        ("dect_handset", "ann@globex.example", None),
    ]


def test_a_units_intent_reads_user_then_location() -> None:
    assert slot(1, user="ann@globex.example", location="HQ").intent == "ann@globex.example · HQ"
    assert slot(1, location="HQ").intent == "HQ"
    assert slot(1).intent == ""


# --- create, link, skip ---------------------------------------------------------------------------


def test_an_identifier_the_store_does_not_know_creates_a_device() -> None:
    plan = plan_for(units("deskphone"), {1: "00-15-65-AB-CD-EF"})
    (unit,) = plan.units
    assert (unit.action, unit.key, unit.shown, unit.device_id) == (
        "create",
        "001565abcdef",
        "00:15:65:ab:cd:ef",
        None,
    )


def test_an_identifier_registered_on_the_account_by_other_means_is_linked() -> None:
    plan = plan_for(units("deskphone"), {1: "001565abcdef"}, registered("001565abcdef", id=42))
    (unit,) = plan.units
    assert (unit.action, unit.device_id) == ("link", 42)
    assert (plan.count("create"), plan.count("link"), plan.count("skip")) == (0, 1, 0)


def test_a_unit_that_has_its_device_is_skipped_whether_or_not_it_is_given_again() -> None:
    done = slot(1, device_id=5, device_key="001565abcdef")
    again = plan_for([done], {1: "0015.65AB.CDEF"})
    silent = plan_for([done], {})
    for plan in (again, silent):
        (unit,) = plan.units
        assert (unit.action, unit.device_id, unit.shown) == ("skip", 5, "00:15:65:ab:cd:ef")


def test_a_unit_that_has_its_device_given_another_identifier_is_a_conflict() -> None:
    done = slot(1, device_id=5, device_key="001565abcdef")
    message = refusal(Conflict, plan_for, [done], {1: "001565abcde0"})
    assert (
        message
        == "unit 1 (T54W) already has the device 00:15:65:ab:cd:ef; 00:15:65:ab:cd:e0 differs"
    )


def test_a_unit_without_an_identifier_is_refused() -> None:
    message = refusal(InvalidInput, plan_for, units("deskphone", "deskphone"), {1: mac(1)})
    assert message == "unit 2 (T54W) has no identifier"


def test_a_skipped_handset_is_not_paired_again_or_counted() -> None:
    slots = [
        slot(1, "dect_base", device_id=1, device_key=mac_key(1)),
        slot(2, "dect_handset", device_id=2, device_key=ipei(2)),
    ]
    plan = plan_for(slots, {})
    assert [u.action for u in plan.units] == ["skip", "skip"]
    assert plan.paired == 0


# --- conflicts ------------------------------------------------------------------------------------


def test_an_identifier_registered_on_another_account_is_a_conflict() -> None:
    known = registered("001565abcdef", same_account=False)
    message = refusal(Conflict, plan_for, units("deskphone"), {1: "001565abcdef"}, known)
    assert message == "unit 1 (T54W): MAC 00:15:65:ab:cd:ef is registered on another account"


def test_an_identifier_bound_to_another_orders_unit_is_a_conflict() -> None:
    known = registered("001565abcdef", bound_elsewhere="order 3")
    message = refusal(Conflict, plan_for, units("deskphone"), {1: "001565abcdef"}, known)
    assert message == "unit 1 (T54W): MAC 00:15:65:ab:cd:ef is already the device of order 3"


def test_an_identifier_bound_to_another_unit_of_this_order_is_a_conflict() -> None:
    slots = [slot(1), slot(2, device_id=42, device_key="001565abcdef")]
    known = registered("001565abcdef", unit_number=2)
    message = refusal(Conflict, plan_for, slots, {1: "001565abcdef"}, known)
    assert message == "unit 1 (T54W): MAC 00:15:65:ab:cd:ef is already the device of unit 2"


def test_an_identifier_registered_as_another_kind_of_device_is_a_conflict() -> None:
    known = registered("001565abcdef", kind="deskphone")
    message = refusal(Conflict, plan_for, units("dect_base"), {1: "001565abcdef"}, known)
    assert message == (
        "unit 1 (W70B): MAC 00:15:65:ab:cd:ef is registered as a deskphone, not a dect_base"
    )


# --- parsing the answers --------------------------------------------------------------------------


def test_the_same_identifier_twice_is_refused_however_it_is_spelled() -> None:
    answers = {1: Answer("00:15:65:AB:CD:EF"), 2: Answer("0015.65ab.cdef")}
    message = refusal(InvalidInput, parse_all, units("deskphone", "deskphone"), answers)
    assert message == "MAC 00:15:65:ab:cd:ef is given for unit 1 and unit 2"


def test_the_same_ipei_in_decimal_and_hex_is_refused_as_one_identifier() -> None:
    answers = {1: Answer("57005 0782068 7"), 2: Answer("0x0DEADBEEF4")}
    message = refusal(InvalidInput, parse_all, units("dect_handset", "dect_handset"), answers)
    assert message == "IPEI 57005 0782068 7 is given for unit 1 and unit 2"


def test_a_mac_for_a_handset_is_refused_with_the_reason() -> None:
    message = refusal(InvalidInput, parse_all, units("dect_handset"), {1: Answer(mac(1))})
    assert message == "'00:15:65:00:00:01' is a MAC address, but unit 1 (W73H) needs an IPEI"


def test_an_ipei_for_a_desk_phone_is_refused_with_the_reason() -> None:
    message = refusal(InvalidInput, parse_all, units("deskphone"), {1: Answer("0DEADBEEF4")})
    assert message == "'0DEADBEEF4' is an IPEI, but unit 1 (T54W) needs a MAC address"


def test_an_answer_from_a_file_names_its_line_and_unit() -> None:
    answers = {1: Answer("not-a-mac", "shipped.csv line 3")}
    message = refusal(InvalidInput, parse_all, units("deskphone"), answers)
    assert message.startswith("shipped.csv line 3: unit 1 (T54W): 'not-a-mac' is not a MAC")


def test_an_answer_for_a_unit_the_order_lacks_is_refused() -> None:
    message = refusal(InvalidInput, parse_all, units("deskphone"), {4: Answer(mac(4))})
    assert message == "the order has no unit 4"


def test_twelve_decimal_digits_are_read_as_the_kind_each_unit_wants() -> None:
    parsed = parse_all(
        units("deskphone", "dect_handset"),
        {1: Answer("001565000001"), 2: Answer("570050782068")},
    )
    assert parsed[1].display == "00:15:65:00:00:01"
    assert parsed[2].display == "57005 0782068 7"


# --- warnings -------------------------------------------------------------------------------------


def test_a_locally_administered_mac_is_planned_with_a_warning() -> None:
    plan = plan_for(units("deskphone"), {1: "02:00:00:12:34:56"})
    assert plan.units[0].action == "create"
    assert plan.warnings == [
        "unit 1 (T54W): MAC 02:00:00:12:34:56 is locally administered, not a vendor-assigned "
        "address"
    ]


def test_a_mac_from_another_vendor_than_the_ordered_model_is_only_a_warning() -> None:
    slots = [slot(1, vendor="Yealink")]
    parsed = parse_all(slots, {1: Answer("64:16:7F:12:34:56")})  # a Polycom prefix
    plan = build_plan(ORDER, slots, parsed, {}, org_of=lambda key: "Polycom")
    assert plan.units[0].action == "create"
    assert plan.units[0].warnings == (
        "MAC 64:16:7f:12:34:56 is registered to Polycom, not Yealink",
    )
    assert plan.warnings == [
        "unit 1 (T54W): MAC 64:16:7f:12:34:56 is registered to Polycom, not Yealink"
    ]


def test_a_mac_of_the_units_own_vendor_or_without_a_registry_gets_no_warning() -> None:
    slots = [slot(1, vendor="Yealink")]
    parsed = parse_all(slots, {1: Answer(mac(1))})
    org = "YEALINK(XIAMEN) NETWORK TECHNOLOGY CO.,LTD."
    assert build_plan(ORDER, slots, parsed, {}, org_of=lambda key: org).warnings == []
    assert build_plan(ORDER, slots, parsed, {}).warnings == []


# --- what is still missing ------------------------------------------------------------------------


def test_missing_lists_units_with_neither_a_device_nor_an_answer_in_unit_order() -> None:
    slots = [slot(1), slot(2, device_id=9, device_key=mac_key(2)), slot(3), slot(4)]
    assert [s.number for s in missing(slots, {3: Answer(mac(3))})] == [1, 4]
    assert missing(slots, {1: Answer(mac(1)), 3: Answer(mac(3)), 4: Answer(mac(4))}) == []


# --- placing CSV rows on units --------------------------------------------------------------------


def test_a_row_with_a_unit_fills_that_unit() -> None:
    slots = units("deskphone", "deskphone")
    assert placed(slots, rows({"identifier": mac(9), "unit": 2})) == {2: mac(9)}


def test_a_row_whose_sku_contradicts_its_unit_is_refused() -> None:
    message = refusal(
        InvalidInput,
        placed,
        units("deskphone", "dect_base"),
        rows({"identifier": mac(1), "unit": 2, "sku": "T54W"}),
    )
    assert message == "shipped.csv line 2: unit 2 is a W70B, not T54W"


def test_a_row_for_a_unit_the_order_lacks_is_refused_with_the_range() -> None:
    message = refusal(
        InvalidInput,
        placed,
        units("deskphone", "deskphone"),
        rows({"identifier": mac(1), "unit": 9}),
    )
    assert message == "shipped.csv line 2: the order has no unit 9 (units 1..2)"


def test_two_rows_for_one_unit_are_refused_naming_both_lines() -> None:
    shipment = rows({"identifier": mac(1), "unit": 1}, {"identifier": mac(2), "unit": 1})
    message = refusal(InvalidInput, placed, units("deskphone"), shipment)
    assert message == "shipped.csv line 3: unit 1 (T54W) already has an identifier from line 2"


def test_rows_with_a_sku_fill_that_skus_units_in_order_whatever_the_case() -> None:
    slots = units("deskphone", "dect_base", "deskphone")
    shipment = rows(
        {"identifier": mac(7), "sku": "t54w"},
        {"identifier": mac(8), "sku": "W70B"},
        {"identifier": mac(9), "sku": "T54W"},
    )
    assert placed(slots, shipment) == {1: mac(7), 2: mac(8), 3: mac(9)}


def test_a_sku_row_takes_the_next_unit_not_already_filled_by_a_unit_row() -> None:
    slots = units("deskphone", "deskphone")
    shipment = rows({"identifier": mac(7), "unit": 1}, {"identifier": mac(8), "sku": "T54W"})
    assert placed(slots, shipment) == {1: mac(7), 2: mac(8)}


def test_a_sku_the_order_does_not_have_is_refused_naming_the_ones_it_has() -> None:
    message = refusal(
        InvalidInput,
        placed,
        units("deskphone", "dect_base"),
        rows({"identifier": mac(1), "sku": "W60B"}),
    )
    assert message == "shipped.csv line 2: SKU 'W60B' is not on this order (it has T54W, W70B)"


def test_more_rows_for_a_sku_than_it_has_units_is_refused() -> None:
    shipment = rows({"identifier": mac(1), "sku": "T54W"}, {"identifier": mac(2), "sku": "T54W"})
    message = refusal(InvalidInput, placed, units("deskphone", "dect_base"), shipment)
    assert message == "shipped.csv line 3: more T54W rows than the order's 1 T54W units"


def test_an_ipei_without_sku_or_unit_goes_to_the_next_handset() -> None:
    slots = units("deskphone", "dect_handset", "dect_handset")
    shipment = rows({"identifier": "0x0DEADBEEF4"}, {"identifier": "57005 0782069 8"})
    assert placed(slots, shipment) == {2: "0x0DEADBEEF4", 3: "57005 0782069 8"}


def test_a_mac_without_sku_or_unit_goes_by_shape_when_only_desk_phones_take_macs() -> None:
    slots = units("dect_handset", "deskphone", "deskphone")
    shipment = rows({"identifier": mac(1)}, {"identifier": ipei(1)}, {"identifier": mac(2)})
    assert placed(slots, shipment) == {2: mac(1), 1: ipei(1), 3: mac(2)}


def test_a_mac_that_could_be_a_phone_or_a_base_asks_for_a_sku_or_unit_column() -> None:
    message = refusal(
        InvalidInput, placed, units("deskphone", "dect_base"), rows({"identifier": mac(1)})
    )
    assert message == (
        "shipped.csv: line 2 could be T54W or W70B: nothing in the file says which model; "
        "add a SKU, model or unit column (or the vendor's model names as catalog aliases)"
    )


def test_twelve_digits_are_ambiguous_between_phones_and_handsets() -> None:
    message = refusal(
        InvalidInput,
        placed,
        units("deskphone", "dect_handset"),
        rows({"identifier": "000040123456"}),
    )
    assert message.startswith("shipped.csv: line 2 could be T54W or W73H: nothing in the file")


def test_twelve_digits_go_to_the_only_kind_on_the_order() -> None:
    assert placed(units("dect_handset"), rows({"identifier": "000040123456"})) == {
        1: "000040123456"
    }


def test_a_row_no_unit_can_take_is_refused() -> None:
    message = refusal(InvalidInput, placed, units("dect_handset"), rows({"identifier": mac(1)}))
    assert message == "shipped.csv line 2: no unit on this order takes a MAC"


def test_more_shape_placed_rows_than_units_is_refused() -> None:
    shipment = rows({"identifier": mac(1)}, {"identifier": mac(2)})
    message = refusal(InvalidInput, placed, units("deskphone"), shipment)
    assert message == "shipped.csv line 3: more T54W rows than the order's 1 T54W units"


def test_a_shape_placed_row_that_is_no_identifier_at_all_is_refused() -> None:
    message = refusal(
        InvalidInput, placed, units("deskphone", "dect_handset"), rows({"identifier": "SN-0042"})
    )
    assert message == "shipped.csv line 2: 'SN-0042' is neither a MAC address nor an IPEI"


def test_a_refused_mac_on_an_order_of_macs_only_says_why() -> None:
    message = refusal(
        InvalidInput, placed, units("deskphone"), rows({"identifier": "01:15:65:00:00:03"})
    )
    assert message == (
        "shipped.csv line 2: '01:15:65:00:00:03' is not a device MAC: multicast address "
        "(first octet is odd)"
    )


def test_a_file_with_mac_and_ipei_columns_places_each_row_by_the_one_filled() -> None:
    shipment = read_shipments(
        "MAC,IPEI,RFPI\n00156500000a,,\n,0x0DEADBEEF4,0123456789\n0015.6500.000b,,\n",
        "shipped.csv",
    )
    slots = units("deskphone", "dect_handset", "deskphone")
    assert placed(slots, shipment) == {1: "00156500000a", 2: "0x0DEADBEEF4", 3: "0015.6500.000b"}


# --- placing a retry ------------------------------------------------------------------------------


def fulfilled(*kinds: str) -> list[Slot]:
    """Slots that all have their device, with identifier_for() as its key."""
    out = []
    for s in units(*kinds):
        key = ipei(s.number) if s.kind == "dect_handset" else mac_key(s.number)
        out.append(slot(s.number, s.kind, device_id=100 + s.number, device_key=key))
    return out


def test_a_retry_by_sku_puts_each_identifier_back_on_its_own_unit_in_any_order() -> None:
    slots = fulfilled("deskphone", "deskphone")
    shipment = rows({"identifier": mac(2), "sku": "T54W"}, {"identifier": mac(1), "sku": "T54W"})
    assert placed(slots, shipment) == {2: mac(2), 1: mac(1)}
    plan = plan_for(slots, placed(slots, shipment))
    assert [u.action for u in plan.units] == ["skip", "skip"]


def test_a_retry_by_shape_puts_each_identifier_back_on_its_own_unit() -> None:
    slots = fulfilled("deskphone", "dect_base", "dect_handset")
    shipment = rows(
        {"identifier": "0x" + Ipei(57005, 782003).ipui},
        {"identifier": mac(2).upper()},
        {"identifier": mac(1)},
    )
    assert placed(slots, shipment) == {3: shipment[0].identifier, 2: mac(2).upper(), 1: mac(1)}


def test_a_retry_with_another_identifier_for_a_sku_is_placed_so_the_plan_calls_it_a_conflict() -> (
    None
):
    slots = fulfilled("deskphone", "deskphone")
    shipment = rows({"identifier": mac(1), "sku": "T54W"}, {"identifier": mac(9), "sku": "T54W"})
    answers = placed(slots, shipment)
    assert answers == {1: mac(1), 2: mac(9)}
    message = refusal(Conflict, plan_for, slots, answers)
    assert message == (
        "unit 2 (T54W) already has the device 00:15:65:00:00:02; 00:15:65:00:00:09 differs"
    )


def test_a_retry_with_another_identifier_by_shape_is_a_conflict_too() -> None:
    slots = fulfilled("deskphone")
    answers = placed(slots, rows({"identifier": mac(9)}))
    assert answers == {1: mac(9)}
    with pytest.raises(Conflict):
        plan_for(slots, answers)


# --- the column's name says the kind --------------------------------------------------------------


def named_row(identifier: str, column: str, **kw: object) -> ShipmentRow:
    fields: dict[str, object] = {"line": 2, "unit": None, "sku": None, "models": ()}
    fields.update(kw)
    return ShipmentRow(
        identifier=identifier,
        column=column,
        kind=column_kind(column),
        **fields,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("column", ["MAC", "MAC Address", "mac_address"])
@pytest.mark.parametrize("kinds", [("dect_base",), ("deskphone", "dect_handset")])
def test_a_bad_value_in_a_mac_column_gets_the_mac_parsers_reason(
    column: str, kinds: tuple[str, ...]
) -> None:
    # Twelve zeros are no MAC, and no IPEI either: the column says which reason applies.
    message = refusal(InvalidInput, placed, units(*kinds), [named_row("000000000000", column)])
    assert message == "shipped.csv line 2: '000000000000' is not a device MAC: all zeros"


def test_a_valid_ipei_in_a_mac_column_is_refused_as_the_wrong_kind() -> None:
    message = refusal(
        InvalidInput, placed, units("deskphone", "dect_handset"), [named_row("0DEADBEEF4", "MAC")]
    )
    assert message == (
        "shipped.csv line 2: '0DEADBEEF4' is an IPEI, but the MAC column needs a MAC address"
    )


def test_a_bad_value_in_an_ipei_column_gets_the_ipei_parsers_reason() -> None:
    message = refusal(
        InvalidInput, placed, units("deskphone"), [named_row("57005 0782068 3", "IPUI")]
    )
    assert message == (
        "shipped.csv line 2: '57005 0782068 3' is not a valid IPEI: the check character does not "
        "match"
    )


def test_twelve_digits_in_a_named_column_are_that_kind_and_not_ambiguous() -> None:
    slots = units("deskphone", "dect_handset")
    assert placed(slots, [named_row("570050782068", "IPEI")]) == {2: "570050782068"}
    assert placed(slots, [named_row("100000000000", "MAC")]) == {1: "100000000000"}


def test_an_ipei_column_on_an_order_without_handsets_says_no_unit_takes_an_ipei() -> None:
    message = refusal(InvalidInput, placed, units("dect_base"), [named_row(ipei(1), "IPEI")])
    assert message == "shipped.csv line 2: no unit on this order takes an IPEI"


def test_a_generic_column_still_goes_by_shape_alone() -> None:
    message = refusal(InvalidInput, placed, units("deskphone"), rows({"identifier": ipei(1)}))
    assert message == "shipped.csv line 2: no unit on this order takes an IPEI"
    slots = units("deskphone", "dect_handset")
    for column in ("Identifier", "Serial", "Serial Number"):
        assert placed(slots, [named_row(ipei(2), column)]) == {2: ipei(2)}


@pytest.mark.parametrize(
    ("spec", "column", "unit_text"),
    [
        ({"unit": 2}, "MAC Address", "unit 2 (W73H) is a DECT handset and needs an IPEI"),
        ({"sku": "w73h"}, "MAC", "unit 2 (W73H) is a DECT handset and needs an IPEI"),
        ({"unit": 1}, "IPEI", "unit 1 (T54W) is a desk phone and needs a MAC"),
        ({"sku": "W70B"}, "IPUI", "unit 3 (W70B) is a DECT base and needs a MAC"),
    ],
)
def test_a_named_column_placed_on_a_unit_of_the_other_kind_is_refused(
    spec: dict[str, object], column: str, unit_text: str
) -> None:
    slots = units("deskphone", "dect_handset", "dect_base")
    value = "001565000001"  # twelve digits: by shape alone, either kind would do
    message = refusal(InvalidInput, placed, slots, [named_row(value, column, line=4, **spec)])
    assert message == f"shipped.csv line 4: '{value}' is in the {column} column, but {unit_text}"


def test_a_named_column_placed_on_its_own_kind_is_placed() -> None:
    slots = units("deskphone", "dect_handset")
    shipment = [
        named_row(mac(1), "MAC", sku="T54W"),
        named_row(ipei(2), "IPEI", line=3, unit=2),
    ]
    assert placed(slots, shipment) == {1: mac(1), 2: ipei(2)}


# --- split shipments: partial plans and pairing across parcels ----------------------------------


def partial_plan(slots: Sequence[Slot], answers: Mapping[int, str]) -> Plan:
    parsed = parse_all(slots, {n: Answer(t) for n, t in answers.items()})
    return build_plan(ORDER, slots, parsed, {}, partial=True)


def test_a_partial_plan_leaves_the_units_without_an_identifier_open() -> None:
    slots = units("deskphone", "deskphone", "dect_handset")
    plan = partial_plan(slots, {2: mac(2)})
    assert [u.action for u in plan.units] == ["open", "create", "open"]
    assert (plan.complete, plan.count("open"), plan.written) == (False, 2, [2])
    assert plan.units[0].shown == "" and plan.units[0].key == ""
    with pytest.raises(InvalidInput, match="unit 1 \\(T54W\\) has no identifier"):
        plan_for(slots, {2: mac(2)})


def test_handsets_arriving_before_their_base_wait_for_it() -> None:
    slots = units("dect_base", "dect_handset", "dect_handset")
    plan = partial_plan(slots, {2: ipei(2), 3: ipei(3)})
    assert [u.base_unit for u in plan.units] == [None, None, None]
    assert plan.paired == 0
    assert plan.warnings == [
        "unit 1 (W70B) has not arrived yet: handset unit(s) 2, 3 pair to it when it does"
    ]


def test_a_base_arriving_after_its_handsets_pairs_the_handsets_already_delivered() -> None:
    slots = [
        slot(1, "dect_base"),
        slot(2, "dect_handset", device_id=2, device_key=ipei(2)),
        slot(3, "dect_handset", device_id=3, device_key=ipei(3)),
    ]
    plan = partial_plan(slots, {1: mac(1)})
    assert [(u.action, u.base_unit, u.pairs) for u in plan.units] == [
        ("create", None, False),
        ("skip", 1, True),
        ("skip", 1, True),
    ]
    assert (plan.paired, plan.complete, plan.nothing_to_write) == (2, True, False)
    assert plan.written == [1, 2, 3]


def test_handsets_arriving_after_their_base_pair_within_what_the_earlier_ones_left() -> None:
    slots = [
        slot(1, "dect_base", device_id=1, device_key=mac_key(1), max_handsets=2),
        slot(2, "dect_handset", device_id=2, device_key=ipei(2), device_base=1),
        slot(3, "dect_handset"),
        slot(4, "dect_handset"),
    ]
    plan = partial_plan(slots, {3: ipei(3), 4: ipei(4)})
    # Unit 2 is shown paired as stored, and takes one of the base's two places.
    assert [(u.number, u.base_unit, u.pairs) for u in plan.units[1:]] == [
        (2, 1, False),
        (3, 1, True),
        (4, None, False),
    ]
    assert plan.warnings == [
        "unit 1 (W70B) takes at most 2 handsets: unit(s) 4 stay unpaired for on-site registration"
    ]


def test_a_parcel_given_again_has_nothing_to_write() -> None:
    slots = [slot(1, device_id=1, device_key=mac_key(1)), slot(2)]
    plan = partial_plan(slots, {1: mac(1)})
    assert [u.action for u in plan.units] == ["skip", "open"]
    assert plan.nothing_to_write
