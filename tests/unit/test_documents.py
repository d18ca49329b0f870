"""Reading the platform side's JSON documents (hwctl.io.documents) into validated rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from hwctl.cli.words import exit_code  # the CLI's error table: code -> exit code
from hwctl.errors import InvalidInput
from hwctl.io.documents import parse_directory, parse_orders
from tests.conftest import DIRECTORY, order_doc


def refusal(parse, data) -> str:  # noqa: ANN001
    text = data if isinstance(data, str | bytes) else json.dumps(data)
    with pytest.raises(InvalidInput) as caught:
        parse(text, "in.json")
    message = str(caught.value)
    assert "\n" not in message
    assert exit_code(caught.value) == 1
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
            "in.json: items[0].quantity: must be at least 1",
        ),
        (
            {"items": [{"sku": "T54W", "quantity": "2"}]},
            "in.json: items[0].quantity: must be a whole number",
        ),
        (
            {"items": [{"sku": "T54W", "quantity": True}]},
            "in.json: items[0].quantity: must be a whole number",
        ),
        (
            {"items": [{"sku": "T54W", "quantity": 1.5}]},
            "in.json: items[0].quantity: must be a whole number",
        ),
        ({"items": []}, "in.json: items: must not be empty"),
        ({"items": "T54W"}, "in.json: items: must be a list"),
        ({"platform": 7}, "in.json: platform: must be a string"),
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
        ({"ordered_at": 1764000000}, "in.json: ordered_at: must be an ISO 8601 date and time"),
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
            "must be one of 'deskphone', 'dect_base' or 'dect_handset'",
        ),
        (
            {
                "name": "A",
                "catalog": [{"sku": "X", "name": "x", "kind": "dect_base", "max_handsets": -1}],
            },
            "dir.json: platforms[0].catalog[0].max_handsets: must be at least 0",
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


# -- ordered_at: a range the store and the list can hold -----------------------------------------
RANGE = "is out of range: between 2000-01-01 and a day from now"


@pytest.mark.parametrize(
    "given",
    [
        "9999-12-31T23:59:59-05:00",  # converting to UTC overflows past year 9999
        "0001-01-01T00:00:00+14:00",  # converting to UTC underflows before year 1
        "9999-12-31T23:59:59",
        "1999-12-31T23:59:59Z",
        "2000-01-01T00:00:00+00:01",  # 1999-12-31T23:59 in UTC
    ],
)
def test_an_ordered_at_outside_the_range_is_refused_naming_it(given):
    message = refusal(parse_orders, order_doc(ordered_at=given))
    assert message == f"in.json: ordered_at: {given!r} {RANGE}"


def test_ordered_at_may_be_up_to_a_day_ahead_for_clock_skew_but_not_more():
    from datetime import timedelta

    now = datetime.now(UTC).replace(microsecond=0)
    ahead = (now + timedelta(hours=23)).isoformat()
    (order,) = parse_orders(json.dumps(order_doc(ordered_at=ahead)), "in.json")
    assert order.ordered_at == now + timedelta(hours=23)
    too_far = (now + timedelta(hours=25)).isoformat()
    assert refusal(parse_orders, order_doc(ordered_at=too_far)).endswith(RANGE)


def test_the_first_moment_of_2000_is_accepted_and_times_come_back_in_utc():
    (order,) = parse_orders(json.dumps(order_doc(ordered_at="2000-01-01T05:00:00+05:00")), "x")
    assert order.ordered_at == datetime(2000, 1, 1, tzinfo=UTC)
    assert order.ordered_at.utcoffset().total_seconds() == 0


def test_an_out_of_range_time_in_a_list_names_which_order():
    docs = [order_doc(), order_doc(ordered_at="0001-01-01T00:00:00+14:00")]
    assert refusal(parse_orders, docs).startswith("in.json: order 2: ordered_at: ")


def test_a_huge_ordered_at_is_quoted_cut_short():
    message = refusal(parse_orders, order_doc(ordered_at="2" * 10_000))
    assert message == f"in.json: ordered_at: {'2' * 40 + '…'!r} is not an ISO 8601 date and time"


# -- JSON the decoder chokes on -------------------------------------------------------------------
@pytest.mark.parametrize("parse", [parse_orders, parse_directory])
@pytest.mark.parametrize("data", ["[" * 100_000, '{"a":' * 100_000, "[" * 5000 + "]" * 5000])
def test_deeply_nested_json_is_one_line(parse, data):
    assert refusal(parse, data) == "in.json: too deeply nested"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("1e999", "in.json: the number '1e999' is out of range"),
        ("-1e999", "in.json: the number '-1e999' is out of range"),
        ("1" * 5000, "in.json: a number of 5000 digits is out of range"),
        ("-" + "1" * 5000, "in.json: a number of 5000 digits is out of range"),
        ("NaN", "in.json: NaN is not a number JSON allows"),
        ("Infinity", "in.json: Infinity is not a number JSON allows"),
        ("-Infinity", "in.json: -Infinity is not a number JSON allows"),
        ("99999999999999999999", "in.json: items[0].quantity: "
         "must be at most 10000"),
    ],
)  # fmt: skip
def test_numbers_json_allows_but_hwctl_cannot_hold_are_one_line(number, message):
    text = json.dumps(order_doc(items=[{"sku": "T54W", "quantity": 1}])).replace(
        '"quantity": 1', f'"quantity": {number}'
    )
    assert refusal(parse_orders, text) == message


def test_a_huge_number_in_the_directory_is_one_line_too():
    text = '{"platforms": [{"name": "A", "catalog": [{"sku": "X", "name": "x", "kind": ' \
        f'"dect_base", "max_handsets": {"9" * 5000}}}]}}]}}'  # fmt: skip
    assert refusal(parse_directory, text) == "in.json: a number of 5000 digits is out of range"


# -- names and texts are data: no control characters, and a cap ------------------------------------
CONTROLS = ["\x1b", "\x1b[31m", "\n", "\r", "\t", "\x07", "\x7f", "\x85", "\x9b", "\u2028"]


def platform_with(path: str, value: str) -> tuple[dict, str]:
    """The one-platform directory with `value` at `path`; returns it and the path as named."""
    platform = {
        "name": "Acme Voice",
        "catalog": [{"sku": "T54W", "name": "Yealink T54W", "kind": "deskphone",
                     "aliases": ["SIP-T54W"], "vendor": "Yealink"}],
        "accounts": [{"name": "Initech"}, {"name": "Globex", "users": ["ann"],
                      "locations": ["HQ"], "devices": [{"sku": "T54W", "mac": "805ec0000099",
                                                         "user": "ann", "location": "HQ"}]}],
    }  # fmt: skip
    places = {
        "platforms[0].name": (platform, "name"),
        "platforms[0].catalog[0].sku": (platform["catalog"][0], "sku"),
        "platforms[0].catalog[0].name": (platform["catalog"][0], "name"),
        "platforms[0].catalog[0].vendor": (platform["catalog"][0], "vendor"),
        "platforms[0].catalog[0].aliases[0]": (platform["catalog"][0]["aliases"], 0),
        "platforms[0].accounts[1].name": (platform["accounts"][1], "name"),
        "platforms[0].accounts[1].users[0]": (platform["accounts"][1]["users"], 0),
        "platforms[0].accounts[1].locations[0]": (platform["accounts"][1]["locations"], 0),
        "platforms[0].accounts[1].devices[0].sku": (platform["accounts"][1]["devices"][0], "sku"),
        "platforms[0].accounts[1].devices[0].user": (platform["accounts"][1]["devices"][0], "user"),
        "platforms[0].accounts[1].devices[0].location": (
            platform["accounts"][1]["devices"][0],
            "location",
        ),
    }
    holder, key = places[path]
    holder[key] = value
    return {"platforms": [platform]}, path


DIRECTORY_TEXTS = [
    "platforms[0].name",
    "platforms[0].catalog[0].sku",
    "platforms[0].catalog[0].name",
    "platforms[0].catalog[0].vendor",
    "platforms[0].catalog[0].aliases[0]",
    "platforms[0].accounts[1].name",
    "platforms[0].accounts[1].users[0]",
    "platforms[0].accounts[1].locations[0]",
    "platforms[0].accounts[1].devices[0].sku",
    "platforms[0].accounts[1].devices[0].user",
    "platforms[0].accounts[1].devices[0].location",
]


def test_the_directory_with_every_text_field_filled_is_read():
    doc, _ = platform_with("platforms[0].name", "Acme Voice")
    assert parse_directory(json.dumps(doc), "in.json").platforms[0].catalog[0].vendor == "Yealink"


@pytest.mark.parametrize("path", DIRECTORY_TEXTS)
@pytest.mark.parametrize("control", CONTROLS, ids=repr)
def test_a_control_character_in_a_directory_text_is_refused_naming_the_field(path, control):
    doc, where = platform_with(path, f"Evil{control}Name")
    message = refusal(parse_directory, doc)
    assert message == f"in.json: {where}: must not contain control characters"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"platform": "Acme\x1bVoice"}, "platform"),
        ({"account": "Globex\nCorporation"}, "account"),
        ({"items": [{"sku": "T54W\t", "quantity": 1}, {"sku": "W7\x9b3H", "quantity": 1}]},
         "items[1].sku"),
        ({"items": [{"sku": "T54W", "quantity": 1, "units": [{"user": "ann\x1b[2J"}]}]},
         "items[0].units[0].user"),
        ({"items": [{"sku": "T54W", "quantity": 1, "units": [{"location": "HQ\r\nFloor"}]}]},
         "items[0].units[0].location"),
    ],
)  # fmt: skip
def test_a_control_character_in_an_order_text_is_refused_naming_the_field(change, where):
    message = refusal(parse_orders, {**order_doc(), **change})
    assert message == f"in.json: {where}: must not contain control characters"


def test_blanks_around_a_name_are_trimmed_not_refused():
    # Surrounding whitespace (a trailing newline from a spreadsheet cell) is stripped first.
    doc, _ = platform_with("platforms[0].accounts[1].name", "\tGlobex\n")
    assert parse_directory(json.dumps(doc), "in.json").platforms[0].accounts[1].name == "Globex"


def test_nul_keeps_its_own_message():
    doc, where = platform_with("platforms[0].catalog[0].vendor", "Yea\x00link")
    assert refusal(parse_directory, doc) == f"in.json: {where}: must not contain NUL characters"


def test_letters_of_any_script_are_not_control_characters():
    doc, _ = platform_with("platforms[0].accounts[1].name", "Müller & Søn · 株式会社 ٢")
    parse_directory(json.dumps(doc), "in.json")


@pytest.mark.parametrize(
    ("path", "cap"),
    [
        ("platforms[0].name", 200),
        ("platforms[0].catalog[0].name", 200),
        ("platforms[0].catalog[0].aliases[0]", 200),
        ("platforms[0].accounts[1].users[0]", 200),
        ("platforms[0].catalog[0].sku", 100),
        ("platforms[0].catalog[0].vendor", 100),
        ("platforms[0].accounts[1].devices[0].sku", 100),
    ],
)
def test_a_text_over_its_cap_is_refused_stating_the_cap(path, cap):
    doc, _ = platform_with(path, "x" * cap)
    parse_directory(json.dumps(doc), "in.json")
    doc, where = platform_with(path, "x" * (cap + 1))
    assert refusal(parse_directory, doc) == f"in.json: {where}: must be at most {cap} characters"


def test_an_order_text_over_its_cap_states_the_cap():
    message = refusal(parse_orders, order_doc(account="y" * 201))
    assert message == "in.json: account: must be at most 200 characters"


def test_more_than_50_aliases_states_the_cap():
    doc, _ = platform_with("platforms[0].name", "Acme Voice")
    doc["platforms"][0]["catalog"][0]["aliases"] = [f"A{n}" for n in range(51)]
    message = refusal(parse_directory, doc)
    assert message == "in.json: platforms[0].catalog[0].aliases: must have at most 50 items"


# -- catalog data that means nothing --------------------------------------------------------------
@pytest.mark.parametrize("kind", ["deskphone", "dect_handset"])
def test_max_handsets_on_anything_but_a_base_is_refused_naming_the_item(kind):
    doc, _ = platform_with("platforms[0].name", "Acme Voice")
    doc["platforms"][0]["catalog"].append(
        {"sku": "X1", "name": "x", "kind": kind, "max_handsets": 4}
    )
    assert refusal(parse_directory, doc) == (
        f"in.json: platforms[0].catalog[1]: max_handsets applies only to a dect_base, "
        f"not to a {kind}"
    )


def test_max_handsets_has_a_cap_the_store_can_hold():
    doc, _ = platform_with("platforms[0].name", "Acme Voice")
    base = {"sku": "B", "name": "b", "kind": "dect_base", "max_handsets": 10_000}
    doc["platforms"][0]["catalog"].append(base)
    parse_directory(json.dumps(doc), "in.json")
    base["max_handsets"] = 2**31
    assert refusal(parse_directory, doc) == (
        "in.json: platforms[0].catalog[1].max_handsets: must be at most 10000"
    )
