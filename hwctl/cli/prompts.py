"""Every interactive question, and the only module that imports questionary.

Prompts appear only when stdin and stdout are terminals; each one has a flag that answers it
(`--yes`, `--reason`, `--set/--add/--remove`, `--csv`). Without a terminal a needed answer is a
usage error (exit 2) naming that flag. Ctrl-C raises KeyboardInterrupt (exit 130): we use
`unsafe_ask()`, because `ask()` swallows it and returns None.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from hwctl.cli.options import interactive
from hwctl.errors import UsageError

# Tests drive prompts through prompt_toolkit pipe input by setting these.
PROMPT_KWARGS: dict[str, Any] = {}


def _q():  # noqa: ANN202
    import questionary

    return questionary


def can_prompt() -> bool:
    return bool(PROMPT_KWARGS) or interactive()


def confirm(
    question: str,
    *,
    yes: bool,
    flag: str = "--yes",
    default: bool = False,
    allowed: bool = True,
) -> bool:
    """True when confirmed; `yes` answers without asking; no terminal (or `allowed` False, as
    with --format json) -> exit 2 naming the flag.

    The answer takes Enter (`y⏎`, `n⏎`, or a bare `⏎` for the default), like every other
    prompt: a one-key answer would leave a habitual Enter to the next prompt (an empty unit
    identifier, recorded as "left open")."""
    if yes:
        return True
    if not allowed or not can_prompt():
        what = question.split("?")[0].strip()
        raise UsageError(f"{what}? needs confirmation: pass {flag} (no terminal to ask on)")
    answer = _q().confirm(question, default=default, auto_enter=False, **PROMPT_KWARGS)
    return bool(answer.unsafe_ask())


def text(
    question: str,
    *,
    flag: str,
    validate: Callable[[str], bool | str] | None = None,
    default: str = "",
    instruction: str | None = None,
) -> str:
    if not can_prompt():
        raise UsageError(f"{flag} is required without a terminal")
    kwargs: dict[str, Any] = dict(PROMPT_KWARGS)
    if instruction:
        kwargs["instruction"] = instruction
    answer = _q().text(question, default=default, validate=validate, **kwargs).unsafe_ask()
    return str(answer)


def select(
    question: str, choices: Sequence[tuple[str, Any]], *, flag: str, default: Any = None
) -> Any:
    """Choose one of (title, value) pairs; the pointer starts on `default` (a value) if given."""
    if not can_prompt():
        raise UsageError(f"{flag} is required without a terminal")
    q = _q()
    return q.select(
        question, choices=[q.Choice(title, value=value) for title, value in choices],
        default=default, **PROMPT_KWARGS,
    ).unsafe_ask()  # fmt: skip


def review_edits(
    lines: Sequence[tuple[int, str, str, int]],
    catalog: Sequence[tuple[str, str]],
    *,
    check: Callable[[list[tuple[str, Any]]], str | None] | None = None,
) -> list[tuple[str, Any]]:
    """The interactive review loop. `lines` are (line, sku, name, quantity), `catalog` is
    (sku, name) of the order's own platform. Returns the net change from the lines as given to
    the lines the person saw last, as ("remove", line), ("set", (line, qty)), ("add", (sku, qty));
    [] when nothing changes. (Not the choices one by one: "add W70B, then change that new line's
    quantity" would name a line the order does not have yet.)

    Quantities are asked in an empty field, the current one named in the question (an empty
    answer keeps it), and each is checked as it is typed: a whole number, at least 1, and the
    line at most MAX_QUANTITY units. At "Done", `check` (the whole plan) may still refuse the
    change, e.g. no lines left: then its reason is shown and the menu comes back with every edit
    kept."""
    from hwctl.app.checks import line_quantity_problem

    original = {line: qty for line, _, _, qty in lines}
    current = {line: [sku, name, qty] for line, sku, name, qty in lines}
    next_line = max(original, default=0) + 1  # new lines are numbered as the order will number them

    def asked(question: str, *, flag: str, line: int, sku: str, base: int, keep: int) -> int:
        """A quantity typed into an empty field; empty keeps `keep`; `base` is what the line
        already has besides it (adding to a line), for the cap."""

        def ok(value: str) -> bool | str:
            value = value.strip()
            if not value:
                return True
            if not (value.isascii() and value.isdigit()) or not value.strip("0"):
                return "a whole number, at least 1"
            try:
                total: int | None = base + int(value)
            except ValueError:  # more digits than Python converts
                total = None
            return line_quantity_problem(line, sku, total) or True

        answer = text(question, flag=flag, validate=ok).strip()
        return int(answer) if answer else keep

    while True:
        summary = ", ".join(f"line {n}: {q}× {s}" for n, (s, _, q) in current.items()) or "empty"
        action = select(
            f"Order lines now: {summary}. What next?",
            [
                ("Change a quantity", "set"),
                ("Add an item from this platform's catalog", "add"),
                ("Remove a line", "remove"),
                ("Done: show the change", "done"),
            ],
            flag="--set/--add/--remove",
        )
        if action == "done":
            edits = _net_edits(original, current)
            problem = check(edits) if edits and check is not None else None
            if problem is None:
                return edits
            from hwctl.cli import render

            render.warn(f"{problem}; nothing is applied yet and your changes are kept")
            continue
        if action == "add":
            sku = select(
                "Which item?",
                [(f"{s} — {name}", s) for s, name in catalog],
                flag="--add",
            )
            match = [n for n, v in current.items() if v[0] == sku]
            line = match[0] if match else next_line
            have = current[line][2] if match else 0
            qty = asked(
                f"How many {sku} to add to line {line} (it has {have})? Empty adds 1:"
                if match
                else f"How many {sku}? Empty for 1:",
                flag="--add",
                line=line,
                sku=sku,
                base=have,
                keep=1,
            )
            if match:
                current[line][2] += qty
            else:
                name = dict(catalog).get(sku, sku)
                current[next_line] = [sku, name, qty]
                next_line += 1
            continue
        if not current:
            continue
        line = select(
            "Which line?",
            [(f"line {n}: {q}× {s} — {name}", n) for n, (s, name, q) in current.items()],
            flag="--set/--remove",
        )
        if action == "remove":
            del current[line]
            if line not in original:
                current, next_line = _renumbered(original, current)
        else:
            sku, _, now = current[line]
            current[line][2] = asked(
                f"Line {line} ({sku}) has {now}. New quantity (empty keeps {now}):",
                flag="--set",
                line=line,
                sku=sku,
                base=0,
                keep=now,
            )


def _renumbered(original: dict[int, int], current: dict[int, list]) -> tuple[dict, int]:
    """The menu's lines after a line added here is removed again: the order's own lines keep
    their numbers, the added ones follow its last line in the order they were added (as the
    order will number them: a removed new line is no edit at all). Returns them and the number
    the next added line gets."""
    number = max(original, default=0) + 1
    lines: dict[int, list] = {}
    for n, value in current.items():
        if n in original:
            lines[n] = value
        else:
            lines[number] = value
            number += 1
    return lines, number


def _net_edits(original: dict[int, int], current: dict[int, list]) -> list[tuple[str, Any]]:
    edits: list[tuple[str, Any]] = [("remove", n) for n in original if n not in current]
    edits += [
        ("set", (n, v[2])) for n, v in current.items() if n in original and v[2] != original[n]
    ]
    edits += [("add", (v[0], v[2])) for n, v in current.items() if n not in original]
    return edits


def unit_identifier(
    label: str,
    *,
    wants: str,
    intent: str,
    validate: Callable[[str], bool | str],
    default: str = "",
) -> str:
    """Ask for one unit's identifier; re-asked with the reason until `validate` accepts it."""
    question = f"{label} {wants}" + (f" (for {intent})" if intent else "")
    return text(question, flag="--csv", validate=validate, default=default)
