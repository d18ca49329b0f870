"""The OpenAPI snapshot: `openapi.json` at the top of the repository is the platforms' contract,
written by `python scripts/generate.py`. The app's document must be that file, member for
member, so a change to a route, a parameter, a schema or a description shows up as a diff of
`openapi.json` in review instead of slipping out to platforms unnoticed.

The document does not depend on the store (no backend here): building it reads none."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from tests.api.conftest import make_client

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "openapi.json"


def app_without_a_store():  # noqa: ANN201
    from hwctl.api.app import create_app

    return create_app(None)  # type: ignore[arg-type]


def differences(committed: Any, current: Any) -> str:  # noqa: ANN401
    """The first lines of a diff between the two documents, keys sorted (as the file is)."""

    def lines(doc: Any) -> list[str]:  # noqa: ANN401
        return json.dumps(doc, indent=2, sort_keys=True).splitlines()

    diff = difflib.unified_diff(lines(committed), lines(current), "openapi.json", "the app",
                                lineterm="", n=2)  # fmt: skip
    return "\n".join(list(diff)[:60])


def test_the_apps_openapi_document_is_the_committed_snapshot() -> None:
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    current = app_without_a_store().openapi()
    assert current == committed, (
        "the API's contract changed; if that is meant, run python scripts/generate.py and commit "
        "openapi.json\n" + differences(committed, current)
    )


def test_the_served_document_is_the_snapshot_too() -> None:
    r = make_client(app_without_a_store()).get("/openapi.json")
    assert r.status_code == 200
    assert r.json() == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_the_snapshot_names_every_route_and_the_version() -> None:
    from hwctl import __version__

    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert committed["info"]["version"] == __version__
    routes = {r.path for r in app_without_a_store().routes if r.path != "/openapi.json"}
    assert set(committed["paths"]) == routes


def test_the_document_promises_the_location_of_a_created_order() -> None:
    """Platforms' generated clients read the new order's address from the documented header."""
    created = app_without_a_store().openapi()["paths"]["/v1/orders"]["post"]["responses"]["201"]
    assert set(created["headers"]) == {"Location", "Idempotent-Replayed"}
    assert created["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OrderOut"
    }
