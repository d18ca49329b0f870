#!/usr/bin/env python3
"""Regenerate the files built from the code: the API's `openapi.json`, the man page
`man/hwctl.1` and the shell completion scripts `completions/bash/hwctl`,
`completions/zsh/_hwctl`, `completions/fish/hwctl.fish`
(each named as its shell loads it: the wheel installs them unrenamed under share/, see
[tool.setuptools.data-files] in pyproject.toml). Run it after adding or changing a command, an
option or a help text; a test fails until you do.

    python scripts/generate.py              # write the files into the repository
    python scripts/generate.py --check      # write nothing; exit 1 naming the files that drifted
    python scripts/generate.py --out DIR    # write under DIR instead (the drift test does this)

The man page is built from `typer.main.get_command(app)`, the same definition `--help` shows:
each command's help (Rich markup stripped), its arguments and options, and its epilog's
"Example: ..." line under EXAMPLES. The output is deterministic: the version from
`hwctl.__version__`, and the date of the page's last change from MAN_DATE (not today's date),
which is bumped by hand with a release. Text is escaped for roff: backslashes, a leading `.` or
`'`, every hyphen as `\\-` (so options copy and paste as ASCII), and non-ASCII characters as
`\\[uXXXX]` (groff reads its input as Latin-1 unless preconv runs first). Running text is wrapped
at 80 bytes, so that `mandoc -Tlint` has nothing to say.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MAN_PAGE = "man/hwctl.1"
OPENAPI = "openapi.json"  # the platform API's contract: a diff here is a change for platforms
# The .TH date: when the page last changed for a release (bump it with hwctl.__version__).
MAN_DATE = "2026-12-01"
COMPLETION_FILES = {
    "bash": "completions/bash/hwctl",
    "zsh": "completions/zsh/_hwctl",
    "fish": "completions/fish/hwctl.fish",
}
TEXT_WIDTH = 80  # mandoc -Tlint: "input text line longer than 80 bytes"

# -- roff ----------------------------------------------------------------------------------------


def roff(text: str) -> str:
    """Running text for roff: backslash first (every escape below adds one), then hyphens and
    non-ASCII characters."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in text)


def roff_line(text: str) -> str:
    """One input line of text: a leading `.` or `'` would be read as a request."""
    line = roff(text)
    return "\\&" + line if line.startswith((".", "'")) else line


_SENTENCE_END = re.compile(r"[.!?][\"')\]*]*$")


def roff_text(text: str, width: int = TEXT_WIDTH) -> str:
    """Running text as input lines of at most `width` bytes (a longer word keeps its own line),
    broken between words: a line break in filled text reads as a space. A break after a word
    that ends like a sentence gets `\\&`, else roff would put two spaces there; a line starting
    with `.` or `'` gets a leading `\\&` (4 bytes are kept free for the two)."""
    lines: list[str] = []
    words: list[str] = []
    for word in roff(" ".join(text.split())).split(" "):
        if words and len(" ".join([*words, word])) > width - 4:
            lines.append(" ".join(words))
            words = []
        words.append(word)
    if words:
        lines.append(" ".join(words))
    for i, line in enumerate(lines[:-1]):
        if _SENTENCE_END.search(line):
            lines[i] = line + "\\&"
    return "\n".join("\\&" + ln if ln.startswith((".", "'")) else ln for ln in lines)


def roff_arg(text: str) -> str:
    """A double-quoted macro argument."""
    return '"' + roff(text).replace('"', "\\(dq") + '"'


def plain(markup: str) -> str:
    """Help text as --help shows it: Rich markup removed."""
    from rich.text import Text

    return Text.from_markup(markup, emoji=False).plain


def paragraphs(help_text: str | None) -> list[str]:
    """Docstring paragraphs, each joined into one line."""
    if not help_text:
        return []
    text = plain(inspect.cleandoc(help_text))
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


# -- walking the command tree --------------------------------------------------------------------


def _click():  # noqa: ANN202
    from typer import _click  # Typer carries its own Click (pyproject's lower bound)

    return _click


def walk(command, ctx, path: list[str]):  # noqa: ANN001, ANN201
    """(path, command, context) for every command below `command`, in --help order."""
    for name in command.list_commands(ctx):
        sub = command.get_command(ctx, name)
        if sub is None or getattr(sub, "hidden", False):
            continue
        sub_ctx = _click().Context(sub, info_name=name, parent=ctx)
        yield [*path, name], sub, sub_ctx
        if hasattr(sub, "list_commands"):
            yield from walk(sub, sub_ctx, [*path, name])


_TYPE_HINTS = {"<str>": "TEXT", "<int>": "INTEGER", "<int range>": "INTEGER", "<float>": "NUMBER",
               "<bool>": "", "<path>": "PATH"}  # fmt: skip


def _metavar(text: str) -> str:
    text = re.sub(r"<list\[.*?\]>", "", text).strip()
    return _TYPE_HINTS.get(text, text)


def params(command, ctx):  # noqa: ANN001, ANN201
    """(names, metavar, help) for each argument and option, --help excluded."""
    rows = []
    for p in command.get_params(ctx):
        if p.name == "help" or getattr(p, "hidden", False):
            continue
        record = p.get_help_record(ctx)
        if record is None:
            continue
        first, help_text = record
        raw = p.help or ""
        if raw and help_text.startswith(raw):  # strip markup from the author's text only
            help_text = plain(raw) + help_text[len(raw) :]
        tokens = first.split(" ")
        if p.param_type_name == "argument":
            names, rest = [tokens[0]], tokens[1:]
        else:
            names = []
            while tokens and tokens[0].startswith("-"):
                names.append(tokens.pop(0).rstrip(","))
            rest = tokens
        help_text = " ".join(help_text.split())
        rows.append((p.param_type_name, names, _metavar(" ".join(rest)), help_text))
    return rows


def usage(path: list[str], command, ctx) -> str:  # noqa: ANN001
    pieces = " ".join(command.collect_usage_pieces(ctx))
    pieces = re.sub(r"\{([^}]*)\}", r"\1", pieces)
    return " ".join(["hwctl", *path, pieces]).strip()


def example(epilog: str | None) -> tuple[str | None, list[str]]:
    """The epilog's `Example: ...` command, and any other epilog text as paragraphs."""
    if not epilog:
        return None, []
    text = " ".join(plain(epilog).split())
    before, found, command = text.partition("Example: ")
    if found:
        return command, [before.strip()] if before.strip() else []
    return None, [text]


# -- the page ------------------------------------------------------------------------------------


def _option_line(kind: str, names: list[str], metavar: str) -> str:
    if kind == "argument":
        return f"\\fI{roff(names[0])}\\fR"
    line = ", ".join(f"\\fB{roff(n)}\\fR" for n in names)
    return line + (f" \\fI{roff(metavar)}\\fR" if metavar else "")


def _param_items(command, ctx) -> list[str]:  # noqa: ANN001
    out = []
    for kind, names, metavar, help_text in params(command, ctx):
        out += [".TP", _option_line(kind, names, metavar), roff_text(help_text)]
    return out


ENVIRONMENT = [
    ("HWCTL_DATABASE_URL", "The store: a SQLAlchemy URL (sqlite:///PATH, "
     "postgresql+psycopg://USER@HOST/DB) or a file path. --db overrides it; it overrides "
     "database_url in the config file. Cron jobs and monitoring checks set it to reach the "
     "team's store."),
    ("HWCTL_ADMIN", "The acting super-admin. --as overrides it; it overrides admin in the config "
     "file, which overrides the OS account of the effective user. With identity = \"database\" "
     "in the config file, the acting super-admin is the store's PostgreSQL login, and setting "
     "HWCTL_ADMIN (or --as, or admin) is an error."),
    ("HWCTL_CONFIG", "The config file to read instead of config.toml in the user config folder."),
    ("NO_COLOR", "When set and not empty, no colours, on a terminal too. Output that is not a "
     "terminal never carries colours or other ANSI codes."),
]  # fmt: skip

FILES = [
    ("~/.config/hwctl/config.toml", "The config file (in $XDG_CONFIG_HOME/hwctl when that is "
     "set): database_url = \"...\", admin = \"...\" and identity = \"default\" or "
     "\"database\" (the acting super-admin is the PostgreSQL login of the store)."),
    ("~/.local/share/hwctl/hwctl.db", "The default store, a SQLite file created 0600 in a 0700 "
     "folder on first use ($XDG_DATA_HOME/hwctl when set)."),
    ("~/.local/state/hwctl/drafts/order-N.json", "Identifiers typed so far while fulfilling "
     "order N, so that an interrupted fulfilment loses nothing; removed once the order is "
     "fulfilled ($XDG_STATE_HOME/hwctl when set)."),
]  # fmt: skip

EXIT_STATUS = [
    ("0", "Success, including an empty list."),
    ("1", "Refused or failed: not found, wrong state, invalid input, a conflict, not a "
     "super-admin, a store that cannot be used."),
    ("2", "Usage error, including a confirmation needed without a terminal and without --yes."),
    ("130", "Interrupted (Ctrl-C)."),
]  # fmt: skip

CHECK_STATUS = [
    ("0", "OK: no threshold exceeded."),
    ("1", "WARNING: more pending orders than --warn, or the oldest older than --warn-age."),
    ("2", "CRITICAL: more pending orders than --crit, or the oldest older than --crit-age."),
    ("3", "UNKNOWN: the store cannot be read (a wrong URL or path, a server that is down, a "
     "missing database driver, a schema that needs hwctl db upgrade), or the command line of "
     "the check is not valid."),
]  # fmt: skip


def _tagged(items: list[tuple[str, str]], bold: bool = True) -> list[str]:
    out = []
    for tag, text in items:
        out += [".TP", f"\\fB{roff(tag)}\\fR" if bold else roff_line(tag), roff_text(text)]
    return out


def manpage() -> str:
    import typer.main

    from hwctl import __version__
    from hwctl.cli.app import app

    root = typer.main.get_command(app)
    ctx = _click().Context(root, info_name="hwctl")
    about = paragraphs(root.help)
    name_line = about[0].split(". ")[0].rstrip(".") if about else "hardware orders"
    out = [
        '.\\" Generated by scripts/generate.py from the hwctl command definitions; do not edit.',
        # the date as is: `\\-` in it would keep mandoc and man-db from reading it as a date
        f'.TH HWCTL 1 "{MAN_DATE}" {roff_arg("hwctl " + __version__)} "User Commands"',
        ".nh",  # no hyphenation: option names, URLs and paths stay whole
        ".ad l",
        ".SH NAME",
        roff_text(f"hwctl - {name_line[0].lower()}{name_line[1:]}"),
        ".SH SYNOPSIS",
        ".B hwctl",
    ]
    globals_ = [(names, metavar) for kind, names, metavar, _ in params(root, ctx)
                if kind == "option" and "--version" not in names]  # fmt: skip
    synopsis = " ".join(
        f"[\\fB{roff(names[0])}\\fR" + (f" \\fI{roff(m)}\\fR]" if m else "]")
        for names, m in globals_
    )
    out += [
        synopsis,
        "\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]",
        ".br",
        ".B hwctl \\-\\-version",
        ".br",
        ".B hwctl",
        "[\\fICOMMAND\\fR] \\fB\\-\\-help\\fR",
    ]
    out.append(".SH DESCRIPTION")
    for i, para in enumerate(about + example(root.epilog)[1]):
        out += ([".PP"] if i else []) + [roff_text(para)]
    out += [".PP", "Global options come before the command, command options after it:",
            ".RS 4", ".nf", roff_line("hwctl --db /srv/hwctl/hwctl.db list --status all"),
            ".fi", ".RE", ".SS Global options"]  # fmt: skip
    out += _param_items(root, ctx)
    out += [".TP", "\\fB\\-h\\fR, \\fB\\-\\-help\\fR",
            "Show the help of hwctl or of a command, and exit."]  # fmt: skip

    out.append(".SH COMMANDS")
    examples: list[str] = []
    for path, command, sub_ctx in walk(root, ctx, []):
        out.append(f".SS {roff_arg(usage(path, command, sub_ctx))}")
        ex, extra = example(command.epilog)
        for i, para in enumerate(paragraphs(command.help) + extra):
            out += ([".PP"] if i else []) + [roff_text(para)]
        if hasattr(command, "list_commands"):
            subs = ", ".join(command.list_commands(sub_ctx))
            out += [".PP", roff_text(f"Commands: {subs}.")]
        out += _param_items(command, sub_ctx)
        if ex:
            examples.append(ex)

    out += [".SH ENVIRONMENT"] + _tagged(ENVIRONMENT)
    out += [".SH FILES"] + _tagged(FILES)
    out += [".SH EXIT STATUS"] + _tagged(EXIT_STATUS)
    check_mode = (
        "hwctl report pending in check mode (with --warn, --crit, --warn-age or --crit-age) "
        "uses the monitoring-plugin codes instead:"
    )
    out += [".PP", roff_text(check_mode)]
    out += _tagged(CHECK_STATUS)
    out += [".SH EXAMPLES", ".RS 4", ".nf"]
    for i, ex in enumerate(examples):
        out += ([""] if i else []) + [roff_line(ex)]
    out += [".fi", ".RE", ".SH SEE ALSO", roff_text("hwctl --help and hwctl COMMAND --help; "
            "hwctl completion bash|zsh|fish; README.md in the source distribution.")]  # fmt: skip
    return "\n".join(line for line in out) + "\n"


# -- all generated files -------------------------------------------------------------------------


def generated() -> dict[str, str]:
    """Path relative to the repository -> content."""
    from hwctl.cli.completion import script

    files = {path: script(shell) for shell, path in COMPLETION_FILES.items()}
    files[MAN_PAGE] = manpage()
    files[OPENAPI] = openapi()
    return files


def openapi() -> str:
    """The platform API's OpenAPI document, as `GET /openapi.json` serves it (the routes need no
    store to describe themselves)."""
    import json

    from hwctl.api.app import create_app

    doc = create_app(None).openapi()  # type: ignore[arg-type]
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="write under this folder")
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 on drift")
    args = parser.parse_args(argv)
    drifted = []
    for rel, content in generated().items():
        target = args.out / rel
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == content:
            continue
        drifted.append(rel)
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
    if args.check:
        for rel in drifted:
            print(f"{rel} is out of date: run python scripts/generate.py", file=sys.stderr)
        return 1 if drifted else 0
    for rel in drifted:
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
