"""schemathesis against the app in-process (ASGI), on SQLite and PostgreSQL, with a valid bearer
token: requests generated from the OpenAPI document, valid ones and invalid ones, for every
operation, over a store with orders in every status (one fulfilled, with devices). No response
is a 5xx, and every response matches the document: its status is documented, its content type
and headers are, its body matches the schema.

Bounded: 25 examples per operation and mode, so each backend takes seconds. Hypothesis keeps no
example database here (nothing is written into the checkout); a failure prints its seed."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import Api
from tests.conftest import make_order

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis import checks as sc
    from schemathesis.specs.openapi import checks as oc  # where every 4.x defines them

CHECKS = [
    sc.not_a_server_error,
    oc.status_code_conformance,
    oc.content_type_conformance,
    oc.response_headers_conformance,
    oc.response_schema_conformance,
]
EXAMPLES = 25
WITHOUT_INPUT = {"GET /healthz", "GET /v1/catalog"}
BOUNDED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def fuzzed(api: Api, cli) -> tuple[Any, dict[str, str]]:  # noqa: ANN001
    """The schema of the app over a store with orders 1-5 in every status, and A's token."""
    make_order(api.store)
    make_order(api.store, "approved")
    make_order(api.store, "rejected")
    make_order(api.store, "cancelled")
    fulfilled = make_order(
        api.store,
        "approved",
        items=[{"sku": "W70B", "quantity": 1}, {"sku": "W73H", "quantity": 1}],
    )
    done = cli("fulfill", str(fulfilled), "--csv", "-", "--yes",
               input=b"SKU,MAC,IPEI\nW70B,80:5E:C0:12:34:56,\nW73H,,0x0deadbeef4\n")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    return schema, api.headers("A")


def statuses_of(operation, mode: GenerationMode, headers: dict[str, str], checks: list) -> set[int]:  # noqa: ANN001
    """Run `operation` on generated requests, checking each response; the statuses seen."""
    seen: set[int] = set()

    @given(case=operation.as_strategy(generation_mode=mode))
    @BOUNDED
    def run(case) -> None:  # noqa: ANN001
        response = case.call_and_validate(headers=headers, checks=checks)
        seen.add(response.status_code)

    run()
    return seen


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_generated_requests_get_no_5xx_and_responses_that_match_the_schema(
    fuzzed: tuple[Any, dict[str, str]], mode: GenerationMode
) -> None:
    schema, headers = fuzzed
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    if mode is GenerationMode.NEGATIVE:  # nothing to get wrong in a request without input
        operations = [op for op in operations if op.label not in WITHOUT_INPUT]
        assert len(operations) == 5
    seen = {op.label: statuses_of(op, mode, headers, CHECKS) for op in operations}
    assert all(seen.values()), seen
    if mode is GenerationMode.POSITIVE:
        # requests the app accepted, not only refusals
        assert seen["GET /v1/catalog"] == {200}
        assert 200 in seen["GET /v1/orders"]


CATALOG = {"T54W": 10, "W70B": 3, "W73H": 10}
USERS = ["ann@globex.example", "bob@globex.example"]
LOCATIONS = ["HQ Floor 2", "Warehouse"]
HANDSETS = {"W73H"}


@st.composite
def valid_orders(draw: st.DrawFn) -> dict[str, Any]:
    """Orders Acme Voice may place: its SKUs, quantities, intents for Globex's people, and the
    account by name or as an account object (new or existing)."""
    skus = draw(st.lists(st.sampled_from(sorted(CATALOG)), min_size=1, max_size=3, unique=True))
    items = []
    for sku in skus:
        quantity = draw(st.integers(1, CATALOG[sku]))
        intents = {"user": st.sampled_from(USERS)}
        if sku not in HANDSETS:  # a handset has no location
            intents["location"] = st.sampled_from(LOCATIONS)
        units = draw(st.lists(st.fixed_dictionaries({}, optional=intents), max_size=quantity))
        items.append({"sku": sku, "quantity": quantity, "units": units})
    account = draw(st.one_of(
        st.just("Globex Corporation"),
        st.builds(lambda name: {"name": name, "users": USERS, "locations": LOCATIONS},
                  st.sampled_from(["Globex Corporation", "Hooli", "Pied Piper"])),
    ))  # fmt: skip
    body: dict[str, Any] = {"account": account, "items": items}
    if draw(st.booleans()):
        body["ordered_at"] = "2026-11-20T09:30:00Z"
    return body


def test_valid_orders_are_created_and_every_response_matches_the_schema(
    fuzzed: tuple[Any, dict[str, str]],
) -> None:
    """Generated bodies hardly ever name a SKU of the catalog: these do, so the 201s, the
    order documents and their Location headers are checked against the schema too, and then
    read back and cancelled through their own operations."""
    schema, headers = fuzzed
    create = schema["/v1/orders"]["POST"]
    read = schema["/v1/orders/{order_id}"]["GET"]
    cancel = schema["/v1/orders/{order_id}/cancel"]["POST"]
    statuses: list[int] = []

    @given(body=valid_orders(), key=st.none() | st.sampled_from(["k1", "k2"]))
    @BOUNDED
    def run(body: dict[str, Any], key: str | None) -> None:
        sent = {**headers, **({"Idempotency-Key": key} if key else {})}
        created = create.Case(body=body, media_type="application/json", headers=sent)
        response = created.call_and_validate(checks=CHECKS)
        statuses.append(response.status_code)
        if response.status_code != 201:  # a key used before with another body
            assert (key, response.status_code) != (None, 422), response.text
            return
        oid = response.json()["id"]
        assert response.headers["location"] == [f"/v1/orders/{oid}"]
        for operation in (read, cancel, read):
            case = operation.Case(path_parameters={"order_id": oid}, headers=headers)
            assert case.call_and_validate(checks=CHECKS).status_code == 200

    run()
    assert statuses.count(201) >= EXAMPLES // 2, statuses


def test_every_order_status_read_and_cancelled_matches_the_schema(
    fuzzed: tuple[Any, dict[str, str]],
) -> None:
    """Generated ids seldom hit the five orders of the store: each is read and cancelled (200,
    or 409 for the rejected and the fulfilled one), and each response checked."""
    schema, headers = fuzzed
    got = []
    for oid in range(1, 6):
        for path, method in (("/v1/orders/{order_id}", "GET"),
                             ("/v1/orders/{order_id}/cancel", "POST")):  # fmt: skip
            case = schema[path][method].Case(path_parameters={"order_id": oid}, headers=headers)
            got.append(case.call_and_validate(checks=CHECKS).status_code)
    assert got == [200, 200, 200, 200, 200, 409, 200, 200, 200, 409]
