"""The pairing rule from the command line, on SQLite and PostgreSQL: an order's handsets pair
with that order's one base, at most the base model's `max_handsets` of them (the rest stay
unpaired, with a warning); an order without a base pairs nothing, not even to a base its
account already has. What `fulfill` says, and what `devices` and `show` then hold."""

from __future__ import annotations

import json

from tests.conftest import make_order

UMBRELLA = {"platform": "Blue Sky", "account": "Umbrella Ltd"}
BASE = "000413000900"  # an M900 (snom): takes at most 2 handsets in the standard directory
# Three M85 handsets and their M900, the base listed last: pairing goes by the order's units.
DECT = [{"sku": "M85", "quantity": 3}, {"sku": "M900", "quantity": 1}]
SHIPPED = (
    "SKU,MAC,IPEI\n"
    "M85,,0x0000200001\n"
    "M85,,0x0000200002\n"
    "M900,00:04:13:00:09:00,\n"
    "M85,,0x0000200003\n"
)
HANDSETS = ["0000200000010", "0000200000021", "0000200000032"]  # their IPEIs as stored


def fulfil(cli, order: int, shipped: str):  # noqa: ANN001, ANN201
    result = cli("fulfill", str(order), "--csv", "-", "--yes", input=shipped.encode())
    assert result.exit_code == 0, result.stderr
    return result


def bases(cli, order: int) -> dict[str, str | None]:  # noqa: ANN001
    """Each device of the order (by MAC or IPEI) and the base it is paired to."""
    devices = cli.json("devices", "--order", str(order), "--format", "json")
    return {d["mac"] or d["ipei"]: d["base"] for d in devices}


def test_handsets_pair_with_their_orders_base_up_to_its_max_handsets(seeded, cli) -> None:  # noqa: ANN001
    oid = make_order(seeded, "approved", items=DECT, **UMBRELLA)
    result = fulfil(cli, oid, SHIPPED)
    assert result.stdout == (
        f"order {oid}: fulfilled · 4 created, 0 linked, 0 skipped, 2 handset(s) paired\n"
    )
    assert result.stderr == (
        "warning: unit 4 (M900) takes at most 2 handsets: unit(s) 3 stay unpaired for on-site "
        "registration\n"
    )
    assert bases(cli, oid) == {BASE: None, HANDSETS[0]: BASE, HANDSETS[1]: BASE, HANDSETS[2]: None}
    shown = cli.json("show", str(oid), "--format", "json")
    assert [(u["unit"], u["device"]["base"]) for u in shown["units"]] == [
        (1, BASE), (2, BASE), (3, None), (4, None)]  # fmt: skip
    (entry,) = [e for e in shown["audit"] if e["action"] == "fulfill"]
    assert (entry["details"]["paired"], entry["details"]["pairing"]) == (2, "base")


def test_a_raised_max_handsets_pairs_every_handset(seeded, cli) -> None:  # noqa: ANN001
    raised = {"platforms": [{"name": "Blue Sky", "catalog": [
        {"sku": "M900", "name": "snom M900 DECT base", "kind": "dect_base",
         "max_handsets": 3}]}]}  # fmt: skip
    assert cli("import", "-", input=json.dumps(raised)).exit_code == 0
    oid = make_order(seeded, "approved", items=DECT, **UMBRELLA)
    result = fulfil(cli, oid, SHIPPED)
    assert (result.stdout, result.stderr) == (
        f"order {oid}: fulfilled · 4 created, 0 linked, 0 skipped, 3 handset(s) paired\n",
        "",
    )
    assert bases(cli, oid) == {BASE: None, **dict.fromkeys(HANDSETS, BASE)}


def test_handsets_of_an_order_without_a_base_are_not_paired_to_another_orders_base(
    seeded,  # noqa: ANN001
    cli,  # noqa: ANN001
) -> None:
    first = make_order(seeded, "approved", items=[{"sku": "M900", "quantity": 1}], **UMBRELLA)
    fulfil(cli, first, "SKU,MAC\nM900,00:04:13:00:09:00\n")
    second = make_order(seeded, "approved", items=[{"sku": "M85", "quantity": 2}], **UMBRELLA)
    result = fulfil(cli, second, "SKU,IPEI\nM85,0x0000200001\nM85,0x0000200002\n")
    assert result.stdout == (
        f"order {second}: fulfilled · 2 created, 0 linked, 0 skipped, 0 handset(s) paired\n"
    )
    assert result.stderr == (
        "warning: the order has no base: 2 handset(s) left for on-site registration\n"
    )
    assert bases(cli, second) == dict.fromkeys(HANDSETS[:2])
    assert bases(cli, first) == {BASE: None}


ELSEWHERE = "0000100001"  # an M85 registered by other means (its IPUI), paired to the base
ELSEWHERE_IPEI = "0000100000016"


def a_base_with_a_handset_paired_elsewhere(store, cli) -> None:  # noqa: ANN001
    """The M900 and one M85 registered on Umbrella by other means (a directory import), the
    handset paired to the base as a provisioning system would (the import has no pairing)."""
    from sqlalchemy import text

    devices = [{"sku": "M900", "mac": "00:04:13:00:09:00"}, {"sku": "M85", "ipui": ELSEWHERE}]
    doc = {"platforms": [{"name": "Blue Sky", "accounts": [
        {"name": "Umbrella Ltd", "devices": devices}]}]}  # fmt: skip
    assert cli("import", "-", input=json.dumps(doc)).exit_code == 0
    with store.engine.begin() as conn:
        paired = conn.execute(
            text("UPDATE device SET base_id = (SELECT id FROM device WHERE mac = :base) "
                 "WHERE ipei = :ipei"),
            {"base": BASE, "ipei": ELSEWHERE_IPEI},
        )  # fmt: skip
        assert paired.rowcount == 1


def test_a_linked_base_counts_the_handsets_paired_to_it_elsewhere(seeded, cli) -> None:  # noqa: ANN001
    a_base_with_a_handset_paired_elsewhere(seeded, cli)
    items = [{"sku": "M900", "quantity": 1}, {"sku": "M85", "quantity": 2}]
    oid = make_order(seeded, "approved", items=items, **UMBRELLA)
    result = fulfil(cli, oid, "SKU,MAC,IPEI\nM900,00:04:13:00:09:00,\nM85,,0x0000200001\n"
                              "M85,,0x0000200002\n")  # fmt: skip
    assert result.stdout == (
        f"order {oid}: fulfilled · 2 created, 1 linked, 0 skipped, 1 handset(s) paired\n"
    )
    assert result.stderr == (
        "warning: unit 1 (M900) takes at most 2 handsets: unit(s) 3 stay unpaired for on-site "
        "registration\n"
    )
    assert bases(cli, oid) == {BASE: None, HANDSETS[0]: BASE, HANDSETS[1]: None}
    everything = cli.json("devices", "--format", "json")
    assert [d["ipei"] for d in everything if d["base"] == BASE] == [ELSEWHERE_IPEI, HANDSETS[0]]
