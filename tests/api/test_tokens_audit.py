"""API tokens through the CLI (`hwctl token create|list|revoke`) and the audit trail of the API:
an order created through the API is a `submit` entry, a cancellation a `cancel` entry, both with
the platform principal and the token id as actor; every token change is audited."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from tests.api.conftest import GLOBEX_ORDER, Api, bearer, problem


def audit_json(cli, *args: str) -> list[dict]:  # noqa: ANN001
    return cli.json("audit", "--format", "json", *args)


def one_error(result) -> str:  # noqa: ANN001
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hwctl: error: "), lines
    return lines[0].removeprefix("hwctl: error: ")


def token_rows(store) -> list[dict]:  # noqa: ANN001
    """Every column of every api_token row, as stored."""
    from sqlalchemy import text

    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM api_token ORDER BY id"))]


# -- the audit trail of API changes ----------------------------------------------------------


def test_an_api_order_is_a_submit_entry_by_the_platform_and_its_token(api: Api, cli) -> None:  # noqa: ANN001
    oid = api.create()["id"]
    (entry,) = audit_json(cli, "--action", "submit")
    token_id = api.tokens["A"].id
    assert (entry["order"], entry["actor"], entry["actor_kind"]) == (
        oid, f"platform:Acme Voice#{token_id}", "platform")  # fmt: skip
    shown = cli.json("show", str(oid), "--format", "json")
    assert [(e["action"], e["actor"]) for e in shown["audit"]] == [
        ("submit", f"platform:Acme Voice#{token_id}")]  # fmt: skip


def test_an_api_cancellation_is_a_cancel_entry_by_the_platform_and_its_token(
    api: Api, cli  # noqa: ANN001
) -> None:  # fmt: skip
    oid = api.create()["id"]
    other = api.token_for("Acme Voice", "second client")
    r = api.client.post(f"/v1/orders/{oid}/cancel", headers=bearer(other))
    assert r.status_code == 200
    (entry,) = audit_json(cli, "--action", "cancel")
    (second,) = [t for t in cli.json("token", "list", "--format", "json")
                 if t["name"] == "second client"]  # fmt: skip
    assert (entry["order"], entry["actor"], entry["actor_kind"]) == (
        oid, f"platform:Acme Voice#{second['id']}", "platform")  # fmt: skip
    assert entry["details"] == {"from": "pending", "to": "cancelled"}


def test_a_replayed_creation_is_not_audited_again(api: Api, cli) -> None:  # noqa: ANN001
    key = {"Idempotency-Key": "once"}
    assert api.post("/v1/orders", GLOBEX_ORDER, headers=key).status_code == 201
    assert api.post("/v1/orders", GLOBEX_ORDER, headers=key).status_code == 201
    assert len(audit_json(cli, "--action", "submit")) == 1


def test_refused_requests_leave_no_audit_entry(api: Api, cli) -> None:  # noqa: ANN001
    before = audit_json(cli)
    problem(api.post("/v1/orders", {**GLOBEX_ORDER, "items": []}), 422)
    problem(api.post("/v1/orders/999999/cancel"), 404)
    problem(api.post("/v1/orders", GLOBEX_ORDER, as_=None), 401)
    assert audit_json(cli) == before


# -- hwctl token create ----------------------------------------------------------------------


def test_token_create_json_gives_the_token_once_and_stores_only_its_sha256(seeded, cli) -> None:  # noqa: ANN001
    made = cli.json("token", "create", "--platform", "Acme Voice", "--name", "signup form",
                    "--format", "json")  # fmt: skip
    assert set(made) == {"id", "token", "platform", "name"}
    assert (made["platform"], made["name"]) == ("Acme Voice", "signup form")
    token = made["token"]
    assert token.startswith("hwp_")
    raw = base64.urlsafe_b64decode(token.removeprefix("hwp_") + "=" * (-len(token) % 4))
    assert len(raw) * 8 == 256
    (row,) = token_rows(seeded)
    assert row["id"] == made["id"]
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert not [k for k, v in row.items() if isinstance(v, str) and token.removeprefix("hwp_") in v]
    assert (row["name"], row["created_by"], row["revoked_at"]) == ("signup form", "dana", None)


def test_two_tokens_are_different(seeded, cli) -> None:  # noqa: ANN001
    made = [cli.json("token", "create", "-p", "Blue Sky", "--format", "json")["token"]
            for _ in range(2)]  # fmt: skip
    assert made[0] != made[1]


def test_token_create_prints_only_the_token_on_stdout(seeded, cli) -> None:  # noqa: ANN001
    result = cli("token", "create", "--platform", "Acme Voice")
    assert result.exit_code == 0, result.stderr
    (token,) = result.stdout.splitlines()
    assert token.startswith("hwp_") and len(token) == 4 + 43
    assert "shown once" in result.stderr and token not in result.stderr
    (row,) = token_rows(seeded)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert row["name"] is None


def test_a_created_token_works_on_the_api_at_once(seeded, cli) -> None:  # noqa: ANN001
    from hwctl.api.app import create_app
    from tests.api.conftest import make_client

    token = cli.json("token", "create", "-p", "Blue Sky", "--format", "json")["token"]
    r = make_client(create_app(seeded)).get("/v1/catalog", headers=bearer(token))
    assert r.status_code == 200 and r.json()["data"][0]["sku"] == "D385"


def test_token_create_for_an_unknown_platform_is_one_line_and_exit_1(seeded, cli) -> None:  # noqa: ANN001
    line = one_error(cli("token", "create", "--platform", "Nope Telecom"))
    assert "Nope Telecom" in line and "platform" in line
    assert token_rows(seeded) == []
    assert audit_json(cli, "--action", "token_create") == []


@pytest.mark.parametrize(
    "args",
    [["token", "create", "--platform", "Acme Voice"], ["token", "list"], ["token", "revoke", "1"]],
    ids=["create", "list", "revoke"],
)
def test_token_commands_are_for_super_admins_only(seeded, cli, args: list[str]) -> None:  # noqa: ANN001
    cli.json("token", "create", "-p", "Acme Voice", "--format", "json")
    before = token_rows(seeded)
    line = one_error(cli(*args, as_="mallory"))
    assert "mallory" in line and "super-admin" in line
    assert token_rows(seeded) == before


def test_token_create_and_revoke_are_audited_without_the_token(seeded, cli) -> None:  # noqa: ANN001
    made = cli.json("token", "create", "-p", "Acme Voice", "-n", "crm", "--format", "json")
    assert cli("token", "revoke", str(made["id"])).exit_code == 0
    entries = audit_json(cli, "--action", "token_create") + audit_json(
        cli, "--action", "token_revoke"
    )
    assert [(e["action"], e["actor"], e["actor_kind"], e["details"]) for e in entries] == [
        ("token_create", "dana", "super_admin",
         {"token": made["id"], "platform": "Acme Voice", "name": "crm"}),
        ("token_revoke", "dana", "super_admin",
         {"token": made["id"], "platform": "Acme Voice", "name": "crm"}),
    ]  # fmt: skip
    log = cli("audit", "--format", "json").stdout
    assert made["token"] not in log and made["token"].removeprefix("hwp_") not in log


# -- hwctl token list and revoke -------------------------------------------------------------


def test_token_list_shows_every_token_but_never_the_token(api: Api, cli) -> None:  # noqa: ANN001
    listed = cli.json("token", "list", "--format", "json")
    assert [(t["id"], t["platform"], t["name"]) for t in listed] == [
        (api.tokens["A"].id, "Acme Voice", "A client"),
        (api.tokens["B"].id, "Blue Sky", "B client"),
    ]
    assert all(set(t) == {"id", "platform", "name", "created", "created_by", "last_used",
                          "revoked"} for t in listed)  # fmt: skip
    assert all(t["last_used"] is None and t["revoked"] is None for t in listed)
    text = json.dumps(listed) + cli("token", "list").stdout
    for made in api.tokens.values():
        assert made.token not in text and made.token.removeprefix("hwp_") not in text
        assert hashlib.sha256(made.token.encode()).hexdigest() not in text
    assert [t["platform"] for t in cli.json("token", "list", "-p", "Blue Sky", "--format",
                                            "json")] == ["Blue Sky"]  # fmt: skip


def test_token_list_with_no_token_says_how_to_make_one(seeded, cli) -> None:  # noqa: ANN001
    result = cli("token", "list")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "no tokens: `hwctl token create --platform NAME` makes one\n"
    assert cli.json("token", "list", "--format", "json") == []


def test_token_list_table_shows_when_each_was_last_used_and_revoked(api: Api, cli) -> None:  # noqa: ANN001
    assert api.get("/v1/catalog", as_="B").status_code == 200
    assert cli("token", "revoke", str(api.tokens["A"].id)).exit_code == 0
    rows = {line.split("│")[2].strip(): line for line in cli("token", "list").stdout.splitlines()
            if line.startswith("│")}  # fmt: skip
    assert set(rows) == {"Acme Voice", "Blue Sky"}
    acme = [c.strip() for c in rows["Acme Voice"].split("│")[1:-1]]
    sky = [c.strip() for c in rows["Blue Sky"].split("│")[1:-1]]
    assert acme[5] == "never" and acme[6] != ""
    assert sky[5] not in ("", "never") and sky[6] == ""


def test_token_list_notes_when_a_token_was_last_used(api: Api, cli) -> None:  # noqa: ANN001
    assert api.get("/v1/catalog", as_="B").status_code == 200
    listed = {t["platform"]: t for t in cli.json("token", "list", "--format", "json")}
    assert listed["Blue Sky"]["last_used"] is not None
    assert listed["Acme Voice"]["last_used"] is None


def test_token_revoke_marks_it_revoked_and_says_so(api: Api, cli) -> None:  # noqa: ANN001
    tid = api.tokens["A"].id
    result = cli("token", "revoke", str(tid))
    assert (result.exit_code, result.stdout) == (0, f"token {tid} (Acme Voice) revoked\n")
    (listed,) = [t for t in cli.json("token", "list", "--format", "json") if t["id"] == tid]
    assert listed["revoked"] is not None
    problem(api.get("/v1/catalog"), 401)
    # revoking it again changes nothing and is not audited again
    assert cli("token", "revoke", str(tid)).exit_code == 0
    assert len(audit_json(cli, "--action", "token_revoke")) == 1


@pytest.mark.parametrize("token_id", ["999", "abc", "1.0", "9" * 30])
def test_token_revoke_of_no_such_token_is_one_line_and_exit_1(seeded, cli, token_id: str) -> None:  # noqa: ANN001
    assert token_id in one_error(cli("token", "revoke", token_id))


# -- the server's token lookups ----------------------------------------------------------------


def test_a_server_remembers_a_token_only_where_each_transaction_checks_it(api: Api, cli) -> None:  # noqa: ANN001
    """PostgreSQL checks a platform's token in the round trip that begins each of its
    transactions, so the server looks a token up once a minute (noting when it was last used)
    and not on every request; SQLite checks nothing of the kind: every request looks it up."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import event

    from hwctl.app import tokens

    lookups: list[str] = []

    def seen(conn, cursor, text, params, context, many) -> None:  # noqa: ANN001
        if "token_hash" in text:
            lookups.append(text)

    auth = tokens.Authenticator(api.store)
    token, start = api.tokens["A"].token, datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    remembered = api.store.engine.dialect.name == "postgresql"
    event.listen(api.store.engine, "before_cursor_execute", seen)
    try:
        for seconds, looked_up in (
            (0, 1),
            (30, 1 if remembered else 2),
            (61, 2 if remembered else 3),
        ):
            found = auth.principal(token, start + timedelta(seconds=seconds))
            assert (found.name, found.token_id) == ("Acme Voice", api.tokens["A"].id)
            assert len(lookups) == looked_up, (seconds, lookups)
        assert auth.remembers(token) is remembered
        assert auth.principal("hwp_" + "x" * 43, start) is None
        assert not auth.remembers("hwp_" + "x" * 43)
    finally:
        event.remove(api.store.engine, "before_cursor_execute", seen)
    (listed,) = [t for t in cli.json("token", "list", "--format", "json")
                 if t["id"] == api.tokens["A"].id]  # fmt: skip
    # the minute's lookup noted it
    assert datetime.fromisoformat(listed["last_used"]) == start + timedelta(seconds=61)
