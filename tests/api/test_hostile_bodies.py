"""Hostile bodies at `POST /v1/orders`, as properties, on both backends: random bytes, JSON of
any shape, the order with any field of any type, an unknown field named anything, nesting 10,000
deep, other encodings, any Content-Type. Every one is a 4xx RFC 9457 problem (never a 500) whose
detail is one line of a readable length, and nothing is written (every table's row count, the
audit log's included, is compared after each example on the module's shared store)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.api.conftest import Api, problem
from tests.cli.test_input_edges import row_counts
from tests.unit.test_hostile_input import (
    ENCODINGS,
    LINE_BREAKS,
    PLATFORM_ORDER,
    broken_documents,
    dumps,
    json_values,
)

# Acme Voice's own account and SKU: a body that is valid is not what these examples are about,
# so the account is one that does not exist unless the example breaks the name.
BODY = {**PLATFORM_ORDER, "account": "Globex Corporation"}

bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    broken_documents(PLATFORM_ORDER).map(lambda d: dumps(d).encode()),
    broken_documents(BODY).map(lambda d: dumps(d).encode()),
    st.tuples(broken_documents(BODY), ENCODINGS).map(
        lambda t: dumps(t[0]).encode(t[1], errors="replace")
    ),
)
content_types = st.sampled_from(
    [
        "application/json",
        "text/plain",
        "application/json; charset=latin-1",
        "",
        "multipart/form-data",
    ]
)


def is_valid(body: bytes) -> bool:
    """Whether the platform would accept the body: then it is not an example of hostile input."""
    from hwctl.errors import InvalidInput
    from hwctl.io.documents import load_json, parse_platform_order

    try:
        parse_platform_order(load_json(body, "body"))
    except InvalidInput:
        return False
    return True


def test_a_hostile_order_body_is_a_4xx_problem_in_one_line_and_writes_nothing(
    shared: Api, request: pytest.FixtureRequest
) -> None:
    before = row_counts(shared.store)
    postgres = "postgres" in request.node.callspec.id

    @settings(
        max_examples=15 if postgres else 60,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(bodies.filter(lambda b: not is_valid(b)), content_types)
    @example(b"[" * 10_000, "application/json")
    @example(b"\x00", "application/json")
    @example(json.dumps({**BODY, "a\nb": 1}).encode(), "application/json")
    @example(json.dumps({**BODY, "x" * 100_000: 1}).encode(), "application/json")
    @example(json.dumps({**BODY, "account": {"name": "N", "\u2028": 1}}).encode(), "text/plain")
    def check(body: bytes, content_type: str) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        r = shared.post("/v1/orders", body, headers=headers)
        assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
        detail = problem(r, r.status_code)["detail"]
        assert not any(b in detail for b in LINE_BREAKS) and len(detail) <= 1000, detail[:300]
        assert row_counts(shared.store) == before

    check()
