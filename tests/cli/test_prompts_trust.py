"""Prompts a person can trust, on both stores: typed identifiers survive a refused commit (another
process fulfilled a unit meanwhile), a confirmation takes its Enter, warnings come under the
answer they concern, the review menu numbers lines as the order will, and a decision's
confirmation shows the order it decides.

Each run of a command gets its own keyboard (`keys`): a prompt_toolkit pipe holding exactly the
keys typed, closed after them, so a key left unread never reaches the next run, and a prompt
that wants more than was typed ends (EOFError) instead of waiting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from hwctl.cli import prompts
from hwctl.config import StoreLocation
from hwctl.io import drafts
from tests.conftest import ADMIN, make_order

ENTER = "\r"
YES, NO = "y" + ENTER, "n" + ENTER

# Initech has no users or locations: units 1-2 T54W, 3 W70B, 4 W73H.
FOUR_UNITS = [{"sku": "T54W", "quantity": 2}, {"sku": "W70B", "quantity": 1},
              {"sku": "W73H", "quantity": 1}]  # fmt: skip
TYPED = {
    "1": "00:15:65:00:00:01",
    "2": "00:15:65:00:00:02",
    "3": "80:5E:C0:12:34:56",
    "4": "57005 0782068 7",
}


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """`keys(*parts)`: the keys the next command run reads, and no more."""
    with ExitStack() as pipes:

        def send(*parts: str) -> None:
            pipe = pipes.enter_context(create_pipe_input())
            pipe.send_text("".join(parts))
            pipe.close()
            monkeypatch.setattr(prompts, "PROMPT_KWARGS", {"input": pipe, "output": DummyOutput()})

        yield send


def where(cli) -> StoreLocation:  # noqa: ANN001
    return StoreLocation(cli.db_url, "--db", False)


def draft(cli, order: int) -> dict | None:  # noqa: ANN001
    path = drafts.draft_path(where(cli), order, ADMIN)
    return json.loads(path.read_text()) if path.exists() else None


def order_json(cli, order: int) -> dict:  # noqa: ANN001
    return cli.json("show", str(order), "--format", "json")


def unit_keys(cli, order: int) -> list[str | None]:  # noqa: ANN001
    return [
        u["device"] and (u["device"]["mac"] or u["device"]["ipei"])
        for u in order_json(cli, order)["units"]
    ]


def hwctl(cli, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:  # noqa: ANN001
    """The installed command in a process of its own, with this test's HOME and state dir."""
    exe = Path(sys.executable).with_name("hwctl")
    return subprocess.run(
        [str(exe), "--db", cli.db_url, "--as", ADMIN, *args],
        input=stdin,
        capture_output=True,
        env=dict(os.environ),
        check=False,
        timeout=120,
    )


# -- item 1: a refused commit keeps the draft ---------------------------------------------------
def test_a_commit_refused_because_another_process_fulfilled_a_unit_keeps_every_typed_answer(
    seeded, cli, keys, monkeypatch
) -> None:  # noqa: ANN001
    oid = make_order(seeded, status="approved", items=FOUR_UNITS, account="Initech")
    real = prompts.confirm
    other: list[subprocess.CompletedProcess] = []

    def meanwhile(question: str, **kw) -> bool:  # noqa: ANN003
        if question.startswith("Create the devices"):
            # All four typed, the plan shown: another admin fulfils unit 1 from the shipping list.
            other.append(
                hwctl(
                    cli,
                    "fulfill",
                    str(oid),
                    "--csv",
                    "-",
                    "--partial",
                    "--yes",
                    stdin=b"SKU,MAC\nT54W,00:15:65:00:00:01\n",
                )  # fmt: skip
            )
        return real(question, **kw)

    monkeypatch.setattr(prompts, "confirm", meanwhile)
    keys(*(TYPED[n] + ENTER for n in "1234"), YES)

    result = cli("fulfill", str(oid))

    (done,) = other
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith(f"order {oid}: partly fulfilled · 1 created")
    assert result.exit_code == 1
    assert f"order {oid} changed since its plan was shown: unit 1: skip" in result.stderr
    # Nothing of this run was written, and every typed answer is still in the draft.
    assert unit_keys(cli, oid) == ["001565000001", None, None, None]
    assert draft(cli, oid) == {"order": oid, "answers": TYPED}

    # The next run offers the draft back: only the three units still open are resumed.
    asked: list[str] = []
    monkeypatch.setattr(prompts, "confirm", lambda q, **kw: asked.append(q) or real(q, **kw))
    keys(YES, YES)
    again = cli("fulfill", str(oid))

    assert again.exit_code == 0, again.stderr
    assert asked == [
        f"Resume the draft for order {oid} (3 identifier(s) typed before)?",
        f"Create the devices and mark order {oid} fulfilled?",
    ]
    assert unit_keys(cli, oid) == ["001565000001", "001565000002", "805ec0123456", "5700507820687"]
    assert order_json(cli, oid)["status"] == "fulfilled"
    assert draft(cli, oid) is None  # the order is fulfilled: now the draft goes


def test_a_parcel_from_a_file_leaves_a_draft_typed_elsewhere_alone(seeded, cli) -> None:  # noqa: ANN001
    oid = make_order(seeded, status="approved", items=FOUR_UNITS, account="Initech")
    drafts.save(where(cli), oid, ADMIN, {2: "001565000002", 3: "805ec0123456"})

    result = cli("fulfill", str(oid), "--csv", "-", "--partial", "--yes",
                 input=b"SKU,MAC\nT54W,001565000001\n")  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert draft(cli, oid) == {"order": oid, "answers": {"2": "001565000002", "3": "805ec0123456"}}
    # The parcel that fulfils the order's last unit ends the draft.
    last = b"SKU,MAC,IPEI\nT54W,001565000002,\nW70B,805ec0123456,\nW73H,,57005 0782068 7\n"
    assert cli("fulfill", str(oid), "--csv", "-", "--yes", input=last).exit_code == 0
    assert order_json(cli, oid)["status"] == "fulfilled"
    assert draft(cli, oid) is None


# -- item 14: a confirmation takes its Enter ----------------------------------------------------
def test_y_enter_at_resume_the_draft_is_one_answer_and_the_next_unit_is_asked(
    seeded, cli, keys, confirmations
) -> None:  # noqa: ANN001
    oid = make_order(seeded, status="approved", items=[{"sku": "T54W", "quantity": 2}])
    drafts.save(where(cli), oid, ADMIN, {1: "001565000001"})
    # The habit: y, then Enter. The Enter belongs to the "y", not to unit 2's prompt.
    keys(YES, "001565000002" + ENTER, YES)

    result = cli("fulfill", str(oid))

    assert result.exit_code == 0, result.stderr
    assert "left open" not in result.stderr
    assert confirmations == [
        f"Resume the draft for order {oid} (1 identifier(s) typed before)?",
        f"Create the devices and mark order {oid} fulfilled?",
    ]
    assert unit_keys(cli, oid) == ["001565000001", "001565000002"]
    assert order_json(cli, oid)["status"] == "fulfilled"


def test_a_draft_kept_before_drafts_had_an_owner_is_offered_back_and_then_goes(
    seeded, cli, keys, confirmations
) -> None:  # noqa: ANN001
    """An upgrade in the middle of a fulfilment loses nothing: the draft hwctl kept under its
    old name (one per store and order) is resumed, and goes with the fulfilment."""
    oid = make_order(seeded, status="approved", items=[{"sku": "T54W", "quantity": 2}])
    old = drafts.unowned_path(where(cli), oid)
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_text(json.dumps({"order": oid, "answers": {"1": "001565000001"}}))
    keys(YES, "001565000002" + ENTER, YES)

    result = cli("fulfill", str(oid))

    assert result.exit_code == 0, result.stderr
    assert confirmations[0] == f"Resume the draft for order {oid} (1 identifier(s) typed before)?"
    assert unit_keys(cli, oid) == ["001565000001", "001565000002"]
    assert not old.exists()
    assert draft(cli, oid) is None


def test_a_bare_enter_at_a_confirmation_takes_its_default(keys) -> None:
    keys(ENTER, ENTER)
    assert prompts.confirm("Resume?", yes=False, default=True) is True
    assert prompts.confirm("Apply?", yes=False, default=False) is False


# -- item 15: the review menu numbers lines as the order will --------------------------------------
DOWN = "\x1b[B"
SET, ADD, REMOVE, DONE = ENTER, DOWN + ENTER, DOWN * 2 + ENTER, DOWN * 3 + ENTER
W70B, W73H = DOWN + ENTER, DOWN * 2 + ENTER  # in "Which item?" (T54W, W70B, W73H)


def test_the_review_menu_numbers_new_lines_as_the_change_table_and_the_stored_order(
    seeded, cli, keys, monkeypatch
) -> None:  # noqa: ANN001
    oid = make_order(seeded)  # line 1: 2× T54W
    menus: list[str] = []
    real = prompts.select

    def seen(question: str, choices, **kw):  # noqa: ANN001, ANN003, ANN202
        menus.append(question)
        return real(question, choices, **kw)

    monkeypatch.setattr(prompts, "select", seen)
    # Add a W70B (line 2), remove it again, add a W70B and a W73H: lines 2 and 3, as stored.
    keys(ADD, W70B, ENTER, REMOVE, DOWN, ENTER, ADD, W70B, ENTER, ADD, W73H, ENTER, DONE, YES)

    result = cli("review", str(oid))

    assert result.exit_code == 0, result.stderr
    # The confirmation names the order, not only its number.
    assert f"order {oid}: pending · Acme Voice · Globex Corporation · 2× T54W" in result.stderr
    last_menu = [q for q in menus if q.startswith("Order lines now")][-1]
    assert last_menu == (
        "Order lines now: line 1: 2× T54W, line 2: 1× W70B, line 3: 1× W73H. What next?"
    )
    change_table = result.stderr[result.stderr.index("proposed change") :]
    cells = [[c.strip() for c in row.split("│") if c.strip()] for row in change_table.splitlines()]
    assert [row[:2] for row in cells if len(row) > 1 and row[1].startswith("W7")] == [
        ["2", "W70B"],
        ["3", "W73H"],
    ]
    items = order_json(cli, oid)["items"]
    assert [(i["line"], i["sku"], i["quantity"]) for i in items] == [
        (1, "T54W", 2),
        (2, "W70B", 1),
        (3, "W73H", 1),
    ]


def test_a_line_added_and_removed_in_the_menu_frees_its_number(keys, monkeypatch) -> None:  # noqa: ANN001
    lines = [(1, "T54W", "Yealink T54W desk phone", 2)]
    catalog = [("T54W", "T54W"), ("W70B", "W70B"), ("W73H", "W73H")]
    asked: list[str] = []
    real = prompts.text
    monkeypatch.setattr(prompts, "text", lambda q, **kw: asked.append(q) or real(q, **kw))
    # Add W70B (line 2) and W73H (line 3), remove line 2: W73H is line 2 now; set it to 4.
    keys(ADD, W70B, ENTER, ADD, W73H, ENTER, REMOVE, DOWN, ENTER, SET, DOWN, ENTER, "4", ENTER,
         DONE)  # fmt: skip

    assert prompts.review_edits(lines, catalog) == [("add", ("W73H", 4))]
    assert asked[-1] == "Line 2 (W73H) has 1. New quantity (empty keeps 1):"


# -- item 16: a confirmation shows the order; the interactive reject asks for the code -------------
UP = "\x1b[A"


def test_an_approval_s_confirmation_shows_the_order_it_decides(seeded, cli, keys) -> None:  # noqa: ANN001
    oid = make_order(seeded)
    keys(NO)
    result = cli("approve", str(oid))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"order {oid}: pending · Acme Voice · Globex Corporation · 2× T54W",
        "nothing changed",
    ]
    assert order_json(cli, oid)["status"] == "pending"


def test_a_cancellation_s_confirmation_lists_each_order_then_the_warnings(
    seeded, cli, keys
) -> None:  # noqa: ANN001
    first = make_order(seeded, status="approved")
    second = make_order(seeded, account="Initech", items=[{"sku": "W70B", "quantity": 1}])
    keys(YES)
    result = cli("cancel", str(first), str(second), "99")
    assert result.exit_code == 1  # order 99 does not exist
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        f"order {first}: approved · Acme Voice · Globex Corporation · 2× T54W",
        f"order {second}: pending · Acme Voice · Initech · 1× W70B",
        f"warning: order {first} is approved: the hardware may already be ordered",
    ]
    assert [order_json(cli, o)["status"] for o in (first, second)] == ["cancelled", "cancelled"]


def test_with_yes_nothing_is_listed_before_the_outcome(seeded, cli) -> None:  # noqa: ANN001
    oid = make_order(seeded)
    result = cli("approve", str(oid), "--yes")
    assert (result.exit_code, result.stderr) == (0, "")


def test_the_interactive_reject_asks_for_the_code_after_the_reason(seeded, cli, keys) -> None:  # noqa: ANN001
    oid = make_order(seeded)
    # The code's pointer starts on "other" (the last); four up is "duplicate".
    keys("same as the order before", ENTER, UP * 4 + ENTER, YES)
    result = cli("reject", str(oid))
    assert result.exit_code == 0, result.stderr
    shown = order_json(cli, oid)
    assert (shown["status"], shown["rejection_code"], shown["rejection_reason"]) == (
        "rejected",
        "duplicate",
        "same as the order before",
    )
    (entry,) = cli.json("audit", "--order", str(oid), "--action", "reject", "--format", "json")
    assert entry["details"]["code"] == "duplicate"
    assert f"order {oid}: pending · Acme Voice · Globex Corporation · 2× T54W" in result.stderr


def test_enter_at_the_code_takes_other_and_a_given_code_is_not_asked(seeded, cli, keys) -> None:  # noqa: ANN001
    first, second = make_order(seeded), make_order(seeded)
    keys("no stock", ENTER, ENTER, YES)
    assert cli("reject", str(first)).exit_code == 0
    keys("no stock", ENTER, YES)  # --code given: reason, then the confirmation
    assert cli("reject", str(second), "--code", "out_of_stock").exit_code == 0
    codes = [order_json(cli, o)["rejection_code"] for o in (first, second)]
    assert codes == ["other", "out_of_stock"]


# -- item 17: the vendor warning under the answer; the draft shown as everything else ------------
POLYCOM = "00:04:F2:12:34:56"  # a Polycom prefix, typed for a Yealink T54W
MISMATCH = "warning: MAC 00:04:f2:12:34:56 is registered to Polycom, not Yealink"


def test_a_vendor_mismatch_is_warned_under_the_answer_before_the_summary(seeded, cli, keys) -> None:  # noqa: ANN001
    oid = make_order(seeded, status="approved", items=[{"sku": "T54W", "quantity": 2}])
    keys(POLYCOM + ENTER, "001565000002" + ENTER, NO)

    result = cli("fulfill", str(oid))

    assert result.exit_code == 1  # declined: nothing written
    lines = result.stderr.splitlines()
    echoed = lines.index("  → 00:04:f2:12:34:56")
    assert lines[echoed + 1] == MISMATCH  # right under the answer, before the next unit
    assert lines.index(f"order {oid}: approved · Acme Voice · Globex Corporation · 2× T54W") > (
        echoed + 1
    )  # and before the plan, the order it is for
    assert "→ 00:15:65:00:00:02" in lines[echoed + 2 :][0]
    assert draft(cli, oid) == {"order": oid, "answers": {"1": POLYCOM, "2": "001565000002"}}


def test_a_resumed_draft_shows_its_identifiers_normalised_with_their_warnings(
    seeded, cli, keys
) -> None:  # noqa: ANN001
    oid = make_order(seeded, status="approved", items=[{"sku": "T54W", "quantity": 2}])
    drafts.save(where(cli), oid, ADMIN, {1: "805ec0123457", 2: POLYCOM})
    keys(YES, NO)

    result = cli("fulfill", str(oid))

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    resumed = lines.index("unit 1 (T54W): 80:5e:c0:12:34:57 (from the draft)")
    assert lines[resumed + 1 : resumed + 3] == [
        "unit 2 (T54W): 00:04:f2:12:34:56 (from the draft)",
        MISMATCH,
    ]
    assert "805ec0123457" not in result.stderr
