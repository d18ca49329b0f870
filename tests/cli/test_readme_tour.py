"""README's "A tour" works when pasted line by line into a fresh shell: its commands (the first
```sh block under "## A tour") run in one real `bash`, in a temporary folder holding a copy of the
repository's `examples/` and a `.venv` (this test's venv, as the quick start made it), with a
fresh SQLite store, HOME in a temporary folder, no terminal and nothing on stdin. The shell's
PATH is a newcomer's: the system's folders, none of which holds hwctl, so the tour itself must
put hwctl on PATH (the quick start installs it into `.venv` only). Every line must exit 0, and
the orders it names must end up where the tour says."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def tour_commands(readme: str) -> list[str]:
    """The commands of the first ```sh block under "## A tour", one per entry: comment lines
    and blank lines dropped, backslash continuations joined."""
    section = readme.split("\n## A tour\n", 1)
    assert len(section) == 2, 'README.md has no "## A tour" section'
    block = re.search(r"^```sh\n(.*?)^```", section[1], re.S | re.M)
    assert block is not None, 'no ```sh block under "## A tour"'
    commands: list[str] = []
    pending = ""
    for line in block.group(1).splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        commands.append(pending + line)
        pending = ""
    assert not pending, "the tour ends in a line continuation"
    return commands


def run_tour(commands: list[str], folder: Path, after: str = "") -> list[dict]:
    """Run `commands` in one bash, as a person pasting them would (`export` carries over), each
    one's exit code, stdout and stderr kept apart; then `after` (the checks)."""
    out = folder / ".tour"
    out.mkdir()
    script = []
    for n, command in enumerate(commands):
        script.append(f'{{ {command}\n}} >"$TOUR_OUT/{n}.out" 2>"$TOUR_OUT/{n}.err" </dev/null')
        script.append(f'echo $? >"$TOUR_OUT/{n}.rc"')
    script.append(after)
    (folder / "tmp").mkdir()
    (folder / "home").mkdir()
    env = {
        "PATH": newcomers_path(),
        "HOME": str(folder / "home"),
        "TMPDIR": str(folder / "tmp"),
        "LANG": "C.UTF-8",
        "HWCTL_DATABASE_URL": f"sqlite:///{folder / 'fresh.db'}",
        "PYTHONPATH": str(REPO),  # the checkout's hwctl, whatever the venv installed
        "TOUR_OUT": str(out),
    }  # fmt: skip
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", "\n".join(script)],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, (done.stdout, done.stderr)
    results = []
    for n, command in enumerate(commands):
        rc = out / f"{n}.rc"
        assert rc.exists(), f"the tour stopped before {command!r}"
        results.append({
            "command": command,
            "rc": int(rc.read_text()),
            "stdout": (out / f"{n}.out").read_text(),
            "stderr": (out / f"{n}.err").read_text(),
        })  # fmt: skip
    return results


def newcomers_path() -> str:
    """A fresh login shell's PATH without any folder holding an `hwctl` (one installed for the
    whole system would hide a tour that forgets to put the venv's on PATH)."""
    folders = ["/usr/local/bin", "/usr/bin", "/bin"]
    return os.pathsep.join(d for d in folders if not (Path(d) / "hwctl").exists())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A clone's stand-in: `examples/`, and `.venv`, the venv this test runs in (its activate
    script names its real place)."""
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return tmp_path


def test_the_tour_s_commands_are_found():
    commands = tour_commands((REPO / "README.md").read_text(encoding="utf-8"))
    assert any(c.startswith("export HWCTL_DATABASE_URL=") for c in commands)
    assert any(c.startswith("export HWCTL_ADMIN=dana") for c in commands)
    assert not any(re.fullmatch(r"hwctl (fulfill|review) \d+\s*(#.*)?", c) for c in commands), (
        "a line that prompts cannot run unattended: make it a comment or give its flags"
    )


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_a_newcomer_s_shell_has_no_hwctl_until_the_tour_puts_it_there(folder):
    """The premise of the tour test: without the tour's own first line, `hwctl` is not found."""
    results = run_tour(["command -v hwctl", "hwctl --version"], folder)
    assert [r["rc"] for r in results] == [1, 127]
    assert "hwctl: command not found" in results[1]["stderr"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_every_line_of_the_readme_tour_succeeds_in_a_fresh_shell(folder):
    commands = tour_commands((REPO / "README.md").read_text(encoding="utf-8"))
    check = (  # a failing line is reported below, by its command
        'hwctl list --status all --format json >"$TOUR_OUT/final.json" || true\n'
        'command -v hwctl >"$TOUR_OUT/which" || true'
    )
    results = run_tour(commands, folder, after=check)
    for r in results:
        assert r["rc"] == 0, (
            f"README tour: `{r['command']}` exited {r['rc']}\n"
            f"stdout:\n{r['stdout']}\nstderr:\n{r['stderr']}"
        )
    # The ids the tour names are the ones a fresh store gives examples/orders.json.
    final = json.loads((folder / ".tour" / "final.json").read_text())
    assert [(o["id"], o["status"]) for o in final] == [
        (1, "fulfilled"),
        (2, "rejected"),
        (3, "cancelled"),
        (4, "pending"),
    ]
    first, second, third, _ = final
    assert [(i["sku"], i["quantity"]) for i in first["items"]] == [
        ("T54W", 3),
        ("W70B", 1),
        ("W73H", 3),
    ]
    assert (first["note"], first["units_done"], first["units_total"]) == ("PO 4711", 7, 7)
    assert second["rejection_reason"] == "duplicate of #1"
    assert (third["cancel_reason"], third["decided_by"]) == ("the customer withdrew it", "dana")
    # the hwctl the tour ran is the venv's, put on PATH by the tour itself
    which = (folder / ".tour" / "which").read_text().strip()
    assert Path(which).resolve() == (Path(sys.prefix) / "bin" / "hwctl").resolve()
    # the tour's store is a throwaway one: nothing under HOME
    assert not (folder / "home" / ".local").exists()
