"""What a platform reads through the API after fulfilments that must not duplicate a device,
on SQLite and PostgreSQL: a device registered by other means is linked to its unit (the same
device, now the order's), and a parcel that repeats units an earlier parcel delivered skips
them (their devices unchanged, one device per unit)."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.cli.test_pairing_cli import BASE, HANDSETS, UMBRELLA, fulfil
from tests.conftest import make_order

REGISTERED = "805ec0000099"  # the T54W the standard directory registers on Globex


def devices(api: Api, account: str, as_: str) -> dict[str, dict]:
    r = api.get("/v1/devices", as_=as_, params={"account": account})
    assert r.status_code == 200, r.text
    return {d["mac"] or d["ipei"]: d for d in r.json()["data"]}


def units(api: Api, order: int, as_: str) -> list[dict]:
    r = api.get(f"/v1/orders/{order}", as_=as_)
    assert r.status_code == 200, r.text
    return r.json()["units"]


def test_a_registered_device_is_linked_to_its_unit_not_created_again(api: Api, cli) -> None:  # noqa: ANN001
    (registered,) = devices(api, "Globex Corporation", "A").values()
    assert (registered["mac"], registered["order"]) == (REGISTERED, None)
    oid = make_order(api.store, "approved", items=[{"sku": "T54W", "quantity": 1}])
    result = fulfil(cli, oid, "MAC\n80:5E:C0:00:00:99\n")
    assert result.stdout.startswith(f"order {oid}: fulfilled · 0 created, 1 linked"), result.stdout
    after = devices(api, "Globex Corporation", "A")
    assert list(after) == [REGISTERED]
    assert (after[REGISTERED]["id"], after[REGISTERED]["order"]) == (registered["id"], oid)
    (unit,) = units(api, oid, "A")
    assert (unit["device"]["id"], unit["device"]["mac"]) == (registered["id"], REGISTERED)


def test_a_parcel_repeating_delivered_units_skips_them(api: Api, cli) -> None:  # noqa: ANN001
    items = [{"sku": "M85", "quantity": 2}, {"sku": "M900", "quantity": 1}]
    oid = make_order(api.store, "approved", items=items, **UMBRELLA)
    first = cli("fulfill", str(oid), "--csv", "-", "--partial", "--yes",
                input=b"SKU,IPEI\nM85,0x0000200001\n")  # fmt: skip
    assert first.exit_code == 0, first.stderr
    (delivered,) = [u["device"] for u in units(api, oid, "B") if u["device"]]
    second = fulfil(cli, oid, "SKU,MAC,IPEI\nM85,,0x0000200001\nM85,,0x0000200002\n"
                              "M900,00:04:13:00:09:00,\n")  # fmt: skip
    assert "2 created, 0 linked, 1 skipped" in second.stdout, second.stdout
    got = units(api, oid, "B")
    assert got[0]["device"]["id"] == delivered["id"]
    assert [u["device"]["ipei"] or u["device"]["mac"] for u in got] == [*HANDSETS[:2], BASE]
    assert sorted(devices(api, UMBRELLA["account"], "B")) == sorted([*HANDSETS[:2], BASE])
