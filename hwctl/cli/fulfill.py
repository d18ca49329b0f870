"""`hwctl fulfill`: enter shipped identifiers (by hand or from a distributor's CSV) and turn
them into device records."""

from typing import Annotated

import typer

from hwctl.cli import render, sink
from hwctl.cli.options import (
    DetailFormat,
    DetailFormatOpt,
    OrderArg,
    YesOpt,
    read_input,
    state,
)

WANTS = {"mac": "MAC", "ipei": "IPEI"}


def fulfill(
    ctx: typer.Context,
    order: OrderArg,
    csv_file: Annotated[
        str | None,
        typer.Option(
            "--csv",
            metavar="FILE|-",
            help="Shipped identifiers from a CSV (header row; MAC/IPEI/serial, SKU, unit columns).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and print the plan; write nothing.")
    ] = False,
    partial: Annotated[
        bool,
        typer.Option(
            "--partial",
            help="A parcel of a split shipment: fulfil the units given, leave the rest open.",
        ),
    ] = False,
    yes: YesOpt = False,
    fmt: DetailFormatOpt = DetailFormat.table,
) -> None:
    """Fulfil an approved order from shipped MACs and IPEIs.

    One identifier per unit (a MAC for desk phones and bases, an IPEI for handsets), typed at
    prompts or read from a distributor's CSV. Creates or links each device, applies the intents,
    pairs handsets to a single base, and marks the order fulfilled. Safe to retry: units that
    have their device are skipped. With --partial (a shipment in several parcels), the units
    not given stay open and the order stays approved until its last unit arrives."""
    from hwctl.app import fulfilment
    from hwctl.cli import prompts
    from hwctl.domain import fulfilment as rules
    from hwctl.errors import InvalidInput, UsageError
    from hwctl.io.shipments import read_shipments

    out = sink.for_format(fmt)
    core = state(ctx).context()
    sheet = fulfilment.load_sheet(core, order)  # the state first: exit 1 whatever else
    answers: dict[int, rules.Answer] = {}
    # The file's warnings wait until they count: shown before the prompts, or once the plan
    # holds, so a refused file is one line on stderr (the refusal), never warnings and then it.
    file_warnings: list[str] = []
    if csv_file is not None:
        data, source = read_input(csv_file)
        placed = fulfilment.place(sheet, read_shipments(data, source), source)
        answers = placed.answers
        file_warnings = list(placed.warnings)
    elif sheet.is_fulfilled:
        _already_fulfilled(core, order, out, sheet)
        return
    todo = rules.missing(sheet.slots, answers)
    typed = 0  # identifiers typed at the prompts (kept as a draft until the order is fulfilled)
    if todo and csv_file is not None and partial:
        todo = []  # a parcel: the units the file does not cover stay open
    if todo:
        if answers:
            # What the file does give is checked first: a wrong check character, a duplicate or
            # another account's identifier is the error to fix, not the units still missing.
            with render.progress("Validating identifiers", len(answers)) as on_progress:
                fulfilment.check_answers(core, order, answers, progress=on_progress)
        if not prompts.can_prompt() or fmt is DetailFormat.json:
            if csv_file is None:
                why = (
                    "--format json never prompts"
                    if prompts.can_prompt()
                    else "no terminal to ask on"
                )
                raise UsageError(
                    f"{len(todo)} unit(s) need an identifier: pass --csv FILE "
                    f"(or --csv - for stdin); {why}"
                )
            raise InvalidInput(
                f"the CSV leaves {len(todo)} unit(s) without an identifier: {_unit_list(todo)}"
                "; pass --partial to fulfil only the units it covers"
            )
        _warn_all(file_warnings)
        asked = _ask(core, order, sheet.slots, todo, answers)
        typed = len(asked)
        answers.update(asked)
        left = [u for u in todo if u.number not in asked]
        if left and not answers:
            render.info(f"nothing to record: all {len(left)} unit(s) were left empty")
            raise typer.Exit(1)
        if left and not partial:
            # Units left empty at the prompts: a partial delivery, if the admin says so.
            if not prompts.confirm(
                f"{len(left)} unit(s) left empty ({_unit_list(left)}): record a partial "
                "delivery and leave them open?",
                yes=False,
                default=False,
            ):
                kept = _draft_kept("nothing written", typed, core, order) if typed else ""
                render.info(kept or "nothing written")
                raise typer.Exit(1)
            partial = True
    with render.progress("Validating identifiers", len(answers)) as on_progress:
        the_plan = fulfilment.plan(core, order, answers, progress=on_progress, partial=partial)
    _warn_all(file_warnings)
    if not dry_run and fulfilment.is_retry(sheet, the_plan, partial=partial):
        _already_fulfilled(core, order, out, sheet, the_plan)
        return
    for w in the_plan.warnings:
        render.warn(w)
    if dry_run:
        out.record(sink.PLAN_DRY_RUN, the_plan)
        return
    if not yes and prompts.can_prompt() and fmt is DetailFormat.table:
        # Behaviour, not output: only a table run asks, so only it shows the plan first.
        render.info(sink.order_line(sheet.order))
        sink.TableSink(stderr=True).record(sink.PLAN_TO_CONFIRM, the_plan)
    question = f"Create the devices and mark order {order} fulfilled?"
    if not the_plan.complete:
        question = (
            f"Create the devices of {len(the_plan.written)} unit(s) and leave "
            f"{the_plan.count('open')} open (order {order} stays approved)?"
        )
    try:
        confirmed = prompts.confirm(
            question,
            yes=yes,
            default=True,
            allowed=fmt is DetailFormat.table,
        )
    except KeyboardInterrupt:
        if typed:
            render.info(_draft_kept("interrupted, nothing written", typed, core, order))
        raise
    if not confirmed:
        render.info("nothing written" + (" (your answers are kept as a draft)" if typed else ""))
        raise typer.Exit(1)
    with render.progress("Writing devices", len(the_plan.units)) as on_progress:
        done = fulfilment.fulfil(
            core, order, answers, expected=the_plan, progress=on_progress, partial=partial
        )
    _draft_after_write(core, order, done, typed=bool(typed))
    out.record(sink.FULFILMENT, done)


def _already_fulfilled(core, order: int, out: sink.Sink, sheet, the_plan=None) -> None:  # noqa: ANN001
    """A retry with the identifiers the order has (fulfilled, or a parcel given again): nothing
    to write. JSON callers get JSON (the plan, the units skipped, and the devices), like a first
    fulfilment."""
    from hwctl.app import fulfilment
    from hwctl.io import drafts

    if sheet.is_fulfilled:
        drafts.remove(core.store.location, order)  # whoever fulfilled it, the draft is of no use
    out.record(sink.FULFILMENT, fulfilment.retry_result(core, order, the_plan))


def _draft_after_write(core, order: int, done, *, typed: bool) -> None:  # noqa: ANN001
    """A draft goes when the order is fulfilled, whoever fulfilled it. A parcel written by a
    run that typed answers drops from the draft the units that now have their device (what was
    typed is in the store now); a parcel from a file leaves the draft alone: it may be another
    terminal's answers, still being typed. A refused commit never gets here: its draft stays."""
    from hwctl.io import drafts

    if done.is_fulfilled:
        drafts.remove(core.store.location, order)
        return
    if not typed:
        return
    delivered = {u.unit for u in done.units if u.device is not None}
    left = {n: t for n, t in drafts.load(core.store.location, order).items() if n not in delivered}
    if left:
        drafts.save(core.store.location, order, left)
    else:
        drafts.remove(core.store.location, order)


def _ask(core, order: int, slots, todo, given) -> dict:  # noqa: ANN001
    """Prompt for each unit still without an identifier, saving a draft after every answer. An
    empty answer leaves the unit open (a partial delivery, confirmed afterwards)."""
    from hwctl.app import fulfilment
    from hwctl.cli import prompts, words
    from hwctl.domain.fulfilment import Answer, display_key
    from hwctl.errors import HwctlError
    from hwctl.io import drafts

    saved = drafts.load(core.store.location, order)
    typed: dict[int, str] = {}
    if saved and any(u.number in saved for u in todo):
        count = sum(1 for u in todo if u.number in saved)
        if prompts.confirm(
            f"Resume the draft for order {order} ({count} identifier(s) typed before)?",
            yes=False,
            default=True,
        ):
            typed = {k: v for k, v in saved.items() if any(u.number == k for u in todo)}
        else:
            drafts.remove(core.store.location, order)
    for slot in slots:
        if slot.device_id is not None:
            render.info(f"{slot.label}: done ({display_key(slot.device_key, slot.wants)})")
        elif slot.number in given:
            render.info(
                f"{slot.label}: {_shown(slot, given[slot.number])} "
                f"(from {given[slot.number].origin})"
            )
    others = {n: a.text for n, a in given.items()}

    for slot in todo:

        def validate(text: str, slot=slot) -> bool | str:  # noqa: ANN001
            if not text.strip():
                return True  # left open: a partial delivery, confirmed before anything is written
            try:
                fulfilment.check_identifier(core, order, slot.number, text)
            except HwctlError as e:
                return words.message(e)
            for n, other in {**others, **typed}.items():
                if n != slot.number and fulfilment.same_identifier(other, text, slot.wants):
                    return f"already given for unit {n}"
            return True

        if slot.number in typed:
            # From the resumed draft: asked again only when it no longer passes (the store may
            # have changed meanwhile); the summary before the confirmation shows it either way.
            verdict = validate(typed[slot.number])
            if verdict is True:
                checked = fulfilment.check_typed(core, order, slot.number, typed[slot.number])
                render.info(f"{slot.label}: {checked.shown} (from the draft)")
                _warn_all(list(checked.warnings))
                continue
            render.warn(
                f"{slot.label}: the draft's {typed[slot.number]!r} no longer fits: {verdict}"
            )
        try:
            answer = prompts.unit_identifier(
                f"{slot.label} {slot.name}:",
                wants=WANTS[slot.wants],
                intent=slot.intent,
                validate=validate,
                default=typed.get(slot.number, ""),
            )
        except KeyboardInterrupt:
            if typed:
                render.info(_draft_kept("interrupted", len(typed), core, order))
            raise
        if not answer.strip():
            render.info("  → left open")
            continue
        checked = fulfilment.check_typed(core, order, slot.number, answer)
        render.info(f"  → {checked.shown}")
        _warn_all(list(checked.warnings))  # under the answer, not only above the summary
        typed[slot.number] = answer.strip()
        drafts.save(core.store.location, order, typed)
    return {n: Answer(t) for n, t in typed.items()}


def _shown(slot, answer) -> str:  # noqa: ANN001
    """A given identifier as everything else shows it (`80:5e:c0:12:34:57`); as given when it
    does not parse (the plan refuses it with the reason)."""
    from hwctl.domain.fulfilment import parse_answer
    from hwctl.errors import InvalidInput

    try:
        return parse_answer(slot, answer).display
    except InvalidInput:
        return answer.text


UNITS_NAMED = 10  # a big order's missing units: the first few, then a count


def _unit_list(slots) -> str:  # noqa: ANN001
    """`unit 2 (T54W), unit 4 (W73H)`: at most UNITS_NAMED labels, then "and N more"."""
    named = ", ".join(s.label for s in slots[:UNITS_NAMED])
    rest = len(slots) - UNITS_NAMED
    return f"{named} and {rest} more" if rest > 0 else named


def _draft_kept(what: str, count: int, core, order: int) -> str:  # noqa: ANN001
    from hwctl.io import drafts

    return (
        f"{what}: {count} identifier(s) kept as a draft "
        f"({drafts.draft_path(core.store.location, order)}); "
        f"run `hwctl fulfill {order}` again to resume"
    )


def register(app: typer.Typer) -> None:
    app.command(epilog="Example: hwctl fulfill 7 --csv shipped.csv --yes")(fulfill)


def _warn_all(warnings: list[str]) -> None:
    """Show the warnings kept so far, once: the list is emptied."""
    for w in warnings:
        render.warn(w)
    warnings.clear()
