"""`hwctl fulfill`: enter shipped identifiers (by hand or from a distributor's CSV) and turn
them into device records."""

from typing import Annotated

import typer

from hwctl.cli import render, sink
from hwctl.cli.options import DetailFormat, DetailFormatOpt, OrderArg, YesOpt, read_input, state


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
    from hwctl.app import fulfilling as flow
    from hwctl.cli import prompts
    from hwctl.errors import UsageError

    out, table = sink.for_format(fmt), fmt is DetailFormat.table
    core = state(ctx).context()
    asking = prompts.can_prompt() and fmt is not DetailFormat.json
    source: flow.Typed | flow.Shipped = flow.Typed(parcel=partial)
    if csv_file is not None:
        source = flow.Shipped(lambda: read_input(csv_file), parcel=partial)
    p = flow.prepare(core, order, source, asking=asking, meter=render.progress)
    # The file's warnings wait until they count: shown before the prompts, or once the plan
    # holds, so a refused file is one line on stderr (the refusal), never warnings and then it.
    file_warnings = list(p.warnings)
    if p.missing:
        if not asking:
            why = "--format json never prompts" if prompts.can_prompt() else "no terminal to ask on"
            raise UsageError(
                f"{len(p.missing)} unit(s) need an identifier: pass --csv FILE "
                f"(or --csv - for stdin); {why}"
            )
        _warn_all(file_warnings)
        typed = _ask(core, p)
        asked, p = p, flow.complete(core, p, typed, meter=render.progress)
        if p.nothing_given:
            _stop(f"nothing to record: all {len(p.left_open)} unit(s) were left empty")
        if p.needs_consent:
            # Units left empty at the prompts: a partial delivery, if the admin says so.
            if not prompts.confirm(
                f"{len(p.left_open)} unit(s) left empty ({flow.units_named(p.left_open)}): "
                "record a partial delivery and leave them open?",
                yes=False,
                default=False,
            ):
                _stop(_draft_kept("nothing written", core, p) if p.typed else "nothing written")
            p = flow.complete(core, asked, typed, leave_open=True, meter=render.progress)
    _warn_all(file_warnings)
    if p.retry and (p.plan is None or not dry_run):
        out.record(sink.FULFILMENT, flow.commit(core, p))
        return
    the_plan = p.plan
    _warn_all(list(the_plan.warnings))
    if dry_run:
        out.record(sink.PLAN_DRY_RUN, the_plan)
        return
    if not yes and prompts.can_prompt() and table:
        # Behaviour, not output: only a table run asks, so only it shows the plan first.
        render.info(sink.order_line(p.sheet.order))
        sink.TableSink(stderr=True).record(sink.PLAN_TO_CONFIRM, the_plan)
    question = f"Create the devices and mark order {order} fulfilled?"
    if not the_plan.complete:
        question = (
            f"Create the devices of {len(the_plan.written)} unit(s) and leave "
            f"{the_plan.count('open')} open (order {order} stays approved)?"
        )
    try:
        confirmed = prompts.confirm(question, yes=yes, default=True, allowed=table)
    except KeyboardInterrupt:
        if p.typed:
            render.info(_draft_kept("interrupted, nothing written", core, p))
        raise
    if not confirmed:
        _stop("nothing written" + (" (your answers are kept as a draft)" if p.typed else ""))
    out.record(sink.FULFILMENT, flow.commit(core, p, meter=render.progress))


def _ask(core, p) -> dict[int, str]:  # noqa: ANN001
    """Prompt for each unit still without an identifier, keeping a draft after every answer. An
    empty answer leaves the unit open (a partial delivery, confirmed afterwards)."""
    from hwctl.app import fulfilling as flow
    from hwctl.cli import prompts, words
    from hwctl.errors import HwctlError

    typed = flow.draft(core, p)
    if typed and not prompts.confirm(
        f"Resume the draft for order {p.order_id} ({len(typed)} identifier(s) typed before)?",
        yes=False,
        default=True,
    ):
        typed = flow.drop_draft(core, p)
    for k in p.known:
        render.info(
            f"{k.label}: " + (f"{k.shown} (from {k.origin})" if k.origin else f"done ({k.shown})")
        )
    for slot in p.missing:

        def validate(text: str, slot=slot) -> bool | str:  # noqa: ANN001
            if not text.strip():
                return True  # left open: a partial delivery, confirmed before anything is written
            try:
                flow.check_unit(core, p, slot.number, text, typed=typed)
            except HwctlError as e:
                return words.message(e)
            return True

        if slot.number in typed:
            # From the resumed draft: asked again only when it no longer passes (the store may
            # have changed meanwhile); the summary before the confirmation shows it either way.
            try:
                checked = flow.check_unit(core, p, slot.number, typed[slot.number], typed=typed)
                render.info(f"{slot.label}: {checked.shown} (from the draft)")
                _warn_all(list(checked.warnings))
                continue
            except HwctlError as e:
                why = words.message(e)
                render.warn(
                    f"{slot.label}: the draft's {typed[slot.number]!r} no longer fits: {why}"
                )
        try:
            answer = prompts.unit_identifier(
                f"{slot.label} {slot.name}:",
                wants=slot.wants.upper(),  # MAC, IPEI
                intent=slot.intent,
                validate=validate,
                default=typed.get(slot.number, ""),
            )
        except KeyboardInterrupt:
            if typed:
                render.info(_draft_kept("interrupted", core, p, len(typed)))
            raise
        if not answer.strip():
            render.info("  → left open")
            continue
        checked = flow.check_unit(core, p, slot.number, answer, typed=typed)
        render.info(f"  → {checked.shown}")
        _warn_all(list(checked.warnings))  # under the answer, not only above the summary
        typed[slot.number] = answer.strip()
        flow.keep_draft(core, p, typed)
    return typed


def _draft_kept(what: str, core, p, count: int | None = None) -> str:  # noqa: ANN001
    """`nothing written: 2 identifier(s) kept as a draft (PATH); run ...`."""
    from hwctl.app import fulfilling as flow

    n, where = len(p.typed) if count is None else count, flow.draft_where(core, p)
    return f"{what}: {n} identifier(s) kept as a draft ({where}); " + (
        f"run `hwctl fulfill {p.order_id}` again to resume"
    )


def _stop(message: str) -> None:
    """Nothing is written: say why, exit 1."""
    render.info(message)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command(epilog="Example: hwctl fulfill 7 --csv shipped.csv --yes")(fulfill)


def _warn_all(warnings: list[str]) -> None:
    """Show the warnings kept so far, once: the list is emptied."""
    for w in warnings:
        render.warn(w)
    warnings.clear()
