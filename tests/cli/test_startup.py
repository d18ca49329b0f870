"""Fast start: `--help` of every command, `--version`, `completion` and a TAB completion in
bash, zsh and fish import neither SQLAlchemy/SQLModel (nor Alembic) nor questionary, nor the
server stack of `hwctl serve` (FastAPI, Starlette, uvicorn, hwctl.api). Those imports cost most
of a second, and every TAB runs hwctl once more.

The timing itself is not tested (it depends on the machine): scripts/bench_startup.py measures
it against the budget of 1.5x `python -c "import typer"`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_completion import hwctl_bin
from tests.conftest import make_order

# pydantic: Typer builds a pydantic adapter for every option value unless hwctl.cli.app's patch
# (`_skip_coercion_of_absent_values`) short-cuts absent values; this list is what catches the
# patch no longer working after a Typer upgrade.
# The server stack (fastapi, starlette, uvicorn) and hwctl's own HTTP door: `hwctl serve` imports
# them when it runs, never at start-up.
HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "questionary", "netaddr", "pydantic",
         "fastapi", "starlette", "uvicorn", "hwctl.api")  # fmt: skip


def heavy_of(modules: set[str] | list[str]) -> list[str]:
    """The HEAVY packages that `modules` (dotted names) are, or are inside of."""
    return sorted({h for h in HEAVY for m in modules if m == h or m.startswith(h + ".")})


def heavy_imports(importtime_log: str) -> list[str]:
    """Heavy packages named in a `-X importtime` log."""
    names = set()
    for line in importtime_log.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return heavy_of(names)


def run_hwctl(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, with Python's import log on stderr."""
    return subprocess.run(
        [str(hwctl_bin()), *args],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1", **env},
    )  # fmt: skip


def all_help_command_lines() -> list[list[str]]:
    import typer.main
    from typer import _click

    from hwctl.cli.app import app
    from tests.cli.test_manpage import generator

    root = typer.main.get_command(app)
    ctx = _click.Context(root, info_name="hwctl")
    return [["--help"]] + [[*path, "--help"] for path, _, _ in generator().walk(root, ctx, [])]


DRIVER = """
import contextlib, io, json, sys
from hwctl.cli.app import app
heavy = tuple(sys.argv[2].split(","))
results = {}
for argv in json.loads(sys.argv[1]):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        try:
            app(args=argv, prog_name="hwctl")
            code = 0
        except SystemExit as e:
            code = e.code or 0
    loaded = sorted({h for h in heavy for m in sys.modules if m == h or m.startswith(h + ".")})
    results[" ".join(argv)] = [code, loaded, "Usage:" in out.getvalue()]
print(json.dumps(results))
"""


def test_the_help_of_every_command_imports_nothing_heavy() -> None:
    """One process runs every `--help` in turn and looks at sys.modules after each, so the
    first command that pulls in a heavy package is named."""
    lines = all_help_command_lines()
    assert ["report", "pending", "--help"] in lines and ["admins", "add", "--help"] in lines
    run = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(lines), ",".join(HEAVY)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    assert len(results) == len(lines)
    for argv, (code, loaded, usage) in results.items():
        assert (code, usage) == (0, True), argv
        assert loaded == [], f"`hwctl {argv}` imported {loaded}"


@pytest.mark.parametrize(
    "args",
    [["--help"], ["list", "--help"], ["report", "pending", "--help"], ["--version"],
     ["completion", "zsh"], ["db", "path"], ["serve", "--help"], ["token", "--help"]],
    ids=lambda a: " ".join(a),
)  # fmt: skip
def test_the_installed_command_starts_without_heavy_imports(args: list[str]) -> None:
    run = run_hwctl(*args)
    assert run.returncode == 0
    assert heavy_imports(run.stderr) == []


def test_importing_the_cli_imports_neither_the_server_stack_nor_the_http_door() -> None:
    code = "import json, sys; import hwctl.cli.app; print(json.dumps(sorted(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    modules = json.loads(run.stdout)
    assert "hwctl.cli.serve" in modules  # the command is there; what it serves is not
    assert heavy_of(modules) == []


def test_the_heavy_list_names_the_server_stack_and_only_the_http_door_of_hwctl() -> None:
    """So the guards above can fail: a server module or hwctl.api counts, hwctl.app does not."""
    assert heavy_of(["hwctl.api.app", "hwctl.app.platform", "starlette.routing", "uvicorn",
                     "fastapi.routing", "hwctl.apiary"]) == [
        "fastapi", "hwctl.api", "starlette", "uvicorn"]  # fmt: skip


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"_HWCTL_COMPLETE": "complete_bash", "COMP_WORDS": "hwctl ap", "COMP_CWORD": "1"},
         "approve"),
        ({"_HWCTL_COMPLETE": "complete_bash", "COMP_WORDS": "hwctl list --status ",
          "COMP_CWORD": "3"}, "pending"),
        ({"_HWCTL_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "hwctl ap"}, "approve"),
        ({"_HWCTL_COMPLETE": "complete_fish", "_TYPER_COMPLETE_FISH_ACTION": "get-args",
          "_TYPER_COMPLETE_ARGS": "hwctl ap"}, "approve"),
    ],
    ids=["bash-command", "bash-value", "zsh", "fish"],
)  # fmt: skip
def test_a_tab_completion_imports_nothing_heavy(env: dict[str, str], expected: str) -> None:
    run = run_hwctl(**env)
    assert run.returncode == 0
    assert expected in run.stdout
    assert heavy_imports(run.stderr) == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_completing_order_ids_reads_the_store_without_heavy_imports(seeded, db_url: str) -> None:  # noqa: ANN001
    oid = make_order(seeded)
    run = run_hwctl(_HWCTL_COMPLETE="complete_bash", COMP_WORDS="hwctl approve ", COMP_CWORD="2",
                    HWCTL_DATABASE_URL=db_url)  # fmt: skip
    assert run.stdout.split() == [str(oid)]
    assert heavy_imports(run.stderr) == []


def bench_script():  # noqa: ANN201
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "bench_startup.py"
    spec = importlib.util.spec_from_file_location("bench_startup", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_the_benchmark_judges_each_case_against_one_and_a_half_times_the_baseline() -> None:
    """The verdict, on made-up timings (the real ones depend on the machine)."""
    bench = bench_script()
    lines, over = bench.judge(
        [("import typer (baseline)", 0.050), ("hwctl --help", 0.074), ("TAB bash", 0.076)]
    )
    assert over == ["TAB bash"]
    assert lines[-2:] == ["\n1 of 2 within 1.5x of the baseline", "over budget: TAB bash"]
    assert bench.judge([("baseline", 0.050), ("hwctl --help", 0.075)])[1] == []
    names = [name for name, _, _ in bench.cases("hwctl")]
    for case in ("import typer (baseline)", "hwctl --help", "hwctl list --help",
                 "TAB bash: hwctl ap", "TAB zsh: hwctl ap", "TAB fish: hwctl ap"):  # fmt: skip
        assert case in names


def test_typers_absent_value_shortcut_is_installed() -> None:
    """hwctl.cli.app patches Typer's private parameter processing (see its docstring); pyproject
    caps Typer's version so an upgrade is a deliberate step, and HEAVY's pydantic entry fails the
    start-up tests when the patch stops taking effect."""
    from importlib.metadata import version

    from typer import core

    import hwctl.cli.app  # noqa: F401

    if tuple(int(part) for part in version("typer").split(".")[:2]) < (0, 29):
        # Typer before 0.29 converts values without pydantic: nothing there to patch.
        assert not hasattr(core, "_TyperParameter")
        return
    assert getattr(core._TyperParameter.process_value, "_hwctl_fast", False)


COMMAND_MODULES = ("app", "orders", "fulfill", "devices", "directory", "audit", "admins", "db",
                   "demo", "report", "completion")  # fmt: skip


def test_command_modules_keep_real_annotations_so_typer_need_not_compile_them() -> None:
    from pathlib import Path

    import hwctl.cli

    folder = Path(hwctl.cli.__file__).parent
    offenders = [
        name
        for name in COMMAND_MODULES
        if "from __future__ import annotations" in (folder / f"{name}.py").read_text()
    ]
    assert offenders == []
