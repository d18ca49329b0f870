"""Directory import refuses catalog and device data that means nothing, and names that are not
plain text: one line naming where, nothing stored, on both backends."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from hwctl.cli.words import exit_code  # the CLI's error table: code -> exit code
from hwctl.errors import InvalidInput
from tests.conftest import DIRECTORY, directory_rows, load_directory


def row_counts(store) -> dict[str, int]:  # noqa: ANN001
    with store.session() as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


def refusal(store, doc) -> str:  # noqa: ANN001
    with pytest.raises(InvalidInput) as caught:
        load_directory(store, json.dumps(doc), "dir.json")
    message = str(caught.value)
    assert "\n" not in message and exit_code(caught.value) == 1
    return message


def directory_doc() -> dict:
    return copy.deepcopy(DIRECTORY)


@pytest.mark.parametrize(
    ("platform", "index", "kind"),
    [(0, 0, "deskphone"), (0, 2, "dect_handset"), (1, 2, "dect_handset")],
)
def test_max_handsets_on_anything_but_a_base_is_refused_and_nothing_is_stored(
    store, platform: int, index: int, kind: str
) -> None:  # noqa: ANN001
    doc = directory_doc()
    doc["platforms"][platform]["catalog"][index]["max_handsets"] = 4
    assert refusal(store, doc) == (
        f"dir.json: platforms[{platform}].catalog[{index}]: "
        f"max_handsets applies only to a dect_base, not to a {kind}"
    )
    assert set(directory_rows(store).values()) == {0}


def catalog(store) -> dict[tuple[str, str], tuple[str, str, int | None]]:  # noqa: ANN001
    """Each stored catalog item by (platform, SKU): its name, kind and max_handsets."""
    from hwctl.store.models import CatalogItem, Platform

    with store.session() as session:
        found = session.execute(
            select(Platform.name, CatalogItem.sku, CatalogItem.name, CatalogItem.kind,
                   CatalogItem.max_handsets)
            .join(Platform, Platform.id == CatalogItem.platform_id)
        ).all()  # fmt: skip
    return {(p, sku): (name, kind, most) for p, sku, name, kind, most in found}


def test_max_handsets_on_a_base_is_kept(store) -> None:  # noqa: ANN001
    first = load_directory(store, json.dumps(DIRECTORY), "dir.json")
    assert first.created["catalog items"] == 6
    assert catalog(store)[("Acme Voice", "W70B")] == ("Yealink W70B DECT base", "dect_base", 10)
    doc = directory_doc()
    doc["platforms"][0]["catalog"][1]["max_handsets"] = 10_000
    summary = load_directory(store, json.dumps(doc), "dir.json")
    assert summary.updated == {"catalog items": 1}
    stored = catalog(store)
    assert stored[("Acme Voice", "W70B")] == ("Yealink W70B DECT base", "dect_base", 10_000)
    assert stored[("Blue Sky", "M900")] == ("snom M900 DECT base", "dect_base", 2)
    assert {k: v[2] for k, v in stored.items() if v[1] != "dect_base"} == dict.fromkeys(
        [("Acme Voice", "T54W"), ("Acme Voice", "W73H"), ("Blue Sky", "D385"), ("Blue Sky", "M85")]
    )


def test_an_update_that_adds_max_handsets_to_a_deskphone_changes_nothing(store) -> None:  # noqa: ANN001
    load_directory(store, json.dumps(DIRECTORY), "dir.json")
    before = row_counts(store)
    doc = directory_doc()
    doc["platforms"][0]["catalog"][0].update(name="renamed", max_handsets=2)
    doc["platforms"][0]["accounts"][0]["users"].append("new@globex.example")
    assert "max_handsets applies only to a dect_base" in refusal(store, doc)
    assert row_counts(store) == before
    from hwctl.store.models import CatalogItem

    with store.session() as session:
        item = session.execute(select(CatalogItem).where(CatalogItem.sku == "T54W")).scalar_one()
        assert (item.name, item.max_handsets) == ("Yealink T54W desk phone", None)


def test_a_location_on_a_handset_in_devices_is_refused_and_nothing_is_stored(store) -> None:  # noqa: ANN001
    doc = directory_doc()
    doc["platforms"][0]["accounts"][0]["devices"].append(
        {"sku": "W73H", "ipui": "0DEADBEEF4", "location": "HQ Floor 2"}
    )
    assert refusal(store, doc) == (
        "dir.json: platform 'Acme Voice', account 'Globex Corporation', devices[1]: "
        "handsets have no location"
    )
    assert set(directory_rows(store).values()) == {0}


def test_a_handset_without_a_location_and_a_base_with_one_are_accepted(store) -> None:  # noqa: ANN001
    doc = directory_doc()
    doc["platforms"][0]["accounts"][0]["devices"] += [
        {"sku": "W73H", "ipui": "0DEADBEEF4", "user": "ann@globex.example"},
        {"sku": "W70B", "mac": "80:5E:C0:00:00:42", "location": "HQ Floor 2"},
    ]
    load_directory(store, json.dumps(doc), "dir.json")
    assert row_counts(store)["device"] == 3


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["platforms"][1].update(name="Blue\x1bSky"), "platforms[1].name"),
        (lambda d: d["platforms"][0]["accounts"][1].update(name="Ini\ttech"),
         "platforms[0].accounts[1].name"),
        (lambda d: d["platforms"][0]["accounts"][0]["users"].append("eve\x1b[31m@x"),
         "platforms[0].accounts[0].users[2]"),
        (lambda d: d["platforms"][1]["accounts"][0]["locations"].append("Lab\n2"),
         "platforms[1].accounts[0].locations[1]"),
        (lambda d: d["platforms"][0]["catalog"][0].update(sku="T54\x9bW"),
         "platforms[0].catalog[0].sku"),
        (lambda d: d["platforms"][0]["catalog"][0].update(name="Yealink\rT54W"),
         "platforms[0].catalog[0].name"),
        (lambda d: d["platforms"][0]["catalog"][0].update(aliases=["SIP-T54W", "SIP\x07T54W"]),
         "platforms[0].catalog[0].aliases[1]"),
        (lambda d: d["platforms"][0]["catalog"][0].update(vendor="Yea\x7flink"),
         "platforms[0].catalog[0].vendor"),
    ],
)  # fmt: skip
def test_a_control_character_in_any_name_is_refused_and_nothing_is_stored(
    store, mutate, where: str
) -> None:  # noqa: ANN001
    doc = directory_doc()
    mutate(doc)
    assert refusal(store, doc) == f"dir.json: {where}: must not contain control characters"
    assert set(directory_rows(store).values()) == {0}
