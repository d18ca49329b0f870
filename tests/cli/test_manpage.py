"""The generated files (scripts/generate.py): man/hwctl.1 and completions/* are current with the
CLI definition; the man page renders with groff without a warning, passes `mandoc -Tlint`
without a message, names every command and option, and carries no Rich markup; roff escaping
and wrapping are right.

groff and mandoc are needed for the rendering and lint tests: missing, they skip, except under
CI=true (fail).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "scripts" / "generate.py"
MAN = ROOT / "man" / "hwctl.1"


def generator():  # noqa: ANN201
    spec = importlib.util.spec_from_file_location("hwctl_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def command_paths() -> list[list[str]]:
    import typer.main
    from typer import _click

    from hwctl.cli.app import app

    root = typer.main.get_command(app)
    gen = generator()
    return [path for path, _, _ in gen.walk(root, _click.Context(root, info_name="hwctl"), [])]


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is not installed under CI=true: the man page tests must run")
        pytest.skip(f"{tool} is not installed (apt-get install {tool})")
    return path


def rendered() -> str:
    """The man page as a reader sees it (groff's UTF-8 terminal output, overstrikes removed)."""
    groff = need("groff")
    run = subprocess.run(
        [groff, "-man", "-ww", "-Tutf8", "-rLL=100n", str(MAN)],
        capture_output=True, text=True, env={**os.environ, "GROFF_NO_SGR": "1"},
    )  # fmt: skip
    assert run.returncode == 0
    assert run.stderr == "", f"groff warnings:\n{run.stderr}"
    return re.sub(r".\x08", "", run.stdout)


def test_generated_files_are_current(tmp_path: Path) -> None:
    """Fails after a change to a command, option or help text until
    `python scripts/generate.py` is run and its output committed."""
    run = subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    # named as the shells load them: the wheel installs them under share/ as they are
    assert written == ["completions/bash/hwctl", "completions/fish/hwctl.fish",
                       "completions/zsh/_hwctl", "man/hwctl.1", "openapi.json"]  # fmt: skip
    stale = [rel for rel in written
             if (tmp_path / rel).read_text() != (ROOT / rel).read_text()]  # fmt: skip
    assert stale == [], f"out of date: {stale}; run python scripts/generate.py"


def test_the_generator_check_mode_names_a_drifted_file(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path)], check=True,
                   capture_output=True)  # fmt: skip
    (tmp_path / "man" / "hwctl.1").write_text("stale\n")
    run = subprocess.run(
        [sys.executable, str(GENERATOR), "--out", str(tmp_path), "--check"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 1
    assert "man/hwctl.1 is out of date" in run.stderr
    assert (tmp_path / "man" / "hwctl.1").read_text() == "stale\n"


@pytest.mark.parametrize(
    "env",
    [{"COLUMNS": "40", "TZ": "Pacific/Kiritimati"}, {"COLUMNS": "200", "LC_ALL": "C", "TZ": "UTC"}],
)
def test_the_man_page_is_the_same_whoever_generates_it_and_where(env: dict[str, str]) -> None:
    """Generated afresh in another process, with another terminal width, time zone and locale:
    byte for byte the committed page (a date or a width leaking in would differ)."""
    script = str(ROOT / "scripts" / "generate.py")
    code = (
        "import importlib.util, sys; "
        f"spec = importlib.util.spec_from_file_location('gen', {script!r}); "
        "gen = importlib.util.module_from_spec(spec); spec.loader.exec_module(gen); "
        "sys.stdout.write(gen.manpage())"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, **env}, check=True,
    )  # fmt: skip
    assert run.stdout == (ROOT / "man" / "hwctl.1").read_text(encoding="utf-8")


def test_the_man_page_renders_without_a_groff_warning() -> None:
    assert "HWCTL(1)" in rendered()


def test_mandoc_lint_has_nothing_to_say() -> None:
    """-Tlint reports every level, style included (lines over 80 bytes, a date it cannot
    parse); it exits 0 only without a warning, and says nothing only without a message."""
    run = subprocess.run([need("mandoc"), "-Tlint", str(MAN)], capture_output=True, text=True)
    assert (run.returncode, run.stdout + run.stderr) == (0, "")


def test_the_man_page_has_the_sections_a_reader_expects() -> None:
    text = rendered()
    headings = [line for line in text.splitlines() if re.match(r"^[A-Z][A-Z ]+$", line)]
    assert headings == ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "ENVIRONMENT", "FILES",
                        "EXIT STATUS", "EXAMPLES", "SEE ALSO"]  # fmt: skip


def test_every_command_is_in_the_rendered_man_page() -> None:
    text = " ".join(rendered().split())
    paths = command_paths()
    assert ["report", "pending"] in paths and ["admins", "add"] in paths
    for path in paths:
        assert f"hwctl {' '.join(path)}" in text, path


def test_every_option_of_every_command_is_in_the_man_page() -> None:
    import typer.main
    from typer import _click

    from hwctl.cli.app import app

    text = rendered()
    root = typer.main.get_command(app)
    for path, command, ctx in generator().walk(root, _click.Context(root, info_name="hwctl"), []):
        for param in command.get_params(ctx):
            if param.param_type_name == "option" and param.name != "help":
                for opt in param.opts:
                    assert re.search(rf"(^|[ ,]){re.escape(opt)}\b", text, re.M), (path, opt)


def test_the_man_page_names_the_environment_files_and_exit_codes() -> None:
    text = rendered()
    env = text.split("ENVIRONMENT")[1].split("FILES")[0]
    for var in ("HWCTL_DATABASE_URL", "HWCTL_ADMIN", "HWCTL_CONFIG", "NO_COLOR"):
        assert var in env
    assert "HWCTL_TEST_POSTGRES_URL" not in text
    files = text.split("\nFILES")[1].split("EXIT STATUS")[0]
    for path in ("~/.config/hwctl/config.toml", "~/.local/share/hwctl/hwctl.db",
                 "~/.local/state/hwctl/drafts/order-N.json"):  # fmt: skip
        assert path in files
    codes = text.split("EXIT STATUS")[1].split("EXAMPLES")[0]
    for code in ("0", "1", "2", "3", "130"):
        assert re.search(rf"^ +{code} ", codes, re.M), code


def test_the_examples_are_each_commands_epilog_example() -> None:
    text = rendered()
    examples = text.split("\nEXAMPLES")[1].split("SEE ALSO")[0]
    assert "hwctl report pending --warn 5 --crit 20 --warn-age 3d" in examples
    assert "hwctl approve 7 8 --note 'PO 4711' --yes" in examples
    assert examples.count("hwctl ") >= len(command_paths()) - 3  # groups have no example


def test_options_are_ascii_hyphen_minus_in_the_source() -> None:
    source = MAN.read_text()
    assert "\\-\\-format" in source
    text = "\n".join(ln for ln in source.splitlines() if not ln.startswith(('.\\"', ".TH ")))
    assert not re.search(r"(?<!\\)-", text), "an unescaped hyphen"
    assert source.isascii()


def test_the_man_page_carries_no_rich_markup_and_only_its_fixed_date() -> None:
    """The .TH date is MAN_DATE, not the day of generation (the drift test would fail every
    day); no other date is in the page."""
    source = MAN.read_text()
    assert not re.search(r"\[/?(bold|italic|dim|red|green|cyan|yellow|blue|magenta)", source)
    from hwctl import __version__

    date = generator().MAN_DATE
    assert re.fullmatch(r"20\d\d-\d\d-\d\d", date)
    th = f'.TH HWCTL 1 "{date}" "hwctl {__version__}" "User Commands"'
    assert source.splitlines()[1] == th
    assert re.findall(r"\b20\d\d-\d\d-\d\d\b", source) == [date]


@pytest.mark.parametrize(
    ("text", "roff_line"),
    [
        (".hidden", "\\&.hidden"),
        ("'quoted", "\\&'quoted"),
        ("C:\\path", "C:\\epath"),
        ("--db", "\\-\\-db"),
        ("café · 2×", "caf\\[u00E9] \\[u00B7] 2\\[u00D7]"),
        ("mid . dot", "mid . dot"),
    ],
)
def test_roff_escaping(text: str, roff_line: str) -> None:
    assert generator().roff_line(text) == roff_line


def test_running_text_is_wrapped_at_80_bytes_between_words() -> None:
    gen = generator()
    text = " ".join(f"word{i}" for i in range(60)) + " -- end"
    lines = gen.roff_text(text).splitlines()
    assert len(lines) > 3 and all(len(ln) <= 80 for ln in lines)
    assert " ".join(lines) == gen.roff(text)


def test_a_wrapped_line_never_ends_a_sentence_nor_starts_a_request() -> None:
    gen = generator()
    words = ["x" * 70, "Safe.", "y" * 73, ".dot", "'quote", "z" * 75]
    assert gen.roff_text(" ".join(words)).splitlines() == [
        "x" * 70 + " Safe.\\&",
        "y" * 73,
        "\\&.dot 'quote",
        "z" * 75,
    ]


def test_a_quoted_macro_argument_escapes_its_quotes() -> None:
    assert generator().roff_arg('say "hi"') == '"say \\(dqhi\\(dq"'


def test_help_text_loses_its_rich_markup_and_keeps_its_paragraphs() -> None:
    gen = generator()
    assert gen.paragraphs("Use [bold]--yes[/bold] here.\n\nSecond\nparagraph.") == [
        "Use --yes here.",
        "Second paragraph.",
    ]
