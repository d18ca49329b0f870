"""Directory import (hwctl.app.directory): upserts by natural keys, all or nothing."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from hwctl.errors import Conflict, InvalidInput
from hwctl.store.models import (
    Account,
    AccountUser,
    CatalogAlias,
    CatalogItem,
    Device,
    Location,
    Platform,
)
from tests.conftest import DIRECTORY, directory_rows, load_directory

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])

TABLES = {
    "platforms": Platform,
    "catalog items": CatalogItem,
    "accounts": Account,
    "users": AccountUser,
    "locations": Location,
    "devices": Device,
}
STANDARD_COUNTS = {
    "platforms": 2,
    "catalog items": 6,
    "accounts": 3,
    "users": 4,
    "locations": 4,
    "devices": 1,
}


def row_counts(store) -> dict[str, int]:  # noqa: ANN001
    with store.session() as session:
        return {
            name: session.exec(select(func.count()).select_from(model)).one()
            for name, model in TABLES.items()
        }


def load(store, doc) -> object:  # noqa: ANN001
    return load_directory(store, json.dumps(doc), "dir.json")


def directory_doc() -> dict:
    return copy.deepcopy(DIRECTORY)


def one_platform(**account_fields) -> dict:  # noqa: ANN003
    account = {
        "name": "Globex Corporation",
        "users": ["ann@globex.example"],
        "locations": ["HQ Floor 2"],
        **account_fields,
    }
    return {
        "platforms": [
            {
                "name": "Acme Voice",
                "catalog": copy.deepcopy(DIRECTORY["platforms"][0]["catalog"]),
                "accounts": [account],
            }
        ]
    }


# -- importing -----------------------------------------------------------------------------------
def test_importing_the_directory_creates_every_row_and_reports_it(store):
    summary = load(store, DIRECTORY)
    assert summary.created == STANDARD_COUNTS
    assert summary.updated == {}
    assert summary.changed
    assert row_counts(store) == STANDARD_COUNTS


def test_importing_the_same_file_twice_changes_nothing(store):
    load(store, DIRECTORY)
    again = load(store, DIRECTORY)
    assert again.created == {}
    assert again.updated == {}
    assert not again.changed
    assert again.unchanged == STANDARD_COUNTS
    assert row_counts(store) == STANDARD_COUNTS


@sqlite_only
def test_a_changed_catalog_item_is_updated_not_duplicated(store):
    load(store, DIRECTORY)
    doc = directory_doc()
    doc["platforms"][0]["catalog"][1]["max_handsets"] = 20
    doc["platforms"][0]["catalog"][1]["name"] = "Yealink W70B base"
    summary = load(store, doc)
    assert summary.updated == {"catalog items": 1}
    assert summary.created == {}
    with store.session() as session:
        item = session.exec(select(CatalogItem).where(CatalogItem.sku == "W70B")).one()
        assert (item.name, item.max_handsets) == ("Yealink W70B base", 20)
    assert row_counts(store) == STANDARD_COUNTS


@sqlite_only
def test_a_later_file_adds_new_users_and_keeps_the_old_ones(store):
    load(store, DIRECTORY)
    doc = directory_doc()
    doc["platforms"][0]["accounts"][0]["users"] = ["cy@globex.example"]
    summary = load(store, doc)
    assert summary.created == {"users": 1}
    assert row_counts(store)["users"] == 5


def test_skus_are_unique_per_platform_not_globally(store):
    doc = directory_doc()
    doc["platforms"][1]["catalog"].append(
        {"sku": "T54W", "name": "Other T54W", "kind": "deskphone"}
    )
    load(store, doc)
    with store.session() as session:
        owners = session.exec(
            select(CatalogItem.platform_id).where(CatalogItem.sku == "T54W")
        ).all()
    assert len(set(owners)) == 2


@sqlite_only
def test_device_identifiers_are_stored_normalised(store):
    doc = one_platform(
        devices=[
            {"sku": "T54W", "mac": "80-5e-c0-00-00-99"},
            {"sku": "W73H", "ipui": "0DEADBEEF4", "user": "ann@globex.example"},
        ]
    )
    load(store, doc)
    with store.session() as session:
        rows = session.exec(select(Device.kind, Device.mac, Device.ipei).order_by(Device.id)).all()
    assert rows == [("deskphone", "805ec0000099", None), ("dect_handset", None, "5700507820687")]


@sqlite_only
def test_the_same_device_spelled_differently_is_not_a_second_device(store):
    load(store, one_platform(devices=[{"sku": "T54W", "mac": "80:5E:C0:00:00:99"}]))
    summary = load(store, one_platform(devices=[{"sku": "T54W", "mac": "805e.c000.0099"}]))
    assert summary.unchanged.get("devices") == 1
    assert row_counts(store)["devices"] == 1


# -- all or nothing ------------------------------------------------------------------------------
BAD_DEVICES = [
    ([{"sku": "W73H", "mac": "80:5E:C0:00:00:99"}], InvalidInput, "is a MAC address, but"),
    ([{"sku": "T54W", "mac": "ff:ff:ff:ff:ff:ff"}], InvalidInput, "broadcast"),
    ([{"sku": "T54W"}], InvalidInput, "give exactly one of mac, ipei or ipui"),
    (
        [{"sku": "T54W", "mac": "80:5E:C0:00:00:98", "ipei": "0DEADBEEF4"}],
        InvalidInput,
        "give exactly one",
    ),
    (
        [{"sku": "D385", "mac": "80:5E:C0:00:00:98"}],
        InvalidInput,
        "SKU 'D385' is not in this platform's catalog",
    ),
    (
        [{"sku": "T54W", "mac": "80:5E:C0:00:00:98", "user": "zed@globex.example"}],
        InvalidInput,
        "unknown user 'zed@globex.example'",
    ),
    (
        [{"sku": "W73H", "ipui": "0DEADBEEF4", "location": "HQ Floor 2"}],
        InvalidInput,
        "handsets have no location",
    ),
]


@sqlite_only
@pytest.mark.parametrize(("devices", "kind", "message"), BAD_DEVICES)
def test_a_bad_device_is_one_line_naming_where_and_nothing_is_stored(store, devices, kind, message):
    with pytest.raises(kind) as caught:
        load(store, one_platform(devices=devices))
    text = str(caught.value)
    assert message in text
    assert text.startswith(
        "dir.json: platform 'Acme Voice', account 'Globex Corporation', devices[0]"
    )
    assert "\n" not in text
    assert row_counts(store) == dict.fromkeys(TABLES, 0)


def test_an_identifier_registered_on_another_account_is_refused_and_nothing_is_stored(store):
    load(store, DIRECTORY)
    doc = directory_doc()
    doc["platforms"][0]["accounts"][1]["devices"] = [{"sku": "T54W", "mac": "805EC0000099"}]
    doc["platforms"][0]["accounts"][1]["users"].append("new@initech.example")
    with pytest.raises(Conflict) as refused:
        load(store, doc)
    assert refused.value.message.endswith(
        ": MAC 80:5e:c0:00:00:99 is already registered on another account: "
        "'Globex Corporation' of 'Acme Voice'"
    )
    assert row_counts(store) == STANDARD_COUNTS


@sqlite_only
def test_one_identifier_on_two_accounts_in_one_file_is_refused(store):
    doc = directory_doc()
    doc["platforms"][0]["accounts"][1]["devices"] = [{"sku": "T54W", "mac": "80:5E:C0:00:00:99"}]
    with pytest.raises(Conflict):
        load(store, doc)
    assert row_counts(store)["devices"] == 0


def test_a_bad_second_platform_leaves_the_first_one_unstored(store):
    doc = directory_doc()
    doc["platforms"][1]["accounts"][0]["devices"] = [{"sku": "M85", "mac": "80:5E:C0:00:00:42"}]
    with pytest.raises(InvalidInput, match="platform 'Blue Sky', account 'Umbrella Ltd'"):
        load(store, doc)
    assert row_counts(store) == dict.fromkeys(TABLES, 0)


@sqlite_only
@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["platforms"].append(copy.deepcopy(d["platforms"][0])),
            "platform 'Acme Voice' appears twice",
        ),
        (
            lambda d: d["platforms"][0]["catalog"].append(
                {"sku": "T54W", "name": "again", "kind": "deskphone"}
            ),
            "SKU 'T54W' appears twice",
        ),
        (
            lambda d: d["platforms"][0]["accounts"].append({"name": "Initech"}),
            "account 'Initech' appears twice",
        ),
        (lambda d: d["platforms"][1].update(name="  "), "platforms[1].name: must not be blank"),
        (
            lambda d: d["platforms"][1]["catalog"][0].update(sku=""),
            "platforms[1].catalog[0].sku: must not be blank",
        ),
        (
            lambda d: d["platforms"][1]["catalog"][0].update(kind="fax"),
            "platforms[1].catalog[0].kind: must be one of",
        ),
        (lambda d: d["platforms"][1].update(colour="blue"), "platforms[1].colour: unknown field"),
    ],
)
def test_a_bad_file_is_one_line_and_nothing_is_stored(store, mutate, message):
    doc = directory_doc()
    mutate(doc)
    with pytest.raises(InvalidInput) as caught:
        load(store, doc)
    assert message in str(caught.value)
    assert str(caught.value).startswith("dir.json: ")
    assert row_counts(store) == dict.fromkeys(TABLES, 0)


# -- catalog aliases and vendors -----------------------------------------------------------------
T54W_ALIASES = ["SIP-T54W", "Yealink SIP-T54W", "1301201"]


def every_table(store) -> dict[str, int]:  # noqa: ANN001
    """Rows per table, over every table of the schema (orders, audit and admins included)."""
    from sqlmodel import SQLModel

    with store.session() as session:
        return {
            table.name: session.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables
        }


def alias_rows(store) -> list[tuple[int, str, str, str, str]]:  # noqa: ANN001
    """(id, platform, SKU, alias, key) of every catalog_alias row, in the order stored."""
    with store.session() as session:
        return [
            tuple(row)
            for row in session.exec(
                select(CatalogAlias.id, Platform.name, CatalogItem.sku, CatalogAlias.alias,
                       CatalogAlias.key)
                .join(CatalogItem, CatalogItem.id == CatalogAlias.catalog_item_id)
                .join(Platform, Platform.id == CatalogAlias.platform_id)
                .order_by(CatalogAlias.id)
            )
        ]  # fmt: skip


def without_ids(rows: list[tuple]) -> list[tuple]:
    return [row[1:] for row in rows]


def catalog_item(doc: dict, platform: int, sku: str) -> dict:
    (item,) = [c for c in doc["platforms"][platform]["catalog"] if c["sku"] == sku]
    return item


def with_aliases(*items: tuple[int, str, list[str]]) -> dict:
    """The standard directory with `aliases` set on the given (platform, SKU) items."""
    doc = directory_doc()
    for platform, sku, aliases in items:
        catalog_item(doc, platform, sku)["aliases"] = aliases
    return doc


def test_importing_aliases_stores_one_row_per_alias_with_its_binding_key(store):
    summary = load(store, with_aliases((0, "T54W", T54W_ALIASES), (0, "W73H", ["W73H-EU"])))

    assert summary.created == STANDARD_COUNTS
    assert without_ids(alias_rows(store)) == [
        ("Acme Voice", "T54W", "SIP-T54W", "sipt54w"),
        ("Acme Voice", "T54W", "Yealink SIP-T54W", "yealinksipt54w"),
        ("Acme Voice", "T54W", "1301201", "1301201"),
        ("Acme Voice", "W73H", "W73H-EU", "w73heu"),
    ]


def test_importing_the_same_aliases_twice_changes_nothing(store):
    doc = with_aliases((0, "T54W", T54W_ALIASES), (1, "D385", ["snom D385"]))
    load(store, doc)
    rows = alias_rows(store)

    again = load(store, doc)

    assert (again.created, again.updated) == ({}, {})
    assert again.unchanged == STANDARD_COUNTS
    assert not again.changed
    assert alias_rows(store) == rows  # the very same rows, ids included


def test_two_spellings_of_one_alias_are_kept_once_as_first_spelled(store):
    doc = with_aliases((0, "T54W", ["SIP-T54W", "sip t54w", "SIP_T54W"]))
    load(store, doc)

    assert without_ids(alias_rows(store)) == [("Acme Voice", "T54W", "SIP-T54W", "sipt54w")]
    again = load(store, doc)
    assert not again.changed


def test_a_changed_alias_list_replaces_the_rows_and_updates_the_catalog_item(store):
    load(store, with_aliases((0, "T54W", T54W_ALIASES), (0, "W70B", ["W70B-EU"])))
    w70b_rows = [row for row in alias_rows(store) if row[2] == "W70B"]

    changed = with_aliases((0, "T54W", ["SIP-T54W", "T54W-EU"]), (0, "W70B", ["W70B-EU"]))
    summary = load(store, changed)

    assert summary.updated == {"catalog items": 1}
    assert summary.created == {}
    assert summary.unchanged["catalog items"] == STANDARD_COUNTS["catalog items"] - 1
    assert [row[2:4] for row in alias_rows(store) if row[2] == "T54W"] == [
        ("T54W", "SIP-T54W"),
        ("T54W", "T54W-EU"),
    ]
    assert [row for row in alias_rows(store) if row[2] == "W70B"] == w70b_rows  # untouched


def test_dropping_every_alias_of_an_item_deletes_its_rows(store):
    load(store, with_aliases((0, "T54W", T54W_ALIASES)))
    summary = load(store, with_aliases((0, "T54W", [])))
    assert summary.updated == {"catalog items": 1}
    assert alias_rows(store) == []


def test_an_alias_shared_by_two_skus_of_one_platform_is_one_line_and_nothing_of_the_file_is_stored(
    store,
):
    load(store, with_aliases((0, "T54W", T54W_ALIASES)))
    before, rows = every_table(store), alias_rows(store)
    # Platform 1 changes (a new alias list, user, location and device) and is flushed before
    # platform 2, whose two items share an alias, is refused: none of it may remain.
    doc = with_aliases(
        (0, "T54W", ["T54W-NEW"]), (1, "M900", ["snom DECT"]), (1, "M85", ["SNOM-DECT"])
    )
    doc["platforms"][0]["accounts"][0]["users"].append("cy@globex.example")
    doc["platforms"][0]["accounts"][0]["locations"].append("Annex")
    doc["platforms"][0]["accounts"][0]["devices"].append({"sku": "T54W", "mac": "001565000042"})
    doc["platforms"].append({"name": "Red Line", "catalog": [], "accounts": [{"name": "Hooli"}]})

    with pytest.raises(InvalidInput) as caught:
        load(store, doc)

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("dir.json: platform 'Blue Sky': alias ")
    assert "SKU 'M900'" in message
    assert "SKU 'M85'" in message
    assert every_table(store) == before
    assert alias_rows(store) == rows


def test_an_alias_shared_by_two_skus_on_a_fresh_store_leaves_it_empty(store):
    doc = with_aliases((0, "T54W", ["Yealink Phone"]), (0, "W70B", ["yealink-phone"]))
    with pytest.raises(
        InvalidInput,
        match=r"^dir\.json: platform 'Acme Voice': alias 'yealink-phone' of SKU 'W70B' would "
        r"also name SKU 'T54W'$",
    ):
        load(store, doc)
    assert set(directory_rows(store).values()) == {0}


@pytest.mark.parametrize("alias", ["W70B", "w70b", "W-70B", "w.70.b", "W 70 B", "w_70_b"])
def test_an_alias_that_is_another_sku_in_any_spelling_is_refused(store, alias):
    with pytest.raises(InvalidInput) as caught:
        load(store, with_aliases((0, "T54W", ["SIP-T54W", alias])))
    assert str(caught.value) == (
        f"dir.json: platform 'Acme Voice': alias {alias!r} of SKU 'T54W' would also name SKU 'W70B'"
    )
    assert set(directory_rows(store).values()) == {0}


def test_an_alias_that_is_the_items_own_sku_in_another_spelling_is_accepted(store):
    load(store, with_aliases((0, "T54W", ["SIP-T54W", "t-54w"])))
    assert [row[3] for row in alias_rows(store)] == ["SIP-T54W", "t-54w"]


def test_an_alias_with_nothing_to_match_on_is_refused(store):
    with pytest.raises(InvalidInput, match="SKU 'T54W': alias '-' has nothing to match on"):
        load(store, with_aliases((0, "T54W", ["-"])))
    assert set(directory_rows(store).values()) == {0}


def test_the_same_alias_on_two_platforms_is_fine(store):
    load(store, with_aliases((0, "T54W", ["Desk Phone"]), (1, "D385", ["desk-phone"])))
    assert without_ids(alias_rows(store)) == [
        ("Acme Voice", "T54W", "Desk Phone", "deskphone"),
        ("Blue Sky", "D385", "desk-phone", "deskphone"),
    ]


def only_item(platform: str, item: dict) -> dict:
    """A later file naming one catalog item of a stored platform (the others stay as stored)."""
    return {"platforms": [{"name": platform, "catalog": [item]}]}


def test_a_later_file_with_one_item_cannot_take_an_alias_a_stored_item_has(store):
    load(store, with_aliases((0, "T54W", T54W_ALIASES)))
    before, rows = every_table(store), alias_rows(store)
    w70b = {**catalog_item(directory_doc(), 0, "W70B"), "aliases": ["W70B-EU", "sip t54w"]}

    with pytest.raises(InvalidInput) as caught:
        load(store, only_item("Acme Voice", w70b))

    assert str(caught.value) == (
        "dir.json: platform 'Acme Voice': alias 'sip t54w' of SKU 'W70B' would also name SKU 'T54W'"
    )
    assert every_table(store) == before
    assert alias_rows(store) == rows


def test_a_later_file_cannot_add_a_sku_that_a_stored_item_has_as_alias(store):
    load(store, with_aliases((0, "T54W", T54W_ALIASES)))
    before = every_table(store)
    new = {"sku": "SIP_T54W", "name": "Yealink SIP-T54W (grey import)", "kind": "deskphone"}

    clash = "alias 'SIP-T54W' of SKU 'T54W' would also name SKU 'SIP_T54W'"
    with pytest.raises(InvalidInput, match=clash):
        load(store, only_item("Acme Voice", new))

    assert every_table(store) == before


def test_a_later_file_may_move_an_alias_from_one_item_to_another(store):
    load(store, with_aliases((0, "T54W", ["SIP-T54W", "Yealink Phone"])))
    summary = load(store, with_aliases((0, "T54W", ["SIP-T54W"]), (0, "W70B", ["Yealink Phone"])))
    assert summary.updated == {"catalog items": 2}
    assert [row[2:4] for row in alias_rows(store)] == [
        ("T54W", "SIP-T54W"),
        ("W70B", "Yealink Phone"),
    ]


def test_a_catalog_items_vendor_is_stored_and_a_changed_vendor_updates_the_item(store):
    doc = directory_doc()
    catalog_item(doc, 0, "T54W")["vendor"] = "Yealink"
    load(store, doc)
    assert load(store, doc).updated == {}

    catalog_item(doc, 0, "T54W")["vendor"] = "Grandstream"
    summary = load(store, doc)

    assert summary.updated == {"catalog items": 1}
    with store.session() as session:
        vendors = dict(session.exec(select(CatalogItem.sku, CatalogItem.vendor)).all())
    assert vendors == {"T54W": "Grandstream", "W70B": None, "W73H": None,
                       "D385": None, "M900": None, "M85": None}  # fmt: skip


def test_show_lists_each_lines_aliases(store, cli):
    from tests.conftest import make_order

    load(store, with_aliases((0, "T54W", T54W_ALIASES)))
    oid = make_order(store, items=[{"sku": "T54W", "quantity": 1}, {"sku": "W70B", "quantity": 1}])

    shown = cli.json("show", str(oid), "--format", "json")

    assert [(i["sku"], i["aliases"]) for i in shown["items"]] == [
        ("T54W", T54W_ALIASES),
        ("W70B", []),
    ]
