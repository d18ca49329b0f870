"""`hwctl audit verify` and `hwctl audit head`: the hash chain from the command line (exit codes,
one line on stderr, JSON), `hwctl audit` itself unchanged, and 8 real processes appending at
once without forking the chain. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from hwctl.store import chain
from tests.cli.test_races import ADMINS, assert_clean, prepare, race
from tests.conftest import Cli, make_order, order_doc

HASH = r"[0-9a-f]{64}"


def tamper(store, statement: str) -> None:  # noqa: ANN001
    with store.engine.begin() as conn:
        chain.unprotect(conn)
        conn.exec_driver_sql(statement)
        chain.protect(conn)


def test_verify_says_ok_with_the_count_and_the_head(seeded, cli: Cli) -> None:  # noqa: ANN001
    make_order(seeded, "approved")
    head = cli.json("audit", "head", "--format", "json")
    assert set(head) == {"id", "hash"} and re.fullmatch(HASH, head["hash"])
    result = cli("audit", "verify")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"ok: {head['id']} entries, head {head['id']} {head['hash']}\n"
    assert cli.json("audit", "verify", "--format", "json") == {
        "ok": True,
        "entries": head["id"],
        "head": head,
    }
    plain = cli("audit", "head")
    assert plain.stdout == f"{head['id']} {head['hash']}\n"


def test_a_broken_entry_is_one_line_and_exit_1_and_json_names_it(seeded, cli: Cli) -> None:  # noqa: ANN001
    order = make_order(seeded, "rejected")
    with seeded.engine.connect() as conn:
        victim = conn.execute(
            text("SELECT id FROM audit_entry WHERE order_id = :o AND action = 'reject'"),
            {"o": order},
        ).scalar_one()
    tamper(seeded, f"UPDATE audit_entry SET reason = 'edited' WHERE id = {victim}")
    result = cli("audit", "verify")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"hwctl: error: audit entry {victim} is broken: its fields do not match its payload "
        "(reason)\n"
    )
    result = cli("audit", "verify", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "ok": False,
        "entries": victim - 1,
        "broken": {"id": victim, "reason": "its fields do not match its payload (reason)"},
    }


def test_expect_head_catches_a_removed_tail(seeded, cli: Cli) -> None:  # noqa: ANN001
    make_order(seeded, "approved")
    kept = cli.json("audit", "head", "--format", "json")
    assert cli("audit", "verify", "--expect-head", kept["hash"]).exit_code == 0
    tamper(seeded, f"DELETE FROM audit_entry WHERE id = {kept['id']}")
    assert cli("audit", "verify").exit_code == 0
    result = cli("audit", "verify", "--expect-head", kept["hash"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"hwctl: error: the head is entry {kept['id'] - 1} but --expect-head names "
        f"{kept['hash']}, which is not in the chain (entries removed from the end?)\n"
    )


@pytest.mark.parametrize("value", ["abc", "z" * 64, "0" * 63])
def test_expect_head_must_be_a_hash(seeded, cli: Cli, value: str) -> None:  # noqa: ANN001
    result = cli("audit", "verify", "--expect-head", value)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "64 hexadecimal digits" in result.stderr


def test_the_log_itself_still_lists_as_before_and_refuses_its_options_on_subcommands(
    seeded,  # noqa: ANN001
    cli: Cli,
) -> None:
    order = make_order(seeded, "approved")
    entries = cli.json("audit", "--order", str(order), "--format", "json")
    assert [e["action"] for e in entries] == ["submit", "approve"]
    assert set(entries[0]) == {"id", "at", "actor", "actor_kind", "action", "order", "reason",
                               "details"}  # fmt: skip
    assert cli("audit").exit_code == 0
    result = cli("audit", "--order", str(order), "verify")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_platforms_may_not_verify(seeded, cli: Cli) -> None:  # noqa: ANN001
    from hwctl.app import audit
    from hwctl.errors import HwctlError
    from tests.conftest import act

    with pytest.raises(HwctlError):
        audit.verify_chain(act(seeded, platform="Acme Voice"))
    with pytest.raises(HwctlError):
        audit.chain_head(act(seeded, platform="Acme Voice"))


def test_eight_processes_appending_at_once_leave_one_unforked_chain(
    db_url: str,
    tmp_path: Path,
) -> None:
    """4 processes approve one order each while 4 submit 3 orders each (one entry per order,
    in one transaction), all released at the same moment."""
    cli = Cli(db_url)
    ids = prepare(cli, tmp_path, *[order_doc() for _ in range(4)])
    for k in range(4):
        (tmp_path / f"new{k}.json").write_text(
            json.dumps([order_doc(items=[{"sku": "T54W", "quantity": n + 1}]) for n in range(3)]),
            encoding="utf-8",
        )
    plan = [(ADMINS[k], ("approve", str(ids[k]), "--yes")) for k in range(4)] + [
        (ADMINS[4 + k], ("submit", str(tmp_path / f"new{k}.json"))) for k in range(4)
    ]
    before = cli.json("audit", "head", "--format", "json")
    runs = race(db_url, tmp_path, plan)
    assert_clean(runs)
    assert all(r.rc == 0 for r in runs), [str(r) for r in runs]
    verdict = cli.json("audit", "verify", "--format", "json")
    assert verdict["ok"] is True
    assert verdict["entries"] == before["id"] + 4 + 12
    from sqlalchemy import create_engine

    engine = create_engine(db_url)
    with engine.connect() as conn:
        links = conn.execute(text("SELECT prev_hash FROM audit_entry")).scalars().all()
    engine.dispose()
    assert len(links) == len(set(links))  # no two entries follow the same one: no fork


def entries_of(store) -> list[dict]:  # noqa: ANN001
    with store.engine.connect() as conn:
        found = conn.execute(text("SELECT id, reason, payload, hash FROM audit_entry ORDER BY id"))
        return [dict(r._mapping) for r in found]


def forge_the_reason(store) -> tuple[int, int, str]:  # noqa: ANN001
    """Rewrite a rejection's reason and its payload alike: only the hash can tell."""
    victim = next(e for e in entries_of(store) if e["reason"] == "test reason")
    forged = victim["payload"].replace('"reason":"test reason"', '"reason":"nothing to see"')
    assert forged != victim["payload"]
    tamper(store, f"UPDATE audit_entry SET reason = 'nothing to see', payload = '{forged}' "
                  f"WHERE id = {victim['id']}")  # fmt: skip
    return victim["id"], victim["id"] - 1, "its hash does not match its payload"


def overwrite_a_hash(store) -> tuple[int, int, str]:  # noqa: ANN001
    """Give an entry the hash of the entry after it (the next one's link then fails too)."""
    entries = entries_of(store)
    victim, after = entries[2], entries[3]
    tamper(store, f"UPDATE audit_entry SET hash = '{after['hash']}' WHERE id = {victim['id']}")
    return victim["id"], victim["id"] - 1, "its hash does not match its payload"


def remove_a_middle_entry(store) -> tuple[int, int, str]:  # noqa: ANN001
    ids = [e["id"] for e in entries_of(store)]
    gone = ids[len(ids) // 2]
    tamper(store, f"DELETE FROM audit_entry WHERE id = {gone}")
    return gone + 1, gone - 1, f"its previous hash does not match entry {gone - 1}"


def remove_the_first_entry(store) -> tuple[int, int, str]:  # noqa: ANN001
    first = entries_of(store)[0]["id"]
    tamper(store, f"DELETE FROM audit_entry WHERE id = {first}")
    return first + 1, 0, "its previous hash is not the start of the chain (64 zeros)"


@pytest.mark.parametrize(
    "tampering", [forge_the_reason, overwrite_a_hash, remove_a_middle_entry, remove_the_first_entry]
)
def test_each_kind_of_tampering_is_named_by_verify_with_the_entry_it_broke(
    seeded,  # noqa: ANN001
    cli: Cli,
    tampering,  # noqa: ANN001
) -> None:
    """Each of verify's checks from the command line: the link to the previous entry (and to
    the start of the chain), and the hash of the payload (a payload rewritten with its fields,
    a hash overwritten)."""
    make_order(seeded, "rejected")
    make_order(seeded, "approved")
    assert cli("audit", "verify").exit_code == 0
    broken, intact, reason = tampering(seeded)
    result = cli("audit", "verify")
    assert (result.exit_code, result.stdout) == (1, ""), result.stdout
    assert result.stderr == f"hwctl: error: audit entry {broken} is broken: {reason}\n"
    result = cli("audit", "verify", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "ok": False,
        "entries": intact,
        "broken": {"id": broken, "reason": reason},
    }
