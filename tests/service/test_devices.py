"""The Devices page (hwctl.app.devices) on SQLite and PostgreSQL: which devices match the
account, platform and order filters, and the JSON shape every device has."""

from __future__ import annotations

import re

import pytest

from hwctl.app import devices, fulfilment
from hwctl.domain.fulfilment import Answer
from hwctl.errors import NotFound
from tests.conftest import ADMIN, act, make_order

DEVICE_KEYS = ["id", "platform", "account", "kind", "sku", "mac", "ipei", "ipui", "user",
               "location", "base", "order"]  # fmt: skip


def fulfilled_order(store, items: list[dict], texts: dict[int, str], **kw) -> int:  # noqa: ANN001
    oid = make_order(store, status="approved", items=items, **kw)
    fulfilment.fulfil(act(store, ADMIN), oid, {n: Answer(t) for n, t in texts.items()})
    return oid


@pytest.fixture
def two_orders(seeded):  # noqa: ANN001, ANN201
    """Globex: a base and two handsets (one the worked example, in hex) and the registered
    phone linked; Umbrella on the other platform: one desk phone."""
    globex = fulfilled_order(
        seeded,
        [{"sku": "T54W", "quantity": 1, "units": [{"user": "ann@globex.example"}]},
         {"sku": "W70B", "quantity": 1, "units": [{"location": "Warehouse"}]},
         {"sku": "W73H", "quantity": 2}],
        {1: "80:5E:C0:00:00:99", 2: "001565000002", 3: "0x0deadbeef4", 4: "57005 0782069 8"},
    )  # fmt: skip
    umbrella = fulfilled_order(
        seeded,
        [{"sku": "D385", "quantity": 1}],
        {1: "00:04:13:00:00:01"},
        platform="Blue Sky",
        account="Umbrella Ltd",
    )
    return seeded, globex, umbrella


def test_every_device_has_exactly_the_documented_json_fields(two_orders) -> None:  # noqa: ANN001
    store, _, _ = two_orders
    rows = [d.to_json() for d in devices.list_devices(act(store))]
    assert len(rows) == 5
    for d in rows:
        assert list(d) == DEVICE_KEYS
        assert isinstance(d["id"], int)
        assert (d["mac"] is None) != (d["ipei"] is None)
        if d["mac"] is not None:
            assert re.fullmatch(r"[0-9a-f]{12}", d["mac"])
            assert d["ipui"] is None
        else:
            assert re.fullmatch(r"[0-9]{12}[0-9*]", d["ipei"])
            assert re.fullmatch(r"[0-9A-F]{10}", d["ipui"])
        assert d["base"] is None or re.fullmatch(r"[0-9a-f]{12}", d["base"])
        assert isinstance(d["order"], int)


def test_the_worked_example_handset_shows_its_ipei_and_ipui(two_orders) -> None:  # noqa: ANN001
    store, globex, _ = two_orders
    handsets = [
        d for d in devices.list_devices(act(store), order=globex) if d.kind == "dect_handset"
    ]
    assert [(d.ipei, d.ipui, d.base) for d in handsets] == [
        ("5700507820687", "0DEADBEEF4", "001565000002"),
        ("5700507820698", "0DEADBEEF5", "001565000002"),
    ]


def test_devices_filter_by_account_platform_and_order(two_orders) -> None:  # noqa: ANN001
    store, globex, umbrella = two_orders

    def macs_and_ipeis(**filters: object) -> list[str]:
        return [d.mac or d.ipei for d in devices.list_devices(act(store), **filters)]

    globex_devices = ["805ec0000099", "001565000002", "5700507820687", "5700507820698"]
    assert sorted(macs_and_ipeis(account="Globex Corporation")) == sorted(globex_devices)
    assert sorted(macs_and_ipeis(platform="Acme Voice")) == sorted(globex_devices)
    assert macs_and_ipeis(platform="Blue Sky") == ["000413000001"]
    assert macs_and_ipeis(account="Umbrella Ltd", platform="Blue Sky") == ["000413000001"]
    assert macs_and_ipeis(order=umbrella) == ["000413000001"]
    # The linked phone counts as the order's device, like the ones created for it.
    assert sorted(macs_and_ipeis(order=globex)) == sorted(globex_devices)
    assert macs_and_ipeis(account="Initech") == []


def test_a_device_registered_by_other_means_has_no_order(seeded) -> None:  # noqa: ANN001
    (phone,) = devices.list_devices(act(seeded))
    assert phone.to_json() == {
        "id": phone.id,
        "platform": "Acme Voice",
        "account": "Globex Corporation",
        "kind": "deskphone",
        "sku": "T54W",
        "mac": "805ec0000099",
        "ipei": None,
        "ipui": None,
        "user": None,
        "location": None,
        "base": None,
        "order": None,
    }


def test_unknown_filters_are_refused_by_name(seeded) -> None:  # noqa: ANN001
    with pytest.raises(NotFound, match="unknown platform 'Nope'"):
        devices.list_devices(act(seeded), platform="Nope")
    with pytest.raises(NotFound, match="unknown account 'Nope'"):
        devices.list_devices(act(seeded), account="Nope")
    with pytest.raises(NotFound, match="unknown account 'Initech' on platform 'Blue Sky'"):
        devices.list_devices(act(seeded), account="Initech", platform="Blue Sky")
    with pytest.raises(NotFound, match="order 99 does not exist"):
        devices.list_devices(act(seeded), order=99)
