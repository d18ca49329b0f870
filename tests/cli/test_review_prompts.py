"""The interactive questions (hwctl.cli.prompts), driven through questionary by prompt_toolkit
pipe input, on their own and inside the real commands."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from hwctl.cli import prompts
from hwctl.cli.words import exit_code  # the CLI's error table: code -> exit code
from hwctl.domain.order_edit import AddItem, LineState, RemoveLine, SetQuantity, plan_edits
from hwctl.errors import InvalidInput, UsageError
from tests.conftest import ADMIN, make_order

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])

DOWN, ENTER, BACKSPACE, CTRL_C = "\x1b[B", "\r", "\x7f", "\x03"
YES, NO = "y" + ENTER, "n" + ENTER  # a confirmation takes its Enter
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
    """Type keys into every prompt that follows. The input ends after them: a prompt that wants
    more (a refused answer the test expected to be taken) fails with EOFError, never hangs."""
    with create_pipe_input() as pipe:
        monkeypatch.setattr(prompts, "PROMPT_KWARGS", {"input": pipe, "output": DummyOutput()})

        def send(*parts: str) -> None:
            pipe.send_text("".join(parts))
            pipe.close()

        yield send


def quantity(n: int | str) -> str:
    """Type a quantity into the (empty) field and press enter."""
    return str(n) + ENTER


@pytest.fixture
def asked(monkeypatch) -> list[dict]:  # noqa: ANN001
    """Every text question the review asks: its wording, pre-filled default and validator."""
    seen: list[dict] = []
    original = prompts.text

    def spy(question: str, **kw):  # noqa: ANN003, ANN202
        seen.append({"question": question, **kw})
        return original(question, **kw)

    monkeypatch.setattr(prompts, "text", spy)
    return seen


def as_domain(edits: list[tuple[str, object]]) -> list:
    kinds = {"set": lambda v: SetQuantity(*v), "add": lambda v: AddItem(*v), "remove": RemoveLine}
    return [kinds[kind](value) for kind, value in edits]


def plan_of(edits: list[tuple[str, object]]):  # noqa: ANN201
    lines = [LineState(n, sku, q) for n, sku, _, q in LINES]
    return plan_edits(7, lines, as_domain(edits), {sku for sku, _ in CATALOG})


# -- confirm -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "answer"), [(YES, True), (NO, False), (ENTER, False)])
def test_confirm_takes_the_typed_answer_and_defaults_to_no(keys, typed, answer):
    keys(typed)
    assert prompts.confirm("Approve #7?", yes=False) is answer


def test_yes_answers_a_confirmation_without_asking():
    assert prompts.confirm("Approve #7?", yes=True) is True


def test_without_a_terminal_a_confirmation_is_a_usage_error_naming_the_flag():
    with pytest.raises(UsageError) as caught:
        prompts.confirm("Approve #7?", yes=False)
    assert exit_code(caught.value) == 2
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
    # a refused answer stays in the field: clear it before typing the next one
    keys(SET, DOWN, ENTER, quantity(0), BACKSPACE, quantity("x"), BACKSPACE, quantity(3), DONE)
    assert prompts.review_edits(LINES, CATALOG) == [("set", (2, 3))]


def test_a_quantity_is_typed_into_an_empty_field_with_the_current_one_in_the_question(keys, asked):
    # Pre-filled with "2", typing 5 would have given 25.
    keys(SET, ENTER, quantity(5), DONE)
    assert prompts.review_edits(LINES, CATALOG) == [("set", (1, 5))]
    (question,) = asked
    assert question["question"] == "Line 1 (T54W) has 2. New quantity (empty keeps 2):"
    assert question.get("default", "") == ""


def test_an_empty_quantity_keeps_the_current_one(keys):
    keys(SET, ENTER, ENTER, DONE)  # line 1 has 2
    assert prompts.review_edits(LINES, CATALOG) == []


def test_an_empty_quantity_when_adding_adds_one(keys, asked):
    keys(ADD, DOWN, ENTER, ENTER, DONE)
    assert prompts.review_edits(LINES, CATALOG) == [("add", ("W70B", 1))]
    assert asked[0]["question"] == "How many W70B? Empty for 1:"
    assert asked[0].get("default", "") == ""


def test_a_quantity_over_the_cap_is_refused_as_it_is_typed_and_asked_again(keys):
    keys(SET, ENTER, quantity(99999), BACKSPACE * 5, quantity(7), DONE)
    assert prompts.review_edits(LINES, CATALOG) == [("set", (1, 7))]


def test_adding_counts_what_the_line_already_has_against_the_cap(keys, asked):
    # line 1 has 2 T54W: 9999 more would make 10001, 9998 more make 10000
    keys(ADD, ENTER, quantity(9999), BACKSPACE * 4, quantity(9998), DONE)
    assert prompts.review_edits(LINES, CATALOG) == [("set", (1, 10000))]
    assert asked[0]["question"] == "How many T54W to add to line 1 (it has 2)? Empty adds 1:"
    validate = asked[0]["validate"]
    assert validate("9999") == "line 1 (T54W) would have 10001 units: at most 10000 per line"
    assert validate("9998") is True


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("", True),
        (" 12 ", True),
        ("10000", True),
        ("0", "a whole number, at least 1"),
        ("000", "a whole number, at least 1"),
        ("-3", "a whole number, at least 1"),
        ("2.5", "a whole number, at least 1"),
        ("²", "a whole number, at least 1"),  # a digit to str.isdigit, not to int()
        ("10001", "line 1 (T54W) would have 10001 units: at most 10000 per line"),
        ("99999", "line 1 (T54W) would have 99999 units: at most 10000 per line"),
        ("9" * 5000, "line 1 (T54W) would have more units than that: at most 10000 per line"),
    ],
)
def test_the_quantity_check_has_the_rules_and_the_cap_of_set(keys, asked, typed, answer):
    keys(SET, ENTER, ENTER, DONE)
    prompts.review_edits(LINES, CATALOG)
    assert asked[0]["validate"](typed) == answer
    if answer is not True and typed.isascii() and typed.isdigit() and len(typed) < 10:
        # --set refuses the same quantities, with the same cap
        with pytest.raises(InvalidInput, match="at most 10000 per line|at least 1"):
            plan_of([("set", (1, int(typed)))])


def test_a_change_refused_at_done_keeps_the_edits_and_returns_to_the_menu(keys, capsys):
    refusals = iter(["line 1 (T54W) would have 5 units: at most 4 per line"])

    def check(edits):  # noqa: ANN001, ANN202
        return next(refusals, None) if ("set", (1, 5)) in edits else None

    # Done is refused: the removal and the 5 are still there; lower the 5 to 4 and finish.
    keys(REMOVE, DOWN, ENTER, SET, ENTER, quantity(5), DONE, SET, ENTER, quantity(4), DONE)
    assert prompts.review_edits(LINES, CATALOG, check=check) == [("remove", 2), ("set", (1, 4))]
    assert capsys.readouterr().err == (
        "warning: line 1 (T54W) would have 5 units: at most 4 per line; "
        "nothing is applied yet and your changes are kept\n"
    )


def test_done_again_after_a_refusal_returns_the_kept_edits(keys):
    refusals = iter(["not now"])
    keys(SET, ENTER, quantity(3), DONE, DONE)
    edits = prompts.review_edits(LINES, CATALOG, check=lambda e: next(refusals, None))
    assert edits == [("set", (1, 3))]


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
    keys(SET, ENTER, quantity(3), ADD, DOWN, ENTER, ENTER, DONE, YES)
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


def test_an_interactive_quantity_over_the_cap_is_asked_again_and_the_typed_one_applied(
    seeded, cli, keys
):
    oid = make_order(seeded)
    keys(SET, ENTER, quantity(99999), BACKSPACE * 5, quantity(3), DONE, YES)
    result = cli("review", str(oid))
    assert result.exit_code == 0, result.stderr
    assert cli.json("show", str(oid), "--format", "json")["items"][0]["quantity"] == 3
    edit = cli.json("audit", "--order", str(oid), "--format", "json")[-1]
    assert edit["details"]["after"] == [{"line": 1, "sku": "T54W", "quantity": 3}]


def test_a_plan_refused_at_done_goes_back_to_the_menu_with_the_edits_kept(seeded, cli, keys):
    oid = make_order(seeded)  # one line: 2× T54W
    # remove the only line, Done (refused: no lines left), add a W70B, Done, confirm
    keys(REMOVE, ENTER, DONE, ADD, DOWN, ENTER, ENTER, DONE, YES)
    result = cli("review", str(oid))
    assert result.exit_code == 0, result.stderr
    assert (
        f"warning: order {oid} would have no lines left: reject or cancel it instead; "
        "nothing is applied yet and your changes are kept"
    ) in result.stderr
    items = cli.json("show", str(oid), "--format", "json")["items"]
    assert [(i["line"], i["sku"], i["quantity"]) for i in items] == [(2, "W70B", 1)]
    entries = cli.json("audit", "--order", str(oid), "--format", "json")
    assert [e["action"] for e in entries] == ["submit", "edit"]
    assert entries[-1]["details"]["after"] == [{"line": 2, "sku": "W70B", "quantity": 1}]


@sqlite_only
def test_declining_the_review_s_confirmation_changes_nothing(seeded, cli, keys):
    oid = make_order(seeded)
    keys(SET, ENTER, quantity(5), DONE, NO)
    result = cli("review", str(oid))
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("nothing changed")
    assert cli.json("show", str(oid), "--format", "json")["items"][0]["quantity"] == 2


@sqlite_only
def test_declining_an_approval_changes_nothing(seeded, cli, keys):
    oid = make_order(seeded)
    keys(NO)
    result = cli("approve", str(oid))
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (1, "nothing changed")
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
    keys("   ", ENTER, BACKSPACE * 3, "wrong account", ENTER, ENTER, YES)  # code: other
    result = cli("reject", str(oid))
    assert result.exit_code == 0, result.stderr
    data = cli.json("show", str(oid), "--format", "json")
    assert (data["status"], data["rejection_reason"]) == ("rejected", "wrong account")


def test_the_interactive_rejection_reason_is_checked_as_it_is_typed(seeded, cli, keys):
    oid = make_order(seeded)
    # 501 characters are refused and stay in the field; one backspace makes them 500
    keys("x" * 501, ENTER, BACKSPACE, ENTER, ENTER, YES)  # code: other
    result = cli("reject", str(oid))
    assert result.exit_code == 0, result.stderr
    data = cli.json("show", str(oid), "--format", "json")
    assert (data["status"], data["rejection_reason"]) == ("rejected", "x" * 500)
    assert cli.json("audit", "--order", str(oid), "--format", "json")[-1]["reason"] == "x" * 500


def test_the_rejection_reason_check_names_the_problem():
    from hwctl.cli.orders import _reason_answer

    assert _reason_answer("  ") == "the reason must not be blank"
    assert _reason_answer("dup\x1b[2J") == "control characters are not allowed (ESC at character 4)"
    assert _reason_answer("x" * 501) == "at most 500 characters (this one has 501)"
    assert _reason_answer(" duplicate of #6 ") is True


def test_the_enter_after_a_confirmation_s_y_is_not_left_to_the_next_prompt(keys):
    keys(YES, "wrong account", ENTER)
    assert prompts.confirm("Reject #7?", yes=False) is True
    assert prompts.text("Reason:", flag="--reason") == "wrong account"
