"""`hwctl webhooks …` on SQLite and PostgreSQL: JSON shapes, the secret on stdout once, exit
codes and one-line errors (never a traceback), and `deliver` once and as a service that stops
cleanly on SIGINT and SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time

import pytest

from tests.cli.test_completion import hwctl_bin
from tests.conftest import ADMIN, act, make_order
from tests.webhooks.conftest import events_of

ALL = ["order.created", "order.edited", "order.approved", "order.rejected", "order.fulfilled",
       "order.cancelled"]  # fmt: skip
SECRET = re.compile(r"whsec_[A-Za-z0-9+/]{43}=")


def one_error_line(result, code: int) -> str:  # noqa: ANN001
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


def add(cli, receiver, path: str = "/acme", *extra: str) -> dict:  # noqa: ANN001
    """`webhooks add --insecure --format json` for the receiver's `path`; the receiver learns
    the secret."""
    doc = cli.json("webhooks", "add", "-p", "Acme Voice", receiver.url(path), "--insecure",
                   *extra, "--format", "json")  # fmt: skip
    receiver.secrets[path] = doc["secret"]
    return doc


def test_add_in_json_gives_id_url_platform_events_and_the_secret(seeded, cli, receiver):
    doc = add(cli, receiver, "/acme", "--event", "order.approved,order.created", "-e",
              "order.rejected")  # fmt: skip
    assert set(doc) == {"id", "url", "platform", "events", "secret"}
    assert (doc["url"], doc["platform"]) == (receiver.url("/acme"), "Acme Voice")
    assert doc["events"] == ["order.created", "order.approved", "order.rejected"]
    assert SECRET.fullmatch(doc["secret"])
    assert add(cli, receiver, "/all")["events"] == ALL


def test_add_in_a_table_prints_the_secret_alone_on_stdout_and_says_it_is_shown_once(seeded, cli):
    result = cli("webhooks", "add", "--platform", "Acme Voice", "https://93.184.215.14/hwctl")
    assert result.exit_code == 0, result.stderr
    assert SECRET.fullmatch(result.stdout.strip())
    assert "will not be shown again" in result.stderr
    assert "webhook 1 for platform Acme Voice: https://93.184.215.14/hwctl (all events)" in (
        result.stderr
    )
    listed = cli("webhooks", "list")
    assert result.stdout.strip() not in listed.stdout + listed.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["http://127.0.0.1:9/x"], "must be an https:// URL"),
        (["https://10.0.0.1/x"], "10.0.0.1 is a private address"),
        (["https://192.168.1.1/x"], "192.168.1.1 is a private address"),
        (["https://169.254.169.254/x"], "169.254.169.254 is a link-local address"),
        (["https://[fe80::1]/x"], "fe80::1 is a link-local address"),
        (["https://0.0.0.0/x"], "0.0.0.0 is an unspecified address"),
        (["http://93.184.215.14/x", "--insecure"], "plain http is allowed for a loopback host"),
        (["https://93.184.215.14/x", "-e", "order.shipped"], "unknown event 'order.shipped': "
         "the events are order.created, order.edited, order.approved"),
    ],
)  # fmt: skip
def test_a_refused_webhook_is_one_line_and_exit_1(seeded, cli, args, message):
    line = one_error_line(cli("webhooks", "add", "-p", "Acme Voice", *args), 1)
    assert line.startswith("hwctl: error: ") and message in line
    assert cli.json("webhooks", "list", "--format", "json") == []


def test_usage_errors_exit_2_and_unknown_things_exit_1(seeded, cli):
    assert cli("webhooks", "add", "https://93.184.215.14/x").exit_code == 2  # no --platform
    line = one_error_line(cli("webhooks", "add", "-p", "Nope", "https://93.184.215.14/x"), 1)
    assert line == "hwctl: error: unknown platform 'Nope'"
    assert one_error_line(cli("webhooks", "remove", "7"), 1) == (
        "hwctl: error: webhook 7 does not exist"
    )
    assert one_error_line(cli("webhooks", "remove", "seven"), 1) == (
        "hwctl: error: not a webhook id: 'seven'"
    )
    assert one_error_line(cli("webhooks", "redeliver", "evt_7"), 1) == (
        "hwctl: error: event 7 does not exist"
    )
    assert "is not one of pending, delivered, failed" in one_error_line(
        cli("webhooks", "events", "--status", "lost"), 2
    )
    assert cli("webhooks", "deliver", "--interval", "0").exit_code == 2
    line = one_error_line(cli("webhooks", "list", as_="mallory"), 1)
    assert "'mallory' is not a super-admin" in line


def test_list_in_json_shows_each_webhook_and_its_deliveries_never_the_secret(seeded, cli, receiver):
    doc = add(cli, receiver, "/acme", "-e", "order.created")
    make_order(seeded)
    (listed,) = cli.json("webhooks", "list", "--format", "json")
    assert set(listed) == {"id", "platform", "url", "events", "created", "created_by",
                           "deliveries"}  # fmt: skip
    assert (listed["id"], listed["created_by"], listed["events"]) == (
        doc["id"], ADMIN, ["order.created"])  # fmt: skip
    assert listed["deliveries"] == {"pending": 1, "delivered": 0, "failed": 0}
    assert cli.json("webhooks", "list", "--platform", "Blue Sky", "--format", "json") == []
    table = cli("webhooks", "list")
    assert table.exit_code == 0 and receiver.url("/acme") in table.stdout
    assert doc["secret"] not in table.stdout


def test_events_deliver_and_redeliver(seeded, cli, receiver):
    add(cli, receiver)
    oid = make_order(seeded, "approved")
    make_order(seeded)

    result = cli("webhooks", "deliver")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "3 attempts: 3 delivered, 0 to retry, 0 failed\n"
    assert [r.event["type"] for r in receiver.got() if r.event["data"]["id"] == oid] == [
        "order.created",
        "order.approved",
    ]
    assert len(receiver.got()) == 3

    events = cli.json("webhooks", "events", "--order", str(oid), "--format", "json")
    assert [e["type"] for e in events] == ["order.created", "order.approved"]
    first = events[0]
    assert set(first) == {"id", "webhook_id", "type", "platform", "order", "created",
                          "deliveries"}  # fmt: skip
    (d,) = first["deliveries"]
    assert set(d) == {"webhook", "url", "status", "attempts", "next_attempt", "last_attempt",
                      "last_error", "delivered"}  # fmt: skip
    assert (d["status"], d["attempts"], d["next_attempt"]) == ("delivered", 1, None)
    assert len(cli.json("webhooks", "events", "--limit", "1", "--format", "json")) == 1
    table = cli("webhooks", "events")
    assert table.exit_code == 0 and "order.approved" in table.stdout

    result = cli("webhooks", "redeliver", first["webhook_id"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"event {first['id']} (order.created, order {oid}): pending again for 1 webhook\n"
    )
    assert cli("webhooks", "deliver").stdout.startswith("1 attempt: 1 delivered")
    assert len(receiver.got()) == 4

    removed = cli("webhooks", "remove", str(d["webhook"]))
    assert (removed.exit_code, removed.stdout) == (0, f"removed webhook {d['webhook']}\n")
    assert cli.json("webhooks", "list", "--format", "json") == []
    assert cli("webhooks", "deliver").stdout == "0 attempts: 0 delivered, 0 to retry, 0 failed\n"


def test_deliver_reports_attempts_that_will_be_retried(seeded, cli, receiver):
    add(cli, receiver)
    receiver.answers["/acme"] = [503]
    make_order(seeded)
    result = cli("webhooks", "deliver")
    assert (result.exit_code, result.stdout) == (
        0,
        "1 attempt: 0 delivered, 1 to retry, 0 failed\n",
    )


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_deliver_loop_keeps_delivering_until_a_signal_stops_it_cleanly(
    seeded, db_url, receiver, stop
):
    from hwctl.app import webhooks

    added = webhooks.add(
        act(seeded),
        "Acme Voice",
        receiver.url("/acme"),
        insecure=True,
        transport=webhooks.network(),
    )
    receiver.secrets["/acme"] = added.secret
    make_order(seeded)
    process = subprocess.Popen(
        [str(hwctl_bin()), "--db", db_url, "--as", ADMIN, "webhooks", "deliver", "--loop",
         "--interval", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    try:
        wait_for(lambda: len(receiver.got()) == 1)
        make_order(seeded, "approved")  # made while it runs: the next rounds send it
        wait_for(lambda: len(receiver.got()) == 3)
        process.send_signal(stop)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert out == ""
    assert err.splitlines()[0] == "delivering every 0.2 s; Ctrl-C or SIGTERM stops"
    assert err.splitlines()[-1] == "stopped; in all 3 attempts: 3 delivered, 0 to retry, 0 failed"
    assert {d.status for e in events_of(seeded) for d in e.deliveries} == {"delivered"}


def wait_for(condition, timeout: float = 20.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_help_of_each_webhooks_command_has_an_example(cli):
    for command in ("add", "list", "remove", "events", "redeliver", "deliver"):
        result = cli("webhooks", command, "--help")
        assert result.exit_code == 0
        assert "hwctl webhooks " + command in json.dumps(result.stdout)
