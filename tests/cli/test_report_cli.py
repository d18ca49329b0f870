"""`hwctl report pending` through the real command tree, on SQLite and PostgreSQL: the machine
formats, --output and --quiet for cron, and check mode's exit codes for monitoring."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import select
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import Cli, make_order

CHECK_LINE = r"^PENDING (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]*( \| [^\n]*)?\n$"


def days_ago(days: float) -> str:
    when = datetime.now(UTC) - timedelta(days=days)
    return when.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def four_pending(seeded) -> str:  # noqa: ANN001
    """Three pending orders on Acme Voice (the oldest 6 days and an hour old), one on Blue Sky,
    and decided orders that must not count. Returns the oldest pending order's date."""
    oldest = days_ago(6.05)
    make_order(seeded, ordered_at=oldest)
    make_order(seeded, ordered_at=days_ago(2))
    make_order(seeded, ordered_at=days_ago(1))
    make_order(seeded, platform="Blue Sky", account="Umbrella Ltd",
               items=[{"sku": "D385", "quantity": 1}], ordered_at=days_ago(0.5))  # fmt: skip
    make_order(seeded, status="approved", ordered_at=days_ago(30))
    make_order(seeded, status="rejected", ordered_at=days_ago(40))
    return oldest


# -- report mode -------------------------------------------------------------------------------
def test_json_counts_pending_orders_per_platform(cli: Cli, four_pending) -> None:  # noqa: ANN001
    data = cli.json("report", "pending", "--format", "json")
    assert data["pending"] == 4
    assert data["oldest_ordered_at"] == four_pending
    assert [(p["platform"], p["pending"]) for p in data["platforms"]] == [
        ("Acme Voice", 3),
        ("Blue Sky", 1),
    ]


def test_json_with_nothing_pending_lists_every_platform_at_zero(cli: Cli, seeded) -> None:  # noqa: ANN001
    data = cli.json("report", "pending", "-f", "json")
    assert data == {
        "pending": 0,
        "oldest_ordered_at": None,
        "platforms": [
            {"platform": "Acme Voice", "pending": 0, "oldest_ordered_at": None},
            {"platform": "Blue Sky", "pending": 0, "oldest_ordered_at": None},
        ],
    }


def test_csv_is_only_the_table_on_stdout(cli: Cli, four_pending) -> None:  # noqa: ANN001
    result = cli("report", "pending", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["platform"], r["pending"]) for r in rows] == [("Acme Voice", "3"), ("Blue Sky", "1")]
    assert result.stderr == ""


def test_prometheus_output_has_the_gauges(cli: Cli, four_pending) -> None:  # noqa: ANN001
    result = cli("report", "pending", "--format", "prometheus")
    lines = result.stdout.splitlines()
    assert 'hwctl_orders_pending{platform="Acme Voice"} 3' in lines
    assert 'hwctl_orders_pending{platform="Blue Sky"} 1' in lines
    assert "hwctl_orders_pending_all 4" in lines
    (age,) = [ln for ln in lines if ln.startswith("hwctl_oldest_pending_age_seconds ")]
    assert abs(int(age.split()[1]) - 6.05 * 86400) < 120


def test_text_names_the_total_and_the_oldest_age(cli: Cli, four_pending) -> None:  # noqa: ANN001
    result = cli("report", "pending")
    assert result.exit_code == 0
    assert result.stdout.startswith("Pending orders: 4 · oldest ")
    assert "(6d ago)" in result.stdout.splitlines()[0]


def test_output_writes_the_file_and_prints_nothing(cli: Cli, four_pending, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "textfile"
    folder.mkdir()
    target = folder / "hwctl.prom"
    result = cli("report", "pending", "--format", "prometheus", "--output", str(target))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert "hwctl_orders_pending_all 4\n" in target.read_text()
    assert [p.name for p in folder.iterdir()] == ["hwctl.prom"]  # no temporary file left


def test_output_into_a_missing_folder_fails_with_one_line(cli: Cli, seeded, tmp_path: Path) -> None:  # noqa: ANN001
    result = cli("report", "pending", "-o", str(tmp_path / "nope" / "x.prom"))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("hwctl: error: --output ")


def test_quiet_prints_nothing_when_nothing_is_pending(cli: Cli, seeded) -> None:  # noqa: ANN001
    result = cli("report", "pending", "--quiet")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_quiet_still_prints_the_report_when_orders_wait(cli: Cli, four_pending) -> None:  # noqa: ANN001
    result = cli("report", "pending", "--quiet", "--format", "json")
    assert json.loads(result.stdout)["pending"] == 4


def test_a_report_on_a_missing_sqlite_file_fails_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    result = Cli(str(path))("report", "pending", "--format", "json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"no store at {path}" in result.stderr
    assert not path.exists()


# -- check mode --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "code", "state"),
    [
        (["--warn", "5", "--crit", "20"], 0, "OK"),
        (["--warn", "3", "--crit", "20"], 1, "WARNING"),
        (["--warn", "1", "--crit", "3"], 2, "CRITICAL"),
        (["--warn-age", "3d"], 1, "WARNING"),
        (["--warn-age", "3d", "--crit-age", "6d"], 2, "CRITICAL"),
        (["--warn-age", "7d", "--warn", "10"], 0, "OK"),
        (["--crit-age", "145h"], 2, "CRITICAL"),
    ],
)
def test_check_mode_exits_with_the_monitoring_state(
    cli: Cli, four_pending: str, args: list[str], code: int, state: str
) -> None:
    result = cli("report", "pending", *args)
    assert result.exit_code == code, result.stdout
    assert result.stdout.startswith(f"PENDING {state} - 4 orders pending, oldest 6d | pending=4;")
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""


def test_the_check_line_carries_performance_data(cli: Cli, four_pending) -> None:  # noqa: ANN001
    result = cli("report", "pending", "--warn", "3", "--crit", "20", "--warn-age", "3d")
    perf = result.stdout.split(" | ", 1)[1].split()
    assert perf[0] == "pending=4;3;20;0"
    name, value = perf[1].split("=")
    seconds, warn, crit, minimum = value.split(";")
    assert name == "oldest_age"
    assert abs(int(seconds.removesuffix("s")) - 6.05 * 86400) < 120
    assert (warn, crit, minimum) == ("259200", "", "0")


def test_an_ok_check_with_quiet_prints_nothing(cli: Cli, four_pending) -> None:  # noqa: ANN001
    result = cli("report", "pending", "--warn", "10", "--quiet")
    assert (result.exit_code, result.stdout) == (0, "")


def test_a_warning_check_with_quiet_still_prints_its_line(cli: Cli, four_pending) -> None:  # noqa: ANN001
    result = cli("report", "pending", "--warn", "1", "--quiet")
    assert result.exit_code == 1
    assert result.stdout.startswith("PENDING WARNING - ")


def test_nothing_pending_is_ok_even_with_zero_thresholds(cli: Cli, seeded) -> None:  # noqa: ANN001
    result = cli("report", "pending", "--warn", "0", "--crit", "0", "--crit-age", "0")
    assert result.exit_code == 0
    assert result.stdout == "PENDING OK - 0 orders pending | pending=0;0;0;0 oldest_age=0s;;0;0\n"


@pytest.mark.parametrize(
    "args",
    [
        ["--warn", "many"],
        ["--warn", "-1"],
        ["--crit-age", "3 days"],
        ["--warn", "3", "--frobnicate"],
        ["--warn", "3", "--format", "json"],
        ["--warn", "3", "--output", "x.prom"],
        ["-w", "3", "--frobnicate"],
        ["-w", "3", "-x"],
        ["-c", "abc"],
        ["--warn=5:2"],
        ["-w", "@"],
        ["-w", "5", "-t", "0"],
        ["-w", "5", "--timeout", "soon"],
        ["-qw", "3", "extra"],
    ],
)
def test_a_bad_check_command_line_is_unknown_not_a_usage_error(
    cli: Cli, four_pending: str, args: list[str]
) -> None:
    result = cli("report", "pending", *args)
    assert result.exit_code == 3
    assert result.stdout.startswith("PENDING UNKNOWN - ")
    assert result.stdout.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "code", "state", "perf"),
    [
        (["-w", "5", "-c", "20"], 0, "OK", "pending=4;5;20;0"),
        (["-w5", "-c20"], 0, "OK", "pending=4;5;20;0"),
        (["-w", "3", "-c", "20"], 1, "WARNING", "pending=4;3;20;0"),
        (["-w", "1", "-c", "3"], 2, "CRITICAL", "pending=4;1;3;0"),
        (["-w", "10:", "-c", "2:"], 1, "WARNING", "pending=4;10:;2:;0"),  # alert below
        (["-w", "4:"], 0, "OK", "pending=4;4:;;0"),  # the ends are in the range
        (["-w", "@3:5"], 1, "WARNING", "pending=4;@3:5;;0"),  # alert inside
        (["-w", "@5:9"], 0, "OK", "pending=4;@5:9;;0"),
        (["-c", "~:3"], 2, "CRITICAL", "pending=4;;~:3;0"),
        (["-c", "~:4"], 0, "OK", "pending=4;;~:4;0"),
        (["-w", "1:10", "-c", "@4"], 2, "CRITICAL", "pending=4;1:10;@4;0"),
        (["--warn=2:8", "--crit=0:9"], 0, "OK", "pending=4;2:8;0:9;0"),
        # --crit below --warn is refused only for plain numbers: ranges are taken as given
        (["-w", "10:20", "-c", "3"], 2, "CRITICAL", "pending=4;10:20;3;0"),
        (["-w", "10:20", "-c", "30:"], 2, "CRITICAL", "pending=4;10:20;30:;0"),
    ],
)
def test_short_options_and_threshold_ranges_give_the_monitoring_state(
    cli: Cli, four_pending: str, args: list[str], code: int, state: str, perf: str
) -> None:
    result = cli("report", "pending", *args)
    assert result.exit_code == code, result.stdout
    assert result.stdout.startswith(f"PENDING {state} - 4 orders pending, oldest 6d | {perf} ")
    assert re.match(CHECK_LINE, result.stdout)
    assert result.stderr == ""


def test_short_options_in_a_cluster_are_a_check(cli: Cli, four_pending: str) -> None:
    quiet_ok = cli("report", "pending", "-qw", "10")
    assert (quiet_ok.exit_code, quiet_ok.stdout) == (0, "")
    result = cli("report", "pending", "-qw2")
    assert result.exit_code == 1
    assert result.stdout.startswith("PENDING WARNING - 4 orders pending")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["-w", "5", "-c", "3"], "PENDING UNKNOWN - --crit 3 is below --warn 5\n"),
        (["--warn", "20", "--crit=10"], "PENDING UNKNOWN - --crit 10 is below --warn 20\n"),
        (["--warn-age", "3d", "--crit-age", "1d"],
         "PENDING UNKNOWN - --crit-age (86400s) is below --warn-age (259200s)\n"),
        (["-w", "5", "-x"], "PENDING UNKNOWN - No such option: -x\n"),
        (["-w", "abc"], "'abc' is not a threshold (use N, N:, ~:N, N:M or @N:M)\n"),
        (["-c", "5:2"], "'5:2' is not a threshold: its start is above its end\n"),
    ],
)  # fmt: skip
def test_a_usage_error_in_check_mode_is_one_unknown_line(
    cli: Cli, four_pending: str, args: list[str], says: str
) -> None:
    result = cli("report", "pending", *args)
    assert result.exit_code == 3
    assert result.stdout.startswith("PENDING UNKNOWN - ")
    assert result.stdout.endswith(says)
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--bogus", "report", "pending", "-w", "5"], "No such option: --bogus"),
        (["report", "pendin", "-w", "5", "-c", "20"], "No such command 'pendin'"),
    ],
)
def test_a_usage_error_before_the_check_command_is_unknown_too(
    cli: Cli,
    seeded,
    args: list[str],
    says: str,  # noqa: ANN001
) -> None:
    result = cli(*args)
    assert result.exit_code == 3
    assert result.stdout.startswith(f"PENDING UNKNOWN - {says}")
    assert result.stdout.count("\n") == 1
    assert result.stderr == ""
    outside = cli(*[a for a in args if a not in ("-w", "-c", "5", "20")])
    assert outside.exit_code == 2  # not a check: a usage error as always
    assert outside.stdout == ""


def test_a_bad_value_outside_check_mode_stays_a_usage_error(cli: Cli, seeded) -> None:  # noqa: ANN001
    result = cli("report", "pending", "--format", "yaml")
    assert result.exit_code == 2
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("store", "says"),
    [
        ("{tmp}/typo.db", "no store at"),
        ("postgresql+psycopg://hwctl:s3cret@127.0.0.1:1/hwctl", "cannot use the store"),
        ("postgresql+pg8000://hwctl:s3cret@127.0.0.1/hwctl", "through psycopg 3, not pg8000"),
        ("mysql://hwctl:s3cret@127.0.0.1/hwctl", "unsupported store"),
        ("{tmp}/garbage.db", ""),
    ],
    ids=["missing-file", "server-down", "missing-driver", "unsupported", "not-a-database"],
)
def test_a_store_that_cannot_be_read_is_unknown(tmp_path: Path, store: str, says: str) -> None:
    (tmp_path / "garbage.db").write_bytes(b"this is not a SQLite database" * 100)
    result = Cli(store.format(tmp=tmp_path))("report", "pending", "--warn", "3")
    assert result.exit_code == 3, result.stdout + result.stderr
    assert result.stdout.startswith("PENDING UNKNOWN - ")
    assert says in result.stdout
    assert "s3cret" not in result.stdout + result.stderr
    assert result.stdout.count("\n") == 1
    assert not (tmp_path / "typo.db").exists()


@pytest.mark.postgres
def test_a_postgresql_store_without_the_schema_is_unknown(pg_url: str) -> None:
    result = Cli(pg_url)("report", "pending", "--warn", "3")
    assert result.exit_code == 3
    assert result.stdout.startswith("PENDING UNKNOWN - ")
    assert "hwctl db upgrade" in result.stdout


# -- --timeout: a store that does not answer ---------------------------------------------------
TIMED_OUT = "timed out: the store did not answer within 1 s (--timeout 1)"


def run_installed(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """The installed hwctl in its own process (a timeout ends a process, not a test runner),
    and how long it took."""
    from tests.cli.test_completion import hwctl_bin

    started = time.monotonic()
    run = subprocess.run([str(hwctl_bin()), *args], capture_output=True, text=True, timeout=60)
    return run, time.monotonic() - started


@contextlib.contextmanager
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a hung server); yields the port."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_a_check_on_a_server_that_never_answers_is_unknown_after_the_timeout() -> None:
    with silent_server() as port:
        url = f"postgresql+psycopg://hwctl@127.0.0.1:{port}/hwctl"
        run, took = run_installed("--db", url, "report", "pending", "-w", "5", "-t", "1")
    assert run.returncode == 3, run.stdout + run.stderr
    assert run.stdout == f"PENDING UNKNOWN - {TIMED_OUT}\n"
    assert run.stderr == ""
    assert took < 4  # the connection's own timeout is 5 s


def test_a_report_on_a_server_that_never_answers_fails_after_the_timeout() -> None:
    with silent_server() as port:
        url = f"postgresql+psycopg://hwctl@127.0.0.1:{port}/hwctl"
        run, took = run_installed("--db", url, "report", "pending", "--timeout", "1")
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr == f"hwctl: error: {TIMED_OUT}\n"
    assert took < 4


WAITS_IN_C = """
import signal, time
from hwctl.cli.report import deadline
with deadline(1, check=True):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})  # a wait no signal interrupts
    time.sleep(30)
print("not reached")
"""


def test_a_check_stuck_where_no_signal_reaches_still_answers_unknown() -> None:
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-c", WAITS_IN_C], capture_output=True, text=True,
                         timeout=60)  # fmt: skip
    assert run.returncode == 3, run.stdout + run.stderr
    assert run.stdout == f"PENDING UNKNOWN - {TIMED_OUT}\n"
    assert time.monotonic() - started < 10


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgres"])
def test_a_check_waiting_on_a_locked_table_is_unknown_after_the_timeout(
    store,
    four_pending: str,
    db_url: str,  # noqa: ANN001
) -> None:
    from sqlalchemy import text

    with store.engine.begin() as conn:  # another session holds the orders (lock_timeout is 10 s)
        conn.execute(text("LOCK TABLE hw_order IN ACCESS EXCLUSIVE MODE"))
        run, took = run_installed("--db", db_url, "report", "pending", "-w", "5", "-t", "1")
    assert run.returncode == 3, run.stdout + run.stderr
    assert run.stdout == f"PENDING UNKNOWN - {TIMED_OUT}\n"
    assert took < 5
    after, _ = run_installed("--db", db_url, "report", "pending", "-w", "5", "-t", "5")
    assert after.returncode == 0
    assert after.stdout.startswith("PENDING OK - 4 orders pending")


# -- --output writes to the path, never replaces what is not a regular file ---------------------
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


class FifoReader(threading.Thread):
    """A reader that holds the FIFO open (as a collector would) and reads until the writer has
    closed it, or gives up after `timeout` seconds."""

    def __init__(self, path: Path, timeout: float = 15) -> None:
        super().__init__(daemon=True)
        # Non-blocking open: the FIFO has a reader from now on, so the writer's open cannot block
        self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        self.deadline = time.monotonic() + timeout
        self.data = b""

    def run(self) -> None:
        try:
            while time.monotonic() < self.deadline:
                readable, _, _ = select.select([self.fd], [], [], 0.1)
                if not readable:
                    continue
                chunk = os.read(self.fd, 65536)
                if not chunk:  # the writer came and went
                    return
                self.data += chunk
        finally:
            os.close(self.fd)


@sqlite_only
def test_output_to_a_fifo_writes_through_it_and_keeps_the_fifo(
    cli: Cli, four_pending: str, tmp_path: Path
) -> None:
    fifo = tmp_path / "hwctl.prom"
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    reader.start()
    result = cli("report", "pending", "--format", "prometheus", "--output", str(fifo))
    reader.join(timeout=20)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert "hwctl_orders_pending_all 4\n" in reader.data.decode()
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir() if p.name != "store"] == ["hwctl.prom"]


@sqlite_only
def test_output_to_a_terminal_writes_through_it(cli: Cli, four_pending: str) -> None:
    master, slave = os.openpty()
    try:
        name = os.ttyname(slave)
        result = cli("report", "pending", "--format", "csv", "--output", name)
        assert (result.exit_code, result.stderr) == (0, "")
        assert stat.S_ISCHR(os.stat(name).st_mode)
        os.set_blocking(master, False)
        seen = b""
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(master, 65536):
                seen += chunk
        assert "Acme Voice,3," in seen.decode().replace("\r\n", "\n")
    finally:
        os.close(slave)
        os.close(master)


@sqlite_only
def test_output_replaces_an_existing_regular_file_atomically(
    cli: Cli, four_pending: str, tmp_path: Path
) -> None:
    target = tmp_path / "hwctl.prom"
    target.write_text("old\n")
    target.chmod(0o640)
    before = target.stat().st_ino
    result = cli("report", "pending", "--format", "prometheus", "--output", str(target))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert stat.S_ISREG(target.lstat().st_mode)
    assert target.stat().st_ino != before  # a new file renamed over the old one
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert "hwctl_orders_pending_all 4\n" in target.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hwctl.prom", "store"]


@sqlite_only
def test_output_to_a_new_path_creates_a_regular_file(
    cli: Cli, four_pending: str, tmp_path: Path
) -> None:
    target = tmp_path / "new.json"
    result = cli("report", "pending", "--format", "json", "--output", str(target))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert stat.S_ISREG(target.lstat().st_mode)
    assert json.loads(target.read_text())["pending"] == 4


@sqlite_only
def test_output_through_a_symlink_replaces_its_target_and_keeps_the_link(
    cli: Cli, four_pending: str, tmp_path: Path
) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "hwctl.prom"
    real.write_text("old\n")
    before = real.stat().st_ino
    link = tmp_path / "hwctl.prom"
    link.symlink_to(Path("real") / "hwctl.prom")  # relative, as `ln -s` usually makes them
    result = cli("report", "pending", "--format", "prometheus", "--output", str(link))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert link.is_symlink()
    assert os.readlink(link) == str(Path("real") / "hwctl.prom")
    assert stat.S_ISREG(real.lstat().st_mode)
    assert real.stat().st_ino != before  # the target was replaced atomically
    assert "hwctl_orders_pending_all 4\n" in real.read_text()
    assert [p.name for p in (tmp_path / "real").iterdir()] == ["hwctl.prom"]


@sqlite_only
def test_output_through_a_dangling_symlink_creates_its_target(
    cli: Cli, four_pending: str, tmp_path: Path
) -> None:
    link = tmp_path / "hwctl.prom"
    link.symlink_to(tmp_path / "target.prom")
    result = cli("report", "pending", "--format", "prometheus", "--output", str(link))
    assert (result.exit_code, result.stderr) == (0, "")
    assert link.is_symlink()
    assert "hwctl_orders_pending_all 4\n" in (tmp_path / "target.prom").read_text()


@sqlite_only
@pytest.mark.parametrize("quiet", [False, True])
def test_output_dash_is_stdout(
    cli: Cli, four_pending: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quiet: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("report", "pending", "--format", "json", "--output", "-", *(["-q"] * quiet))
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout)["pending"] == 4
    assert not (tmp_path / "-").exists()


def test_a_name_of_an_open_descriptor_is_written_through(tmp_path: Path) -> None:
    """/dev/fd/N and /proc/self/fd/N (what /dev/stdout points to) name an open descriptor: the
    file or pipe behind it is written to, nothing is renamed over it."""
    from hwctl.io.files import names_a_descriptor, write_output

    assert names_a_descriptor("/dev/stdout")
    assert not names_a_descriptor(tmp_path / "x.prom")
    read_end, write_end = os.pipe()
    try:
        write_output(f"/proc/self/fd/{write_end}", "through a pipe\n")
        assert os.read(read_end, 100) == b"through a pipe\n"
    finally:
        os.close(read_end)
        os.close(write_end)
    out = tmp_path / "out.txt"
    with out.open("w") as fh:
        before = out.stat().st_ino
        write_output(f"/dev/fd/{fh.fileno()}", "into the open file\n")
    assert (out.stat().st_ino, out.read_text()) == (before, "into the open file\n")
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


@sqlite_only
def test_output_to_a_stdout_link_writes_to_stdout_and_keeps_the_link(
    four_pending: str, db_url: str, tmp_path: Path
) -> None:
    """`--output /dev/stdout` in a real process, with a link like /dev/stdout in a temporary
    folder (the machine's own /dev/stdout is not put at risk): stdout a regular file, then a
    pipe."""
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    argv = [sys.executable, "-m", "hwctl", "--db", db_url, "report", "pending", "-f", "csv",
            "--output", str(link)]  # fmt: skip
    out = tmp_path / "out.csv"
    with out.open("w") as fh:
        run = subprocess.run(argv, stdout=fh, stderr=subprocess.PIPE, text=True, timeout=60)
    assert (run.returncode, run.stderr) == (0, "")
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    assert "Acme Voice,3," in out.read_text()
    piped = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert (piped.returncode, piped.stderr) == (0, "")
    assert "Acme Voice,3," in piped.stdout
    assert link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "stdout", "store"]
