"""Directory import (hwctl.services.directory): upserts by natural keys, all or nothing."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from hwctl.errors import Conflict, InvalidInput
from hwctl.services import directory
from hwctl.store.models import (
    Account,
    AccountUser,
    CatalogItem,
    Device,
    Location,
    Platform,
)
from tests.conftest import DIRECTORY

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
    return directory.import_directory(store, json.dumps(doc), "dir.json")


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
    with pytest.raises(
        Conflict, match="MAC 80:5e:c0:00:00:99 is already registered on another account"
    ):
        load(store, doc)
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
            "platforms[1].catalog[0].kind: Input should be",
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
