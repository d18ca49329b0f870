"""Reading the platform side's JSON documents (hwctl.io.documents) into validated rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from hwctl.errors import InvalidInput
from hwctl.io.documents import parse_directory, parse_orders
from tests.conftest import DIRECTORY, order_doc


def refusal(parse, data) -> str:  # noqa: ANN001
    text = data if isinstance(data, str | bytes) else json.dumps(data)
    with pytest.raises(InvalidInput) as caught:
        parse(text, "in.json")
    message = str(caught.value)
    assert "\n" not in message
    assert caught.value.exit_code == 1
    return message


# -- orders --------------------------------------------------------------------------------------
def test_one_order_object_is_read_with_its_lines_and_intents():
    doc = order_doc(
        items=[
            {"sku": "T54W", "quantity": 2, "units": [{"user": "ann@globex.example"}]},
            {"sku": "W73H", "quantity": 3},
        ]
    )
    (order,) = parse_orders(json.dumps(doc), "in.json")
    assert (order.platform, order.account) == ("Acme Voice", "Globex Corporation")
    assert order.ordered_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert [(i.sku, i.quantity, len(i.units)) for i in order.items] == [
        ("T54W", 2, 1),
        ("W73H", 3, 0),
    ]
    assert order.items[0].units[0].user == "ann@globex.example"
    assert order.items[0].units[0].location is None


def test_a_list_of_orders_is_read_in_order():
    docs = [order_doc(account="Globex Corporation"), order_doc(account="Initech")]
    assert [o.account for o in parse_orders(json.dumps(docs), "in.json")] == [
        "Globex Corporation",
        "Initech",
    ]


def test_ordered_at_is_optional():
    (order,) = parse_orders(json.dumps(order_doc(ordered_at=None)), "in.json")
    assert order.ordered_at is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2026-11-20T09:30:00Z", datetime(2026, 11, 20, 9, 30, tzinfo=UTC)),
        ("2026-11-20T10:30:00+01:00", datetime(2026, 11, 20, 9, 30, tzinfo=UTC)),
        ("2026-11-20T09:30:00", datetime(2026, 11, 20, 9, 30, tzinfo=UTC)),
    ],
)
def test_ordered_at_comes_back_aware_and_naive_times_mean_utc(given, expected):
    (order,) = parse_orders(json.dumps(order_doc(ordered_at=given)), "in.json")
    assert order.ordered_at == expected
    assert order.ordered_at.utcoffset() is not None


def test_a_utf8_byte_order_mark_is_accepted():
    data = "\ufeff" + json.dumps(order_doc())
    assert len(parse_orders(data.encode("utf-8"), "in.json")) == 1


def test_malformed_json_names_the_line_and_column():
    message = refusal(parse_orders, '{"platform": "Acme Voice",\n "items": [}')
    assert message.startswith("in.json: malformed JSON at line 2 column ")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "in.json: empty input, expected JSON"),
        (b"\xff\xfe{}", "in.json: not UTF-8 text"),
        ("[]", "in.json: the list of orders is empty"),
    ],
)
def test_empty_or_undecodable_input_is_one_line(data, message):
    assert refusal(parse_orders, data) == message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"items": [{"sku": "T54W", "quantity": 0}]},
            "in.json: items[0].quantity: Input should be greater than or equal to 1",
        ),
        (
            {"items": [{"sku": "T54W", "quantity": "2"}]},
            "in.json: items[0].quantity: Input should be a valid integer",
        ),
        (
            {"items": [{"sku": "T54W", "quantity": True}]},
            "in.json: items[0].quantity: Input should be a valid integer",
        ),
        (
            {"items": [{"sku": "T54W", "quantity": 1.5}]},
            "in.json: items[0].quantity: Input should be a valid integer",
        ),
        ({"items": []}, "in.json: items: must not be empty"),
        ({"items": "T54W"}, "in.json: items: Input should be a valid list"),
        ({"platform": 7}, "in.json: platform: Input should be a valid string"),
        ({"account": "  "}, "in.json: account: must not be blank"),
        ({"items": [{"sku": " ", "quantity": 1}]}, "in.json: items[0].sku: must not be blank"),
        ({"colour": "red"}, "in.json: colour: unknown field"),
        (
            {"items": [{"sku": "T54W", "quantity": 1, "units": [{"desk": "3"}]}]},
            "in.json: items[0].units[0].desk: unknown field",
        ),
        (
            {"ordered_at": "next tuesday"},
            "in.json: ordered_at: 'next tuesday' is not an ISO 8601 date and time",
        ),
        ({"ordered_at": 1764000000}, "in.json: ordered_at: Input should be a valid datetime"),
        (
            {"items": [{"sku": "T54W", "quantity": 1, "units": [{}, {}]}]},
            "in.json: items[0]: 2 unit intents for 1 units of T54W",
        ),
    ],
)
def test_a_bad_order_is_refused_with_one_line_naming_where(change, message):
    assert refusal(parse_orders, {**order_doc(), **change}) == message


def test_a_missing_field_is_named():
    doc = order_doc()
    del doc["account"]
    assert refusal(parse_orders, doc) == "in.json: account: is required"


def test_a_bad_order_in_a_list_names_which_order():
    docs = [order_doc(), order_doc(items=[{"sku": "T54W", "quantity": -1}])]
    message = refusal(parse_orders, docs)
    assert message.startswith("in.json: order 2: items[0].quantity: ")


def test_something_that_is_not_an_order_is_refused():
    assert refusal(parse_orders, '"T54W"').startswith("in.json: document: ")


# -- directory -----------------------------------------------------------------------------------
def test_the_issue_s_directory_document_is_read():
    doc = parse_directory(json.dumps(DIRECTORY), "dir.json")
    acme = doc.platforms[0]
    assert [c.sku for c in acme.catalog] == ["T54W", "W70B", "W73H"]
    assert acme.catalog[1].max_handsets == 10
    assert acme.accounts[0].devices[0].mac == "80:5E:C0:00:00:99"


def test_names_are_stripped_of_surrounding_blanks():
    doc = parse_directory(json.dumps({"platforms": [{"name": "  Acme Voice "}]}), "dir.json")
    assert doc.platforms[0].name == "Acme Voice"


@pytest.mark.parametrize(
    ("platform", "message"),
    [
        ({"name": ""}, "dir.json: platforms[0].name: must not be blank"),
        (
            {"name": "A", "catalog": [{"sku": "", "name": "x", "kind": "deskphone"}]},
            "dir.json: platforms[0].catalog[0].sku: must not be blank",
        ),
        (
            {"name": "A", "catalog": [{"sku": "X", "name": "x", "kind": "fax"}]},
            "dir.json: platforms[0].catalog[0].kind: "
            "Input should be 'deskphone', 'dect_base' or 'dect_handset'",
        ),
        (
            {
                "name": "A",
                "catalog": [{"sku": "X", "name": "x", "kind": "dect_base", "max_handsets": -1}],
            },
            "dir.json: platforms[0].catalog[0].max_handsets: "
            "Input should be greater than or equal to 0",
        ),
        (
            {"name": "A", "accounts": [{"name": "B", "users": [" "]}]},
            "dir.json: platforms[0].accounts[0].users[0]: must not be blank",
        ),
        (
            {"name": "A", "accounts": [{"name": "B", "phones": []}]},
            "dir.json: platforms[0].accounts[0].phones: unknown field",
        ),
        ({"name": "A", "region": "EU"}, "dir.json: platforms[0].region: unknown field"),
    ],
)
def test_a_bad_directory_is_refused_with_one_line_naming_where(platform, message):
    with pytest.raises(InvalidInput) as caught:
        parse_directory(json.dumps({"platforms": [platform]}), "dir.json")
    assert str(caught.value) == message


def test_a_directory_without_platforms_is_refused():
    with pytest.raises(InvalidInput, match=r"^dir.json: platforms: is required$"):
        parse_directory("{}", "dir.json")
