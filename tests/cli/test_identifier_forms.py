"""Every printed identifier form, end to end through `hwctl fulfill`: in a distributor's CSV (on
both backends) and typed at the unit's prompt (SQLite). Accepted forms store one key (a MAC as 12
lowercase hex digits, an IPEI as its 13-character decimal form); refused forms are exit 1 with one
line on stderr and no device, or at the prompt the validator's verdict and a corrected answer.

The IPEI used throughout: hex IPUI `0DEADBEEF4` = EMC 0xDEAD (57005) + PSN 0xBEEF4 (782068), whose
check character is 7 (sum of position * digit of `570050782068`, mod 11): `57005 0782068 7`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli.test_fulfill_prompts import CLEAR_LINE, CTRL_C, ENTER
from tests.cli.test_fulfill_prompts import keyboard as keyboard  # the prompt-driving fixture
from tests.conftest import make_order

MAC_KEY = "001565abcdef"
IPEI_KEY = "5700507820687"
IPUI = "0DEADBEEF4"

ACCEPTED_MACS = [
    "00:15:65:AB:CD:EF",
    "00-15-65-ab-cd-ef",
    "0015.65ab.cdef",
    "001565ABCDEF",
    "00.15.65.AB.CD.EF",
    "00 15 65 AB CD EF",
    "MAC: 00:15:65:ab:cd:ef",
    "MAC=001565ABCDEF",
]
ACCEPTED_IPEIS = [
    "57005 0782068 7",
    "57005 07820687",  # the check character attached to the serial
    "5700507820687",
    "57005 0782068",  # 12 digits without the check character: it is computed
    "570050782068",
    "0DEADBEEF4",
    "0x0deadbeef4",
    "0D EA DB EE F4",
    "0D-EA-DB-EE-F4",
    "0D:EA:DB:EE:F4",
    "IPEI: 57005 0782068 7",
    "IPUI 0DEADBEEF4",
    "IPUI: 0D EA DB EE F4",
]
# (column, value, what the one line on stderr says)
REFUSED = [
    ("IPEI", "57005 07820683", "the check character does not match"),
    ("IPEI", "FFFFFFFFFF", "default identity of an unregistered handset"),
    ("MAC", "MAC: 01:00:5e:00:00:01", "multicast address"),
    ("MAC", "00.15.65.AB.CD", "has 10 hex digits, not 12"),
    ("IPEI", "0D EA-DB EE F4", "is not an IPEI"),
    ("MAC", "IPEI: 57005 0782068 7", "the MAC column needs a MAC address"),
    ("IPEI", "MAC: 00:15:65:ab:cd:ef", "the IPEI column needs an IPEI"),
]

SKU_OF = {"MAC": "T54W", "IPEI": "W73H"}


def one_unit_order(store, column: str) -> int:  # noqa: ANN001
    """An approved order of one desk phone (for a MAC) or one handset (for an IPEI)."""
    return make_order(store, status="approved", items=[{"sku": SKU_OF[column], "quantity": 1}])


def shipping_file(tmp_path: Path, column: str, value: str) -> str:
    path = tmp_path / "shipped.csv"
    path.write_text(f"{column}\n{value}\n", encoding="utf-8")
    return str(path)


def stored_device(cli, order: int) -> dict | None:  # noqa: ANN001
    (unit,) = cli.json("show", str(order), "--format", "json")["units"]
    return unit["device"]


def all_devices(cli) -> list[dict]:  # noqa: ANN001
    return cli.json("devices", "--format", "json")


def assert_stored_mac(cli, order: int) -> None:  # noqa: ANN001
    device = stored_device(cli, order)
    assert device is not None
    assert re.fullmatch("[0-9a-f]{12}", device["mac"])
    assert (device["kind"], device["mac"], device["ipei"]) == ("deskphone", MAC_KEY, None)


def assert_stored_ipei(cli, order: int) -> None:  # noqa: ANN001
    device = stored_device(cli, order)
    assert device is not None
    assert len(device["ipei"]) == 13
    assert (device["kind"], device["mac"], device["ipei"], device["ipui"]) == (
        "dect_handset",
        None,
        IPEI_KEY,
        IPUI,
    )


# -- in a CSV, on both backends -------------------------------------------------------------------
@pytest.mark.parametrize("value", ACCEPTED_MACS)
def test_every_printed_mac_form_in_a_csv_stores_the_same_key(seeded, cli, tmp_path, value) -> None:  # noqa: ANN001
    oid = one_unit_order(seeded, "MAC")
    result = cli("fulfill", str(oid), "--csv", shipping_file(tmp_path, "MAC", value), "--yes")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"order {oid}: fulfilled · 1 created")
    assert_stored_mac(cli, oid)


@pytest.mark.parametrize("value", ACCEPTED_IPEIS)
def test_every_printed_ipei_form_in_a_csv_stores_the_same_key(seeded, cli, tmp_path, value) -> None:  # noqa: ANN001
    oid = one_unit_order(seeded, "IPEI")
    result = cli("fulfill", str(oid), "--csv", shipping_file(tmp_path, "IPEI", value), "--yes")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"order {oid}: fulfilled · 1 created")
    assert_stored_ipei(cli, oid)


@pytest.mark.parametrize(("column", "value", "reason"), REFUSED)
def test_a_refused_form_in_a_csv_is_one_line_and_writes_no_device(
    seeded, cli, tmp_path, column, value, reason
) -> None:  # noqa: ANN001
    oid = one_unit_order(seeded, column)
    before = all_devices(cli)

    result = cli("fulfill", str(oid), "--csv", shipping_file(tmp_path, column, value), "--yes")

    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hwctl: error: ")
    assert f"line 2: {value!r}" in lines[0]
    assert reason in lines[0]
    assert stored_device(cli, oid) is None
    assert all_devices(cli) == before
    shown = cli.json("show", str(oid), "--format", "json")
    assert (shown["status"], shown["units_done"]) == ("approved", 0)
    assert [e["action"] for e in shown["audit"]] == ["submit", "approve"]


# -- at the prompt (SQLite: the prompts are the subject) ------------------------------------------
# Each sequence ends in a spare Ctrl-C, left unread when all goes well: should an answer be refused
# that must not be, it ends the prompt still waiting (exit 130) instead of hanging the test.
at_the_prompt = pytest.mark.parametrize("backend", ["sqlite"])


@at_the_prompt
@pytest.mark.parametrize("value", ACCEPTED_MACS)
def test_every_printed_mac_form_typed_at_the_prompt_stores_the_same_key(
    seeded, cli, keyboard, value
) -> None:  # noqa: ANN001
    oid = one_unit_order(seeded, "MAC")
    asked = keyboard(value + ENTER + "y" + ENTER + CTRL_C)

    result = cli("fulfill", str(oid))

    assert result.exit_code == 0, result.stderr
    assert asked.verdicts == [(value, True)]
    assert "→ 00:15:65:ab:cd:ef" in result.stderr  # the normalised form is echoed back
    assert_stored_mac(cli, oid)


@at_the_prompt
@pytest.mark.parametrize("value", ACCEPTED_IPEIS)
def test_every_printed_ipei_form_typed_at_the_prompt_stores_the_same_key(
    seeded, cli, keyboard, value
) -> None:  # noqa: ANN001
    oid = one_unit_order(seeded, "IPEI")
    asked = keyboard(value + ENTER + "y" + ENTER + CTRL_C)

    result = cli("fulfill", str(oid))

    assert result.exit_code == 0, result.stderr
    assert asked.verdicts == [(value, True)]
    assert "→ 57005 0782068 7" in result.stderr
    assert_stored_ipei(cli, oid)


PROMPT_REFUSALS = [
    ("IPEI", "57005 07820683",
     "'57005 07820683' is not a valid IPEI: the check character does not match"),
    ("IPEI", "FFFFFFFFFF",
     "'FFFFFFFFFF' is not an IPEI: FFFFFFFFFF is the default identity of an unregistered "
     "handset, never a real one"),
    ("MAC", "MAC: 01:00:5e:00:00:01",
     "'MAC: 01:00:5e:00:00:01' is not a device MAC: multicast address (first octet is odd)"),
    ("MAC", "00.15.65.AB.CD",
     "'00.15.65.AB.CD' is not a MAC address: it has 10 hex digits, not 12"),
    ("IPEI", "0D EA-DB EE F4",
     "'0D EA-DB EE F4' is not an IPEI: expected 'EEEEE PPPPPPP C', 13 or 12 digits, or 10 hex "
     "digits (IPUI), run together or as five octets"),
    ("MAC", "IPEI: 57005 0782068 7",
     "'IPEI: 57005 0782068 7' is an IPEI, but unit 1 (T54W) needs a MAC address"),
    ("IPEI", "MAC: 00:15:65:ab:cd:ef",
     "'MAC: 00:15:65:ab:cd:ef' is a MAC address, but unit 1 (W73H) needs an IPEI"),
]  # fmt: skip
CORRECTED = {"MAC": ("00:15:65:AB:CD:EF", assert_stored_mac), "IPEI": (IPUI, assert_stored_ipei)}


@at_the_prompt
@pytest.mark.parametrize(("column", "value", "verdict"), PROMPT_REFUSALS)
def test_a_refused_form_at_the_prompt_shows_why_and_a_corrected_answer_succeeds(
    seeded, cli, keyboard, column, value, verdict
) -> None:  # noqa: ANN001
    oid = one_unit_order(seeded, column)
    corrected, assert_stored = CORRECTED[column]
    asked = keyboard(value + ENTER + CLEAR_LINE + corrected + ENTER + "y" + ENTER + CTRL_C)

    result = cli("fulfill", str(oid))

    assert result.exit_code == 0, result.stderr
    assert len(asked.questions) == 1  # the same prompt, asked again: not a second unit
    assert asked.verdicts == [(value, verdict), (corrected, True)]
    assert_stored(cli, oid)
    assert [d["order"] for d in all_devices(cli)].count(oid) == 1
