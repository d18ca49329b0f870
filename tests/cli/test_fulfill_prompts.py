"""`hwctl fulfill` by hand: questionary prompts driven through prompt_toolkit pipe input (as
questionary's own tests do), one prompt per unit, answers validated as typed, a confirmation,
Ctrl-C keeping a draft, and the next run resuming it. SQLite: the prompts are the subject."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from hwctl.cli import prompts
from hwctl.config import StoreLocation
from hwctl.io import drafts
from tests.conftest import ADMIN, make_order

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

ENTER = "\r"
CTRL_C = "\x03"
CLEAR_LINE = "\x15"  # Ctrl-U: wipe a refused answer before typing the right one
YES, NO = "y" + ENTER, "n" + ENTER  # a confirmation takes its Enter, as every prompt does

# Unit 1: T54W for ann at HQ Floor 2; unit 2: W70B at the Warehouse; unit 3: W73H.
ITEMS = [
    {"sku": "T54W", "quantity": 1,
     "units": [{"user": "ann@globex.example", "location": "HQ Floor 2"}]},
    {"sku": "W70B", "quantity": 1, "units": [{"location": "Warehouse"}]},
    {"sku": "W73H", "quantity": 1},
]  # fmt: skip


@dataclass
class Asked:
    """What each unit prompt showed and what its validator said, in order."""

    questions: list[tuple[str, str, str]] = field(default_factory=list)  # (label, intent, default)
    verdicts: list[tuple[str, bool | str]] = field(default_factory=list)  # (text, verdict)

    @property
    def labels(self) -> list[str]:
        return [label for label, _, _ in self.questions]


@pytest.fixture
def keyboard(monkeypatch: pytest.MonkeyPatch) -> Iterator:  # noqa: ANN201
    """`keyboard(text)` queues keystrokes for the prompts; returns what the unit prompts showed."""
    asked = Asked()
    real = prompts.unit_identifier

    def observed(label: str, *, wants: str, intent: str, validate, default: str = "") -> str:  # noqa: ANN001
        asked.questions.append((label, intent, default))

        def recording(text: str) -> bool | str:
            verdict = validate(text)
            asked.verdicts.append((text, verdict))
            return verdict

        return real(label, wants=wants, intent=intent, validate=recording, default=default)

    monkeypatch.setattr(prompts, "unit_identifier", observed)
    with create_pipe_input() as pipe:
        monkeypatch.setattr(prompts, "PROMPT_KWARGS", {"input": pipe, "output": DummyOutput()})

        def type_(keys: str) -> Asked:
            pipe.send_text(keys)
            return asked

        yield type_


def approved(store, items: list[dict] | None = None, **kw) -> int:  # noqa: ANN001
    return make_order(store, status="approved", items=items or ITEMS, **kw)


def device_keys(cli, order: int) -> list[str]:  # noqa: ANN001
    return [d["mac"] or d["ipei"] for d in cli.json("devices", "--order", str(order), "-f", "json")]


def status(cli, order: int) -> str:  # noqa: ANN001
    return cli.json("show", str(order), "--format", "json")["status"]


def where(cli) -> StoreLocation:  # noqa: ANN001
    """The store the CLI runs against, as drafts name it (a draft belongs to one store)."""
    return StoreLocation(cli.db_url, "--db", False)


def draft(cli, order: int) -> dict | None:  # noqa: ANN001
    path = drafts.draft_path(where(cli), order, ADMIN)
    return json.loads(path.read_text()) if path.exists() else None


def test_typing_each_unit_then_confirming_creates_the_devices(seeded, cli, keyboard) -> None:  # noqa: ANN001
    oid = approved(seeded)
    asked = keyboard(
        "0DEADBEEF4" + ENTER + CLEAR_LINE + "0015.6500.0001" + ENTER  # refused, then right
        + "80:5E:C0:12:34:56" + ENTER
        + "0x0deadbeef4" + ENTER
        + YES
    )  # fmt: skip
    result = cli("fulfill", str(oid))

    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"order {oid}: fulfilled · 3 created, 0 linked, 0 skipped, 1 handset(s) paired\n"
    )
    assert asked.questions == [
        ("unit 1 (T54W) Yealink T54W desk phone:", "ann@globex.example · HQ Floor 2", ""),
        ("unit 2 (W70B) Yealink W70B DECT base:", "Warehouse", ""),
        ("unit 3 (W73H) Yealink W73H DECT handset:", "", ""),
    ]
    assert asked.verdicts[0] == (
        "0DEADBEEF4",
        "'0DEADBEEF4' is an IPEI, but unit 1 (T54W) needs a MAC address",
    )
    assert [v for _, v in asked.verdicts[1:]] == [True, True, True]
    # The normalised form is echoed after each answer; the plan is shown before confirming.
    for echoed in ("→ 00:15:65:00:00:01", "→ 80:5e:c0:12:34:56", "→ 57005 0782068 7"):
        assert echoed in result.stderr
    assert "fulfilment plan" in result.stderr
    assert device_keys(cli, oid) == ["805ec0123456", "001565000001", "5700507820687"]
    assert status(cli, oid) == "fulfilled"
    assert draft(cli, oid) is None


def test_an_identifier_given_for_two_units_is_asked_again(seeded, cli, keyboard) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 2}])
    asked = keyboard(
        "001565000001" + ENTER
        + "00-15-65-00-00-01" + ENTER + CLEAR_LINE + "001565000002" + ENTER
        + YES
    )  # fmt: skip
    assert cli("fulfill", str(oid)).exit_code == 0
    assert ("00-15-65-00-00-01", "already given for unit 1") in asked.verdicts
    assert device_keys(cli, oid) == ["001565000001", "001565000002"]


def test_an_identifier_on_another_account_is_refused_as_it_is_typed(seeded, cli, keyboard) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 1}], account="Initech")
    asked = keyboard("80:5E:C0:00:00:99" + ENTER + CLEAR_LINE + "001565000001" + ENTER + YES)
    assert cli("fulfill", str(oid)).exit_code == 0
    assert asked.verdicts[0] == (
        "80:5E:C0:00:00:99",
        "unit 1 (T54W): MAC 80:5e:c0:00:00:99 is registered on another account: "
        "'Globex Corporation' of 'Acme Voice'",
    )
    assert device_keys(cli, oid) == ["001565000001"]


def test_ctrl_c_midway_exits_130_and_keeps_what_was_typed_as_a_draft(seeded, cli, keyboard) -> None:  # noqa: ANN001
    oid = approved(seeded)
    keyboard("0015.6500.0001" + ENTER + CTRL_C)
    result = cli("fulfill", str(oid))

    assert result.exit_code == 130
    assert draft(cli, oid) == {"order": oid, "answers": {"1": "0015.6500.0001"}}
    mode = drafts.draft_path(where(cli), oid, ADMIN).stat().st_mode
    assert mode & 0o777 == 0o600  # identifiers are not public
    assert "kept as a draft" in result.stderr
    assert device_keys(cli, oid) == []
    assert status(cli, oid) == "approved"


def test_the_next_run_resumes_the_draft_and_asks_only_for_the_rest(seeded, cli, keyboard) -> None:  # noqa: ANN001
    oid = approved(seeded)
    keyboard("0015.6500.0001" + ENTER + "80:5E:C0:12:34:56" + ENTER + CTRL_C)
    assert cli("fulfill", str(oid)).exit_code == 130
    first_run = len(keyboard("").questions)  # units 1, 2 and 3 (interrupted there)
    asked = keyboard(ENTER + "57005 0782068 7" + ENTER + YES)  # resume (the default), then unit 3

    result = cli("fulfill", str(oid))

    assert result.exit_code == 0, result.stderr
    assert asked.labels[first_run:] == ["unit 3 (W73H) Yealink W73H DECT handset:"]
    assert "unit 1 (T54W): 00:15:65:00:00:01 (from the draft)" in result.stderr
    assert device_keys(cli, oid) == ["805ec0123456", "001565000001", "5700507820687"]
    assert draft(cli, oid) is None


def test_declining_the_draft_starts_over(seeded, cli, keyboard) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 2}])
    keyboard("001565000001" + ENTER + CTRL_C)
    assert cli("fulfill", str(oid)).exit_code == 130
    first_run = len(keyboard("").questions)
    asked = keyboard(NO + "001565000007" + ENTER + "001565000008" + ENTER + YES)

    assert cli("fulfill", str(oid)).exit_code == 0
    # Asked afresh: no answer from the dropped draft is offered as the default.
    assert [default for _, _, default in asked.questions[first_run:]] == ["", ""]
    assert device_keys(cli, oid) == ["001565000007", "001565000008"]
    assert draft(cli, oid) is None


def test_a_draft_that_cannot_be_read_is_not_offered(seeded, cli, keyboard) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 1}])
    drafts.draft_path(where(cli), oid, ADMIN).parent.mkdir(parents=True)
    drafts.draft_path(where(cli), oid, ADMIN).write_text("{not json")
    asked = keyboard("001565000001" + ENTER + YES)  # no resume question comes first

    assert cli("fulfill", str(oid)).exit_code == 0
    assert asked.questions == [("unit 1 (T54W) Yealink T54W desk phone:", "", "")]
    assert device_keys(cli, oid) == ["001565000001"]
    assert draft(cli, oid) is None


def test_a_draft_answer_that_no_longer_fits_is_asked_again(seeded, cli, keyboard) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 1}], account="Initech")
    # Registered on Globex since it was typed:
    drafts.save(where(cli), oid, ADMIN, {1: "80:5E:C0:00:00:99"})
    asked = keyboard(YES + CLEAR_LINE + "001565000001" + ENTER + YES)

    result = cli("fulfill", str(oid))

    assert result.exit_code == 0, result.stderr
    assert "registered on another account" in result.stderr
    assert asked.questions == [("unit 1 (T54W) Yealink T54W desk phone:", "", "80:5E:C0:00:00:99")]
    assert device_keys(cli, oid) == ["001565000001"]


def test_declining_the_confirmation_writes_nothing_and_keeps_the_draft(
    seeded, cli, keyboard
) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 1}])
    keyboard("001565000001" + ENTER + NO)
    result = cli("fulfill", str(oid))

    assert result.exit_code == 1
    assert "nothing written (your answers are kept as a draft)" in result.stderr
    assert device_keys(cli, oid) == []
    assert status(cli, oid) == "approved"
    assert draft(cli, oid) == {"order": oid, "answers": {"1": "001565000001"}}


def test_ctrl_c_at_the_confirmation_exits_130_and_writes_nothing(seeded, cli, keyboard) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 1}])
    keyboard("001565000001" + ENTER + CTRL_C)
    assert cli("fulfill", str(oid)).exit_code == 130
    assert device_keys(cli, oid) == []
    assert draft(cli, oid) == {"order": oid, "answers": {"1": "001565000001"}}


def test_a_file_leaving_units_empty_on_a_terminal_asks_only_for_those(
    seeded, cli, keyboard
) -> None:  # noqa: ANN001
    oid = approved(seeded)
    asked = keyboard("57005 0782068 7" + ENTER + YES)
    shipped = b"SKU,MAC\nT54W,001565000001\nW70B,80:5E:C0:12:34:56\n"

    result = cli("fulfill", str(oid), "--csv", "-", input=shipped)

    assert result.exit_code == 0, result.stderr
    assert asked.labels == ["unit 3 (W73H) Yealink W73H DECT handset:"]
    assert "unit 1 (T54W): 00:15:65:00:00:01 (from <stdin> line 2)" in result.stderr
    assert device_keys(cli, oid) == ["805ec0123456", "001565000001", "5700507820687"]


def test_json_output_never_prompts_even_on_a_terminal(seeded, cli, keyboard) -> None:  # noqa: ANN001
    oid = approved(seeded)
    asked = keyboard("001565000001" + ENTER)
    shipped = b"SKU,MAC\nT54W,001565000001\n"
    result = cli("fulfill", str(oid), "--csv", "-", "--format", "json", input=shipped)
    assert result.exit_code == 1
    assert "without an identifier: unit 2 (W70B), unit 3 (W73H)" in result.stderr
    assert asked.questions == []
    assert device_keys(cli, oid) == []


def test_a_fulfilled_order_is_not_asked_for_and_its_stale_draft_is_dropped(
    seeded, cli, keyboard
) -> None:  # noqa: ANN001
    oid = approved(seeded, [{"sku": "T54W", "quantity": 1}])
    drafts.save(where(cli), oid, ADMIN, {1: "001565000009"})
    shipped = b"MAC\n001565000001\n"
    assert cli("fulfill", str(oid), "--csv", "-", "--yes", input=shipped).exit_code == 0
    # Typed on this machine while another admin fulfilled:
    drafts.save(where(cli), oid, ADMIN, {1: "001565000009"})
    asked = keyboard("")

    result = cli("fulfill", str(oid))

    assert (result.exit_code, result.stdout) == (0, f"order {oid}: already fulfilled\n")
    assert asked.questions == []
    assert draft(cli, oid) is None


# -- a partial delivery at the prompts -------------------------------------------------------------


def order_json(cli, order: int) -> dict:  # noqa: ANN001
    return cli.json("show", str(order), "--format", "json")


def unit_keys(shown: dict) -> list[str | None]:
    """Each unit's device key in an order's JSON, None while the unit is open."""
    return [u["device"] and (u["device"]["mac"] or u["device"]["ipei"]) for u in shown["units"]]


def fulfil_entries(cli, order: int) -> list[dict]:  # noqa: ANN001
    return cli.json("audit", "--order", str(order), "--action", "fulfill", "--format", "json")


# The sequences below end in a spare Ctrl-C, left unread when all goes well: should a prompt wait
# for more than the test typed, it ends that prompt (exit 130) instead of hanging the test.
UNIT_2_LEFT_EMPTY = "001565000001" + ENTER + ENTER + "57005 0782068 7" + ENTER  # units 1 and 3
PARTIAL_QUESTION = (
    "1 unit(s) left empty (unit 2 (W70B)): record a partial delivery and leave them open?"
)


def test_a_unit_left_empty_and_a_confirmed_partial_delivery_writes_only_the_typed_units(
    seeded, cli, keyboard, confirmations
) -> None:  # noqa: ANN001
    oid = approved(seeded)
    asked = keyboard(UNIT_2_LEFT_EMPTY + YES + YES + CTRL_C)

    result = cli("fulfill", str(oid))

    assert result.exit_code == 0, result.stderr
    assert asked.labels == [
        "unit 1 (T54W) Yealink T54W desk phone:",
        "unit 2 (W70B) Yealink W70B DECT base:",
        "unit 3 (W73H) Yealink W73H DECT handset:",
    ]
    assert ("", True) in asked.verdicts  # an empty answer passes the validator: left open
    assert "→ left open" in result.stderr
    assert confirmations == [
        PARTIAL_QUESTION,
        f"Create the devices of 2 unit(s) and leave 1 open (order {oid} stays approved)?",
    ]
    assert result.stdout.startswith(f"order {oid}: partly fulfilled · 2 created")
    assert result.stdout.rstrip().endswith("1 still open")
    shown = order_json(cli, oid)
    assert (shown["status"], shown["units_done"], shown["units_total"]) == ("approved", 2, 3)
    assert unit_keys(shown) == ["001565000001", None, "5700507820687"]
    assert device_keys(cli, oid) == ["001565000001", "5700507820687"]
    (entry,) = fulfil_entries(cli, oid)
    assert entry["details"]["partial"] is True
    assert entry["details"]["units"] == [1, 3]
    assert entry["details"]["open"] == 1
    assert entry["details"]["created"] == 2
    assert draft(cli, oid) is None  # what was typed is in the store now


def test_declining_the_partial_delivery_writes_nothing_and_keeps_the_draft(
    seeded, cli, keyboard, confirmations
) -> None:  # noqa: ANN001
    oid = approved(seeded)
    keyboard(UNIT_2_LEFT_EMPTY + NO + CTRL_C)

    result = cli("fulfill", str(oid))

    assert result.exit_code == 1
    assert confirmations == [PARTIAL_QUESTION]  # the final confirmation is never reached
    assert "nothing written: 2 identifier(s) kept as a draft" in result.stderr
    assert device_keys(cli, oid) == []
    shown = order_json(cli, oid)
    assert (shown["status"], shown["units_done"]) == ("approved", 0)
    assert fulfil_entries(cli, oid) == []
    kept = {"1": "001565000001", "3": "57005 0782068 7"}
    assert draft(cli, oid) == {"order": oid, "answers": kept}


def test_with_partial_on_the_command_line_an_empty_answer_needs_no_extra_question(
    seeded, cli, keyboard, confirmations
) -> None:  # noqa: ANN001
    oid = approved(seeded)
    # A spare yes: should the partial question come after all, it answers it and the test fails
    # on the questions asked, rather than waiting for keys that never come.
    keyboard(UNIT_2_LEFT_EMPTY + YES + YES + CTRL_C)

    result = cli("fulfill", str(oid), "--partial")

    assert result.exit_code == 0, result.stderr
    assert confirmations == [
        f"Create the devices of 2 unit(s) and leave 1 open (order {oid} stays approved)?"
    ]
    shown = order_json(cli, oid)
    assert (shown["status"], shown["units_done"]) == ("approved", 2)
    (entry,) = fulfil_entries(cli, oid)
    assert (entry["details"]["partial"], entry["details"]["units"]) == (True, [1, 3])


def test_the_next_run_after_a_partial_delivery_asks_only_for_the_open_unit(
    seeded, cli, keyboard, confirmations
) -> None:  # noqa: ANN001
    oid = approved(seeded)
    asked = keyboard(UNIT_2_LEFT_EMPTY + YES + YES)  # no spare Ctrl-C: the next run would read it
    assert cli("fulfill", str(oid)).exit_code == 0
    assert len(confirmations) == 2  # both keys read: none is left over for the next run
    first_run = len(asked.questions)
    keyboard("80:5E:C0:12:34:56" + ENTER + YES + CTRL_C)

    result = cli("fulfill", str(oid))

    assert result.exit_code == 0, result.stderr
    assert asked.labels[first_run:] == ["unit 2 (W70B) Yealink W70B DECT base:"]
    assert "unit 1 (T54W): done (00:15:65:00:00:01)" in result.stderr
    assert confirmations[-1] == f"Create the devices and mark order {oid} fulfilled?"
    shown = order_json(cli, oid)
    assert (shown["status"], shown["units_done"]) == ("fulfilled", 3)
    handset = shown["units"][2]["device"]
    assert handset["base"] == "805ec0123456"  # the base arriving later pairs the handset
    first, second = fulfil_entries(cli, oid)
    # The units this run wrote: the base created, and the handset it paired.
    assert (second["details"]["partial"], second["details"]["units"]) == (False, [2, 3])
    assert (second["details"]["created"], second["details"]["paired"]) == (1, 1)


def test_leaving_every_unit_empty_records_nothing_and_exits_1(
    seeded, cli, keyboard, confirmations
) -> None:  # noqa: ANN001
    oid = approved(seeded)
    keyboard(ENTER + ENTER + ENTER + YES + YES + CTRL_C)

    result = cli("fulfill", str(oid))

    assert result.exit_code == 1
    assert "nothing to record: all 3 unit(s) were left empty" in result.stderr.splitlines()
    assert confirmations == []  # nothing to confirm: no partial delivery of nothing
    assert device_keys(cli, oid) == []
    shown = order_json(cli, oid)
    assert (shown["status"], shown["units_done"]) == ("approved", 0)
    assert fulfil_entries(cli, oid) == []
