"""Tenant isolation, walked route by route: every route of `app.routes`, with platform A's
token (Acme Voice) and platform B's (Blue Sky), over A's orders, devices and accounts. A sees
them (so the walk can fail); B never sees, lists, cancels or learns the existence of any: a 404
with the same body as for an object that does not exist, or a list without them.

Each route has one probe below (`@probe(METHOD, PATH)`); the walk runs the probe of every route
the app has and fails on a route without one, so a new route cannot go unwalked."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.api.conftest import GLOBEX_ORDER, Api, audit, problem
from tests.conftest import make_order

MISSING_ID = 999_999
MISSING_ACCOUNT = "Nobody Inc"
# What only A's data holds: B's requests never send these, so no response to B may hold them.
A_ONLY = ("Acme Voice", "Yealink", "peter@initech.example", "HQ Floor 2",
          "Warehouse", "805ec0000099", "001565000007", "a-key")  # fmt: skip


@dataclass
class World:
    api: Api
    a_orders: dict[str, int]  # status -> A's order of that status
    b_order: int
    b_responses: list[Any] = field(default_factory=list)

    def a(self, method: str, path: str, body: Any = None, **kw: Any):  # noqa: ANN201, ANN401
        return self._send("A", method, path, body, **kw)

    def b(self, method: str, path: str, body: Any = None, **kw: Any):  # noqa: ANN201, ANN401
        r = self._send("B", method, path, body, **kw)
        self.b_responses.append(r)
        return r

    def _send(self, who: str, method: str, path: str, body: Any, **kw: Any):  # noqa: ANN202, ANN401
        headers = self.api.headers(who, **kw.pop("headers", {}))
        if body is not None:
            kw["content"] = json.dumps(body)
            headers["Content-Type"] = "application/json"
        return self.api.client.request(method, path, headers=headers, **kw)

    def a_state(self) -> list[Any]:
        """A's orders as A sees them, and the audit log: what no request of B may change."""
        seen = [self.a("GET", f"/v1/orders/{oid}").json() for oid in self.a_orders.values()]
        return [seen, audit(self.api.store)]


@pytest.fixture
def world(api: Api, cli) -> World:  # noqa: ANN001
    """A's orders in every status (the pending one made through the API with an idempotency
    key, the fulfilled one with a device), and one order of B."""
    pending = api.create(headers={"Idempotency-Key": "a-key"})["id"]
    cancelled = api.create()["id"]
    assert api.post(f"/v1/orders/{cancelled}/cancel").status_code == 200
    fulfilled = make_order(api.store, "approved", items=[{"sku": "T54W", "quantity": 1}])
    done = cli("fulfill", str(fulfilled), "--csv", "-", "--yes",
               input=b"SKU,MAC\nT54W,00:15:65:00:00:07\n")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    a_orders = {
        "pending": pending,
        "approved": make_order(api.store, "approved"),
        "rejected": make_order(api.store, "rejected"),
        "cancelled": cancelled,
        "fulfilled": fulfilled,
    }
    umbrella = {"account": "Umbrella Ltd", "items": [{"sku": "D385", "quantity": 1}]}
    b_order = api.create(umbrella, as_="B")["id"]
    return World(api, a_orders, b_order)


def same_problem(got, missing, ours: str, theirs: str) -> None:  # noqa: ANN001
    """`got` (about A's object `ours`) is the problem `missing` (about `theirs`, which does not
    exist), word for word once the one name is swapped, with the same headers."""
    body = problem(got, missing.status_code)
    body["detail"] = body["detail"].replace(ours, theirs)
    assert body == missing.json()
    assert set(got.headers) == set(missing.headers)
    assert got.headers["content-type"] == missing.headers["content-type"]


PROBES: dict[tuple[str, str], Callable[[World], None]] = {}


def probe(method: str, path: str) -> Callable:
    def register(check: Callable[[World], None]) -> Callable[[World], None]:
        PROBES[method, path] = check
        return check

    return register


@probe("GET", "/healthz")
def _health(w: World) -> None:
    assert w.b("GET", "/healthz").json() == {"status": "ok"}


@probe("GET", "/openapi.json")
def _document(w: World) -> None:
    assert w.b("GET", "/openapi.json").status_code == 200  # A_ONLY is checked on every response


@probe("GET", "/v1/catalog")
def _catalog(w: World) -> None:
    assert "T54W" in [i["sku"] for i in w.a("GET", "/v1/catalog").json()["data"]]
    skus = [i["sku"] for i in w.b("GET", "/v1/catalog").json()["data"]]
    assert skus == ["D385", "M85", "M900"]


@probe("POST", "/v1/orders")
def _create(w: World) -> None:
    umbrella = {"account": "Umbrella Ltd", "items": [{"sku": "D385", "quantity": 1}]}
    # A's account, by name: as unknown to B as an account nobody has
    same_problem(
        w.b("POST", "/v1/orders", {**umbrella, "account": "Globex Corporation"}),
        w.b("POST", "/v1/orders", {**umbrella, "account": MISSING_ACCOUNT}),
        "Globex Corporation", MISSING_ACCOUNT,
    )  # fmt: skip
    # an account object named like A's account does not reach A's users
    units = [{"user": "ann@globex.example"}]
    as_object = {"account": {"name": "Globex Corporation"},
                 "items": [{"sku": "D385", "quantity": 1, "units": units}]}  # fmt: skip
    nobody = json.loads(json.dumps(as_object).replace("ann@globex.example", "nobody@x.example"))
    same_problem(w.b("POST", "/v1/orders", as_object), w.b("POST", "/v1/orders", nobody),
                 "ann@globex.example", "nobody@x.example")  # fmt: skip
    # A's SKU is no SKU of B's
    a_sku = {**umbrella, "items": [{"sku": "T54W", "quantity": 1}]}
    no_sku = {**umbrella, "items": [{"sku": "NOPE", "quantity": 1}]}
    same_problem(w.b("POST", "/v1/orders", a_sku), w.b("POST", "/v1/orders", no_sku),
                 "T54W", "NOPE")  # fmt: skip
    # A's Idempotency-Key with A's body replays nothing for B; with B's body it is B's new key
    key = {"Idempotency-Key": "a-key"}
    problem(w.b("POST", "/v1/orders", GLOBEX_ORDER, headers=key), 422)
    mine = w.b("POST", "/v1/orders", umbrella, headers=key)
    assert mine.status_code == 201 and mine.json()["id"] not in w.a_orders.values()
    # and A's key still replays A's order for A
    again = w.a("POST", "/v1/orders", GLOBEX_ORDER, headers=key)
    assert (again.status_code, again.json()["id"]) == (201, w.a_orders["pending"])


@probe("GET", "/v1/orders")
def _list(w: World) -> None:
    a_ids = set(w.a_orders.values())
    assert a_ids <= {o["id"] for o in w.a("GET", "/v1/orders").json()["data"]}
    for params in [{}, {"limit": "100"}, *({"status": s} for s in w.a_orders),
                   {"account": "Globex Corporation"}, {"account": "Initech"}]:  # fmt: skip
        r = w.b("GET", "/v1/orders", params=params)
        assert r.status_code == 200, (params, r.text)
        assert not a_ids & {o["id"] for o in r.json()["data"]}, params
        assert {o["account"] for o in r.json()["data"]} <= {"Umbrella Ltd"}, params
    # A's account filters B's list as an unknown one does
    assert (w.b("GET", "/v1/orders", params={"account": "Globex Corporation"}).json()
            == w.b("GET", "/v1/orders", params={"account": MISSING_ACCOUNT}).json()
            == {"data": [], "next_cursor": None})  # fmt: skip
    # a cursor from A's pages moves B through B's own orders only
    cursor = w.a("GET", "/v1/orders", params={"limit": "1"}).json()["next_cursor"]
    after = w.b("GET", "/v1/orders", params={"cursor": cursor}).json()["data"]
    assert not a_ids & {o["id"] for o in after}


@probe("GET", "/v1/orders/{order_id}")
def _one(w: World) -> None:
    missing = w.b("GET", f"/v1/orders/{MISSING_ID}")
    problem(missing, 404)
    for status, oid in w.a_orders.items():
        assert w.a("GET", f"/v1/orders/{oid}").json()["status"] == status
        same_problem(w.b("GET", f"/v1/orders/{oid}"), missing, str(oid), str(MISSING_ID))
    assert w.b("GET", f"/v1/orders/{w.b_order}").status_code == 200


@probe("POST", "/v1/orders/{order_id}/cancel")
def _cancel(w: World) -> None:
    missing = w.b("POST", f"/v1/orders/{MISSING_ID}/cancel")
    problem(missing, 404)
    before = w.a_state()
    for oid in w.a_orders.values():
        same_problem(w.b("POST", f"/v1/orders/{oid}/cancel"), missing, str(oid), str(MISSING_ID))
    assert w.a_state() == before  # nothing cancelled, nothing audited


@probe("GET", "/v1/devices")
def _devices(w: World) -> None:
    a_devices = w.a("GET", "/v1/devices", params={"account": "Globex Corporation"}).json()["data"]
    assert {"805ec0000099", "001565000007"} <= {d["mac"] for d in a_devices}
    missing = w.b("GET", "/v1/devices", params={"account": MISSING_ACCOUNT})
    problem(missing, 404)
    for account in ("Globex Corporation", "Initech"):
        got = w.b("GET", "/v1/devices", params={"account": account})
        same_problem(got, missing, account, MISSING_ACCOUNT)
    assert w.b("GET", "/v1/devices", params={"account": "Umbrella Ltd"}).json() == {"data": []}


def routes_of(app) -> set[tuple[str, str]]:  # noqa: ANN001
    """(method, path) of every route the app serves (HEAD goes with GET)."""
    return {(m, r.path) for r in app.routes for m in getattr(r, "methods", None) or ()
            if m != "HEAD"}  # fmt: skip


def test_platform_b_never_sees_lists_cancels_or_learns_of_platform_as_objects(
    world: World,
) -> None:
    walked = set()
    for method, path in sorted(routes_of(world.api.app)):
        assert (method, path) in PROBES, f"{method} {path} has no isolation probe: add one"
        PROBES[method, path](world)
        walked.add((method, path))
    assert walked == set(PROBES), "a probe for a route the app no longer has"
    assert len(world.b_responses) > 20
    for r in world.b_responses:
        for secret in A_ONLY:
            assert secret not in r.text, (r.request.method, r.request.url, secret)
