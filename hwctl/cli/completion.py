"""`hwctl completion bash|zsh|fish`: the shell completion scripts.

The scripts are Typer's own: on every TAB they run the installed hwctl again with
`_HWCTL_COMPLETE=complete_<shell>`, so completion always matches the installed version (and TAB
latency is hwctl's start-up time). The checked-in files under `completions/` are generated from
`script()` by `scripts/generate.py`.

The zsh script gets two fixes for use from an `fpath` folder: `#compdef hwctl` must be line 1,
and when compinit autoloads the file as the function `_hwctl`, the first TAB must complete too
(Typer's script only registers its function, so the first TAB would offer nothing).
"""

import enum
from typing import Annotated

import typer

PROG = "hwctl"
COMPLETE_VAR = "_HWCTL_COMPLETE"

ZSH_AUTOLOAD = f"""
# Loaded from an fpath folder by compinit, this file is the body of the function _{PROG}:
# complete right away. Sourced, the compdef line above is all that is needed.
if [[ "${{funcstack[1]}}" == "_{PROG}" ]]; then
  _{PROG}_completion "$@"
fi
"""


class Shell(enum.StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def script(shell: str) -> str:
    """The completion script for `shell`, ending with one newline."""
    from typer._completion_shared import get_completion_script

    text = get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell).strip()
    if shell == Shell.zsh:
        text = f"#compdef {PROG}\n\n" + text.removeprefix(f"#compdef {PROG}").lstrip("\n")
        text += "\n" + ZSH_AUTOLOAD
    return text.rstrip("\n") + "\n"


def completion(
    shell: Annotated[Shell, typer.Argument(metavar="SHELL", help="The shell: bash, zsh or fish.")],
) -> None:
    """Print the script (the help text is COMPLETION_HELP)."""
    from hwctl.cli import render

    render.emit_text(script(shell.value))


# One line per paragraph: Rich help keeps a docstring's line breaks.
COMPLETION_HELP = (
    "Print the TAB completion script for bash, zsh or fish. Install it where the shell loads "
    "completions: for bash ~/.local/share/bash-completion/completions/hwctl, for zsh _hwctl in "
    "a folder on $fpath, for fish ~/.config/fish/completions/hwctl.fish."
)


def register(app: typer.Typer) -> None:
    app.command(
        help=COMPLETION_HELP,
        epilog="Example: hwctl completion bash > ~/.local/share/bash-completion/completions/hwctl",
    )(completion)
