"""Every endpoint of the platform API and every status it answers with, on SQLite and
PostgreSQL: the bodies as parsed JSON, the headers, and what the store holds afterwards."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import GLOBEX_ORDER, PROBLEM, Api, bearer, make_client, problem
from tests.cli.test_fulfill_cli import ITEMS, SHIPPED
from tests.conftest import ADMIN, act, directory_rows, make_order

ORDER_KEYS = {"id", "status", "account", "ordered_at", "items", "rejection_reason",
              "rejection_code", "cancel_reason", "decided_at", "fulfilled_at", "units_done",
              "units_total", "units"}  # fmt: skip
UNIT_KEYS = {"unit", "line", "sku", "kind", "user", "location", "device"}
DEVICE_KEYS = {"id", "kind", "sku", "mac", "ipei", "ipui", "user", "location", "base"}


def order_with(**changes: Any) -> dict[str, Any]:  # noqa: ANN401
    return {**GLOBEX_ORDER, **changes}


def line(**changes: Any) -> dict[str, Any]:  # noqa: ANN401
    return {"sku": "T54W", "quantity": 1, **changes}


def people(store, platform: str, account: str) -> tuple[list[str], list[str]] | None:  # noqa: ANN001
    """(users, locations) of an account as stored, or None when it does not exist."""
    from sqlmodel import select

    from hwctl.store.models import Account, AccountUser, Location, Platform

    with store.session() as session:
        found = session.exec(
            select(Account.id)
            .join(Platform, Platform.id == Account.platform_id)
            .where(Platform.name == platform, Account.name == account)
        ).first()
        if found is None:
            return None
        return tuple(  # type: ignore[return-value]
            sorted(session.exec(select(m.name).where(m.account_id == found)).all())
            for m in (AccountUser, Location)
        )


def order_count(store) -> int:  # noqa: ANN001
    return directory_rows(store)["hw_order"]


# -- health and the document ---------------------------------------------------------------------


def test_health_is_ok_without_a_token(shared: Api) -> None:
    r = shared.get("/healthz", as_=None)
    assert (r.status_code, r.json()) == (200, {"status": "ok"})


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again once the block ends: nothing listens there


@pytest.fixture
def dead_store(backend: str, tmp_path: Path):  # noqa: ANN201
    """A store that does not answer: a SQLite file that is not a database, or a PostgreSQL
    server URL on a closed port."""
    from hwctl.config import StoreLocation
    from hwctl.store.engine import open_store

    if backend == "sqlite":
        path = tmp_path / "not-a-database.db"
        path.write_bytes(b"these are not the pages of a SQLite database\n" * 200)
        url = f"sqlite:///{path}"
    else:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/postgres?connect_timeout=5"
    return open_store(StoreLocation(url, "--db", False))


def test_health_is_503_when_the_store_does_not_answer(dead_store) -> None:  # noqa: ANN001
    from hwctl.api.app import create_app

    client = make_client(create_app(dead_store))
    body = problem(client.get("/healthz"), 503)
    assert "store" in body["detail"]


def test_a_request_with_a_token_on_a_store_that_does_not_answer_is_503_not_500(dead_store) -> None:  # noqa: ANN001
    from hwctl.api.app import create_app

    client = make_client(create_app(dead_store))
    r = client.get("/v1/catalog", headers=bearer("hwp_" + "x" * 43))
    body = problem(r, 503)
    assert body["detail"] == "the store cannot be reached; try again later"
    assert "postgres" not in r.text and "sqlite" not in r.text.lower()  # no URL, no driver text


def test_an_invalid_request_with_a_token_on_a_store_that_does_not_answer_is_503_not_500(
    dead_store,  # noqa: ANN001
) -> None:
    """The token of a request FastAPI refuses (an id that is no number) is looked up before the
    422 is chosen; when the store cannot say whether it is valid, the answer is the store's."""
    from hwctl.api.app import create_app

    client = make_client(create_app(dead_store))
    r = client.get("/v1/orders/abc", headers=bearer("hwp_" + "x" * 43))
    assert problem(r, 503)["detail"] == "the store cannot be reached; try again later"


def test_the_openapi_document_describes_every_route_and_the_bearer_scheme(shared: Api) -> None:
    r = shared.get("/openapi.json", as_=None)
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/healthz", "/v1/catalog", "/v1/orders", "/v1/orders/{order_id}",
                                 "/v1/orders/{order_id}/cancel", "/v1/devices"}  # fmt: skip
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert "security" not in doc["paths"]["/healthz"]["get"]
    assert doc["paths"]["/v1/orders"]["post"]["security"] == [{"bearer": []}]
    assert "PlatformOrderIn" in doc["components"]["schemas"]


# -- the catalog -----------------------------------------------------------------------------


def test_the_catalog_is_the_platforms_own(shared: Api) -> None:
    r = shared.get("/v1/catalog")
    assert r.status_code == 200
    assert r.json() == {"data": [
        {"sku": "T54W", "name": "Yealink T54W desk phone", "kind": "deskphone",
         "max_handsets": None},
        {"sku": "W70B", "name": "Yealink W70B DECT base", "kind": "dect_base", "max_handsets": 10},
        {"sku": "W73H", "name": "Yealink W73H DECT handset", "kind": "dect_handset",
         "max_handsets": None},
    ]}  # fmt: skip
    assert [i["sku"] for i in shared.get("/v1/catalog", as_="B").json()["data"]] == [
        "D385", "M85", "M900"]  # fmt: skip


# -- creating orders -------------------------------------------------------------------------


def test_creating_an_order_for_an_account_by_name_is_201_with_its_location(api: Api, cli) -> None:  # noqa: ANN001
    r = api.post("/v1/orders", GLOBEX_ORDER)
    assert r.status_code == 201, r.text
    order = r.json()
    assert r.headers["location"] == f"/v1/orders/{order['id']}"
    assert "idempotent-replayed" not in r.headers
    assert set(order) == ORDER_KEYS
    assert (order["status"], order["account"], order["units_done"], order["units_total"]) == (
        "pending", "Globex Corporation", 0, 2)  # fmt: skip
    assert order["items"] == [{"line": 1, "sku": "T54W", "name": "Yealink T54W desk phone",
                               "kind": "deskphone", "quantity": 2}]  # fmt: skip
    assert [(u["user"], u["location"], u["device"]) for u in order["units"]] == [
        ("ann@globex.example", "HQ Floor 2", None), ("bob@globex.example", None, None)]  # fmt: skip
    assert api.get(r.headers["location"]).json() == order
    shown = cli.json("show", str(order["id"]), "--format", "json")
    assert (shown["status"], shown["platform"], shown["account"]) == (
        "pending", "Acme Voice", "Globex Corporation")  # fmt: skip


def test_an_order_keeps_the_ordered_at_it_was_given(api: Api) -> None:
    order = api.create(order_with(ordered_at="2026-11-20T09:30:00+01:00"))
    assert order["ordered_at"] == "2026-11-20T08:30:00Z"


def test_an_account_object_creates_the_account_with_its_users_and_locations(api: Api) -> None:
    assert people(api.store, "Acme Voice", "Hooli") is None
    body = {
        "account": {"name": "Hooli", "users": ["gavin@hooli.example"], "locations": ["Campus"]},
        "items": [line(units=[{"user": "gavin@hooli.example", "location": "Campus"}])],
    }
    order = api.create(body)
    assert order["account"] == "Hooli"
    assert order["units"][0]["user"] == "gavin@hooli.example"
    assert people(api.store, "Acme Voice", "Hooli") == (["gavin@hooli.example"], ["Campus"])
    assert api.get("/v1/devices", params={"account": "Hooli"}).json() == {"data": []}
    # the account now exists: an order may name it
    api.create({"account": "Hooli", "items": [line(units=[{"user": "gavin@hooli.example"}])]})


def test_an_account_object_for_an_existing_account_adds_only_what_is_missing(api: Api) -> None:
    body = {
        "account": {"name": "Globex Corporation", "users": ["ann@globex.example", "carol@x.example",
                                                            "carol@x.example"],
                    "locations": ["Warehouse", "Annex"]},
        "items": [line(units=[{"user": "carol@x.example", "location": "Annex"}])],
    }  # fmt: skip
    api.create(body)
    assert people(api.store, "Acme Voice", "Globex Corporation") == (
        ["ann@globex.example", "bob@globex.example", "carol@x.example"],
        ["Annex", "HQ Floor 2", "Warehouse"],
    )


def test_a_refused_order_creates_no_account_user_or_location(api: Api) -> None:
    before = directory_rows(api.store)
    body = {
        "account": {"name": "Hooli", "users": ["gavin@hooli.example"], "locations": ["Campus"]},
        "items": [line(sku="NOPE")],
    }
    problem(api.post("/v1/orders", body), 422, "items[0].sku")
    body = {
        "account": {"name": "Globex Corporation", "users": ["new@globex.example"],
                    "locations": ["Annex"]},
        "items": [line(units=[{"user": "nobody@globex.example"}])],
    }  # fmt: skip
    problem(api.post("/v1/orders", body), 422, "items[0].units[0].user")
    assert directory_rows(api.store) == before
    assert people(api.store, "Acme Voice", "Hooli") is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (order_with(items=[line(sku="NOPE")]), "items[0].sku"),
        (order_with(items=[line(sku="D385")]), "items[0].sku"),  # Blue Sky's, not Acme Voice's
        (order_with(items=[line(quantity=0)]), "items[0].quantity"),
        (order_with(items=[line(quantity=-3)]), "items[0].quantity"),
        (order_with(items=[line(quantity=10**12)]), "items[0].quantity"),
        (order_with(items=[line(quantity=10**400)]), "body"),
        (order_with(items=[line(quantity="2")]), "items[0].quantity"),
        (order_with(items=[line(quantity=1.5)]), "items[0].quantity"),
        (order_with(items=[line(quantity=None)]), "items[0].quantity"),
        (order_with(items=[line(quantity=1, units=[{}, {}])]), "items[0].units"),
        (
            order_with(items=[line(units=[{"user": "nobody@globex.example"}])]),
            "items[0].units[0].user",
        ),
        (order_with(items=[line(units=[{"location": "Moon"}])]), "items[0].units[0].location"),
        # a DECT handset has no location, even one of the account's
        (
            order_with(
                items=[line(), line(sku="W73H", quantity=2, units=[{}, {"location": "Warehouse"}])]
            ),
            "items[1].units[1].location",
        ),
        # the account's own location named as a user, and its user as a location
        (order_with(items=[line(units=[{"user": "Warehouse"}])]), "items[0].units[0].user"),
        (
            order_with(items=[line(units=[{"location": "ann@globex.example"}])]),
            "items[0].units[0].location",
        ),
        # another account's user
        (
            order_with(items=[line(units=[{"user": "peter@initech.example"}])]),
            "items[0].units[0].user",
        ),
        (order_with(items=[]), "items"),
        ({"account": "Globex Corporation"}, "items"),
        ({"items": [line()]}, "account"),
        (order_with(items={"sku": "T54W"}), "items"),
        (order_with(items=[line(sku=5)]), "items[0].sku"),
        (order_with(items=[line(sku="")]), "items[0].sku"),
        (order_with(items=[line(colour="red")]), "items[0].colour"),
        (order_with(account=5), "account"),
        (order_with(account=""), "account"),
        (order_with(account="Nobody Inc"), "account"),
        (order_with(account={"name": "Hooli", "users": "gavin"}), "account.users"),
        (order_with(account={"users": []}), "account.name"),
        (order_with(priority="high"), "priority"),
        (order_with(platform="Blue Sky"), "platform"),
        (order_with(ordered_at="1999-12-31T23:59:59Z"), "ordered_at"),
        (order_with(ordered_at="2999-01-01T00:00:00Z"), "ordered_at"),
        (order_with(ordered_at="yesterday"), "ordered_at"),
        (order_with(ordered_at=1700000000), "ordered_at"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_an_invalid_order_is_a_422_naming_the_field_and_stores_nothing(
    shared: Api, body: dict[str, Any], field: str
) -> None:
    before = directory_rows(shared.store)
    problem(shared.post("/v1/orders", body), 422, field)
    assert directory_rows(shared.store) == before


@pytest.mark.parametrize(
    "raw",
    [b"{", b"", b"[]", b"null", b'"an order"', b"5", b"\xff\xfe", b'{"account": NaN}'],
    ids=["truncated", "empty", "array", "null", "string", "number", "not-utf8", "nan"],
)
def test_a_body_that_is_not_a_json_order_object_is_a_422_naming_the_body(
    shared: Api, raw: bytes
) -> None:
    before = order_count(shared.store)
    body = problem(shared.post("/v1/orders", raw), 422, "body")
    assert "PlatformOrderIn" not in body["detail"]
    assert order_count(shared.store) == before


def test_a_body_larger_than_a_megabyte_is_a_422(shared: Api) -> None:
    raw = json.dumps(order_with(note="x" * (1 << 20))).encode()
    problem(shared.post("/v1/orders", raw), 422, "body")


# -- idempotency -----------------------------------------------------------------------------


def test_the_same_idempotency_key_and_body_give_the_first_response_and_one_order(
    api: Api,
) -> None:
    key = {"Idempotency-Key": "signup-4711"}
    first = api.post("/v1/orders", GLOBEX_ORDER, headers=key)
    again = api.post("/v1/orders", GLOBEX_ORDER, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert order_count(api.store) == 1
    # the same body under another key is a new order
    other = api.post("/v1/orders", GLOBEX_ORDER, headers={"Idempotency-Key": "signup-4712"})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert order_count(api.store) == 2


def test_the_key_replays_the_first_response_even_after_the_order_changed(api: Api) -> None:
    key = {"Idempotency-Key": "k1"}
    first = api.post("/v1/orders", GLOBEX_ORDER, headers=key).json()
    assert api.post(f"/v1/orders/{first['id']}/cancel").json()["status"] == "cancelled"
    again = api.post("/v1/orders", GLOBEX_ORDER, headers=key)
    assert again.json() == first  # the first response, not a new order
    assert order_count(api.store) == 1


def test_the_same_key_with_another_body_is_a_422_and_creates_nothing(api: Api) -> None:
    key = {"Idempotency-Key": "signup-4711"}
    first = api.post("/v1/orders", GLOBEX_ORDER, headers=key)
    assert first.status_code == 201
    changed = order_with(items=[line(quantity=5)])
    problem(api.post("/v1/orders", changed, headers=key), 422, "Idempotency-Key")
    assert order_count(api.store) == 1


def test_a_refused_order_does_not_use_up_its_key(api: Api) -> None:
    key = {"Idempotency-Key": "try-again"}
    problem(api.post("/v1/orders", order_with(items=[line(sku="NOPE")]), headers=key), 422)
    assert api.post("/v1/orders", GLOBEX_ORDER, headers=key).status_code == 201


def test_idempotency_keys_are_per_platform(api: Api) -> None:
    key = {"Idempotency-Key": "shared-key"}
    a = api.post("/v1/orders", GLOBEX_ORDER, headers=key)
    umbrella = {"account": "Umbrella Ltd", "items": [{"sku": "D385", "quantity": 1}]}
    b = api.post("/v1/orders", umbrella, headers=key, as_="B")
    assert (a.status_code, b.status_code) == (201, 201), b.text
    assert b.json()["id"] != a.json()["id"] and b.json()["account"] == "Umbrella Ltd"
    # B sending A's very body under A's key gets no replay of A's order: Globex is not B's
    replay = problem(api.post("/v1/orders", GLOBEX_ORDER, headers=key, as_="B"), 422)
    assert str(a.json()["id"]) not in replay["detail"]
    assert order_count(api.store) == 2


@pytest.mark.parametrize("key", ["", "   ", "k" * 256])
def test_an_idempotency_key_that_is_empty_or_too_long_is_a_422(shared: Api, key: str) -> None:
    before = order_count(shared.store)
    problem(shared.post("/v1/orders", GLOBEX_ORDER, headers={"Idempotency-Key": key}), 422,
            "Idempotency-Key")  # fmt: skip
    assert order_count(shared.store) == before


def at_once(api: Api, body: dict[str, Any], n: int = 8, **headers: str) -> list[Any]:
    """POST /v1/orders from `n` threads, each with its own client, released by a barrier."""
    import threading

    clients = [make_client(api.app) for _ in range(n)]
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    sent = api.headers("A", **{"Content-Type": "application/json", **headers})

    def send(k: int) -> None:
        barrier.wait()
        results[k] = clients[k].post("/v1/orders", content=json.dumps(body), headers=sent)

    threads = [threading.Thread(target=send, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_requests_with_one_key_create_one_order(api: Api) -> None:
    """Eight at once with the same key and body: one order; every response the same 201."""
    results = at_once(api, GLOBEX_ORDER, **{"Idempotency-Key": "double-click"})
    assert [r.status_code for r in results] == [201] * 8, [r.text for r in results]
    assert len({r.json()["id"] for r in results}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in results) == 7
    assert order_count(api.store) == 1


def test_concurrent_orders_creating_one_new_account_all_succeed_on_one_account(api: Api) -> None:
    """Six sign-ups of one new account at once (no key): six orders, one account, its people
    once (on PostgreSQL the later ones used to hit the unique name: a 500)."""
    body = {
        "account": {"name": "Hooli", "users": ["gavin@hooli.example"], "locations": ["Campus"]},
        "items": [line(units=[{"user": "gavin@hooli.example", "location": "Campus"}])],
    }
    results = at_once(api, body, n=6)
    assert [r.status_code for r in results] == [201] * 6, [r.text for r in results]
    assert len({r.json()["id"] for r in results}) == 6
    assert people(api.store, "Acme Voice", "Hooli") == (["gavin@hooli.example"], ["Campus"])


# -- listing ---------------------------------------------------------------------------------


def submit_many(store, docs: list[dict[str, Any]]) -> list[int]:  # noqa: ANN001
    from hwctl.app import orders

    return [v.id for v in orders.submit(act(store), json.dumps(docs), "test")]


def acme(account: str = "Globex Corporation") -> dict[str, Any]:
    return {"platform": "Acme Voice", "account": account, "items": [line()]}


def walk_pages(api: Api, **params: Any) -> tuple[list[int], list[int]]:  # noqa: ANN401
    """Every page of GET /v1/orders: (the ids in order, the size of each page)."""
    ids, sizes, cursor = [], [], None
    for _ in range(50):
        r = api.get("/v1/orders", params={**params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        page = r.json()
        assert set(page) == {"data", "next_cursor"}
        ids += [o["id"] for o in page["data"]]
        sizes.append(len(page["data"]))
        cursor = page["next_cursor"]
        if cursor is None:
            return ids, sizes
    raise AssertionError("more than 50 pages")


def test_the_list_is_newest_first_and_pages_through_more_than_a_hundred_orders(api: Api) -> None:
    ids = submit_many(api.store, [acme()] * 130)
    submit_many(api.store, [{"platform": "Blue Sky", "account": "Umbrella Ltd",
                             "items": [{"sku": "D385", "quantity": 1}]}] * 3)  # fmt: skip
    newest_first = sorted(ids, reverse=True)
    assert walk_pages(api, limit=100) == (newest_first, [100, 30])
    assert walk_pages(api) == (newest_first, [50, 50, 30])  # 50 by default
    assert walk_pages(api, limit=65) == (newest_first, [65, 65])  # no empty page at the end
    first = api.get("/v1/orders", params={"limit": 1}).json()
    assert set(first["data"][0]) == ORDER_KEYS - {"units"}
    # a new order does not shift the pages after a cursor
    cursor = api.get("/v1/orders", params={"limit": 10}).json()["next_cursor"]
    submit_many(api.store, [acme()])
    after = api.get("/v1/orders", params={"limit": 10, "cursor": cursor}).json()
    assert [o["id"] for o in after["data"]] == newest_first[10:20]


def test_the_list_filters_by_status_and_account(api: Api) -> None:
    pending = make_order(api.store)
    approved = make_order(api.store, "approved")
    initech = submit_many(api.store, [acme("Initech")])[0]
    rejected = make_order(api.store, "rejected")

    def ids(**params: str) -> list[int]:
        r = api.get("/v1/orders", params=params)
        assert r.status_code == 200, r.text
        return [o["id"] for o in r.json()["data"]]

    assert ids() == [rejected, initech, approved, pending]
    assert ids(status="pending") == [initech, pending]
    assert ids(status="approved") == [approved]
    assert ids(status="fulfilled") == []
    assert ids(account="Initech") == [initech]
    assert ids(account="Globex Corporation", status="pending") == [pending]
    assert ids(account="Nobody Inc") == []
    got = api.get("/v1/orders", params={"status": "rejected"}).json()["data"][0]
    assert (got["rejection_reason"], got["rejection_code"]) == ("test reason", "other")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "9" * 40}, "limit"),
        ({"status": "shipped"}, "status"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"o-5").decode()}, "cursor"),
        ({"cursor": base64.urlsafe_b64encode(b"o" + b"9" * 30).decode()}, "cursor"),
        ({"cursor": "%%%"}, "cursor"),
    ],
    ids=lambda v: json.dumps(v) if isinstance(v, dict) else v,
)
def test_list_parameters_out_of_bounds_are_a_422_naming_them(
    shared: Api, params: dict[str, str], field: str
) -> None:
    problem(shared.get("/v1/orders", params=params), 422, field)


def test_the_limit_bounds_themselves_are_accepted(api: Api) -> None:
    submit_many(api.store, [acme()] * 2)
    assert len(api.get("/v1/orders", params={"limit": 1}).json()["data"]) == 1
    assert len(api.get("/v1/orders", params={"limit": 100}).json()["data"]) == 2


def test_a_cursor_past_every_order_ends_the_list(api: Api) -> None:
    submit_many(api.store, [acme()])
    cursor = base64.urlsafe_b64encode(b"o1").decode().rstrip("=")
    page = api.get("/v1/orders", params={"cursor": cursor}).json()
    assert page == {"data": [], "next_cursor": None}
    highest = base64.urlsafe_b64encode(b"o2147483647").decode().rstrip("=")
    page = api.get("/v1/orders", params={"cursor": highest}).json()
    assert [o["id"] for o in page["data"]] == [1]


@pytest.mark.parametrize("after", [2**31, 10**18 - 1], ids=["2**31", "18-digits"])
def test_a_cursor_past_the_largest_order_id_is_a_422_not_a_store_error(
    shared: Api, after: int
) -> None:
    cursor = base64.urlsafe_b64encode(b"o%d" % after).decode().rstrip("=")
    problem(shared.get("/v1/orders", params={"cursor": cursor}), 422, "cursor")


# -- one order -------------------------------------------------------------------------------


def stored_resource(store, order_id: int) -> dict[str, Any]:  # noqa: ANN001
    """The order as `resources.order_resource` builds it (the webhooks' path): one query per
    part, from the ORM row."""
    from hwctl.app.resources import order_resource
    from hwctl.store.models import HardwareOrder

    with store.session() as session:
        return order_resource(session, session.get(HardwareOrder, order_id))


@pytest.mark.parametrize("state", ["pending", "approved", "rejected", "cancelled", "edited"])
def test_get_reads_an_order_in_one_query_as_the_webhooks_see_it(api: Api, cli, state: str) -> None:  # noqa: ANN001
    """`GET /v1/orders/{id}` reads the order, its lines and units in one query: what it shows is
    what the webhooks' payload (built part by part) shows, in every state, and after an edit
    that grows a line and removes another."""
    body = {"account": "Globex Corporation", "items": ITEMS}
    oid = api.create(body)["id"] if state == "edited" else make_order(api.store, state)
    if state == "edited":
        edit = cli("review", str(oid), "--set", "1=3", "--remove", "2", "--yes")
        assert edit.exit_code == 0, edit.stderr
    got = api.get(f"/v1/orders/{oid}").json()
    assert got == stored_resource(api.store, oid)
    assert got["status"] == ("pending" if state == "edited" else state)
    if state == "edited":
        assert [(i["line"], i["quantity"]) for i in got["items"]] == [(1, 3), (3, 2)]
        assert [u["line"] for u in got["units"]] == [1, 1, 1, 3, 3]


def test_an_order_shows_its_units_and_after_a_cli_fulfilment_their_devices(api: Api, cli) -> None:  # noqa: ANN001
    created = api.create({"account": "Globex Corporation", "items": ITEMS})
    oid = created["id"]
    assert cli("approve", str(oid), "--yes").exit_code == 0
    fulfilled = cli("fulfill", str(oid), "--csv", "-", "--yes", input=SHIPPED.encode())
    assert fulfilled.exit_code == 0, fulfilled.stderr
    r = api.get(f"/v1/orders/{oid}")
    assert r.status_code == 200
    order = r.json()
    assert set(order) == ORDER_KEYS
    assert (order["status"], order["units_done"], order["units_total"]) == ("fulfilled", 5, 5)
    assert order == stored_resource(api.store, oid)
    assert order["fulfilled_at"] and order["decided_at"]
    assert order["rejection_reason"] is None and order["rejection_code"] is None
    assert [(i["sku"], i["quantity"]) for i in order["items"]] == [("T54W", 2), ("W70B", 1),
                                                                   ("W73H", 2)]  # fmt: skip
    units = order["units"]
    assert all(set(u) == UNIT_KEYS and set(u["device"]) == DEVICE_KEYS for u in units)
    got = [
        (u["unit"], u["sku"], u["user"], u["location"], u["device"]["kind"], u["device"]["mac"],
         u["device"]["ipei"], u["device"]["base"])
        for u in units
    ]  # fmt: skip
    base = "805ec0123456"
    assert got == [
        (1, "T54W", "ann@globex.example", "HQ Floor 2", "deskphone", "001565000001", None, None),
        (2, "T54W", "bob@globex.example", "HQ Floor 2", "deskphone", "001565000002", None, None),
        (3, "W70B", None, "Warehouse", "dect_base", base, None, None),
        (4, "W73H", "ann@globex.example", None, "dect_handset", None, "5700507820687", base),
        (5, "W73H", None, None, "dect_handset", None, "5700507820698", base),
    ]
    # the device carries the unit's intent (who and where)
    assert all((u["device"]["user"], u["device"]["location"]) == (u["user"], u["location"])
               for u in units)  # fmt: skip
    assert units[3]["device"]["ipui"] == "0DEADBEEF4"
    # the devices page shows the same devices
    devices = api.get("/v1/devices", params={"account": "Globex Corporation"}).json()["data"]
    assert {d["id"] for d in devices} >= {u["device"]["id"] for u in units}


def test_a_rejected_order_shows_the_reason_and_code_the_super_admin_gave(api: Api, cli) -> None:  # noqa: ANN001
    oid = api.create()["id"]
    rejected = cli("reject", str(oid), "--reason", "W70B is out of stock until May",
                   "--code", "out_of_stock", "--yes")  # fmt: skip
    assert rejected.exit_code == 0, rejected.stderr
    order = api.get(f"/v1/orders/{oid}").json()
    assert (order["status"], order["rejection_reason"], order["rejection_code"]) == (
        "rejected", "W70B is out of stock until May", "out_of_stock")  # fmt: skip
    assert order["decided_at"] is not None and order["fulfilled_at"] is None


def test_an_order_shows_the_lines_as_the_super_admin_left_them(api: Api, cli) -> None:  # noqa: ANN001
    oid = api.create(order_with(items=[line(quantity=3)]))["id"]
    edited = cli("review", str(oid), "--set", "1=1", "--yes")
    assert edited.exit_code == 0, edited.stderr
    order = api.get(f"/v1/orders/{oid}").json()
    assert [i["quantity"] for i in order["items"]] == [1]
    assert order["units_total"] == 1


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/orders/999999", 404),
        ("/v1/orders/2147483647", 404),
        ("/v1/orders/2147483648", 422),
        ("/v1/orders/99999999999999999999999999", 422),
        ("/v1/orders/0", 422),
        ("/v1/orders/-1", 422),
        ("/v1/orders/1.5", 422),
        ("/v1/orders/abc", 422),
        ("/v1/orders/1e3", 422),
        ("/v1/orders/%20", 422),
        ("/v1/orders/999999/cancel", 404),
        ("/v1/orders/99999999999999999999999999/cancel", 422),
        ("/v1/orders/-1/cancel", 422),
        ("/v1/orders/abc/cancel", 422),
    ],
)
def test_ids_that_do_not_exist_are_404_and_ids_that_cannot_be_are_422_never_500(
    shared: Api, path: str, status: int
) -> None:
    method = shared.post if path.endswith("/cancel") else shared.get
    body = problem(method(path), status)
    if status == 422:
        assert body["field"] == "order_id"


def test_a_missing_order_is_the_same_problem_on_read_and_cancel(shared: Api) -> None:
    read = problem(shared.get("/v1/orders/999999"), 404)
    cancel = problem(shared.post("/v1/orders/999999/cancel"), 404)
    assert read == cancel == {"type": "/problems/not_found", "title": "Not found", "status": 404,
                              "detail": "order 999999 does not exist"}  # fmt: skip


def test_unknown_paths_and_methods_are_problems_too(shared: Api) -> None:
    problem(shared.get("/v1/nothing"), 404)
    problem(shared.client.delete("/v1/orders", headers=shared.headers()), 405)
    problem(shared.client.put("/v1/orders/1", headers=shared.headers()), 405)


# -- cancelling ------------------------------------------------------------------------------


def test_cancelling_a_pending_order_is_200_and_the_cancelled_order(api: Api) -> None:
    oid = api.create()["id"]
    r = api.post(f"/v1/orders/{oid}/cancel")
    assert r.status_code == 200
    order = r.json()
    assert set(order) == ORDER_KEYS
    assert (order["id"], order["status"]) == (oid, "cancelled")
    assert order["decided_at"] is not None
    assert api.get(f"/v1/orders/{oid}").json() == order


def test_a_cancellation_may_say_why_and_the_reason_is_on_the_order_and_audited(api: Api) -> None:
    from tests.api.conftest import audit

    oid = api.create()["id"]
    r = api.post(f"/v1/orders/{oid}/cancel", {"reason": "  customer chose another plan "})
    assert (r.status_code, r.json()["cancel_reason"]) == (200, "customer chose another plan")
    assert api.get(f"/v1/orders/{oid}").json()["cancel_reason"] == "customer chose another plan"
    assert audit(api.store, order=oid)[-1]["reason"] == "customer chose another plan"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], "body"),
        ("nope", "body"),
        ({"reason": 7}, "reason"),
        ({"reason": "a\u0007b"}, "reason"),
        ({"reason": "refund \u202eyrev"}, "reason"),
        ({"reason": "a\u200bb"}, "reason"),
        ({"why": "x"}, "body"),
    ],
)
def test_a_bad_cancellation_body_is_422_and_cancels_nothing(api: Api, body, field: str) -> None:  # noqa: ANN001
    oid = api.create()["id"]
    raw = body if isinstance(body, str) else json.dumps(body)
    assert problem(api.post(f"/v1/orders/{oid}/cancel", raw), 422)["field"] == field
    assert api.get(f"/v1/orders/{oid}").json()["status"] == "pending"


def test_cancelling_an_approved_order_is_200(api: Api) -> None:
    oid = make_order(api.store, "approved")
    assert api.post(f"/v1/orders/{oid}/cancel").json()["status"] == "cancelled"


def test_cancelling_again_is_200_unchanged_with_no_second_audit_entry(api: Api) -> None:
    from tests.api.conftest import audit

    oid = api.create()["id"]
    first = api.post(f"/v1/orders/{oid}/cancel")
    again = api.post(f"/v1/orders/{oid}/cancel")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert [e["action"] for e in audit(api.store, order=oid)] == ["submit", "cancel"]


def test_an_order_cancelled_by_a_super_admin_is_200_unchanged(api: Api) -> None:
    oid = make_order(api.store, "cancelled")
    before = api.get(f"/v1/orders/{oid}").json()
    assert api.post(f"/v1/orders/{oid}/cancel").json() == before


@pytest.mark.parametrize("status", ["rejected", "fulfilled"])
def test_a_rejected_or_fulfilled_order_cannot_be_cancelled_409(api: Api, cli, status: str) -> None:  # noqa: ANN001
    from tests.api.conftest import audit

    if status == "rejected":
        oid = make_order(api.store, "rejected")
    else:
        oid = make_order(api.store, "approved", items=[{"sku": "T54W", "quantity": 1}])
        done = cli("fulfill", str(oid), "--csv", "-", "--yes",
                   input=b"SKU,MAC\nT54W,00:15:65:00:00:07\n")  # fmt: skip
        assert done.exit_code == 0, done.stderr
    entries = len(audit(api.store, order=oid))
    body = problem(api.post(f"/v1/orders/{oid}/cancel"), 409)
    assert body["type"] == "/problems/invalid_transition"
    # The status and the act, never the super-admin who decided (nor when): the platform's
    # order has no decided_by either.
    assert body["detail"] == (
        f"order {oid} is {status}, only pending or approved orders can be cancelled"
    )
    assert ADMIN not in json.dumps(body)
    assert api.get(f"/v1/orders/{oid}").json()["status"] == status
    assert len(audit(api.store, order=oid)) == entries


# -- devices ---------------------------------------------------------------------------------


def test_the_devices_of_an_account_in_the_clis_device_shape(api: Api, cli) -> None:  # noqa: ANN001
    r = api.get("/v1/devices", params={"account": "Globex Corporation"})
    assert r.status_code == 200
    cli_shape = cli.json("devices", "--account", "Globex Corporation", "--format", "json")
    assert r.json() == {"data": cli_shape}
    assert [d["mac"] for d in r.json()["data"]] == ["805ec0000099"]
    assert api.get("/v1/devices", params={"account": "Initech"}).json() == {"data": []}


def test_devices_of_an_unknown_account_are_404_and_without_one_422(shared: Api) -> None:
    problem(shared.get("/v1/devices", params={"account": "Nobody Inc"}), 404)
    problem(shared.get("/v1/devices"), 422, "account")
    problem(shared.get("/v1/devices", params={"account": ""}), 422, "account")
    problem(shared.get("/v1/devices", params={"account": "x" * 201}), 422, "account")


@pytest.mark.parametrize("path", ["/v1/devices", "/v1/orders"])
def test_an_account_with_a_nul_character_is_a_422_not_a_store_error(shared: Api, path: str) -> None:
    """Found by schemathesis: PostgreSQL text cannot hold NUL, and the query failed (503)."""
    problem(shared.get(path, params={"account": "Glo\x00bex"}), 422, "account")


# -- tokens ----------------------------------------------------------------------------------


ENDPOINTS = [("GET", "/v1/catalog"), ("POST", "/v1/orders"), ("GET", "/v1/orders"),
             ("GET", "/v1/orders/1"), ("POST", "/v1/orders/1/cancel"),
             ("GET", "/v1/devices?account=Globex%20Corporation")]  # fmt: skip


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token hwp_x", "hwp_x",
     "Bearer hwp_unknown", "Bearer not-even-hwp", "Bearer hwp_" + "a" * 500, "Bearer \t"],
    ids=["missing", "empty", "no-token", "blank", "basic", "other-scheme", "no-scheme", "unknown",
         "no-prefix", "huge", "tab"],
)  # fmt: skip
def test_without_a_valid_token_every_endpoint_is_401_with_www_authenticate_bearer(
    shared: Api, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    oid = shared.create()["id"]  # order 1 exists: a 401 must come before a 404
    before = directory_rows(shared.store)
    for method, path in ENDPOINTS:
        content = json.dumps(GLOBEX_ORDER) if method == "POST" else None
        r = shared.client.request(method, path.replace("/1", f"/{oid}"), headers=headers,
                                  content=content)  # fmt: skip
        problem(r, 401)
        assert r.headers["www-authenticate"] == "Bearer", (method, path)
    assert directory_rows(shared.store) == before


INVALID_REQUESTS = [("POST", "/v1/orders", b"{"), ("POST", "/v1/orders", b"[]"),
                    ("POST", "/v1/orders", b" " * (2 << 20)), ("GET", "/v1/orders/abc", None),
                    ("GET", "/v1/orders/-1", None), ("GET", "/v1/orders?limit=0", None),
                    ("GET", "/v1/orders?account=a%00b", None), ("GET", "/v1/devices", None),
                    ("POST", "/v1/orders/1/cancel", b"{"),
                    ("POST", "/v1/orders/x/cancel", None)]  # fmt: skip


@pytest.mark.parametrize("authorization", ["Bearer hwp_unknown", "revoked", "revoked after use"])
def test_an_unknown_token_is_401_even_when_the_request_is_also_invalid(
    api: Api, cli, authorization: str  # noqa: ANN001
) -> None:  # fmt: skip
    """A caller without a valid token learns nothing of what the request got wrong: the token
    is looked up before the 422 is chosen (the lookup itself runs in the endpoint's thread),
    or, when the server remembers it from an earlier request, again before the error goes."""
    if authorization.startswith("revoked"):
        token = api.token_for("Acme Voice", "to revoke")
        if authorization == "revoked after use":
            assert api.client.get("/v1/catalog", headers=bearer(token)).status_code == 200
        listed = cli.json("token", "list", "--format", "json")
        (row,) = [t for t in listed if t["name"] == "to revoke"]
        assert cli("token", "revoke", str(row["id"])).exit_code == 0
        authorization = f"Bearer {token}"
    for method, path, body in INVALID_REQUESTS:
        r = api.client.request(method, path, headers={"Authorization": authorization}, content=body)
        problem(r, 401)
        assert r.headers["www-authenticate"] == "Bearer", (method, path)
        # with a valid token the same request is a 422 (or a 404 for an id that is no number)
        valid = api.client.request(method, path, headers=api.headers(), content=body)
        assert valid.status_code in (404, 422), (method, path, valid.status_code)


def test_a_revoked_token_is_refused_on_the_next_request(api: Api, cli) -> None:  # noqa: ANN001
    token = api.token_for("Acme Voice", "to revoke")
    (row,) = [t for t in cli.json("token", "list", "--format", "json") if t["name"] == "to revoke"]
    assert api.client.get("/v1/catalog", headers=bearer(token)).status_code == 200
    assert cli("token", "revoke", str(row["id"])).exit_code == 0
    r = api.client.get("/v1/catalog", headers=bearer(token))
    problem(r, 401)
    assert r.headers["www-authenticate"] == "Bearer"
    # the platform's other tokens still work
    assert api.get("/v1/catalog").status_code == 200


def test_the_scheme_is_case_insensitive(shared: Api) -> None:
    token = shared.tokens["A"].token
    r = shared.client.get("/v1/catalog", headers={"Authorization": f"bearer {token}"})
    assert r.status_code == 200


def test_every_error_is_a_problem_document(api: Api) -> None:
    """One of each: the media type and the four members (checked by `problem`)."""
    assert PROBLEM == "application/problem+json"
    problem(api.get("/v1/orders/999999"), 404)
    problem(api.get("/v1/orders", as_=None), 401)
    problem(api.post("/v1/orders", b"{"), 422)
    oid = make_order(api.store, "rejected")
    problem(api.post(f"/v1/orders/{oid}/cancel"), 409)
    problem(api.client.patch("/v1/orders", headers=api.headers()), 405)


@pytest.mark.parametrize(
    ("method", "path", "body", "detail"),
    [
        ("GET", "/v1/orders?limit=abc", None, "limit: must be a whole number"),
        ("GET", "/v1/orders?limit=0", None, "limit: must be at least 1"),
        ("GET", "/v1/orders?limit=99999", None, "limit: must be at most 100"),
        ("GET", "/v1/orders/abc", None, "order_id: must be a whole number"),
        ("POST", "/v1/orders", {**GLOBEX_ORDER, "items": [{"sku": "T54W", "quantity": "2"}]},
         "items[0].quantity: must be a whole number"),
        ("POST", "/v1/orders", {**GLOBEX_ORDER, "items": [{"sku": "T54W", "quantity": 0}]},
         "items[0].quantity: must be at least 1"),
        ("POST", "/v1/orders", {**GLOBEX_ORDER, "items": "T54W"}, "items: must be a list"),
    ],
)  # fmt: skip
def test_invalid_requests_are_worded_by_hwctl_not_by_pydantic(
    api: Api, method: str, path: str, body: Any, detail: str
) -> None:  # noqa: ANN401
    before = directory_rows(api.store)
    r = api.get(path) if method == "GET" else api.post(path, body)
    found = problem(r, 422)["detail"]
    assert "Input should" not in found and "Value error" not in found
    assert found.endswith(detail), found
    assert directory_rows(api.store) == before


def test_an_account_the_api_creates_is_found_by_the_super_admins_search(api: Api) -> None:
    from hwctl.app import orders

    created = api.create({"account": {"name": "Çağrı İletişim"}, "items": [line()]})
    for text in ("Çağrı İletişim", "cagri iletisim", "ÇAĞRI"):
        found = orders.list_orders(act(api.store), search=text).orders
        assert [o.id for o in found] == [created["id"]], text
