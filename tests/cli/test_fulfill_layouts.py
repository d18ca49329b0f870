"""Fulfilment from shipping files laid out as vendors and distributors really write them, on
orders with several models of one kind: every unit holds its own model's identifier, or the file
is refused and nothing is written. Both backends, the real command tree, real files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli

PLATFORM = "Mixed Voice"
ACCOUNT = "Hooli"
DIRECTORY: dict[str, Any] = {
    "platforms": [
        {
            "name": PLATFORM,
            "catalog": [
                {"sku": "CP-8841", "name": "Cisco IP Phone 8841", "kind": "deskphone",
                 "aliases": ["CP-8841-K9", "Cisco 8841"]},
                {"sku": "GRP2614", "name": "Grandstream GRP2614", "kind": "deskphone",
                 "aliases": ["GRP-2614"]},
                {"sku": "T54W", "name": "Yealink T54W desk phone", "kind": "deskphone",
                 "aliases": ["SIP-T54W", "Yealink SIP-T54W", "1301201"]},
                {"sku": "W70B", "name": "Yealink W70B DECT base", "kind": "dect_base",
                 "max_handsets": 10, "aliases": ["W70B-Base", "1302001"]},
                {"sku": "W73H", "name": "Yealink W73H DECT handset", "kind": "dect_handset",
                 "aliases": ["1302005"]},
            ],
            "accounts": [
                {"name": ACCOUNT, "users": ["ann@hooli.example", "bob@hooli.example"],
                 "locations": ["HQ"]},
            ],
        }
    ]
}  # fmt: skip

CISCO = "00:1B:54:00:00:01"  # registered to Cisco Systems
GRANDSTREAM = "00:0B:82:00:00:02"  # registered to Grandstream Networks
YEALINK_1 = "80:5E:0C:00:00:03"  # registered to Yealink
YEALINK_2 = "00:15:65:00:00:04"
BASE = "80:5E:0C:00:00:05"
HANDSETS = ("57005 0782068 7", "0DEADBEEF5", "57005 0782070 *")


def key(mac: str) -> str:
    return mac.replace(":", "").lower()


@pytest.fixture
def mixed(cli: Cli, tmp_path: Path) -> int:
    """An approved order: a Cisco and a Grandstream desk phone (with intents), two T54W."""
    directory = tmp_path / "directory.json"
    directory.write_text(json.dumps(DIRECTORY))
    assert cli("admins", "add", "dana").exit_code == 0
    assert cli("import", str(directory)).exit_code == 0
    order = {
        "platform": PLATFORM,
        "account": ACCOUNT,
        "ordered_at": "2026-11-20T09:30:00Z",
        "items": [
            {"sku": "CP-8841", "quantity": 1, "units": [{"user": "ann@hooli.example"}]},
            {"sku": "GRP2614", "quantity": 1, "units": [{"user": "bob@hooli.example"}]},
            {"sku": "T54W", "quantity": 2},
        ],
    }
    return approve(cli, tmp_path, order)


def approve(cli: Cli, tmp_path: Path, order: dict[str, Any]) -> int:
    path = tmp_path / "order.json"
    path.write_text(json.dumps(order))
    result = cli("submit", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    (oid,) = [o["id"] for o in json.loads(result.stdout)]
    assert cli("approve", str(oid), "--yes").exit_code == 0
    return oid


def devices_by_sku(cli: Cli, oid: int) -> dict[str, list[str]]:
    units = cli.json("show", str(oid), "--format", "json")["units"]
    out: dict[str, list[str]] = {}
    for u in units:
        if u["device"]:
            out.setdefault(u["sku"], []).append(u["device"]["mac"] or u["device"]["ipei"])
    return {sku: sorted(keys) for sku, keys in out.items()}


def audit_actions(cli: Cli, oid: int) -> list[str]:
    return [e["action"] for e in cli.json("audit", "--order", str(oid), "--format", "json")]


def write(tmp_path: Path, text: str, name: str = "shipped.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


# --- the model column decides; never file order ---------------------------------------------------


def test_a_yeastar_list_with_a_model_column_puts_each_mac_on_its_own_model(
    cli: Cli, mixed: int, tmp_path: Path
) -> None:
    # The reported bug: the Grandstream MAC first, the Cisco one second, vendor model names.
    csv = write(
        tmp_path,
        "MAC Address,device_model,Extension,Template\r\n"
        f"{GRANDSTREAM},GRP-2614,1002,grp\r\n"
        f"{key(CISCO).upper()},cp-8841-k9,1001,cisco\r\n"
        f"{YEALINK_1},Yealink SIP-T54W,1003,t54\r\n"
        f"{YEALINK_2},SIP-T54W,1004,t54\r\n",
    )
    result = cli("fulfill", str(mixed), "--csv", csv, "--yes")
    assert result.exit_code == 0, result.stderr
    assert devices_by_sku(cli, mixed) == {
        "CP-8841": [key(CISCO)],
        "GRP2614": [key(GRANDSTREAM)],
        "T54W": sorted([key(YEALINK_1), key(YEALINK_2)]),
    }
    units = cli.json("show", str(mixed), "--format", "json")["units"]
    assert units[0]["device"]["user"] == "ann@hooli.example"
    assert units[1]["device"]["user"] == "bob@hooli.example"


def test_a_poly_lens_export_binds_the_model_column_and_ignores_the_serial_beside_the_mac(
    cli: Cli, mixed: int, tmp_path: Path
) -> None:
    csv = write(
        tmp_path,
        "Device Name,Product,Model,MAC Address,Serial Number,Site\n"
        f"Reception,IP Phone,CP-8841,{CISCO},FCH2233A1BC,HQ\n"
        f"Sales,IP Phone,GRP2614,{GRANDSTREAM},GS99001,HQ\n"
        f"Desk 3,IP Phone,T54W,{YEALINK_1},801000000003,HQ\n"
        f"Desk 4,IP Phone,T54W,{YEALINK_2},801000000004,HQ\n",
    )
    result = cli("fulfill", str(mixed), "--csv", csv, "--yes")
    assert result.exit_code == 0, result.stderr
    # `Product` holds a device type: none of its values names a SKU, so it is ignored, aloud.
    assert "column 'Product' ignored" in result.stderr
    assert devices_by_sku(cli, mixed)["CP-8841"] == [key(CISCO)]
    assert devices_by_sku(cli, mixed)["GRP2614"] == [key(GRANDSTREAM)]


def test_without_a_model_column_the_registered_vendor_places_each_mac(
    cli: Cli, mixed: int, tmp_path: Path
) -> None:
    # No column says the model; the MACs' registered vendors match exactly one SKU each.
    csv = write(tmp_path, f"MAC\n{YEALINK_2}\n{GRANDSTREAM}\n{YEALINK_1}\n{CISCO}\n")
    result = cli("fulfill", str(mixed), "--csv", csv, "--yes")
    assert result.exit_code == 0, result.stderr
    assert devices_by_sku(cli, mixed) == {
        "CP-8841": [key(CISCO)],
        "GRP2614": [key(GRANDSTREAM)],
        "T54W": sorted([key(YEALINK_1), key(YEALINK_2)]),
    }


def test_macs_that_could_be_two_models_are_refused_naming_the_lines_and_nothing_is_written(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli("admins", "add", "dana").exit_code == 0
    directory = tmp_path / "directory.json"
    directory.write_text(json.dumps(DIRECTORY))
    assert cli("import", str(directory)).exit_code == 0
    # Two Yealink models that both take a MAC: the vendor cannot tell them apart.
    oid = approve(
        cli,
        tmp_path,
        {"platform": PLATFORM, "account": ACCOUNT,
         "items": [{"sku": "T54W", "quantity": 1}, {"sku": "W70B", "quantity": 1}]},
    )  # fmt: skip
    csv = write(tmp_path, f"MAC Address\n{YEALINK_1}\n{BASE}\n")
    result = cli("fulfill", str(oid), "--csv", csv, "--yes")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"hwctl: error: {csv}: lines 2, 3 could be T54W or W70B: nothing in the file says which "
        "model; add a SKU, model or unit column (or the vendor's model names as catalog aliases)"
    ]
    assert devices_by_sku(cli, oid) == {}
    assert audit_actions(cli, oid) == ["submit", "approve"]


def test_a_model_value_that_names_no_sku_of_the_order_is_an_error_on_its_row(
    cli: Cli, mixed: int, tmp_path: Path
) -> None:
    csv = write(
        tmp_path,
        f"Model;MAC\nCP-8841;{CISCO}\nGRP2614;{GRANDSTREAM}\nSIP-T46U;{YEALINK_1}\nT54W;{YEALINK_2}\n",
    )
    result = cli("fulfill", str(mixed), "--csv", csv, "--yes")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"hwctl: error: {csv} line 4: Model 'SIP-T46U' names no SKU of this order "
        "(it has CP-8841, GRP2614, T54W)"
    )
    assert devices_by_sku(cli, mixed) == {}


def test_a_german_delivery_note_from_excel_binds_the_article_number_alias(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli("admins", "add", "dana").exit_code == 0
    directory = tmp_path / "directory.json"
    directory.write_text(json.dumps(DIRECTORY))
    assert cli("import", str(directory)).exit_code == 0
    oid = approve(
        cli,
        tmp_path,
        {"platform": PLATFORM, "account": ACCOUNT,
         "items": [{"sku": "T54W", "quantity": 1}, {"sku": "W70B", "quantity": 1},
                   {"sku": "W73H", "quantity": 2}]},
    )  # fmt: skip
    note = (
        "sep=;\r\n"
        "Lieferschein;Artikelnummer;Bezeichnung;Seriennummer;MAC-Adresse;IPEI\r\n"
        f"LS-4711;1302001;W70B Basisstation;SN-1;{BASE};\r\n"
        f'LS-4711;1301201;"T54W; Tischtelefon";SN-2;{YEALINK_1};\r\n'
        f"LS-4711;1302005;W73H Mobilteil;SN-3;;{HANDSETS[0]}\r\n"
        f"LS-4711;1302005;W73H Mobilteil;SN-4;;{HANDSETS[1]}\r\n"
    )
    csv = write(tmp_path, "\ufeff" + note, "lieferschein.csv")
    result = cli("fulfill", str(oid), "--csv", csv, "--yes")
    assert result.exit_code == 0, result.stderr
    by_sku = devices_by_sku(cli, oid)
    assert by_sku["W70B"] == [key(BASE)]
    assert by_sku["T54W"] == [key(YEALINK_1)]
    assert by_sku["W73H"] == sorted(["5700507820687", "5700507820698"])
    devices = cli.json("devices", "--order", str(oid), "--format", "json")
    assert {d["base"] for d in devices if d["kind"] == "dect_handset"} == {key(BASE)}


def test_a_french_delivery_note_in_windows_1252_is_read(
    cli: Cli, mixed: int, tmp_path: Path
) -> None:
    note = (
        "Référence;Désignation;Numéro de série;Adresse MAC\r\n"
        f"CP-8841-K9;Téléphone Cisco;FCH1;{CISCO}\r\n"
        f"GRP2614;Téléphone Grandstream;GS1;{GRANDSTREAM}\r\n"
        f"1301201;Téléphone Yealink;Y1;{YEALINK_1}\r\n"
        f"1301201;Téléphone Yealink;Y2;{YEALINK_2}\r\n"
    )
    csv = write(tmp_path, note, "livraison.csv", encoding="cp1252")
    result = cli("fulfill", str(mixed), "--csv", csv, "--yes")
    assert result.exit_code == 0, result.stderr
    assert devices_by_sku(cli, mixed)["CP-8841"] == [key(CISCO)]


def test_excel_unicode_text_is_read(cli: Cli, mixed: int, tmp_path: Path) -> None:
    text = (
        "Model\tMAC Address\r\n"
        f"CP-8841\t{CISCO}\r\nGRP2614\t{GRANDSTREAM}\r\nT54W\t{YEALINK_1}\r\nT54W\t{YEALINK_2}\r\n"
    )
    csv = write(tmp_path, text, "unicode.txt", encoding="utf-16")  # a BOM, little-endian here
    result = cli("fulfill", str(mixed), "--csv", csv, "--yes")
    assert result.exit_code == 0, result.stderr
    assert devices_by_sku(cli, mixed)["GRP2614"] == [key(GRANDSTREAM)]


def test_a_polycom_mac_on_a_yealink_unit_is_a_warning_naming_the_unit(
    cli: Cli, mixed: int, tmp_path: Path
) -> None:
    csv = write(
        tmp_path,
        f"SKU,MAC\nCP-8841,{CISCO}\nGRP2614,{GRANDSTREAM}\nT54W,64:16:7F:00:00:01\nT54W,{YEALINK_1}\n",
    )
    result = cli("fulfill", str(mixed), "--csv", csv, "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["dry_run"] is True
    polycom = next(u for u in plan["units"] if u["mac"] == "64167f000001")
    assert polycom["warnings"] == ["MAC 64:16:7f:00:00:01 is registered to Polycom, not Yealink"]
    assert (
        f"unit {polycom['unit']} (T54W): MAC 64:16:7f:00:00:01 is registered to Polycom, "
        "not Yealink" in plan["warnings"]
    )
    assert devices_by_sku(cli, mixed) == {}  # a dry run writes nothing


# --- split shipments ------------------------------------------------------------------------------


@pytest.fixture
def dect(cli: Cli, tmp_path: Path) -> int:
    """An approved order: a base, three handsets, two desk phones."""
    assert cli("admins", "add", "dana").exit_code == 0
    directory = tmp_path / "directory.json"
    directory.write_text(json.dumps(DIRECTORY))
    assert cli("import", str(directory)).exit_code == 0
    return approve(
        cli,
        tmp_path,
        {"platform": PLATFORM, "account": ACCOUNT,
         "items": [{"sku": "W70B", "quantity": 1, "units": [{"location": "HQ"}]},
                   {"sku": "W73H", "quantity": 3, "units": [{"user": "ann@hooli.example"}]},
                   {"sku": "T54W", "quantity": 2}]},
    )  # fmt: skip


def order_view(cli: Cli, oid: int) -> dict[str, Any]:
    return cli.json("show", str(oid), "--format", "json")


def test_a_shipment_in_three_parcels_is_fulfilled_only_when_the_last_unit_arrives(
    cli: Cli, dect: int, tmp_path: Path
) -> None:
    # Parcel 1: the handsets, from an IP-DECT user import.
    handsets = write(
        tmp_path,
        "Name,Number,IPEI/IPDI,Model\n"
        + "".join(f"User {n},10{n},{h},W73H\n" for n, h in enumerate(HANDSETS)),
        "parcel1.csv",
    )
    first = cli("fulfill", str(dect), "--csv", handsets, "--partial", "--yes", "--format", "json")
    assert first.exit_code == 0, first.stderr
    out = json.loads(first.stdout)
    assert (out["status"], out["created"], out["open"], out["paired"]) == (
        "partly fulfilled",
        3,
        3,
        0,
    )
    view = order_view(cli, dect)
    assert (view["status"], view["units_done"], view["units_total"]) == ("approved", 3, 6)
    assert view["units"][1]["device"]["user"] == "ann@hooli.example"
    assert all(u["device"]["base"] is None for u in view["units"][1:4])
    listed = cli("list", "--status", "approved")
    assert "approved (3/6 delivered)" in listed.stdout

    # Parcel 1 again (a retry): nothing new.
    again = cli("fulfill", str(dect), "--csv", handsets, "--partial", "--yes")
    assert again.exit_code == 0, again.stderr
    assert audit_actions(cli, dect).count("fulfill") == 1

    # Parcel 2: the base, which pairs the handsets already delivered.
    base = write(tmp_path, f"MAC,Model\n{BASE},W70B\n", "parcel2.csv")
    second = cli("fulfill", str(dect), "--csv", base, "--partial", "--yes", "--format", "json")
    assert second.exit_code == 0, second.stderr
    out = json.loads(second.stdout)
    assert (out["created"], out["paired"], out["open"]) == (1, 3, 2)
    handset_units = [u for u in out["units"] if u["kind"] == "dect_handset"]
    assert [u["base_unit"] for u in handset_units] == [1, 1, 1]
    view = order_view(cli, dect)
    assert view["status"] == "approved"
    assert view["units"][0]["device"]["location"] == "HQ"
    assert {u["device"]["base"] for u in view["units"][1:4]} == {key(BASE)}

    # Parcel 3: the desk phones, without --partial: the order is complete.
    phones = write(tmp_path, f"MAC\n{YEALINK_1}\n{YEALINK_2}\n", "parcel3.csv")
    third = cli("fulfill", str(dect), "--csv", phones, "--yes", "--format", "json")
    assert third.exit_code == 0, third.stderr
    out = json.loads(third.stdout)
    assert (out["status"], out["created"], out["skipped"], out["open"]) == ("fulfilled", 2, 4, 0)
    view = order_view(cli, dect)
    assert (view["status"], view["units_done"]) == ("fulfilled", 6)
    entries = [
        e
        for e in cli.json("audit", "--order", str(dect), "--format", "json")
        if e["action"] == "fulfill"
    ]
    assert [(e["details"]["partial"], e["details"]["units"]) for e in entries] == [
        (True, [2, 3, 4]),
        (True, [1, 2, 3, 4]),
        (False, [5, 6]),
    ]


def test_handsets_arriving_after_their_base_are_paired_to_it(
    cli: Cli, dect: int, tmp_path: Path
) -> None:
    # A Yealink MAC could be the base or a T54W: the SKU column says which.
    base = write(tmp_path, f"SKU,MAC\nW70B,{BASE}\n", "base.csv")
    assert cli("fulfill", str(dect), "--csv", base, "--partial", "--yes").exit_code == 0
    handsets = write(tmp_path, "IPEI\n" + "\n".join(HANDSETS) + "\n", "handsets.csv")
    result = cli("fulfill", str(dect), "--csv", handsets, "--partial", "--yes", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["paired"] == 3
    devices = cli.json("devices", "--order", str(dect), "--format", "json")
    assert sorted(d["base"] for d in devices if d["kind"] == "dect_handset") == [key(BASE)] * 3


def test_without_partial_a_file_that_leaves_units_open_is_refused_and_nothing_is_written(
    cli: Cli, dect: int, tmp_path: Path
) -> None:
    handsets = write(tmp_path, "IPEI\n" + "\n".join(HANDSETS) + "\n", "handsets.csv")
    result = cli("fulfill", str(dect), "--csv", handsets, "--yes")
    assert result.exit_code == 1
    assert "leaves 3 unit(s) without an identifier" in result.stderr
    assert "--partial" in result.stderr
    assert order_view(cli, dect)["units_done"] == 0
    assert audit_actions(cli, dect) == ["submit", "approve"]
