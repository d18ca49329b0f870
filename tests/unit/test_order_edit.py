"""Planning edits of a pending order's lines (hwctl.domain.order_edit): pure, no store."""

from __future__ import annotations

import pytest

from hwctl.cli.options import parse_edit_pair
from hwctl.cli.words import message as cli_message
from hwctl.domain.order_edit import (
    AddItem,
    DroppedUnit,
    LineState,
    RemoveLine,
    SetQuantity,
    UnitState,
    plan_edits,
)
from hwctl.errors import InvalidInput, UsageError

CATALOG = {"T54W", "W70B", "W73H"}
ANN = "ann@globex.example · HQ Floor 2"
BOB = "bob@globex.example"


def unit(seq: int, intent: str | None = None) -> UnitState:
    return UnitState(seq, intent)


def order_lines() -> list[LineState]:
    """Line 1: 3× T54W (unit 1 for ann, 2 and 3 plain); line 2: 2× W73H (unit 1 plain, unit 2
    for bob); line 3: 1× W70B (plain)."""
    return [
        LineState(1, "T54W", 3, (unit(1, ANN), unit(2), unit(3))),
        LineState(2, "W73H", 2, (unit(1), unit(2, BOB))),
        LineState(3, "W70B", 1, (unit(1),)),
    ]


def plan(*edits, lines=None):  # noqa: ANN001, ANN002, ANN202
    return plan_edits(7, order_lines() if lines is None else lines, list(edits), CATALOG)


def shape(lines: list[LineState]) -> list[tuple[int, str, int]]:
    return [(x.line, x.sku, x.quantity) for x in lines]


# -- setting quantities --------------------------------------------------------------------------
def test_raising_a_quantity_changes_the_line_and_drops_nothing():
    p = plan(SetQuantity(1, 5))
    assert shape(p.after) == [(1, "T54W", 5), (2, "W73H", 2), (3, "W70B", 1)]
    assert p.dropped == []
    assert p.changed


def test_lowering_a_quantity_drops_the_last_plain_units_first():
    p = plan(SetQuantity(1, 2))
    assert p.dropped == [DroppedUnit(1, "T54W", 3, None)]
    assert p.dropped_intents == []


def test_lowering_a_quantity_drops_plain_units_before_units_with_an_intent_even_earlier_ones():
    p = plan(SetQuantity(2, 1))
    assert p.dropped == [DroppedUnit(2, "W73H", 1, None)]
    assert shape(p.after)[1] == (2, "W73H", 1)


def test_dropping_a_unit_that_carries_an_intent_is_named():
    lines = [LineState(1, "T54W", 3, (unit(1, ANN), unit(2, BOB), unit(3)))]
    p = plan(SetQuantity(1, 1), lines=lines)
    assert [d.seq for d in p.dropped] == [3, 2]
    assert p.dropped_intents == [DroppedUnit(1, "T54W", 2, BOB)]


def test_setting_the_same_quantity_is_not_a_change():
    p = plan(SetQuantity(1, 3))
    assert not p.changed
    assert p.dropped == []


# -- removing lines ------------------------------------------------------------------------------
def test_removing_a_line_keeps_the_other_line_numbers():
    p = plan(RemoveLine(2))
    assert shape(p.after) == [(1, "T54W", 3), (3, "W70B", 1)]


def test_removing_a_line_drops_all_its_units_and_names_those_with_an_intent():
    p = plan(RemoveLine(2))
    assert {(d.line, d.seq) for d in p.dropped} == {(2, 1), (2, 2)}
    assert p.dropped_intents == [DroppedUnit(2, "W73H", 2, BOB)]


def test_removing_every_line_is_refused_in_favour_of_reject_or_cancel():
    with pytest.raises(InvalidInput, match="order 7 would have no lines left: reject or cancel"):
        plan(RemoveLine(1), RemoveLine(2), RemoveLine(3))


# -- adding items --------------------------------------------------------------------------------
def test_adding_a_sku_the_order_already_has_adds_to_that_line():
    p = plan(AddItem("T54W", 2))
    assert shape(p.after) == [(1, "T54W", 5), (2, "W73H", 2), (3, "W70B", 1)]
    assert p.new_lines == {}


def test_an_added_sku_matches_its_catalog_sku_whatever_the_case_or_dashes():
    p = plan(AddItem("t54w", 2), AddItem("w70-b", 1))
    assert shape(p.after) == [(1, "T54W", 5), (2, "W73H", 2), (3, "W70B", 2)]


def test_an_added_sku_that_matches_two_catalog_skus_is_refused_naming_both():
    catalog = {"T54W", "t-54w"}
    with pytest.raises(InvalidInput) as caught:
        plan_edits(7, order_lines(), [AddItem("t54w", 1)], catalog)
    assert caught.value.fields["problem"] == (
        "SKU 't54w' matches 'T54W', 't-54w': give the SKU exactly"
    )
    exact = plan_edits(7, order_lines(), [AddItem("t-54w", 1)], catalog)
    assert exact.new_lines == {4: "t-54w"}


def test_adding_a_new_sku_becomes_the_next_line_number():
    lines = order_lines()[:2]
    p = plan(AddItem("W70B", 1), lines=lines)
    assert shape(p.after)[-1] == (3, "W70B", 1)
    assert p.new_lines == {3: "W70B"}


def test_a_new_line_after_removing_the_last_one_does_not_reuse_its_number():
    p = plan(RemoveLine(3), AddItem("W70B", 2))
    assert shape(p.after) == [(1, "T54W", 3), (2, "W73H", 2), (4, "W70B", 2)]


def test_adding_the_same_new_sku_twice_makes_one_line():
    lines = order_lines()[:1]
    p = plan(AddItem("W73H", 1), AddItem("W73H", 2), lines=lines)
    assert shape(p.after) == [(1, "T54W", 3), (2, "W73H", 3)]


def test_removes_then_sets_then_adds_whatever_order_they_were_given_in():
    p = plan(AddItem("W73H", 1), SetQuantity(1, 1), RemoveLine(3))
    assert shape(p.after) == [(1, "T54W", 1), (2, "W73H", 3)]


# -- errors --------------------------------------------------------------------------------------
BAD_EDITS = [
    # (edits, the rule's words, the terminal's words)
    ([SetQuantity(9, 1)], "set line 9 to 1: order 7 has no line 9 (lines: 1, 2, 3)",
     "--set 9=1: order 7 has no line 9 (lines: 1, 2, 3)"),
    ([RemoveLine(9)], "remove line 9: order 7 has no line 9 (lines: 1, 2, 3)",
     "--remove 9: order 7 has no line 9 (lines: 1, 2, 3)"),
    ([RemoveLine(2), RemoveLine(2)], "remove line 2: line 2 is named twice",
     "--remove 2: line 2 is named twice"),
    ([RemoveLine(2), SetQuantity(2, 4)], "set line 2 to 4: line 2 is also removed",
     "--set 2=4: line 2 is also removed"),
    ([SetQuantity(1, 2), SetQuantity(1, 4)], "set line 1 to 4: line 1 is set twice",
     "--set 1=4: line 1 is set twice"),
    ([SetQuantity(1, 0)], "set line 1 to 0: quantity must be at least 1 (remove the line",
     "--set 1=0: quantity must be at least 1 (remove the line"),
    ([AddItem("T54W", 0)], "add 0 x T54W: quantity must be at least 1",
     "--add T54W=0: quantity must be at least 1"),
    ([AddItem("D385", 1)], "add 1 x D385: SKU 'D385' is not in this order's platform catalog",
     "--add D385=1: SKU 'D385' is not in this order's platform catalog"),
]  # fmt: skip


@pytest.mark.parametrize(("edits", "message", "typed"), BAD_EDITS)
def test_a_bad_edit_is_refused_with_one_line_naming_it_in_no_doors_words(edits, message, typed):
    with pytest.raises(InvalidInput) as caught:
        plan(*edits)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)
    assert "--" not in str(caught.value)  # the rule names no command-line option
    assert caught.value.fields["edit"] in edits


@pytest.mark.parametrize(("edits", "message", "typed"), BAD_EDITS)
def test_the_terminal_names_the_bad_edit_as_it_was_typed(edits, message, typed):
    with pytest.raises(InvalidInput) as caught:
        plan(*edits)
    assert cli_message(caught.value).startswith(typed)


def test_the_plan_does_not_touch_the_lines_it_was_given():
    lines = order_lines()
    plan_edits(7, lines, [RemoveLine(1), SetQuantity(2, 1)], CATALOG)
    assert lines == order_lines()


# -- parsing --set / --add values ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "key_is_int", "expected"),
    [
        ("3=2", True, (3, 2)),
        ("#3=2", True, (3, 2)),
        (" 3 = 2 ", True, (3, 2)),
        ("T54W=2", False, ("T54W", 2)),
    ],
)
def test_edit_pairs_are_parsed(text, key_is_int, expected):
    assert parse_edit_pair(text, "--set", key_is_int) == expected


@pytest.mark.parametrize(
    ("text", "key_is_int", "message"),
    [
        ("3", True, "--set '3': expected LINE=QTY"),
        ("=2", True, "--set '=2': expected LINE=QTY"),
        ("T54W=", False, "--set 'T54W=': expected SKU=QTY"),
        ("x=2", True, "--set 'x=2': line 'x' is not a line number"),
        ("3=two", True, "--set '3=two': quantity 'two' is not a whole number"),
    ],
)
def test_malformed_edit_pairs_are_one_clear_line_and_a_usage_error(text, key_is_int, message):
    with pytest.raises(UsageError, match="^" + message.replace("(", r"\(")):
        parse_edit_pair(text, "--set", key_is_int)
