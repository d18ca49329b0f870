"""Hostile input at the pure parsers, as properties: whatever text or bytes arrive, the
identifier parser, the shipping-file reader and the JSON readers either return their value or
raise the project's own error (InvalidInput / IdentifierError) with a one-line message of a
readable length; never another exception. What they accept obeys the domain rules
(/work/shared/domain.md): a MAC is 12 lowercase hex digits, never all zeros, broadcast or
multicast, and parses back from its display and storage forms; an IPEI's check character is right
and it parses back from its decimal and IPUI forms.

The strategies aim at the named cases: random bytes and text, NUL, broken quoting, UTF-16 with
and without a byte order mark, Latin-1 and Windows-1252 bytes, BOMs, huge fields, wrong JSON
types at every field of a valid document, and nesting 10,000 deep."""

from __future__ import annotations

import codecs
import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hwctl.domain.identifiers import (
    IdentifierError,
    Ipei,
    Mac,
    ipei_check_char,
    normalise,
    parse_for_kind,
    parse_ipei,
    parse_mac,
    shapes,
)
from hwctl.domain.shipment import ShipmentRow
from hwctl.errors import InvalidInput
from hwctl.io.documents import (
    load_json,
    parse_directory,
    parse_orders,
    parse_platform_order,
)
from hwctl.io.shipments import IDENTIFIER_HEADERS, MODEL_HEADERS, read_shipments
from tests.conftest import DIRECTORY, order_doc

MANY = settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
DOCUMENTS = settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(
    max_examples=6, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

LINE_BREAKS = ("\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029")
MESSAGE_MAX = 1000  # a refusal quotes the input cut short: no message is a screenful


def one_line(error: BaseException) -> str:
    """The error's message, checked to be one readable line."""
    message = str(error)
    assert message.strip(), repr(error)
    assert not any(b in message for b in LINE_BREAKS), repr(message[:300])
    assert len(message) <= MESSAGE_MAX, (len(message), message[:300])
    return message


# -- identifiers --------------------------------------------------------------------------------
HEX = "0123456789abcdefABCDEF"
# Pieces people (and copy-paste) put into an identifier: hex, separators, labels, `0x`, the check
# star, blanks, other scripts' digits (Arabic-Indic, fullwidth), NUL and line breaks.
PIECES = st.one_of(
    st.text(alphabet=HEX, min_size=1, max_size=12),
    st.sampled_from(
        [":", "-", ".", " ", "  ", "*", "0x", "0X", "MAC", "MAC:", "IPEI", "IPEI:", "IPUI N:",
         "ipui-n ", "=", "\t", "\n", "\x00", "\u0663", "\uff11", "\u00a0", "ﬀ", "ß"]
    ),
    st.text(max_size=4),
)  # fmt: skip
identifier_like = st.lists(PIECES, max_size=8).map("".join)
any_text = st.one_of(st.text(), identifier_like)


def check_mac(mac: Mac) -> None:
    """A MAC hwctl accepted obeys the domain rules and round-trips."""
    assert len(mac.value) == 12 and all(c in "0123456789abcdef" for c in mac.value), mac
    assert mac.value not in ("0" * 12, "f" * 12)
    assert not int(mac.value[:2], 16) & 0x01  # never multicast
    assert parse_mac(mac.display) == mac
    assert parse_mac(normalise(mac)) == mac
    assert parse_for_kind(mac.display, "mac") == mac


def check_ipei(ipei: Ipei) -> None:
    """An IPEI hwctl accepted has the right check character and round-trips."""
    decimal = ipei.decimal
    assert len(decimal) == 13 and decimal[:12].isdigit() and decimal[:12].isascii()
    assert decimal[12] == ipei_check_char(decimal[:12])
    assert (ipei.emc, ipei.psn) != (0, 0)
    assert parse_ipei(decimal) == ipei
    assert parse_ipei(ipei.display) == ipei
    assert parse_ipei(ipei.ipui) == ipei
    assert ipei.ipui[0] == "0"


@MANY
@given(any_text)
@example("\x00")
@example("00:15:65:AB:CD:EF\n")
@example("00:15:65:ab:cd:e\u0663")
@example("MAC:")
@example("IPEI: 0x0DEADBEEF4")
def test_any_text_is_a_mac_or_one_line_saying_why_not(text: str) -> None:
    try:
        mac = parse_mac(text)
    except IdentifierError as e:
        one_line(e)
        return
    check_mac(mac)
    assert "mac" in shapes(text)


@MANY
@given(any_text)
@example("57005 0782068 7")
@example("0DEADBEEF4")
@example("FFFFFFFFFF")
@example("\uff15" * 13)
def test_any_text_is_an_ipei_or_one_line_saying_why_not(text: str) -> None:
    try:
        ipei = parse_ipei(text)
    except IdentifierError as e:
        one_line(e)
        return
    check_ipei(ipei)
    assert "ipei" in shapes(text)


@MANY
@given(any_text, st.sampled_from(["mac", "ipei"]), st.none() | st.text(max_size=30))
def test_parse_for_kind_returns_the_kind_wanted_or_one_line(text: str, kind, context) -> None:  # noqa: ANN001
    try:
        value = parse_for_kind(text, kind, context)
    except IdentifierError as e:
        one_line(e)
        return
    assert isinstance(value, Mac if kind == "mac" else Ipei)
    assert kind in shapes(text)


@FEW
@given(st.integers(min_value=1, max_value=10), st.sampled_from("0aZ: \x00"))
def test_a_megabytes_long_identifier_is_refused_in_one_short_line(megabytes: int, c: str) -> None:
    text = "00:15:65:" + c * (megabytes << 20)
    for parse in (parse_mac, parse_ipei):
        with pytest.raises(IdentifierError) as caught:
            parse(text)
        one_line(caught.value)
    assert shapes(text) == set()


# -- shipping files -----------------------------------------------------------------------------
HEADERS = st.sampled_from(
    [*IDENTIFIER_HEADERS, *MODEL_HEADERS, "SKU", "Unit", "RFPI", "sep=;", "", '"', "MAC\x00"]
) | st.text(max_size=12)
# Cells as files really get them wrong: stray and doubled quotes, separators, line breaks of
# every kind, NUL, identifiers, and anything else.
CELLS = st.one_of(
    identifier_like,
    st.sampled_from(['"', '""', '"a"b', 'a"', ";", ",", "\t", "\r", "\n", "\r\n", "\x00", "#0",
                     "#", "-1", "\ufeff", "sep=,"]),
    st.text(max_size=20),
    # Numbers too long for Python's int() (4,300 digits), and long runs of one character.
    st.tuples(st.sampled_from("90#\"x"), st.integers(1, 6000)).map(lambda t: t[0] * t[1]),
)  # fmt: skip
ENCODINGS = st.sampled_from(
    ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "latin-1", "cp1252", "utf-32"]
)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """A CSV-like file: a header of known and odd names, rows of hostile cells, any separator
    (mixed), any line ends, in any encoding (with BOMs where the encoding writes them)."""
    width = draw(st.integers(min_value=1, max_value=5))
    header = draw(st.lists(HEADERS, min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(CELLS, max_size=width + 1), max_size=6))
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quote = draw(st.booleans())

    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if quote else value

    lines = [sep.join(map(cell, header)), *(sep.join(map(cell, row)) for row in rows)]
    if draw(st.booleans()):
        lines.insert(0, draw(st.sampled_from(["sep=;", "sep=,", '"sep=\\t"', "sep=", "SEP=|"])))
    text = end.join(lines) + draw(st.sampled_from(["", end, end * 3, '"', "\x00"]))
    return text.encode(draw(ENCODINGS), errors="replace")


shipping_bytes = st.one_of(
    st.binary(max_size=3000),
    csv_files(),
    # A real file with bytes broken at one place.
    st.tuples(csv_files(), st.integers(min_value=0), st.binary(min_size=1, max_size=4)).map(
        lambda t: t[0][: t[1] % (len(t[0]) + 1)] + t[2] + t[0][t[1] % (len(t[0]) + 1) :]
    ),
)


def read_or_refuse(data: bytes | str) -> list[ShipmentRow] | None:
    try:
        rows = read_shipments(data, "parcel.csv")
    except InvalidInput as e:
        assert one_line(e).startswith("parcel.csv"), str(e)[:200]
        return None
    assert rows, "an empty list is refused as 'no rows'"
    lines = [row.line for row in rows]
    assert lines == sorted(set(lines)) and lines[0] >= 1
    for row in rows:
        assert isinstance(row, ShipmentRow)
        assert row.identifier.strip() and row.column
        assert row.unit is None or row.unit >= 1
        assert "\x00" not in row.identifier
    return rows


@MANY
@given(shipping_bytes)
@example(b"MAC\n00:15:65:ab:cd:ef\n")
@example(b"\xff\xfeM\x00A\x00C\x00\n\x00")  # UTF-16 LE with its BOM, cut inside a character
@example(b"\xef\xbb\xbfMAC\n\xff\n")  # a UTF-8 BOM, then not UTF-8
@example("MAC;Modèle\n00:15:65:ab:cd:ef;T54W\n".encode("cp1252"))
@example(b'MAC\n"00:15:65:ab:cd:ef\n')  # a quote never closed
@example(b"M\x00A\x00C\x00\n\x00")  # UTF-16 without a byte order mark
# Found by these properties (fixed): a unit number of 5,000 digits raised ValueError from int();
@example(b"MAC;Unit\n00:15:65:ab:cd:ef;" + b"9" * 5000 + b"\n")
# a quoted header with a line break was quoted as it came, splitting the message in two;
@example(b'"M\nAC";IPEI\n00:15:65:ab:cd:ef;0DEADBEEF4\n')
@example(b'"Serial\nNumber";MAC\nabc;\n')
# and a header or a cell of 100,000 characters went whole into the message.
@example(b"Model;" + b"y" * 100_000 + b"\n1;2\n")
@example(b"MAC;IPEI\n" + b"0" * 100_000 + b";1\n")
@example(b";".join([b"Column"] * 300) + b"\n1\n")  # 300 names listed
def test_any_bytes_are_rows_or_one_line_naming_the_file(data: bytes) -> None:
    read_or_refuse(data)


@SOME
@given(st.text(max_size=2000))
def test_any_text_is_rows_or_one_line_naming_the_file(text: str) -> None:
    read_or_refuse(text)


@FEW
@given(
    st.integers(min_value=1, max_value=10),
    st.sampled_from(["cell", "header", "line", "quoted"]),
    st.sampled_from(["a", "0", ";", '"', "\n", "é"]),
)
def test_megabytes_long_fields_are_rows_or_one_short_line(
    megabytes: int, where: str, c: str
) -> None:
    huge = c * (megabytes << 20)
    text = {
        "cell": f"MAC;Model\n00:15:65:ab:cd:ef;{huge}\n",
        "header": f"MAC;{huge}\n00:15:65:ab:cd:ef;T54W\n",
        "line": f"Model;Product\n{huge}\n",
        "quoted": f'MAC\n"{huge}\n',
    }[where]
    read_or_refuse(text.encode())


# -- JSON documents -----------------------------------------------------------------------------
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["", " ", "\x00", "a\nb", "T54W", "deskphone", "2026-11-20T09:30:00Z",
                     "9999-12-31T23:59:59-05:00", "0001-01-01", "x" * 201]),
)  # fmt: skip
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def paths(doc: Any, here: tuple = ()) -> list[tuple]:  # noqa: ANN401
    """Every place in a JSON document (to 12 deep): the root, each key's value, each list item."""
    found = [here]
    if len(here) > 12:  # not down into a value nested 10,000 deep
        return found
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += paths(value, (*here, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found += paths(value, (*here, index))
    return found


def replaced(doc: Any, path: tuple, value: Any) -> Any:  # noqa: ANN401
    if not path:
        return value
    doc = copy.deepcopy(doc)
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return doc


def nested(depth: int, leaf: Any = 1) -> Any:  # noqa: ANN401
    value = leaf
    for n in range(depth):
        value = [value] if n % 2 else {"k": value}
    return value


ORDER = order_doc(
    items=[{"sku": "T54W", "quantity": 2, "units": [{"user": "ann@globex.example",
                                                    "location": "HQ Floor 2"}]}]
)  # fmt: skip
PLATFORM_ORDER = {
    "account": {"name": "New Co", "users": ["a@new.example"], "locations": ["Main"]},
    "ordered_at": "2026-11-20T09:30:00Z",
    "items": ORDER["items"],
}


def orders_or_refuse(data: bytes | str) -> None:
    try:
        parsed = parse_orders(data, "order.json")
    except InvalidInput as e:
        assert one_line(e).startswith("order.json"), str(e)[:200]
        return
    assert parsed and all(o.items for o in parsed)


def directory_or_refuse(data: bytes | str) -> None:
    try:
        parse_directory(data, "directory.json")
    except InvalidInput as e:
        assert one_line(e).startswith("directory.json"), str(e)[:200]


def platform_order_or_refuse(data: Any) -> None:  # noqa: ANN401
    try:
        order = parse_platform_order(data)
    except InvalidInput as e:
        assert one_line(e).startswith("body"), str(e)[:200]
        return
    assert order.items


READERS = st.sampled_from([orders_or_refuse, directory_or_refuse])


@MANY
@given(READERS, st.binary(max_size=500) | st.text(max_size=500).map(str.encode))
@example(orders_or_refuse, b"\xef\xbb\xbf")
@example(orders_or_refuse, "{}".encode("utf-16"))
@example(directory_or_refuse, b'{"platforms": "\x00"}')
@example(orders_or_refuse, b'{"platform": "a\\u0000"}')
def test_any_bytes_are_documents_or_one_line(read, data: bytes) -> None:  # noqa: ANN001
    read(data)


@MANY
@given(READERS, json_values)
def test_any_json_value_is_a_document_or_one_line(read, value: Any) -> None:  # noqa: ANN001, ANN401
    read(json.dumps(value))
    platform_order_or_refuse(value)


@st.composite
def broken_documents(draw: st.DrawFn, doc: Any) -> Any:  # noqa: ANN401
    """`doc` with one place (a field, an item, the root) holding a value of any type; or nested
    10,000 deep; or with an unknown field."""
    places = paths(doc)
    path = draw(st.sampled_from(places))
    value = draw(
        st.one_of(
            json_values,
            st.just(nested(10_000)),
            st.integers(min_value=2**31, max_value=2**70) | st.integers(max_value=-1),
            st.tuples(st.sampled_from("x \x00\n"), st.integers(1, 20_000)).map(
                lambda t: t[0] * t[1]
            ),
        )
    )
    broken = replaced(doc, path, value)
    if draw(st.booleans()):
        # An unknown field, somewhere: its name is the input's own text.
        objects = [p for p in paths(broken) if isinstance(get(broken, p), dict)]
        if objects:
            get(broken, draw(st.sampled_from(objects)))[draw(KEYS)] = draw(json_scalars)
    return broken


KEYS = st.text(max_size=20) | st.sampled_from(
    ["a\nb", "\u2028", "\r", "\x00", "x" * 100_000, "é", "sku ", "Platforms"]
)


def get(doc: Any, path: tuple) -> Any:  # noqa: ANN401
    for step in path:
        doc = doc[step]
    return doc


def dumps(value: Any) -> str:  # noqa: ANN401
    try:
        return json.dumps(value)
    except RecursionError:  # the encoder has the same limit: write deep nesting by hand
        return "[" * 10_000 + "]" * 10_000


@DOCUMENTS
@given(broken_documents(ORDER) | broken_documents([ORDER, ORDER]))
@example({**ORDER, "a\nb": 1})  # an unknown field's name was quoted as it came: two lines
@example({**ORDER, "x" * 100_000: 1})  # ... and a 100 KB message
def test_a_submitted_order_with_any_field_of_any_type_is_an_order_or_one_line(doc: Any) -> None:  # noqa: ANN401
    orders_or_refuse(dumps(doc))


@DOCUMENTS
@given(broken_documents(DIRECTORY))
def test_an_imported_directory_with_any_field_of_any_type_is_one_or_one_line(doc: Any) -> None:  # noqa: ANN401
    directory_or_refuse(dumps(doc))


@DOCUMENTS
@given(broken_documents(PLATFORM_ORDER))
@example({**PLATFORM_ORDER, "account": {"name": "N", "\u2028": 1}})
def test_a_platform_order_with_any_field_of_any_type_is_an_order_or_one_line(doc: Any) -> None:  # noqa: ANN401
    platform_order_or_refuse(doc)


@pytest.mark.parametrize("depth", [1_000, 10_000, 100_000])
@pytest.mark.parametrize("read", [orders_or_refuse, directory_or_refuse])
def test_nesting_thousands_deep_anywhere_is_one_line(read, depth: int) -> None:  # noqa: ANN001
    for opening in ("[" * depth, '{"a":' * depth, '{"platforms": ' + "[{" * depth):
        with pytest.raises(InvalidInput):
            load_json(opening + "1", "deep.json")
        read(opening + "1")


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252"]
)
def test_a_document_in_another_encoding_is_one_line(encoding: str) -> None:
    data = json.dumps(order_doc(account="Café Müller"), ensure_ascii=False).encode(encoding)
    with pytest.raises(InvalidInput) as caught:
        load_json(data, "order.json")
    assert one_line(caught.value).startswith("order.json")


def test_a_byte_order_mark_before_utf8_json_is_dropped() -> None:
    (order,) = parse_orders(codecs.BOM_UTF8 + json.dumps(order_doc()).encode(), "order.json")
    assert order.platform == "Acme Voice"
