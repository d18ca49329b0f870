"""The order workflow through the real command tree (typer CliRunner): import, submit, list,
show, review with flags, approve / reject / cancel, admins and the audit log."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import ADMIN, DIRECTORY, make_order, order_doc

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])

ORDER_KEYS = [
    "id",
    "status",
    "platform",
    "account",
    "ordered_at",
    "items",
    "rejection_reason",
    "rejection_code",
    "decided_by",
    "decided_at",
    "fulfilled_by",
    "fulfilled_at",
    "units_done",
    "units_total",
    "note",
    "cancel_reason",
]
ANN = {"user": "ann@globex.example", "location": "HQ Floor 2"}


def write(tmp_path, name: str, data: object) -> str:  # noqa: ANN001
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def status_of(cli, oid: int) -> str:  # noqa: ANN001
    return cli.json("show", str(oid), "--format", "json")["status"]


def audit_of(cli, oid: int) -> list[dict]:  # noqa: ANN001
    return cli.json("audit", "--order", str(oid), "--format", "json")


# -- import and submit ---------------------------------------------------------------------------
def test_importing_a_file_twice_reports_nothing_new_the_second_time(cli, tmp_path):
    assert cli("admins", "add", ADMIN).exit_code == 0  # an import is a super-admin's act
    path = write(tmp_path, "dir.json", DIRECTORY)
    first = cli("import", path)
    assert first.exit_code == 0, first.stderr
    assert "platforms: 2 new, 0 updated, 0 unchanged" in first.stdout
    second = cli("import", path)
    assert second.exit_code == 0
    assert [e["action"] for e in cli.json("audit", "--format", "json")] == ["admin_add", "import"]
    assert re.findall(r"(\d+) new, (\d+) updated", second.stdout) == [("0", "0")] * 6


@sqlite_only
def test_a_bad_directory_file_is_one_line_exit_1_and_nothing_is_stored(cli, tmp_path):
    doc = json.loads(json.dumps(DIRECTORY))
    doc["platforms"][1]["catalog"][0]["kind"] = "fax"
    result = cli("import", write(tmp_path, "dir.json", doc))
    assert result.exit_code == 1
    assert result.stderr.startswith("hwctl: error: ")
    assert "platforms[1].catalog[0].kind" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert cli("list", "--platform", "Acme Voice").exit_code == 1  # the first one is not stored


def test_submit_reads_standard_input_and_prints_each_order(seeded, cli):
    docs = [order_doc(items=[{"sku": "T54W", "quantity": 2, "units": [ANN]}]), order_doc()]
    result = cli("submit", "-", "--format", "json", input=json.dumps(docs))
    assert result.exit_code == 0, result.stderr
    created = json.loads(result.stdout)
    assert [(o["status"], o["account"]) for o in created] == [("pending", "Globex Corporation")] * 2
    units = cli.json("show", str(created[0]["id"]), "--format", "json")["units"]
    assert [(u["unit"], u["user"], u["location"]) for u in units] == [
        (1, "ann@globex.example", "HQ Floor 2"),
        (2, None, None),
    ]


@sqlite_only
def test_submit_from_a_file_says_what_was_stored(seeded, cli, tmp_path):
    result = cli("submit", write(tmp_path, "o.json", order_doc()))
    assert result.exit_code == 0
    assert re.fullmatch(
        r"submitted order \d+: pending · Acme Voice · Globex Corporation · 2× T54W\n",
        result.stdout,
    )


@sqlite_only
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "<stdin>: malformed JSON at line 1 column 2"),
        (json.dumps(order_doc(account="Nobody")), "has no account 'Nobody'"),
        (
            json.dumps([order_doc(), order_doc(items=[{"sku": "T54W", "quantity": 0}])]),
            "order 2: items[0].quantity",
        ),
        (
            json.dumps(
                order_doc(
                    items=[{"sku": "W73H", "quantity": 1, "units": [{"location": "Warehouse"}]}]
                )
            ),  # fmt: skip
            "hwctl: error: <stdin>: items[0].units[0].location: W73H is a DECT handset, and "
            "handsets have no location (give the location on its base)",
        ),
    ],
)
def test_bad_orders_are_one_line_exit_1_and_nothing_is_stored(seeded, cli, data, message):
    result = cli("submit", "-", input=data)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""
    assert cli.json("list", "--status", "all", "--format", "json") == []


@sqlite_only
def test_a_missing_file_is_one_line(seeded, cli, tmp_path):
    result = cli("submit", str(tmp_path / "nope.json"))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"hwctl: error: {tmp_path / 'nope.json'}: no such file"


# -- list ----------------------------------------------------------------------------------------
def test_list_json_has_exactly_the_contract_s_fields(seeded, cli):
    oid = make_order(seeded, items=[{"sku": "T54W", "quantity": 2}, {"sku": "W70B", "quantity": 1}])
    (row,) = cli.json("list", "--format", "json")
    assert list(row) == ORDER_KEYS
    assert row == {
        "id": oid,
        "status": "pending",
        "platform": "Acme Voice",
        "account": "Globex Corporation",
        "ordered_at": "2026-11-20T09:30:00Z",
        "items": [
            {
                "line": 1,
                "sku": "T54W",
                "name": "Yealink T54W desk phone",
                "kind": "deskphone",
                "quantity": 2,
                "aliases": [],
            },
            {
                "line": 2,
                "sku": "W70B",
                "name": "Yealink W70B DECT base",
                "kind": "dect_base",
                "quantity": 1,
                "aliases": [],
            },
        ],
        "rejection_reason": None,
        "rejection_code": None,
        "decided_by": None,
        "decided_at": None,
        "fulfilled_by": None,
        "fulfilled_at": None,
        "units_done": 0,
        "units_total": 3,
        "note": None,
        "cancel_reason": None,
    }


@sqlite_only
def test_list_filters_by_status_platform_and_search(seeded, cli):
    pending = make_order(seeded)
    approved = make_order(seeded, "approved", account="Initech")
    sky = make_order(
        seeded, platform="Blue Sky", account="Umbrella Ltd", items=[{"sku": "D385", "quantity": 1}]
    )

    def ids(*args: str) -> list[int]:
        return [o["id"] for o in cli.json("list", "--format", "json", *args)]

    assert ids() == [pending, sky]
    assert ids("--status", "approved") == [approved]
    assert ids("--status", "all") == [pending, approved, sky]
    assert ids("--status", "all", "--platform", "Blue Sky") == [sky]
    assert ids("--status", "all", "--search", "INITECH") == [approved]
    assert ids("--status", "all", "--search", "acme") == [pending, approved]
    assert ids("--status", "all", "--limit", "1") == [pending]


@sqlite_only
def test_list_csv_returns_every_row_and_the_table_the_first_50_with_how_many_more(seeded, cli):
    docs = [
        order_doc(ordered_at=f"2026-11-{1 + n // 24:02d}T{n % 24:02d}:00:00Z") for n in range(53)
    ]
    assert cli("submit", "-", input=json.dumps(docs)).exit_code == 0
    make_order(seeded, "approved")
    rows = list(csv.DictReader(io.StringIO(cli("list", "--format", "csv").stdout)))
    assert len(rows) == 53
    assert list(rows[0]) == [
        "id",
        "status",
        "platform",
        "account",
        "items",
        "ordered_at",
        "rejection_reason",
        "decided_by",
        "decided_at",
        "note",
    ]
    assert rows[0]["items"] == "2× T54W"
    assert len(cli.json("list", "--format", "json")) == 53
    table = cli("list")
    assert table.exit_code == 0
    assert len(re.findall(r"│ #\d+ ", table.stdout)) == 50
    assert "… and 3 more" in table.stdout
    assert "53 waiting for approval" in table.stdout


def test_the_table_badge_counts_pending_across_platforms_whatever_the_filters(seeded, cli):
    make_order(seeded)
    make_order(
        seeded, platform="Blue Sky", account="Umbrella Ltd", items=[{"sku": "D385", "quantity": 1}]
    )
    make_order(seeded, "approved")
    result = cli("list", "--status", "approved", "--platform", "Acme Voice")
    assert result.exit_code == 0
    assert "Hardware orders (approved) · 2 waiting for approval" in result.stdout
    assert "2× T54W" in result.stdout


@sqlite_only
def test_an_empty_list_is_success(seeded, cli):
    assert cli.json("list", "--format", "json") == []
    table = cli("list")
    assert (table.exit_code, table.stdout) == (0, "")
    assert table.stderr.strip() == "0 waiting for approval · no pending orders match"
    assert cli("list", "--format", "csv").stdout.strip().startswith("id,status,")


# -- show ----------------------------------------------------------------------------------------
def test_show_json_has_the_order_its_units_and_its_audit_trail(seeded, cli):
    oid = make_order(
        seeded,
        "approved",
        items=[{"sku": "T54W", "quantity": 1, "units": [ANN]}, {"sku": "W73H", "quantity": 1}],
    )
    data = cli.json("show", f"#{oid}", "--format", "json")
    assert list(data) == [*ORDER_KEYS, "units", "audit"]
    assert (data["status"], data["decided_by"]) == ("approved", ADMIN)
    assert data["units"] == [
        {
            "unit": 1,
            "line": 1,
            "sku": "T54W",
            "kind": "deskphone",
            "user": "ann@globex.example",
            "location": "HQ Floor 2",
            "device": None,
        },
        {
            "unit": 2,
            "line": 2,
            "sku": "W73H",
            "kind": "dect_handset",
            "user": None,
            "location": None,
            "device": None,
        },
    ]
    assert [(a["action"], a["actor"]) for a in data["audit"]] == [
        ("submit", ADMIN),
        ("approve", ADMIN),
    ]


@sqlite_only
def test_show_table_lists_units_with_intents_and_the_audit_trail(seeded, cli):
    oid = make_order(seeded, items=[{"sku": "T54W", "quantity": 2, "units": [ANN]}])
    result = cli("show", str(oid))
    assert result.exit_code == 0
    assert f"Order #{oid}" in result.stdout
    assert "ann@globex.example · HQ Floor 2" in result.stdout
    assert "Audit trail" in result.stdout
    assert "submit" in result.stdout


# -- review with flags ---------------------------------------------------------------------------
def test_review_with_flags_edits_the_order_and_audits_before_and_after(seeded, cli):
    oid = make_order(seeded, items=[{"sku": "T54W", "quantity": 2}, {"sku": "W70B", "quantity": 1}])
    result = cli("review", str(oid), "--set", "1=3", "--add", "W73H=2", "--remove", "2", "--yes")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == (
        f"edited order {oid}: pending · Acme Voice · Globex Corporation · 3× T54W, 2× W73H"
    )
    assert "proposed change" in result.stderr
    items = cli.json("show", str(oid), "--format", "json")["items"]
    assert [(i["line"], i["sku"], i["quantity"]) for i in items] == [(1, "T54W", 3), (3, "W73H", 2)]
    edit = audit_of(cli, oid)[-1]
    assert (edit["action"], edit["actor"]) == ("edit", ADMIN)
    assert edit["details"]["before"] == [
        {"line": 1, "sku": "T54W", "quantity": 2},
        {"line": 2, "sku": "W70B", "quantity": 1},
    ]
    assert edit["details"]["after"] == [
        {"line": 1, "sku": "T54W", "quantity": 3},
        {"line": 3, "sku": "W73H", "quantity": 2},
    ]


def test_review_add_matches_the_sku_as_shipping_files_do_case_and_dashes_aside(seeded, cli):
    oid = make_order(seeded, items=[{"sku": "T54W", "quantity": 2}])
    result = cli("review", str(oid), "--add", "t54w=1", "--add", "w73-h=2", "--yes")
    assert result.exit_code == 0, result.stderr
    items = cli.json("show", str(oid), "--format", "json")["items"]
    assert [(i["line"], i["sku"], i["quantity"]) for i in items] == [(1, "T54W", 3), (2, "W73H", 2)]
    assert audit_of(cli, oid)[-1]["details"]["after"] == [
        {"line": 1, "sku": "T54W", "quantity": 3},
        {"line": 2, "sku": "W73H", "quantity": 2},
    ]
    unknown = cli("review", str(oid), "--add", "t99=1", "--yes")
    assert unknown.exit_code == 1
    assert unknown.stderr.strip().splitlines()[-1] == (
        "hwctl: error: --add t99=1: SKU 't99' is not in this order's platform catalog"
    )


@sqlite_only
def test_dropping_an_intent_needs_yes_without_a_terminal_and_changes_nothing(seeded, cli):
    oid = make_order(
        seeded,
        items=[{"sku": "T54W", "quantity": 1, "units": [ANN]}, {"sku": "W73H", "quantity": 1}],
    )
    result = cli("review", str(oid), "--remove", "1")
    assert result.exit_code == 2
    assert "would be dropped: line 1 T54W for ann@globex.example · HQ Floor 2" in result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith("pass --yes (no terminal to ask on)")
    assert len(cli.json("show", str(oid), "--format", "json")["items"]) == 2
    assert [a["action"] for a in audit_of(cli, oid)] == ["submit"]
    confirmed = cli("review", str(oid), "--remove", "1", "--yes")
    assert confirmed.exit_code == 0
    assert audit_of(cli, oid)[-1]["details"]["dropped_intents"] == [
        {"line": 1, "sku": "T54W", "intent": "ann@globex.example · HQ Floor 2"}
    ]


@sqlite_only
def test_review_without_flags_and_without_a_terminal_is_a_usage_error(seeded, cli):
    oid = make_order(seeded)
    result = cli("review", str(oid))
    assert result.exit_code == 2
    assert "give --set, --add or --remove" in result.stderr
    assert [a["action"] for a in audit_of(cli, oid)] == ["submit"]


def test_reviewing_an_order_that_is_not_pending_is_refused(seeded, cli):
    oid = make_order(seeded, "approved")
    for args in ([], ["--set", "1=5", "--yes"]):
        result = cli("review", str(oid), *args)
        assert result.exit_code == 1
        assert result.stderr.strip() == (
            f"hwctl: error: order {oid} is approved{decided(cli, oid)}, "
            "only pending orders can be edited"
        )
    assert cli.json("show", str(oid), "--format", "json")["items"][0]["quantity"] == 2


@sqlite_only
def test_a_review_that_changes_nothing_says_so(seeded, cli):
    oid = make_order(seeded)
    result = cli("review", str(oid), "--set", "1=2")
    assert result.exit_code == 0
    assert result.stderr.strip() == f"order {oid}: nothing changed"
    assert [a["action"] for a in audit_of(cli, oid)] == ["submit"]


# -- decisions -----------------------------------------------------------------------------------
def test_approve_names_each_outcome_and_exits_1_if_any_was_refused(seeded, cli):
    first, done, second = make_order(seeded), make_order(seeded, "rejected"), make_order(seeded)
    result = cli("approve", str(first), f"#{done}", str(second), "--note", "PO 4711", "--yes")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"order {first}: approved", f"order {second}: approved"]
    assert result.stderr.strip() == (
        f"hwctl: error: order {done} is rejected{decided(cli, done)}, "
        "only pending orders can be approved"
    )
    assert [status_of(cli, i) for i in (first, done, second)] == [
        "approved",
        "rejected",
        "approved",
    ]
    assert audit_of(cli, first)[-1]["reason"] == "PO 4711"


@sqlite_only
def test_approving_every_order_successfully_exits_0(seeded, cli):
    ids = [make_order(seeded), make_order(seeded)]
    result = cli("approve", *map(str, ids), "--yes")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"order {i}: approved" for i in ids]


def test_reject_stores_the_reason_in_the_order_s_json(seeded, cli):
    oid = make_order(seeded)
    result = cli("reject", str(oid), "--reason", "duplicate of #6", "--yes")
    assert (result.exit_code, result.stdout.strip()) == (0, f"order {oid}: rejected")
    (row,) = cli.json("list", "--status", "rejected", "--format", "json")
    assert (row["id"], row["rejection_reason"], row["decided_by"]) == (
        oid,
        "duplicate of #6",
        ADMIN,
    )
    assert audit_of(cli, oid)[-1]["reason"] == "duplicate of #6"


@sqlite_only
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_rejecting_without_a_reason_is_a_usage_error_and_changes_nothing(seeded, cli, reason):
    oid = make_order(seeded)
    args = ["reject", str(oid), "--yes"] + ([] if reason is None else ["--reason", reason])
    result = cli(*args)
    assert result.exit_code == 2
    assert "--reason" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert status_of(cli, oid) == "pending"
    assert [a["action"] for a in audit_of(cli, oid)] == ["submit"]


def test_cancelling_an_approved_order_warns_once_on_stderr(seeded, cli):
    oid = make_order(seeded, "approved")
    result = cli("cancel", str(oid), "--yes")
    assert (result.exit_code, result.stdout.strip()) == (0, f"order {oid}: cancelled")
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning: ")]
    assert len(warnings) == 1
    assert "may already be ordered" in warnings[0]
    assert status_of(cli, oid) == "cancelled"


@sqlite_only
def test_cancelling_a_pending_order_does_not_warn(seeded, cli):
    oid = make_order(seeded)
    result = cli("cancel", str(oid), "--yes")
    assert (result.exit_code, result.stderr) == (0, "")
    assert status_of(cli, oid) == "cancelled"


@sqlite_only
@pytest.mark.parametrize(
    ("status", "command", "message"),
    [
        (
            "approved",
            ["reject", "--reason", "late"],
            "is approved{by}, only pending orders can be rejected",
        ),
        ("cancelled", ["approve"], "is cancelled{by}, only pending orders can be approved"),
        (
            "rejected",
            ["cancel"],
            "is rejected{by}, only pending or approved orders can be cancelled",
        ),
    ],
)
def test_a_refused_transition_is_exit_1_with_one_line_and_changes_nothing(
    seeded, cli, status, command, message
):
    oid = make_order(seeded, status)
    before = cli.json("show", str(oid), "--format", "json")
    result = cli(command[0], str(oid), *command[1:], "--yes")
    assert result.exit_code == 1
    shown = message.format(by=decided(cli, oid))
    assert result.stderr.strip() == f"hwctl: error: order {oid} {shown}"
    assert result.stdout == ""
    assert cli.json("show", str(oid), "--format", "json") == before


def fulfilled_by_erin(seeded, cli) -> int:  # noqa: ANN001
    """An order approved by ADMIN (its decision moved back to 2026-12-01) and fulfilled by
    erin, so the two decisions differ in name and time."""
    from sqlalchemy import update

    from hwctl.store.models import HardwareOrder

    oid = make_order(seeded, "approved", items=[{"sku": "T54W", "quantity": 1}])
    with seeded.session(write=True) as session:
        session.execute(
            update(HardwareOrder)
            .where(HardwareOrder.id == oid)
            .values(decided_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC))
        )
    assert cli("admins", "add", "erin").exit_code == 0
    done = cli("fulfill", str(oid), "--csv", "-", "--yes", as_="erin",
               input=b"SKU,MAC\nT54W,00:15:65:00:00:07\n")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    return oid


def test_show_names_who_fulfilled_the_order_and_when(seeded, cli):
    oid = fulfilled_by_erin(seeded, cli)
    shown = cli.json("show", str(oid), "--format", "json")
    (entry,) = [e for e in shown["audit"] if e["action"] == "fulfill"]
    assert (shown["fulfilled_by"], shown["fulfilled_at"]) == ("erin", entry["at"])
    assert (shown["decided_by"], shown["decided_at"]) == (ADMIN, "2026-12-01T08:00:00Z")
    (listed,) = cli.json("list", "--status", "fulfilled", "--format", "json")
    assert (listed["fulfilled_by"], listed["fulfilled_at"]) == ("erin", entry["at"])
    table = cli("show", str(oid)).stdout
    assert re.search(r"Fulfilled\s*│\s*" + entry["at"][:10] + r" [0-9:]{5} by erin", table)
    pending = make_order(seeded)
    unfulfilled = cli.json("show", str(pending), "--format", "json")
    assert (unfulfilled["fulfilled_by"], unfulfilled["fulfilled_at"]) == (None, None)
    assert "Fulfilled" not in cli("show", str(pending)).stdout


@pytest.mark.parametrize(
    ("command", "allowed"),
    [
        (["approve"], "only pending orders can be approved"),
        (["reject", "--reason", "late"], "only pending orders can be rejected"),
        (["cancel"], "only pending or approved orders can be cancelled"),
        (["review", "--set", "1=2"], "only pending orders can be edited"),
    ],
)
def test_a_refusal_on_a_fulfilled_order_names_the_fulfilment_not_the_approval(
    seeded, cli, command, allowed
):
    oid = fulfilled_by_erin(seeded, cli)
    at = cli.json("show", str(oid), "--format", "json")["fulfilled_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", at)  # to the second
    result = cli(command[0], str(oid), *command[1:], "--yes")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"hwctl: error: order {oid} is fulfilled (by erin at {at}), {allowed}"
    )


@sqlite_only
def test_deciding_a_missing_order_is_refused(seeded, cli):
    result = cli("approve", "99", "--yes")
    assert (result.exit_code, result.stderr.strip()) == (1, "hwctl: error: order 99 does not exist")


def test_the_approval_note_is_in_the_order_s_json_and_csv(seeded, cli):
    oid, other = make_order(seeded), make_order(seeded)
    assert cli("approve", str(oid), "--note", "PO 4711", "--yes").exit_code == 0
    assert cli("approve", str(other), "--yes").exit_code == 0
    listed = cli.json("list", "--status", "approved", "--format", "json")
    assert [(o["id"], o["note"]) for o in listed] == [(oid, "PO 4711"), (other, None)]
    shown = cli.json("show", str(oid), "--format", "json")
    assert (shown["note"], shown["cancel_reason"]) == ("PO 4711", None)
    listed_csv = cli("list", "--status", "approved", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(listed_csv)))
    assert rows[0][-1] == "note"
    assert [(r[0], r[-1]) for r in rows[1:]] == [(str(oid), "PO 4711"), (str(other), "")]
    assert "PO 4711" in cli("show", str(oid)).stdout


def test_cancel_takes_a_reason_kept_in_the_audit_entry_and_shown_as_cancel_reason(seeded, cli):
    oid = make_order(seeded, "approved")
    assert cli("admins", "add", "erin").exit_code == 0
    result = cli("cancel", str(oid), "--reason", "the customer withdrew it", "--yes", as_="erin")
    assert (result.exit_code, result.stdout.strip()) == (0, f"order {oid}: cancelled")
    shown = cli.json("show", str(oid), "--format", "json")
    assert list(shown) == [*ORDER_KEYS, "units", "audit"]
    assert (shown["status"], shown["cancel_reason"], shown["rejection_reason"]) == (
        "cancelled",
        "the customer withdrew it",
        None,
    )
    # decided_by/decided_at name the last decision: the cancellation, not the approval
    assert shown["decided_by"] == "erin"
    decided_at = datetime.fromisoformat(shown["decided_at"])
    audited_at = datetime.fromisoformat(shown["audit"][-1]["at"])
    assert timedelta(0) <= audited_at - decided_at <= timedelta(seconds=1)
    assert (shown["audit"][-1]["action"], shown["audit"][-1]["reason"]) == (
        "cancel",
        "the customer withdrew it",
    )
    (listed,) = cli.json("list", "--status", "cancelled", "--format", "json")
    assert (listed["id"], listed["cancel_reason"], listed["decided_by"]) == (
        oid,
        "the customer withdrew it",
        "erin",
    )
    table = cli("show", str(oid)).stdout
    assert re.search(r"Cancellation reason\s*│\s*the customer withdrew it", table)
    assert "Rejection reason" not in table


@sqlite_only
def test_a_cancellation_without_a_reason_has_a_null_cancel_reason(seeded, cli):
    oid = make_order(seeded)
    assert cli("cancel", str(oid), "--yes").exit_code == 0
    shown = cli.json("show", str(oid), "--format", "json")
    assert (shown["cancel_reason"], shown["decided_by"]) == (None, ADMIN)
    assert shown["audit"][-1]["reason"] is None
    assert "Cancellation reason" not in cli("show", str(oid)).stdout


BAD_TEXTS = [
    ("dup\x1b[31m", "control characters are not allowed (ESC at character 4)"),
    ("line one\nline two", "control characters are not allowed (a line break at character 9: "
     "it must be one line)"),
    ("tab\there", "control characters are not allowed (a tab at character 4)"),
    ("csi\x9b2J", "control characters are not allowed (U+009B at character 4)"),
    ("PO \u202e1174", "invisible formatting characters are not allowed (U+202E RIGHT-TO-LEFT "
     "OVERRIDE at character 4)"),
    ("dup\u200b", "invisible formatting characters are not allowed (U+200B ZERO WIDTH SPACE at "
     "character 4)"),
    ("x" * 501, "at most 500 characters (this one has 501)"),
]  # fmt: skip
DECISIONS = [
    ("reject", "pending", "--reason"),
    ("cancel", "pending", "--reason"),
    ("approve", "pending", "--note"),
]


@pytest.mark.parametrize(("command", "status", "option"), DECISIONS)
@pytest.mark.parametrize(
    ("text", "message"), BAD_TEXTS, ids=["esc", "nl", "tab", "c1", "rlo", "zwsp", "long"]
)
def test_a_reason_or_note_with_control_characters_or_too_long_is_refused_naming_the_option(
    seeded, cli, command, status, option, text, message
):
    oid = make_order(seeded, status)
    before = cli.json("show", str(oid), "--format", "json")
    result = cli(command, str(oid), option, text, "--yes")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"hwctl: error: Invalid value for {option}: {message}"]
    assert result.stdout == ""
    assert cli.json("show", str(oid), "--format", "json") == before  # audit trail included


@sqlite_only
@pytest.mark.parametrize(("command", "status", "option"), DECISIONS)
def test_a_reason_or_note_of_500_characters_is_taken(seeded, cli, command, status, option):
    oid = make_order(seeded, status)
    text = "é" * 500
    assert cli(command, str(oid), option, f"  {text} ", "--yes").exit_code == 0
    assert audit_of(cli, oid)[-1]["reason"] == text


# -- super-admins --------------------------------------------------------------------------------
def test_the_first_admin_may_be_added_by_anyone_later_ones_only_by_admins(cli):
    first = cli("admins", "add", "dana", as_="root")
    assert (first.exit_code, first.stdout.strip()) == (0, "added super-admin dana")
    refused = cli("admins", "add", "eve", as_="root")
    assert refused.exit_code == 1
    assert "'root' is not a super-admin" in refused.stderr
    assert cli("admins", "add", "erin", as_="dana").exit_code == 0
    admins = cli.json("admins", "list", "--format", "json")
    assert [(a["name"], a["added_by"]) for a in admins] == [("dana", "root"), ("erin", "dana")]
    entries = cli.json("audit", "--action", "admin_add", "--format", "json")
    assert [(e["actor"], e["details"]) for e in entries] == [
        ("root", {"admin": "dana", "first": True}),
        ("dana", {"admin": "erin", "first": False}),
    ]


@sqlite_only
def test_the_last_admin_cannot_be_removed(seeded, cli):
    result = cli("admins", "remove", ADMIN)
    assert result.exit_code == 1
    assert "'dana' is the last super-admin" in result.stderr
    assert cli("admins", "add", "erin").exit_code == 0
    assert cli("admins", "remove", ADMIN, as_="erin").exit_code == 0
    assert [a["name"] for a in cli.json("admins", "list", "--format", "json")] == ["erin"]
    assert cli.json("audit", "--action", "admin_remove", "--format", "json")[0]["actor"] == "erin"


# -- audit ---------------------------------------------------------------------------------------
@sqlite_only
def test_audit_lists_each_action_with_actor_utc_time_reason_and_details(seeded, cli):
    kept, other = make_order(seeded), make_order(seeded)
    assert cli("review", str(kept), "--set", "1=3", "--yes").exit_code == 0
    assert cli("approve", str(kept), "--note", "PO 1", "--yes").exit_code == 0
    assert cli("cancel", str(kept), "--yes").exit_code == 0
    assert cli("reject", str(other), "--reason", "dup", "--yes").exit_code == 0
    entries = audit_of(cli, kept)
    assert [(e["action"], e["reason"]) for e in entries] == [
        ("submit", None),
        ("edit", None),
        ("approve", "PO 1"),
        ("cancel", None),
    ]
    cancelled = cli.json("show", str(kept), "--format", "json")
    assert (cancelled["note"], cancelled["cancel_reason"]) == ("PO 1", None)
    for e in entries:
        assert list(e) == [
            "id",
            "at",
            "actor",
            "actor_kind",
            "action",
            "order",
            "reason",
            "details",
        ]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["at"])
        assert (e["actor"], e["order"]) == (ADMIN, kept)
    assert entries[2]["details"] == {"from": "pending", "to": "approved"}
    everything = cli.json("audit", "--format", "json")
    assert {e["order"] for e in everything} == {None, kept, other}
    table = cli("audit", "--order", f"#{other}")
    assert table.exit_code == 0
    assert "reject" in table.stdout and "dup" in table.stdout and f"#{kept}" not in table.stdout
    rows = list(csv.DictReader(io.StringIO(cli("audit", "--format", "csv").stdout)))
    assert len(rows) == len(everything)
    assert rows[-1]["action"] == "reject"


@sqlite_only
def test_audit_of_a_missing_order_is_refused(seeded, cli):
    result = cli("audit", "--order", "99")
    assert (result.exit_code, result.stderr.strip()) == (1, "hwctl: error: order 99 does not exist")


def decided(cli, oid: int) -> str:  # noqa: ANN001
    """` (by dana at 2026-12-02T06:30:00Z)`: who made the order's last decision, and when, as a
    refusal names them."""
    shown = cli.json("show", str(oid), "--format", "json")
    return f" (by {shown['decided_by']} at {shown['decided_at']})"


# -- rejection codes -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("options", "code"),
    [
        ([], "other"),
        (["--code", "out_of_stock"], "out_of_stock"),
        (["-c", "duplicate"], "duplicate"),
    ],
)
def test_a_rejection_carries_a_code_on_the_order_and_in_its_audit_entry(seeded, cli, options, code):
    oid = make_order(seeded)
    result = cli("reject", str(oid), "--reason", "W70B is out of stock", *options, "--yes")
    assert result.exit_code == 0, result.stderr
    shown = cli.json("show", str(oid), "--format", "json")
    assert (shown["status"], shown["rejection_reason"], shown["rejection_code"]) == (
        "rejected",
        "W70B is out of stock",
        code,
    )
    (entry,) = [e for e in shown["audit"] if e["action"] == "reject"]
    assert entry["details"] == {"from": "pending", "to": "rejected", "code": code}


def test_an_order_that_is_not_rejected_has_no_rejection_code(seeded, cli):
    oid = make_order(seeded, "approved")
    assert cli.json("show", str(oid), "--format", "json")["rejection_code"] is None
    assert [
        o["rejection_code"] for o in cli.json("list", "--status", "all", "--format", "json")
    ] == [None]


def test_an_unknown_rejection_code_is_a_usage_error_and_changes_nothing(seeded, cli):
    oid = make_order(seeded)
    result = cli("reject", str(oid), "--reason", "x", "--code", "sold_out", "--yes")
    assert result.exit_code == 2
    assert "'sold_out' is not one of" in result.stderr
    assert cli.json("show", str(oid), "--format", "json")["status"] == "pending"


def test_the_core_refuses_an_unknown_rejection_code_naming_the_field(seeded):
    from hwctl.app import orders
    from hwctl.domain.status import Action
    from hwctl.errors import InvalidInput
    from tests.conftest import act

    oid = make_order(seeded)
    with pytest.raises(InvalidInput) as caught:
        orders.decide(act(seeded), [oid], Action.REJECT, reason="x", code="sold_out")
    assert caught.value.fields == {"field": "code"}
    assert str(caught.value).startswith("unknown rejection code 'sold_out': use one of duplicate,")


def test_show_names_the_rejection_code_beside_the_reason(seeded, cli):
    oid = make_order(seeded)
    cli("reject", str(oid), "--reason", "T54W sold out", "--code", "out_of_stock", "--yes")
    text = cli("show", str(oid)).stdout
    assert "T54W sold out" in text
    assert "Rejection code" in text and "out_of_stock" in text
