"""The HTTP door's shape (issue 22): the application layer speaks no HTTP (the door picks the
statuses and names the headers), `create_app` is a short factory over one router per noun, and
a request still makes one trip to the thread pool, its token looked up in the endpoint's own
thread. On SQLite and PostgreSQL where a store is involved."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import anyio.to_thread
import pytest

from tests.api.conftest import GLOBEX_ORDER, Api, problem

APP = Path(__file__).resolve().parents[2] / "hwctl" / "app"
HTTP_WORDS = re.compile(r"status_code|HTTPStatus|Idempotency-Key|WWW-Authenticate")


def test_the_application_layer_names_no_http_status_or_header() -> None:
    found = [
        f"{path.relative_to(APP.parent)}:{n}: {line.strip()}"
        for path in sorted(APP.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HTTP_WORDS.search(line)
    ]
    assert found == []


def test_create_app_is_a_short_factory_over_one_router_per_noun() -> None:
    from hwctl.api.app import create_app

    lines, _ = inspect.getsourcelines(create_app)
    assert len(lines) <= 80
    nouns = {}
    for route in create_app(None).routes:  # type: ignore[arg-type]
        module = getattr(getattr(route, "endpoint", None), "__module__", "")
        if module.startswith("hwctl.api.routers."):
            nouns.setdefault(module.rsplit(".", 1)[1], set()).update(route.tags)
    assert nouns == {
        "health": {"health"},
        "catalog": {"catalog"},
        "orders": {"orders"},
        "devices": {"devices"},
    }


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions the server hands to its thread pool, in order."""
    seen: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(func, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append(getattr(func, "__name__", repr(func)))
        return await real(func, *args, **kw)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return seen


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_request_makes_one_trip_to_the_thread_pool(
    api: Api, hops: list[str], method: str
) -> None:
    for _ in range(2):  # the first token lookup and a remembered one alike
        hops.clear()
        if method == "GET":
            assert api.get("/v1/catalog").status_code == 200
        else:
            assert api.post("/v1/orders", GLOBEX_ORDER).status_code == 201
        assert len(hops) == 1, hops


def test_a_replayed_key_is_answered_201_with_the_first_body_and_location(api: Api) -> None:
    key = {"Idempotency-Key": "  door-1  "}  # the header's blanks are not the key's
    first = api.post("/v1/orders", GLOBEX_ORDER, headers=key)
    again = api.post("/v1/orders", GLOBEX_ORDER, headers={"Idempotency-Key": "door-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert (
        again.headers["location"] == first.headers["location"] == f"/v1/orders/{first.json()['id']}"
    )
    assert again.json() == first.json()
    other = dict(GLOBEX_ORDER, items=[{"sku": "T54W", "quantity": 5}])
    body = problem(api.post("/v1/orders", other, headers=key), 422, "Idempotency-Key")
    assert body["detail"] == (
        "this Idempotency-Key was used with a different body; use a new key for a new order"
    )


def test_cancelling_a_cancelled_order_still_checks_the_reason(api: Api) -> None:
    order = api.post("/v1/orders", GLOBEX_ORDER).json()["id"]
    assert api.post(f"/v1/orders/{order}/cancel").json()["status"] == "cancelled"
    bad = {"reason": "changed\x1b[31m mind"}
    problem(api.post(f"/v1/orders/{order}/cancel", bad), 422, "reason")
    assert api.get(f"/v1/orders/{order}").json()["cancel_reason"] is None
