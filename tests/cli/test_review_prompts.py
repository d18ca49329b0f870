"""The interactive questions (hwctl.cli.prompts), driven through questionary by prompt_toolkit
pipe input, on their own and inside the real commands."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from hwctl.cli import prompts
from hwctl.domain.order_edit import AddItem, LineState, RemoveLine, SetQuantity, plan_edits
from hwctl.errors import UsageError
from tests.conftest import ADMIN, make_order

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])

DOWN, ENTER, BACKSPACE, CTRL_C = "\x1b[B", "\r", "\x7f", "\x03"
# The review menu, in its order.
SET, ADD, REMOVE, DONE = ENTER, DOWN + ENTER, DOWN * 2 + ENTER, DOWN * 3 + ENTER

LINES = [(1, "T54W", "Yealink T54W desk phone", 2), (2, "W73H", "Yealink W73H DECT handset", 1)]
CATALOG = [
    ("T54W", "Yealink T54W desk phone"),
    ("W70B", "Yealink W70B DECT base"),
    ("W73H", "Yealink W73H DECT handset"),
]


@pytest.fixture
def keys(monkeypatch) -> Iterator[Callable[..., None]]:  # noqa: ANN001
    """Type keys into every prompt that follows."""
    with create_pipe_input() as pipe:
        monkeypatch.setattr(prompts, "PROMPT_KWARGS", {"input": pipe, "output": DummyOutput()})

        def send(*parts: str) -> None:
            pipe.send_text("".join(parts))

        yield send


def quantity(n: int | str) -> str:
    """Replace a one-digit default quantity and press enter."""
    return BACKSPACE + str(n) + ENTER


def as_domain(edits: list[tuple[str, object]]) -> list:
    kinds = {"set": lambda v: SetQuantity(*v), "add": lambda v: AddItem(*v), "remove": RemoveLine}
    return [kinds[kind](value) for kind, value in edits]


def plan_of(edits: list[tuple[str, object]]):  # noqa: ANN201
    lines = [LineState(n, sku, q) for n, sku, _, q in LINES]
    return plan_edits(7, lines, as_domain(edits), {sku for sku, _ in CATALOG})


# -- confirm -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "answer"), [("y", True), ("n", False), (ENTER, False)])
def test_confirm_takes_the_typed_answer_and_defaults_to_no(keys, typed, answer):
    keys(typed)
    assert prompts.confirm("Approve #7?", yes=False) is answer


def test_yes_answers_a_confirmation_without_asking():
    assert prompts.confirm("Approve #7?", yes=True) is True


def test_without_a_terminal_a_confirmation_is_a_usage_error_naming_the_flag():
    with pytest.raises(UsageError) as caught:
        prompts.confirm("Approve #7?", yes=False)
    assert caught.value.exit_code == 2
    assert str(caught.value) == "Approve #7? needs confirmation: pass --yes (no terminal to ask on)"


def test_ctrl_c_at_a_confirmation_raises_keyboard_interrupt(keys):
    keys(CTRL_C)
    with pytest.raises(KeyboardInterrupt):
        prompts.confirm("Approve #7?", yes=False)


# -- the review loop -----------------------------------------------------------------------------
def test_finishing_straight_away_changes_nothing(keys):
    keys(DONE)
    assert prompts.review_edits(LINES, CATALOG) == []


def test_changing_a_quantity_returns_a_set_edit(keys):
    keys(SET, ENTER, quantity(5), DONE)
    assert prompts.review_edits(LINES, CATALOG) == [("set", (1, 5))]


def test_a_quantity_below_one_is_refused_and_asked_again(keys):
    keys(SET, DOWN, ENTER, quantity(0), quantity("x"), quantity(3), DONE)
    assert prompts.review_edits(LINES, CATALOG) == [("set", (2, 3))]


def test_adding_an_item_the_order_has_adds_to_its_line(keys):
    keys(ADD, ENTER, quantity(2), DONE)
    edits = prompts.review_edits(LINES, CATALOG)
    assert edits == [("set", (1, 4))]
    assert [(x.line, x.sku, x.quantity) for x in plan_of(edits).after][0] == (1, "T54W", 4)


def test_removing_a_line_returns_a_remove_edit(keys):
    keys(REMOVE, DOWN, ENTER, DONE)
    assert prompts.review_edits(LINES, CATALOG) == [("remove", 2)]


def test_a_new_item_whose_quantity_is_then_changed_is_one_valid_addition(keys):
    keys(ADD, DOWN, ENTER, ENTER, SET, DOWN * 2, ENTER, quantity(4), DONE)
    edits = prompts.review_edits(LINES, CATALOG)
    assert edits == [("add", ("W70B", 4))]
    assert [(x.line, x.sku, x.quantity) for x in plan_of(edits).after] == [
        (1, "T54W", 2),
        (2, "W73H", 1),
        (3, "W70B", 4),
    ]


def test_a_new_item_after_removing_the_last_line_gets_a_new_number(keys):
    # remove line 2, add W70B (shown as line 3, as the order will number it), then set it to 2
    keys(REMOVE, DOWN, ENTER, ADD, DOWN, ENTER, ENTER, SET, DOWN, ENTER, quantity(2), DONE)
    edits = prompts.review_edits(LINES, CATALOG)
    assert edits == [("remove", 2), ("add", ("W70B", 2))]
    assert [(x.line, x.sku, x.quantity) for x in plan_of(edits).after] == [
        (1, "T54W", 2),
        (3, "W70B", 2),
    ]


def test_ctrl_c_in_the_review_raises_keyboard_interrupt(keys):
    keys(SET, CTRL_C)
    with pytest.raises(KeyboardInterrupt):
        prompts.review_edits(LINES, CATALOG)


# -- inside the commands -------------------------------------------------------------------------
@sqlite_only
def test_an_interactive_review_applies_the_confirmed_change(seeded, cli, keys):
    oid = make_order(seeded, items=[{"sku": "T54W", "quantity": 2}, {"sku": "W73H", "quantity": 1}])
    keys(SET, ENTER, quantity(3), ADD, DOWN, ENTER, ENTER, DONE, "y")
    result = cli("review", str(oid))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith(
        "pending · Acme Voice · Globex Corporation · 3× T54W, 1× W73H, 1× W70B"
    )
    edit = cli.json("audit", "--order", str(oid), "--format", "json")[-1]
    assert (edit["action"], edit["actor"]) == ("edit", ADMIN)
    assert edit["details"]["after"] == [
        {"line": 1, "sku": "T54W", "quantity": 3},
        {"line": 2, "sku": "W73H", "quantity": 1},
        {"line": 3, "sku": "W70B", "quantity": 1},
    ]


@sqlite_only
def test_declining_the_review_s_confirmation_changes_nothing(seeded, cli, keys):
    oid = make_order(seeded)
    keys(SET, ENTER, quantity(5), DONE, "n")
    result = cli("review", str(oid))
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("nothing changed")
    assert cli.json("show", str(oid), "--format", "json")["items"][0]["quantity"] == 2


@sqlite_only
def test_declining_an_approval_changes_nothing(seeded, cli, keys):
    oid = make_order(seeded)
    keys("n")
    result = cli("approve", str(oid))
    assert (result.exit_code, result.stderr.strip()) == (1, "nothing changed")
    assert cli.json("show", str(oid), "--format", "json")["status"] == "pending"


@sqlite_only
def test_ctrl_c_at_a_command_s_prompt_exits_130_and_changes_nothing(seeded, cli, keys):
    oid = make_order(seeded)
    keys(CTRL_C)
    result = cli("cancel", str(oid))
    assert result.exit_code == 130
    assert cli.json("show", str(oid), "--format", "json")["status"] == "pending"


@sqlite_only
def test_reject_asks_for_a_reason_and_refuses_a_blank_one(seeded, cli, keys):
    oid = make_order(seeded)
    keys("   ", ENTER, BACKSPACE * 3, "wrong account", ENTER, "y")
    result = cli("reject", str(oid))
    assert result.exit_code == 0, result.stderr
    data = cli.json("show", str(oid), "--format", "json")
    assert (data["status"], data["rejection_reason"]) == ("rejected", "wrong account")
