"""Files hwctl reads, and the store's path, when they are not regular files or are too big
(issue 21, items 2 and 10): one line and an exit code, at once, nothing read into memory,
nothing created, nothing changed.

Real hwctl processes on real files: a device (/dev/zero, /dev/null), a FIFO made in the test's
folder (opening one for reading waits for a writer: a refusal must come from a stat, so a
blocked run is a failure by timeout), symlinks to them, sparse files past a cap. The runs that
used to read without end get an address-space limit (RLIMIT_AS), under which reading /dev/zero
was `internal error: MemoryError`.
"""

from __future__ import annotations

import json
import os
import pty
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_store_settings import CODE, hwctl_bin
from tests.conftest import ADMIN, make_order

MEMORY_LIMIT = 1 << 30  # hwctl needs ~300 MB of address space; /dev/zero would take it all
TIMEOUT = 60  # s; a refusal takes about one start-up of hwctl


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run(
    *args: str,
    env: dict[str, str] | None = None,
    stdin: object = subprocess.DEVNULL,
    input: str | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """A real `hwctl ARGS` with this test's HOME and XDG folders, under MEMORY_LIMIT."""
    full = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COLUMNS", "TERM")}
    full.update(PYTHONPATH=CODE, PYTHONDONTWRITEBYTECODE="1", PYTHONIOENCODING="utf-8")
    full.update(env or {})
    kwargs: dict = {"input": input} if input is not None else {"stdin": stdin}
    return subprocess.run([hwctl_bin(), *args], env=full, text=True, capture_output=True,
                          timeout=TIMEOUT, preexec_fn=_limited, cwd=cwd, **kwargs)  # fmt: skip


def refusal(done: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """Exit `code`, nothing on stdout, one `hwctl: error:` line on stderr: that line's text."""
    assert (done.returncode, done.stdout) == (code, ""), (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "internal error" not in lines[0] and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("hwctl: error: "), lines[0]
    return lines[0].removeprefix("hwctl: error: ")


def order_status(cli, oid: int) -> str:  # noqa: ANN001
    return cli.json("show", str(oid), "--format", "json")["status"]


def order_counts(cli) -> tuple[int, int]:  # noqa: ANN001
    """(orders, devices) in the store."""
    orders = cli.json("list", "--status", "all", "--format", "json", "--limit", "1000")
    devices = cli.json("devices", "--format", "json", "--limit", "1000")
    return len(orders), len(devices)


@pytest.fixture
def specials(tmp_path: Path) -> dict[str, Path]:
    """Paths that are not regular files: a FIFO, links to /dev/zero and to the FIFO, a folder."""
    folder = tmp_path / "specials"
    folder.mkdir()
    os.mkfifo(folder / "fifo")
    (folder / "zero-link").symlink_to("/dev/zero")
    (folder / "fifo-link").symlink_to(folder / "fifo")
    (folder / "folder").mkdir()
    return {
        "/dev/zero": Path("/dev/zero"),
        "fifo": folder / "fifo",
        "zero-link": folder / "zero-link",
        "fifo-link": folder / "fifo-link",
        "folder": folder / "folder",
    }


WHY = {
    "/dev/zero": "is not a regular file (a character device)",
    "fifo": "is not a regular file (a FIFO)",
    "zero-link": "is not a regular file (a character device)",
    "fifo-link": "is not a regular file (a FIFO)",
    "folder": "is a directory",
}


# -- item 2: the config file -----------------------------------------------------------------------
def test_the_config_as_dev_zero_is_one_line_at_once_under_a_memory_limit(seeded, cli) -> None:  # noqa: ANN001
    oid = make_order(seeded, "pending")
    done = run("--db", cli.db_url, "--as", ADMIN, "approve", str(oid), "--yes",
               env={"HWCTL_CONFIG": "/dev/zero"})  # fmt: skip
    assert refusal(done) == (
        "cannot read the config file /dev/zero: it is not a regular file (a character device)"
    )
    assert order_status(cli, oid) == "pending"


@pytest.mark.parametrize("kind", list(WHY))
def test_a_config_that_is_not_a_regular_file_is_refused_without_being_opened(
    specials: dict[str, Path], kind: str
) -> None:
    path = specials[kind]
    done = run("db", "path", env={"HWCTL_CONFIG": str(path)})  # a FIFO opened: a timeout
    assert refusal(done) == f"cannot read the config file {path}: it {WHY[kind]}"


def test_a_config_past_256_kib_is_refused_and_one_within_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    with big.open("wb") as fh:
        fh.truncate((256 << 10) + 1)  # sparse: nothing to write, and nothing should be read
    done = run("db", "path", env={"HWCTL_CONFIG": str(big)})
    assert refusal(done) == (
        f"cannot read the config file {big}: it is larger than 256 KiB, more than hwctl reads"
    )
    padded = tmp_path / "padded.toml"
    store = tmp_path / "elsewhere.db"
    text = f'database_url = "{store}"\n'
    padded.write_text(text + "#" * ((256 << 10) - len(text) - 1) + "\n", encoding="utf-8")
    assert padded.stat().st_size == 256 << 10
    done = run("db", "path", env={"HWCTL_CONFIG": str(padded)})
    assert (done.returncode, done.stdout, done.stderr) == (0, f"sqlite:///{store}\n",
                                                          "(from config)\n")  # fmt: skip


# -- item 2: documents and shipping files ----------------------------------------------------------
def _input_args(command: str, path: str, order: int) -> list[str]:
    if command == "fulfill":
        return ["fulfill", str(order), "--csv", path, "--yes"]
    return [command, path]


@pytest.mark.parametrize("kind", ["/dev/zero", "fifo", "zero-link", "fifo-link"])
@pytest.mark.parametrize("command", ["submit", "import", "fulfill"])
def test_an_input_that_is_not_a_regular_file_is_refused_without_being_read(
    seeded,  # noqa: ANN001
    cli,  # noqa: ANN001
    specials: dict[str, Path],
    command: str,
    kind: str,
) -> None:
    oid = make_order(seeded, "approved")
    before = order_counts(cli)
    path = str(specials[kind])
    done = run("--db", cli.db_url, "--as", ADMIN, *_input_args(command, path, oid))
    assert refusal(done) == f"{path}: {WHY[kind]}"
    assert order_counts(cli) == before
    assert order_status(cli, oid) == "approved"


@pytest.mark.parametrize("command", ["submit", "import", "fulfill"])
def test_an_input_past_256_mib_is_refused_before_it_is_read(
    seeded,  # noqa: ANN001
    cli,  # noqa: ANN001
    tmp_path: Path,
    command: str,
) -> None:
    oid = make_order(seeded, "approved")
    before = order_counts(cli)
    big = tmp_path / "big.json"
    with big.open("wb") as fh:
        fh.truncate((256 << 20) + 1)  # sparse; reading it would be 256 MiB of memory
    done = run("--db", cli.db_url, "--as", ADMIN, *_input_args(command, str(big), oid))
    assert refusal(done) == f"{big}: is larger than 256 MiB, more than hwctl reads"
    assert order_counts(cli) == before


def test_an_open_pipe_named_as_a_file_is_still_read_like_stdin(seeded, cli, tmp_path: Path) -> None:  # noqa: ANN001
    """`hwctl submit /dev/stdin` in a pipeline (and `<(...)`, a /dev/fd/N) is a pipe, as `-`
    is: read, with the same cap, not refused as a FIFO."""
    from tests.conftest import order_doc

    before = order_counts(cli)
    done = run("--db", cli.db_url, "--as", ADMIN, "submit", "/dev/stdin", "--format", "json",
               input=json.dumps([order_doc()]))  # fmt: skip
    assert done.returncode == 0, done.stderr
    (created,) = json.loads(done.stdout)
    assert order_status(cli, created["id"]) == "pending"
    assert order_counts(cli) == (before[0] + 1, before[1])


# -- item 2: drafts --------------------------------------------------------------------------------
def run_on_a_terminal(*args: str) -> subprocess.CompletedProcess[str]:
    """`hwctl ARGS` with stdin and stdout on a pseudo-terminal (so `fulfill` asks), stderr
    captured, under MEMORY_LIMIT."""
    leader, follower = pty.openpty()
    try:
        full = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        full.update(PYTHONPATH=CODE, PYTHONDONTWRITEBYTECODE="1", TERM="dumb")
        proc = subprocess.Popen([hwctl_bin(), *args], stdin=follower, stdout=follower,
                                stderr=subprocess.PIPE, text=True, env=full,
                                preexec_fn=_limited)  # fmt: skip
        os.close(follower)
        follower = -1
        try:
            _, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
        return subprocess.CompletedProcess(proc.args, proc.returncode, "", err)
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)


@pytest.mark.parametrize("kind", ["zero-link", "fifo-link"])
def test_a_draft_that_is_not_a_regular_file_is_refused_and_left_alone(
    seeded,  # noqa: ANN001
    cli,  # noqa: ANN001
    specials: dict[str, Path],
    kind: str,
) -> None:
    from hwctl.config import StoreLocation
    from hwctl.io import drafts

    oid = make_order(seeded, "approved")
    draft = drafts.draft_path(StoreLocation(cli.db_url, "--db", False), oid, ADMIN)
    draft.parent.mkdir(parents=True)
    draft.symlink_to(specials[kind])
    before = order_counts(cli)
    done = run_on_a_terminal("--db", cli.db_url, "--as", ADMIN, "fulfill", str(oid))
    assert refusal(done) == (f"the draft {draft} {WHY[kind]}; remove it to start afresh")
    assert draft.is_symlink() and draft.readlink() == specials[kind]
    assert order_status(cli, oid) == "approved"
    assert order_counts(cli) == before


def test_a_draft_past_its_cap_is_refused(seeded, cli) -> None:  # noqa: ANN001
    from hwctl.config import StoreLocation
    from hwctl.io import drafts

    oid = make_order(seeded, "approved")
    draft = drafts.draft_path(StoreLocation(cli.db_url, "--db", False), oid, ADMIN)
    draft.parent.mkdir(parents=True)
    with draft.open("wb") as fh:
        fh.truncate(drafts.DRAFT_MAX + 1)
    done = run_on_a_terminal("--db", cli.db_url, "--as", ADMIN, "fulfill", str(oid))
    assert refusal(done) == (
        f"the draft {draft} is larger than 16 MiB, more than hwctl reads; remove it to start afresh"
    )
    assert draft.stat().st_size == drafts.DRAFT_MAX + 1
    assert order_status(cli, oid) == "approved"


# -- item 10: the store's path ---------------------------------------------------------------------
STORE_COMMANDS = [["list"], ["approve", "1", "--yes"], ["db", "upgrade"],
                  ["admins", "add", "erin"]]  # fmt: skip


@pytest.mark.parametrize("command", STORE_COMMANDS, ids=" ".join)
def test_dev_null_as_the_store_is_refused_and_no_journal_is_created(command: list[str]) -> None:
    journal = Path("/dev/null-journal")
    there_before = os.path.lexists(journal)
    try:
        done = run("--db", "/dev/null", "--as", ADMIN, *command)
        assert refusal(done) == (
            "cannot open the store /dev/null: it is not a regular file (a character device)"
        )
        if not there_before:
            assert not os.path.lexists(journal)
    finally:
        if not there_before and os.path.lexists(journal):
            journal.unlink()  # what a run without the fix made (as root)


@pytest.mark.parametrize("command", STORE_COMMANDS, ids=" ".join)
@pytest.mark.parametrize("kind", ["fifo", "fifo-link", "zero-link", "folder"])
def test_a_store_path_that_is_not_a_regular_file_is_refused_and_nothing_is_created(
    specials: dict[str, Path], kind: str, command: list[str]
) -> None:
    folder = specials["fifo"].parent
    before = sorted(p.name for p in folder.iterdir())
    done = run("--db", str(specials[kind]), "--as", ADMIN, *command)
    shown = specials[kind].resolve()  # a bare path is resolved into the store's URL
    assert refusal(done) == f"cannot open the store {shown}: it {WHY[kind]}"
    assert sorted(p.name for p in folder.iterdir()) == before  # no -journal, -wal or -shm


READ_ONLY = ["sqlite:///{db}?immutable=1", "sqlite:///{db}?mode=ro",
             "sqlite:///file:{db}?mode=ro&uri=true"]  # fmt: skip


@pytest.mark.parametrize("command", [["list"], ["show", "1"], ["db", "upgrade"]], ids=" ".join)
@pytest.mark.parametrize("spelling", READ_ONLY)
def test_a_missing_store_opened_read_only_is_refused_and_not_created(
    tmp_path: Path, spelling: str, command: list[str]
) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    db = folder / "hwctl.db"
    done = run("--db", spelling.format(db=db), "--as", ADMIN, *command)
    assert refusal(done) == (
        f"cannot open the store {db}: the file does not exist (the store is named read-only, "
        "so hwctl does not create it)"
    )
    assert list(folder.iterdir()) == []


def test_a_read_only_store_named_by_a_percent_encoded_uri_is_still_read(tmp_path: Path) -> None:
    """SQLite decodes a `file:` URI's name: `a%20b` is the folder `a b` (the check of the
    store's path reads the name as SQLite does)."""
    from tests.cli.test_store_settings import sqlite_store

    folder = tmp_path / "a b"
    folder.mkdir()
    db, oid = sqlite_store(folder)
    url = f"sqlite:///file:{str(db).replace(' ', '%20')}?mode=ro"
    done = run("--db", url, "--as", ADMIN, "show", str(oid), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "pending"


def test_completion_offers_nothing_for_a_fifo_as_the_store_and_does_not_wait(
    specials: dict[str, Path],
) -> None:
    probe = (
        "from hwctl.cli.completion_ids import open_order_ids; "
        f"print(open_order_ids(db={str(specials['fifo'])!r}))"
    )
    env = {**os.environ, "PYTHONPATH": CODE}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=TIMEOUT, env=env)  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "[]\n", "")
