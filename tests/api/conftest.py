"""The platform API in-process: the FastAPI app over the test's store (SQLite or PostgreSQL, as
the `seeded` fixture of tests/conftest.py), with one token for each platform of the standard
directory: A is "Acme Voice", B is "Blue Sky"."""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import _pg_admin_url, act, load_directory

with warnings.catch_warnings():
    # Starlette 1.x would rather its TestClient ran on httpx2; httpx still works.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PLATFORM = {"A": "Acme Voice", "B": "Blue Sky"}
PROBLEM = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail"}

# Acme Voice's account Globex: a desk phone line with both unit intents given.
GLOBEX_ORDER: dict[str, Any] = {
    "account": "Globex Corporation",
    "items": [
        {
            "sku": "T54W",
            "quantity": 2,
            "units": [
                {"user": "ann@globex.example", "location": "HQ Floor 2"},
                {"user": "bob@globex.example"},
            ],
        }
    ],
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Api:
    """The app, a client that never raises the server's exceptions (a bug must show as the 500
    a platform would get), and the tokens: `api.get(path, as_="B")`."""

    store: Any
    app: Any
    client: TestClient
    tokens: dict[str, Any]  # "A"/"B" -> tokens.NewToken

    def headers(self, as_: str | None = "A", **extra: str) -> dict[str, str]:
        auth = bearer(self.tokens[as_].token) if as_ is not None else {}
        return {**auth, **extra}

    def get(self, path: str, as_: str | None = "A", **kw: Any):  # noqa: ANN201
        return self.client.get(path, headers=self.headers(as_, **kw.pop("headers", {})), **kw)

    def post(self, path: str, body: Any = None, as_: str | None = "A", **kw: Any):  # noqa: ANN201, ANN401
        headers = self.headers(as_, **kw.pop("headers", {}))
        if body is not None:
            kw["content"] = body if isinstance(body, (bytes, str)) else json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        return self.client.post(path, headers=headers, **kw)

    def create(self, body: dict[str, Any] | None = None, as_: str = "A", **kw: Any) -> dict:
        """POST /v1/orders, which must succeed; the new order."""
        r = self.post("/v1/orders", GLOBEX_ORDER if body is None else body, as_=as_, **kw)
        assert r.status_code == 201, r.text
        return r.json()

    def token_for(self, platform: str, name: str | None = None) -> str:
        from hwctl.app import tokens

        return tokens.create(act(self.store), platform, name).token


def make_client(app: Any) -> TestClient:  # noqa: ANN401
    return TestClient(app, raise_server_exceptions=False)


def api_over(store) -> Api:  # noqa: ANN001
    """The app over a seeded store, with a token for each platform."""
    from hwctl.api.app import create_app
    from hwctl.app import tokens

    app = create_app(store)
    made = {k: tokens.create(act(store), name, f"{k} client") for k, name in PLATFORM.items()}
    return Api(store, app, make_client(app), made)


@pytest.fixture
def api(seeded) -> Api:  # noqa: ANN001
    """A fresh seeded store of the test's own, for tests that change it."""
    return api_over(seeded)


@contextmanager
def _shared_url(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'hwctl.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from hwctl.config import StoreLocation
    from hwctl.store.engine import Store

    admin_url = _pg_admin_url()
    name = f"hwctl_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    upgrader = Store(StoreLocation(url, "--db", False), auto_migrate=False)
    upgrader.upgrade()
    upgrader.engine.dispose()
    try:
        yield url
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    """One seeded store per module and backend, for tests that leave it as they found it (the
    refusals: they check that themselves): a fresh store per test would cost most of the time."""
    from hwctl.config import StoreLocation
    from hwctl.store.engine import Store

    folder = tmp_path_factory.mktemp("shared-store")
    with _shared_url(request.param, folder) as url:
        store = Store(StoreLocation(url, "--db", False))  # not cached: no test's cleanup closes it
        load_directory(store)
        yield api_over(store)
        store.engine.dispose()


def problem(response, status: int, field: str | None = None) -> dict[str, Any]:  # noqa: ANN001
    """An RFC 9457 problem with `status`; its body. `field`, when given, is the field it names."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].split(";")[0] == PROBLEM, response.headers
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS, body
    assert body["status"] == status, body
    assert all(isinstance(body[k], str) and body[k] for k in ("type", "title", "detail")), body
    if field is not None:
        assert body.get("field") == field, body
    return body


def audit(store, *, action: str | None = None, order: int | None = None) -> list[dict[str, Any]]:  # noqa: ANN001
    """The audit log (oldest first) as `hwctl audit --format json` shows it."""
    from hwctl.app import audit as audit_uc

    return [e.to_json() for e in audit_uc.list_entries(act(store), order_id=order, action=action)]
