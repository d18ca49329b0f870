"""The CLI's error table: how the terminal words an error and which exit code it ends with.

The words are the application layer's message, with the command-line hint that goes with its
kind and fields (which option to pass, which command to run); the exit code is keyed by the
error's `code` (`EXIT_CODES`). Nothing here matches on message text. The application layer and
the rules never name an option nor an exit code; the HTTP door words the same errors its own
way (as problems naming JSON fields).

Cheap to import: no ORM, no Rich."""

from __future__ import annotations

from hwctl.errors import (
    ConfirmationNeeded,
    Conflict,
    HwctlError,
    InvalidInput,
    InvalidTransition,
    NotAuthorised,
    StoreError,
)

# An error's `code` -> the exit code `hwctl` ends with; any other code is 1 (refused or failed).
EXIT_CODES: dict[str, int] = {
    "usage": 2,  # the command line cannot be carried out as given
    "confirmation_needed": 2,  # a consequence to confirm: on a terminal, or with --yes
}


def exit_code(err: HwctlError) -> int:
    """The exit code the CLI ends with for `err`, by its `code`."""
    return EXIT_CODES.get(err.code, 1)


def _spelled(edit: object) -> str:
    """An edit as it is typed on the command line: `--set 3=2`, `--add T54W=2`, `--remove 3`."""
    from hwctl.app.words import AddItem, RemoveLine, SetQuantity

    if isinstance(edit, SetQuantity):
        return f"--set {edit.line}={edit.quantity}"
    if isinstance(edit, AddItem):
        return f"--add {edit.sku}={edit.quantity}"
    if isinstance(edit, RemoveLine):
        return f"--remove {edit.line}"
    return str(edit)


def problem(err: HwctlError) -> str:
    """An input error as an option's check or a prompt's validator words it, beside the option
    it names: `the reason must not be blank`, or the text's problem without the field."""
    if err.fields.get("blank"):
        return f"the {err.fields.get('field', 'value')} must not be blank"
    return str(err.fields.get("problem") or err.message)


def message(err: HwctlError) -> str:
    """The one line the CLI prints for `err`."""
    import shlex

    from hwctl.app.words import character_problem

    fields = err.fields
    if isinstance(err, NotAuthorised) and "admins_exist" in fields:
        name = fields["principal"]
        if fields.get("lookalike"):
            return (
                f"{name!r} is not a super-admin, but {fields['lookalike']!r} is: a name must "
                "match exactly (case, accents, invisible characters): act as that name with "
                "--as / HWCTL_ADMIN"
            )
        if character_problem(name) is not None:  # a name `admins add` would refuse
            return (
                f"{name!r} is not a super-admin, and no name with control or invisible "
                "characters can be one: check --as / HWCTL_ADMIN"
            )
        typed = shlex.quote(name)
        if not fields["admins_exist"]:
            return (
                f"no super-admins are registered yet: run `hwctl admins add {typed}` "
                "to register the first one"
            )
        return (
            f"{name!r} is not a super-admin: a super-admin can register them with "
            f"`hwctl admins add {typed}` (or act as another with --as / HWCTL_ADMIN)"
        )
    if isinstance(err, InvalidInput):
        if "edit" in fields:
            return f"{_spelled(fields['edit'])}: {fields['problem']}"
        if fields.get("field") == "edits":
            return f"{err.message}: give --set, --add or --remove"
        if fields.get("field") == "reason" and fields.get("blank"):
            return f"{err.message}: --reason TEXT (not blank)"
        if fields.get("field") == "limit":
            return f"--{err.message}"
        if "open" in fields and "order" in fields:  # a shipping file that leaves units empty
            return f"{err.message}; pass --partial to fulfil only the units it covers"
    if isinstance(err, InvalidTransition | Conflict) and "by" in fields:
        from hwctl.app.words import worded

        return worded(err)  # a super-admin reads who brought the order there, and when
    if isinstance(err, ConfirmationNeeded):
        return f"{err.message}: confirm on a terminal or pass --yes"
    if isinstance(err, StoreError) and "store_missing" in fields:
        return f"{err.message}: check --db, $HWCTL_DATABASE_URL or database_url in config.toml"
    return err.message
