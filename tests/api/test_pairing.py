"""The pairing rule as a platform reads it through the API, on SQLite and PostgreSQL: after a
super-admin fulfils a DECT order (`hwctl fulfill`), `GET /v1/orders/{id}` and `GET
/v1/devices` show each handset on its order's base, at most the base model's `max_handsets`
of them, and the handsets of an order without a base on none."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.cli.test_pairing_cli import BASE, DECT, HANDSETS, SHIPPED, UMBRELLA, fulfil
from tests.conftest import make_order


def unit_bases(api: Api, order: int) -> list[tuple[int, str, str | None]]:
    r = api.get(f"/v1/orders/{order}", as_="B")
    assert r.status_code == 200, r.text
    return [(u["unit"], u["sku"], u["device"]["base"]) for u in r.json()["units"]]


def device_bases(api: Api) -> dict[str, str | None]:
    r = api.get("/v1/devices", as_="B", params={"account": UMBRELLA["account"]})
    assert r.status_code == 200, r.text
    return {d["mac"] or d["ipei"]: d["base"] for d in r.json()["data"]}


def test_a_platform_sees_its_handsets_on_their_orders_base_within_its_capacity(
    api: Api,
    cli,  # noqa: ANN001
) -> None:
    oid = make_order(api.store, "approved", items=DECT, **UMBRELLA)
    fulfil(cli, oid, SHIPPED)
    assert unit_bases(api, oid) == [
        (1, "M85", BASE), (2, "M85", BASE), (3, "M85", None), (4, "M900", None)]  # fmt: skip
    assert device_bases(api) == {
        BASE: None, HANDSETS[0]: BASE, HANDSETS[1]: BASE, HANDSETS[2]: None}  # fmt: skip
    assert api.get(f"/v1/orders/{oid}", as_="A").status_code == 404  # not Acme Voice's


def test_a_platform_sees_the_handsets_of_an_order_without_a_base_on_none(api: Api, cli) -> None:  # noqa: ANN001
    first = make_order(api.store, "approved", items=[{"sku": "M900", "quantity": 1}], **UMBRELLA)
    fulfil(cli, first, "SKU,MAC\nM900,00:04:13:00:09:00\n")
    second = make_order(api.store, "approved", items=[{"sku": "M85", "quantity": 2}], **UMBRELLA)
    fulfil(cli, second, "SKU,IPEI\nM85,0x0000200001\nM85,0x0000200002\n")
    assert unit_bases(api, second) == [(1, "M85", None), (2, "M85", None)]
    assert device_bases(api) == {BASE: None, HANDSETS[0]: None, HANDSETS[1]: None}


def test_a_platform_sees_a_linked_base_keep_its_capacity_for_handsets_paired_elsewhere(
    api: Api,
    cli,  # noqa: ANN001
) -> None:
    from tests.cli.test_pairing_cli import ELSEWHERE_IPEI, a_base_with_a_handset_paired_elsewhere

    a_base_with_a_handset_paired_elsewhere(api.store, cli)
    items = [{"sku": "M900", "quantity": 1}, {"sku": "M85", "quantity": 2}]
    oid = make_order(api.store, "approved", items=items, **UMBRELLA)
    fulfil(cli, oid, "SKU,MAC,IPEI\nM900,00:04:13:00:09:00,\nM85,,0x0000200001\n"
                     "M85,,0x0000200002\n")  # fmt: skip
    assert unit_bases(api, oid) == [(1, "M900", None), (2, "M85", BASE), (3, "M85", None)]
    on_the_base = [k for k, base in device_bases(api).items() if base == BASE]
    assert sorted(on_the_base) == sorted([ELSEWHERE_IPEI, HANDSETS[0]])
