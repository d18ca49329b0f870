"""Fulfilling an approved order (hwctl.app.fulfilment) on a real store, SQLite and
PostgreSQL: devices with their intents and pairing, the order fulfilled and audited in one
transaction, linking, conflicts that write nothing, retries, and two admins at once."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping

import pytest
from sqlalchemy import func
from sqlmodel import select

from hwctl.app import audit, devices, fulfilment, orders
from hwctl.domain.fulfilment import Answer
from hwctl.domain.identifiers import parse_ipei
from hwctl.errors import Conflict, InvalidInput, InvalidTransition, NotAuthorised
from hwctl.store.models import Account, Device, HardwareOrder, Location, OrderUnit
from tests.conftest import ADMIN, act, load_directory, make_order
from tests.contention import BEGIN_IMMEDIATE, contest

GLOBEX = "Globex Corporation"
REGISTERED_MAC = "805ec0000099"  # the T54W registered on Globex beforehand (conftest DIRECTORY)

# T54W x2, W70B x1, W73H x2 with intents; answered in five different spellings.
MIXED_ITEMS = [
    {"sku": "T54W", "quantity": 2,
     "units": [{"user": "ann@globex.example", "location": "HQ Floor 2"},
               {"user": "bob@globex.example"}]},
    {"sku": "W70B", "quantity": 1, "units": [{"location": "Warehouse"}]},
    {"sku": "W73H", "quantity": 2, "units": [{"user": "ann@globex.example"}]},
]  # fmt: skip
MIXED_ANSWERS = {
    1: "00:15:65:00:00:01",
    2: "0015.6500.0002",
    3: "80-5E-C0-12-34-56",
    4: "0x0DEADBEEF4",
    5: "57005 0782069 8",
}


# --- helpers --------------------------------------------------------------------------------------


def answers(texts: Mapping[int, str]) -> dict[int, Answer]:
    return {n: Answer(t) for n, t in texts.items()}


def fulfil(store, order_id: int, texts: Mapping[int, str], actor: str = ADMIN, **kw):  # noqa: ANN001, ANN201
    return fulfilment.fulfil(act(store, actor), order_id, answers(texts), **kw)


def approved_order(store, items: list[dict] | None = None, **kw) -> int:  # noqa: ANN001
    return make_order(store, status="approved", items=items or MIXED_ITEMS, **kw)


def device_count(store) -> int:  # noqa: ANN001
    with store.session() as session:
        return session.exec(select(func.count()).select_from(Device)).one()


def status_of(store, order_id: int) -> str:  # noqa: ANN001
    with store.session() as session:
        return session.get(HardwareOrder, order_id).status


def fulfil_entries(store, order_id: int):  # noqa: ANN001, ANN201
    return audit.list_entries(act(store), order_id=order_id, action="fulfill")


def unit_devices(store, order_id: int) -> dict[int, dict | None]:  # noqa: ANN001
    """Each unit's device JSON, by unit number (as `hwctl show` gives it)."""
    detail = orders.show_order(act(store), order_id)
    return {u.unit: (u.device.to_json() if u.device else None) for u in detail.units}


def assert_nothing_written(store, order_id: int, devices_before: int) -> None:  # noqa: ANN001
    assert device_count(store) == devices_before
    assert status_of(store, order_id) == "approved"
    assert fulfil_entries(store, order_id) == []


def register(store, account: str = GLOBEX, platform: str = "Acme Voice", **device) -> None:  # noqa: ANN001
    """Register a device by other means (a directory import of just that device)."""
    doc = {"platforms": [{"name": platform, "accounts": [{"name": account, "devices": [device]}]}]}
    load_directory(store, json.dumps(doc), "directory.json")


def pair_registered(store, ipei: str, base_mac: str) -> None:  # noqa: ANN001
    """Pair a handset registered by other means to a base (as a provisioning system would)."""
    with store.session(write=True) as session:
        key = parse_ipei(ipei).decimal
        handset = session.exec(select(Device).where(Device.ipei == key)).one()
        base = session.exec(select(Device).where(Device.mac == base_mac)).one()
        handset.base_id = base.id
        session.add(handset)


# --- what fulfilling writes -----------------------------------------------------------------------


def test_fulfilling_creates_one_device_per_unit_with_its_intent_and_pairing(seeded) -> None:  # noqa: ANN001
    oid = approved_order(seeded)
    result = fulfil(seeded, oid, MIXED_ANSWERS)

    assert result.already is False
    assert status_of(seeded, oid) == "fulfilled"
    got = unit_devices(seeded, oid)
    base = "805ec0123456"
    expected = {
        1: ("deskphone", "T54W", "001565000001", None, "ann@globex.example", "HQ Floor 2", None),
        2: ("deskphone", "T54W", "001565000002", None, "bob@globex.example", None, None),
        3: ("dect_base", "W70B", base, None, None, "Warehouse", None),
        4: ("dect_handset", "W73H", None, "5700507820687", "ann@globex.example", None, base),
        5: ("dect_handset", "W73H", None, "5700507820698", None, None, base),
    }
    for unit, (kind, sku, mac, ipei, user, location, paired_to) in expected.items():
        d = got[unit]
        assert (d["kind"], d["sku"], d["mac"], d["ipei"]) == (kind, sku, mac, ipei), unit
        assert (d["user"], d["location"], d["base"]) == (user, location, paired_to), unit
        assert (d["order"], d["account"], d["platform"]) == (oid, GLOBEX, "Acme Voice"), unit
    assert device_count(seeded) == 1 + 5  # the pre-registered phone and five new ones


def test_an_order_stored_with_a_handsets_location_keeps_it_and_its_device_gets_none(seeded) -> None:  # noqa: ANN001, E501
    # Intake refuses a handset's location now; an order stored before that rule keeps it.
    oid = approved_order(seeded, items=[{"sku": "W73H", "quantity": 1}])
    with seeded.session(write=True) as session:
        place = session.exec(select(Location).where(Location.name == "HQ Floor 2")).one()
        unit = session.exec(select(OrderUnit).where(OrderUnit.order_id == oid)).one()
        unit.location_id = place.id
        session.add(unit)
    (shown,) = orders.show_order(act(seeded), oid).units
    assert shown.location == "HQ Floor 2"
    fulfil(seeded, oid, {1: "57005 0782069 8"})
    assert status_of(seeded, oid) == "fulfilled"
    assert unit_devices(seeded, oid)[1]["location"] is None
    assert orders.show_order(act(seeded), oid).units[0].location == "HQ Floor 2"


def test_the_fulfil_audit_entry_names_the_actor_and_the_counts(seeded) -> None:  # noqa: ANN001
    oid = approved_order(seeded)
    fulfil(seeded, oid, MIXED_ANSWERS)
    (entry,) = fulfil_entries(seeded, oid)
    assert entry.actor == ADMIN
    assert entry.at is not None
    assert {k: entry.details[k] for k in ("created", "linked", "skipped", "paired")} == {
        "created": 5,
        "linked": 0,
        "skipped": 0,
        "paired": 2,
    }
    assert entry.details["pairing"] == "base"


def test_a_mac_registered_by_other_means_is_linked_and_takes_the_units_intent(seeded) -> None:  # noqa: ANN001
    items = [{"sku": "T54W", "quantity": 2,
              "units": [{"user": "ann@globex.example", "location": "HQ Floor 2"}]}]  # fmt: skip
    oid = approved_order(seeded, items)
    before = device_count(seeded)

    result = fulfil(seeded, oid, {1: "80:5E:C0:00:00:99", 2: "001565000002"})

    assert [u.action for u in result.plan.units] == ["link", "create"]
    assert device_count(seeded) == before + 1
    linked = unit_devices(seeded, oid)[1]
    assert linked["mac"] == REGISTERED_MAC
    assert (linked["user"], linked["location"], linked["order"]) == (
        "ann@globex.example",
        "HQ Floor 2",
        oid,
    )
    (entry,) = fulfil_entries(seeded, oid)
    assert (entry.details["created"], entry.details["linked"]) == (1, 1)


def test_an_identifier_on_another_account_is_refused_and_nothing_is_written(seeded) -> None:  # noqa: ANN001
    oid = approved_order(seeded, [{"sku": "T54W", "quantity": 2}], account="Initech")
    before = device_count(seeded)
    with pytest.raises(Conflict) as caught:
        fulfil(seeded, oid, {1: "001565000001", 2: "80:5e:c0:00:00:99"})
    assert str(caught.value) == (
        "unit 2 (T54W): MAC 80:5e:c0:00:00:99 is registered on another account: "
        "'Globex Corporation' of 'Acme Voice'"
    )
    assert_nothing_written(seeded, oid, before)


def test_a_failure_after_the_first_devices_are_written_rolls_everything_back(seeded) -> None:  # noqa: ANN001
    oid = approved_order(seeded)
    before = device_count(seeded)

    def fail_on_the_third_unit(done: int, total: int) -> None:
        if done == 3:
            raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        fulfil(seeded, oid, MIXED_ANSWERS, progress=fail_on_the_third_unit)
    assert_nothing_written(seeded, oid, before)


def test_a_registration_that_lands_between_plan_and_write_is_a_conflict_writing_nothing(
    seeded, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    oid = approved_order(seeded, [{"sku": "T54W", "quantity": 2}])
    before = device_count(seeded)
    # The plan does not see the registered phone (as if it arrived a moment later): unit 2's
    # insert then hits the store's unique MAC.
    monkeypatch.setattr(fulfilment, "_registered", lambda *a, **k: {})
    with pytest.raises(Conflict) as caught:
        fulfil(seeded, oid, {1: "001565000001", 2: REGISTERED_MAC})
    assert "nothing was written" in str(caught.value)
    assert_nothing_written(seeded, oid, before)


def test_an_identifier_that_is_another_orders_device_is_refused(seeded) -> None:  # noqa: ANN001
    first = approved_order(seeded, [{"sku": "T54W", "quantity": 1}])
    fulfil(seeded, first, {1: "001565000001"})
    second = approved_order(seeded, [{"sku": "T54W", "quantity": 1}])
    before = device_count(seeded)
    with pytest.raises(Conflict) as caught:
        fulfil(seeded, second, {1: "00-15-65-00-00-01"})
    assert str(caught.value) == (
        f"unit 1 (T54W): MAC 00:15:65:00:00:01 is already the device of order {first}"
    )
    assert_nothing_written(seeded, second, before)


def test_a_mac_for_a_handset_is_refused_before_anything_is_written(seeded) -> None:  # noqa: ANN001
    oid = approved_order(seeded, [{"sku": "W73H", "quantity": 1}])
    before = device_count(seeded)
    with pytest.raises(InvalidInput, match="is a MAC address, but unit 1 .W73H. needs an IPEI"):
        fulfil(seeded, oid, {1: "00:15:65:00:00:01"})
    assert_nothing_written(seeded, oid, before)


def test_only_a_super_admin_can_fulfil(seeded) -> None:  # noqa: ANN001
    oid = approved_order(seeded, [{"sku": "T54W", "quantity": 1}])
    before = device_count(seeded)
    with pytest.raises(NotAuthorised):
        fulfil(seeded, oid, {1: "001565000001"}, actor="mallory")
    assert_nothing_written(seeded, oid, before)


def test_orders_that_are_not_approved_cannot_be_fulfilled(seeded) -> None:  # noqa: ANN001
    for status in ("pending", "rejected", "cancelled"):
        oid = make_order(seeded, status=status, items=[{"sku": "T54W", "quantity": 1}])
        message = f"order {oid} is {status}, only approved orders can be fulfilled"
        with pytest.raises(InvalidTransition) as caught:
            fulfil(seeded, oid, {1: "001565000001"})
        assert str(caught.value) == message
        with pytest.raises(InvalidTransition, match=message):
            fulfilment.load_sheet(act(seeded), oid)
        with pytest.raises(InvalidTransition, match=message):
            fulfilment.plan(act(seeded), oid, answers({1: "001565000001"}))
        assert status_of(seeded, oid) == status
        assert fulfil_entries(seeded, oid) == []
    assert device_count(seeded) == 1


def test_a_vendor_mismatch_is_written_with_a_warning_in_the_audit_entry(seeded) -> None:  # noqa: ANN001
    oid = approved_order(seeded, [{"sku": "T54W", "quantity": 1}])
    result = fulfil(seeded, oid, {1: "00:04:13:12:34:56"})  # a snom prefix on a Yealink phone
    assert result.plan.units[0].action == "create"
    (entry,) = fulfil_entries(seeded, oid)
    assert entry.details["warnings"] == [
        "unit 1 (T54W): MAC 00:04:13:12:34:56 is registered to snom, not Yealink"
    ]


# --- pairing against what is already in the store -------------------------------------------------


UMBRELLA = {"account": "Umbrella Ltd", "platform": "Blue Sky"}
M900_MAC = "000413000900"  # snom, registered by other means; the M900 takes at most 2 handsets


def test_a_linked_base_counts_handsets_paired_to_it_elsewhere_toward_its_capacity(seeded) -> None:  # noqa: ANN001
    register(seeded, **UMBRELLA, sku="M900", mac=M900_MAC)
    register(seeded, **UMBRELLA, sku="M85", ipei="0x0000100001")
    pair_registered(seeded, "0x0000100001", M900_MAC)
    items = [{"sku": "M900", "quantity": 1}, {"sku": "M85", "quantity": 2}]
    oid = approved_order(seeded, items, **UMBRELLA)

    result = fulfil(seeded, oid, {1: M900_MAC, 2: "0x0000200001", 3: "0x0000200002"})

    assert [(u.number, u.action, u.base_unit) for u in result.plan.units] == [
        (1, "link", None),
        (2, "create", 1),
        (3, "create", None),
    ]
    assert result.plan.warnings == [
        "unit 1 (M900) takes at most 2 handsets: unit(s) 3 stay unpaired for on-site registration"
    ]
    got = unit_devices(seeded, oid)
    assert (got[2]["base"], got[3]["base"]) == (M900_MAC, None)
    (entry,) = fulfil_entries(seeded, oid)
    assert (entry.details["linked"], entry.details["paired"]) == (1, 1)


def test_a_handset_paired_to_the_linked_base_beforehand_is_not_counted_twice(seeded) -> None:  # noqa: ANN001
    register(seeded, **UMBRELLA, sku="M900", mac=M900_MAC)
    register(seeded, **UMBRELLA, sku="M85", ipei="0x0000100001")
    pair_registered(seeded, "0x0000100001", M900_MAC)
    items = [{"sku": "M900", "quantity": 1}, {"sku": "M85", "quantity": 2}]
    oid = approved_order(seeded, items, **UMBRELLA)

    # The pre-paired handset is one of this order's two: the M900 holds exactly both.
    result = fulfil(seeded, oid, {1: M900_MAC, 2: "0x0000200002", 3: "0x0000100001"})

    assert [(u.action, u.base_unit) for u in result.plan.units[1:]] == [
        ("create", 1),
        ("link", 1),
    ]
    assert result.plan.warnings == []
    got = unit_devices(seeded, oid)
    assert (got[2]["base"], got[3]["base"]) == (M900_MAC, M900_MAC)


def test_a_full_base_keeps_the_handset_it_already_had_and_stays_within_capacity(seeded) -> None:  # noqa: ANN001
    register(seeded, **UMBRELLA, sku="M900", mac=M900_MAC)
    register(seeded, **UMBRELLA, sku="M85", ipei="0x0000100001")
    pair_registered(seeded, "0x0000100001", M900_MAC)
    items = [{"sku": "M900", "quantity": 1}, {"sku": "M85", "quantity": 3}]
    oid = approved_order(seeded, items, **UMBRELLA)

    # Three handsets for a base that holds two; the last one is already registered to it.
    result = fulfil(
        seeded, oid, {1: M900_MAC, 2: "0x0000200002", 3: "0x0000200003", 4: "0x0000100001"}
    )

    assert [(u.number, u.base_unit) for u in result.plan.units[1:]] == [(2, 1), (3, None), (4, 1)]
    assert result.plan.warnings == [
        "unit 1 (M900) takes at most 2 handsets: unit(s) 3 stay unpaired for on-site registration"
    ]
    on_the_base = [d for d in devices.list_devices(act(seeded)) if d.base == M900_MAC]
    assert len(on_the_base) == 2


# --- retries --------------------------------------------------------------------------------------


def test_a_retry_with_the_same_identifiers_is_a_no_op_without_a_new_audit_entry(seeded) -> None:  # noqa: ANN001
    oid = approved_order(seeded)
    fulfil(seeded, oid, MIXED_ANSWERS)
    devices_after_first = device_count(seeded)
    first_view = unit_devices(seeded, oid)

    respelled = {1: "001565000001", 2: "00:15:65:00:00:02", 3: "805ec0123456",
                 4: "57005 0782068 7", 5: "0x0DEADBEEF5"}  # fmt: skip
    for texts in (MIXED_ANSWERS, respelled, {}):
        result = fulfil(seeded, oid, texts)
        assert result.already is True
        assert {u.action for u in result.plan.units} == {"skip"}

    assert device_count(seeded) == devices_after_first
    assert unit_devices(seeded, oid) == first_view
    assert len(fulfil_entries(seeded, oid)) == 1
    assert status_of(seeded, oid) == "fulfilled"


def test_a_retry_with_different_identifiers_is_a_conflict(seeded) -> None:  # noqa: ANN001
    oid = approved_order(seeded)
    fulfil(seeded, oid, MIXED_ANSWERS)
    before = device_count(seeded)
    with pytest.raises(Conflict) as caught:
        fulfil(seeded, oid, {**MIXED_ANSWERS, 2: "001565000099"})
    assert str(caught.value) == (
        f"order {oid} is fulfilled: "
        "unit 2 (T54W) already has the device 00:15:65:00:00:02; 00:15:65:00:00:99 differs"
    )
    (entry,) = fulfil_entries(seeded, oid)
    assert (caught.value.fields["by"], caught.value.fields["at"]) == (ADMIN, entry.to_json()["at"])
    assert device_count(seeded) == before


# --- reading before writing -----------------------------------------------------------------------


def test_the_sheet_lists_the_units_with_their_intents_in_unit_order(seeded) -> None:  # noqa: ANN001
    oid = approved_order(seeded)
    sheet = fulfilment.load_sheet(act(seeded), oid)
    assert sheet.status == "approved"
    assert [(s.number, s.sku, s.kind, s.intent) for s in sheet.slots] == [
        (1, "T54W", "deskphone", "ann@globex.example · HQ Floor 2"),
        (2, "T54W", "deskphone", "bob@globex.example"),
        (3, "W70B", "dect_base", "Warehouse"),
        (4, "W73H", "dect_handset", "ann@globex.example"),
        (5, "W73H", "dect_handset", ""),
    ]
    assert all(s.device_id is None for s in sheet.slots)


def test_the_plan_validates_everything_and_writes_nothing(seeded) -> None:  # noqa: ANN001
    oid = approved_order(seeded)
    before = device_count(seeded)
    the_plan = fulfilment.plan(act(seeded), oid, answers(MIXED_ANSWERS))
    assert (the_plan.count("create"), the_plan.paired, the_plan.pairing) == (5, 2, "base")
    assert_nothing_written(seeded, oid, before)


def test_checking_a_typed_identifier_normalises_it_or_names_the_problem(seeded) -> None:  # noqa: ANN001
    oid = approved_order(seeded, [{"sku": "T54W", "quantity": 1}], account="Initech")
    assert fulfilment.check_identifier(act(seeded), oid, 1, "0015.65AB.CDEF") == "00:15:65:ab:cd:ef"
    with pytest.raises(Conflict, match="registered on another account"):
        fulfilment.check_identifier(act(seeded), oid, 1, "80:5E:C0:00:00:99")
    with pytest.raises(InvalidInput, match="is an IPEI, but unit 1 .T54W. needs a MAC address"):
        fulfilment.check_identifier(act(seeded), oid, 1, "0DEADBEEF4")


def test_checking_partial_answers_validates_only_the_units_given(seeded) -> None:  # noqa: ANN001
    oid = approved_order(seeded)
    before = device_count(seeded)
    parsed = fulfilment.check_answers(
        act(seeded), oid, answers({1: "0015.6500.0001", 4: "0DEADBEEF4"})
    )
    assert {n: i.display for n, i in parsed.items()} == {
        1: "00:15:65:00:00:01",
        4: "57005 0782068 7",
    }
    assert fulfilment.check_answers(act(seeded), oid, {}) == {}
    assert_nothing_written(seeded, oid, before)


@pytest.mark.parametrize(
    ("given", "error", "message"),
    [
        (
            {2: "0015.6500.0001", 5: "57005 0782068 3"},
            InvalidInput,
            "'57005 0782068 3' is not a valid IPEI: the check character does not match",
        ),
        (
            {1: "00:15:65:00:00:01", 2: "001565000001"},
            InvalidInput,
            "MAC 00:15:65:00:00:01 is given for unit 1 and unit 2",
        ),
        (
            {2: "80:5E:C0:00:00:99"},
            Conflict,
            "unit 2 (T54W): MAC 80:5e:c0:00:00:99 is registered on another account: "
            "'Globex Corporation' of 'Acme Voice'",
        ),
        ({9: "001565000001"}, InvalidInput, "the order has no unit 9"),
    ],
)
def test_checking_partial_answers_names_the_first_problem(
    seeded,
    given: dict[int, str],
    error: type[Exception],
    message: str,  # noqa: ANN001
) -> None:
    items = [{"sku": sku, "quantity": n} for sku, n in (("T54W", 2), ("W70B", 1), ("W73H", 2))]
    oid = approved_order(seeded, items, account="Initech")
    with pytest.raises(error) as caught:
        fulfilment.check_answers(act(seeded), oid, answers(given))
    assert str(caught.value) == message


def test_checking_answers_refuses_an_order_that_is_not_approved(seeded) -> None:  # noqa: ANN001
    oid = make_order(seeded, status="pending", items=[{"sku": "T54W", "quantity": 1}])
    with pytest.raises(InvalidTransition):
        fulfilment.check_answers(act(seeded), oid, answers({1: "001565000001"}))


# --- two admins at once ---------------------------------------------------------------------------


def test_two_admins_fulfilling_one_order_at_once_get_one_winner(seeded) -> None:  # noqa: ANN001
    """No timing: the admin who writes first holds its write (at its first device row) until
    the other admin has tried to take the order (SQLite's `BEGIN IMMEDIATE`, PostgreSQL's
    `SELECT … FOR UPDATE` of the order row; on PostgreSQL until that session is seen waiting
    for the lock). So both contended for the same approved order; the other then finds it
    fulfilled, writes nothing, and is told so (`already`)."""
    oid = approved_order(seeded)
    before = device_count(seeded)
    start = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def admin() -> None:
        start.wait()
        try:
            outcomes[threading.get_ident()] = fulfil(seeded, oid, MIXED_ANSWERS).already
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            outcomes[threading.get_ident()] = e

    with contest(seeded, hold="INSERT INTO device", takes=(BEGIN_IMMEDIATE, "FOR UPDATE")) as c:
        threads = [threading.Thread(target=admin) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)

    assert c.contended
    assert {k == c.holder: v for k, v in outcomes.items()} == {True: False, False: True}, outcomes
    assert device_count(seeded) == before + 5
    assert len(fulfil_entries(seeded, oid)) == 1
    assert status_of(seeded, oid) == "fulfilled"


def test_devices_belong_to_the_orders_account(seeded) -> None:  # noqa: ANN001
    oid = approved_order(seeded, [{"sku": "T54W", "quantity": 1}], account="Initech")
    fulfil(seeded, oid, {1: "001565000001"})
    with seeded.session() as session:
        device = session.exec(select(Device).where(Device.mac == "001565000001")).one()
        assert session.get(Account, device.account_id).name == "Initech"
    assert [d.account for d in devices.list_devices(act(seeded), order=oid)] == ["Initech"]
