"""Output on a stream that cannot encode `·`, `×`, `→` or `…` (PYTHONIOENCODING=ascii, an old C
locale): every command still prints, with ASCII stand-ins (`-`, `x`, `->`, `...`) and tables
drawn with ASCII lines, instead of failing with UnicodeEncodeError. Real subprocesses of the
installed hwctl on a temporary SQLite store (one per module; a test that changes it works on a
copy).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DIRECTORY, order_doc

ADMIN = "dana"


def hwctl_bin() -> Path:
    """The hwctl console script installed next to the running Python."""
    beside = Path(sys.executable).parent / "hwctl"
    found = beside if beside.exists() else shutil.which("hwctl")
    assert found, "hwctl is not installed next to this Python nor on PATH"
    return Path(found)


class Hwctl:
    def __init__(self, db: Path, cwd: Path) -> None:
        self.db = db
        self.cwd = cwd

    def __call__(self, *args: str, encoding: str = "ascii") -> subprocess.CompletedProcess[bytes]:
        home = self.cwd / "home"  # no developer's config (the module's store outlives one test)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("HWCTL_", "XDG_")) and k not in ("PYTHONUTF8", "NO_COLOR")
        }
        env.update(PYTHONIOENCODING=encoding, HWCTL_ADMIN=ADMIN, HOME=str(home),
                   XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
                   XDG_STATE_HOME=str(home / ".local/state"))  # fmt: skip
        return subprocess.run([str(hwctl_bin()), "--db", str(self.db), *args], cwd=self.cwd,
                              env=env, capture_output=True, timeout=60)  # fmt: skip

    def ok(self, *args: str, encoding: str = "ascii") -> str:
        """stdout of a run that must exit 0 and print nothing but ASCII (stderr too)."""
        run = self(*args, encoding=encoding)
        assert run.returncode == 0, (args, run.stdout, run.stderr)
        if encoding == "ascii":
            run.stderr.decode("ascii")  # raises on anything else
            return run.stdout.decode("ascii")
        return run.stdout.decode(encoding)


@pytest.fixture(scope="module")
def hwctl(tmp_path_factory: pytest.TempPathFactory) -> Hwctl:
    """A store with the standard directory, a platform with a non-ASCII name, and two pending
    orders, one with unit intents (shown as `user · location`)."""
    tmp_path = tmp_path_factory.mktemp("ascii")
    directory = json.loads(json.dumps(DIRECTORY))
    directory["platforms"].append({
        "name": "Café Voice",
        "catalog": [{"sku": "C1", "name": "Café desk phone", "kind": "deskphone"}],
        "accounts": [{"name": "Bistro", "users": [], "locations": []}],
    })  # fmt: skip
    (tmp_path / "directory.json").write_text(json.dumps(directory), encoding="utf-8")
    items = [{"sku": "T54W", "quantity": 2,
              "units": [{"user": "ann@globex.example", "location": "HQ Floor 2"}]},
             {"sku": "W73H", "quantity": 3}]  # fmt: skip
    second = order_doc(account="Initech", ordered_at="2026-11-21T10:00:00Z")
    orders = [order_doc(items=items), second]
    (tmp_path / "orders.json").write_text(json.dumps(orders), encoding="utf-8")
    cli = Hwctl(tmp_path / "hwctl.db", tmp_path)
    cli.ok("admins", "add", ADMIN)
    cli.ok("import", "directory.json")
    submitted = cli.ok("submit", "orders.json")
    assert "order 1: pending - Acme Voice - Globex Corporation - 2x T54W, 3x W73H" in submitted
    return cli


def test_list_draws_an_ascii_table_with_stand_ins(hwctl: Hwctl) -> None:
    out = hwctl.ok("list")
    assert "Hardware orders (pending) - 2 waiting for approval" in out
    assert "2x T54W, 3x W73H" in out
    assert "+--" in out and "|" in out  # Rich's ASCII box


def test_show_prints_intents_with_a_stand_in(hwctl: Hwctl) -> None:
    out = hwctl.ok("show", "1")
    assert "ann@globex.example - HQ Floor 2" in out
    assert "2x T54W, 3x W73H" in out


def test_report_pending_prints_its_text(hwctl: Hwctl) -> None:
    out = hwctl.ok("report", "pending")
    assert out.startswith("Pending orders: 2 - oldest 2026-11-20 09:30 UTC (")
    assert "Caf? Voice" in out  # a name the stream cannot show: `?`, not a traceback


def test_report_pending_json_escapes_what_ascii_cannot_show(hwctl: Hwctl) -> None:
    out = hwctl.ok("report", "pending", "--format", "json")
    assert "Caf\\u00e9 Voice" in out
    assert "Café Voice" in [p["platform"] for p in json.loads(out)["platforms"]]


def test_machine_formats_and_decisions_print_too(hwctl: Hwctl, tmp_path: Path) -> None:
    assert "2x T54W, 3x W73H" in hwctl.ok("list", "--format", "csv")
    assert json.loads(hwctl.ok("show", "1", "--format", "json"))["id"] == 1
    hwctl.ok("devices")
    assert hwctl.ok("report", "pending", "--warn", "5").startswith("PENDING OK - 2 orders")
    copy = Hwctl(tmp_path / "copy.db", tmp_path)
    for part in hwctl.db.parent.glob(hwctl.db.name + "*"):  # with its -wal file
        shutil.copy(part, tmp_path / part.name.replace(hwctl.db.name, copy.db.name))
    assert "order 2: approved" in copy.ok("approve", "2", "--yes")
    assert "#2" in copy.ok("audit")


def test_the_demo_runs_through(tmp_path: Path) -> None:
    out = Hwctl(tmp_path / "unused.db", tmp_path).ok("demo")
    assert "$ hwctl list" in out
    assert " - " in out and "2x T54W" in out


def test_a_utf8_stream_keeps_the_typography(hwctl: Hwctl) -> None:
    out = hwctl.ok("report", "pending", encoding="utf-8")
    assert out.startswith("Pending orders: 2 · oldest ")
    assert "Café Voice" in out
    assert "2× T54W" in hwctl.ok("list", encoding="utf-8")


# -- the helper ----------------------------------------------------------------------------------
def stream(encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding)


def test_printable_uses_the_stand_ins_only_where_the_encoding_needs_them() -> None:
    from hwctl.cli.render import printable

    text = "a · b × c → d … e — f é"
    assert printable(text, stream("ascii")) == "a - b x c -> d ... e - f ?"
    assert printable(text, stream("latin-1")) == "a · b × c -> d ... e - f é"
    assert printable(text, stream("utf-8")) is text
    assert printable(text, stream("US-ASCII")) == "a - b x c -> d ... e - f ?"
