"""Order commands: submit, list, show, review, approve, reject, cancel."""

from typing import Annotated

import typer

from hwctl.cli import render, sink
from hwctl.cli.options import (
    DetailFormat,
    FileArg,
    FormatOpt,
    LimitOpt,
    OrderArg,
    OrdersArg,
    OutputFormat,
    PlatformOpt,
    RejectionCodeChoice,
    StatusFilter,
    YesOpt,
    parse_order_id,
    read_input,
    state,
)


def submit(
    ctx: typer.Context,
    file: FileArg,
    fmt: Annotated[
        DetailFormat,
        typer.Option("--format", "-f", help="table prints one line per order; json the orders."),
    ] = DetailFormat.table,
) -> None:
    """Submit orders from JSON (the platform side).

    One order object or a list of them; each starts pending. All or nothing."""
    from hwctl.app import orders

    s = state(ctx)
    data, source = read_input(file)
    created = orders.submit(s.context(), data, source)
    sink.for_format(fmt).record(sink.SUBMITTED, created)


def list_orders(
    ctx: typer.Context,
    status: Annotated[
        StatusFilter, typer.Option("--status", "-s", help="Only orders in this status.")
    ] = StatusFilter.pending,
    platform: PlatformOpt = None,
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            "-q",
            metavar="TEXT",
            help="Text in account or platform names, ignoring case and accents.",
        ),
    ] = None,
    limit: LimitOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """List orders (the Hardware Orders page) with the pending badge.

    Orders across all platforms, oldest first. The badge counts orders waiting for approval,
    across all platforms, whatever the filters."""
    from hwctl.app import orders

    out = sink.for_format(fmt)
    # A table shows the first 50 rows unless --limit says otherwise: never fetch the history.
    shown = out.limit(sink.ORDERS, limit)
    page = orders.list_orders(
        state(ctx).context(), status=status.value, platform=platform, search=search, limit=shown
    )
    view = sink.orders_view(status.value, page.pending)
    out.rows(view, page.orders, limit=shown, total=page.total)


def show(ctx: typer.Context, order: OrderArg, fmt: FormatOpt = OutputFormat.table) -> None:
    """Show one order: lines, units, intents, devices, audit trail."""
    from hwctl.app import orders

    sink.for_format(fmt).record(sink.ORDER_DETAIL, orders.show_order(state(ctx).context(), order))


def review(
    ctx: typer.Context,
    order: OrderArg,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="LINE=QTY", help="Change line LINE's quantity to QTY."),
    ] = None,
    add: Annotated[
        list[str] | None,
        typer.Option(
            "--add", metavar="SKU=QTY", help="Add QTY of SKU (to its line if the order has one)."
        ),
    ] = None,
    remove: Annotated[
        list[str] | None, typer.Option("--remove", metavar="LINE", help="Remove line LINE.")
    ] = None,
    yes: YesOpt = False,
) -> None:
    """Edit a pending order's lines before deciding.

    Interactively on a terminal, or with --set/--add/--remove. Items come from the order's own
    platform catalog. Dropping a unit that carries an intent needs confirmation."""
    from hwctl.app import orders
    from hwctl.cli import prompts, words
    from hwctl.cli.options import parse_edits
    from hwctl.errors import InvalidInput

    core = state(ctx).context()
    edits = parse_edits(set_ or [], add or [], remove or [])
    if not edits:
        # Refuses (not a super-admin, not pending) before anything is shown or asked.
        sheet = orders.open_review(core, order)
        if not prompts.can_prompt():
            raise typer.BadParameter(
                "give --set, --add or --remove (no terminal to review interactively)"
            )
        sink.TableSink().record(sink.ORDER_DETAIL, sheet.detail)

        def problem(chosen: list) -> str | None:  # checked at "Done": a refusal keeps the edits
            try:
                orders.preview_edit(core, order, _as_edits(chosen))
            except InvalidInput as e:
                return words.message(e)
            return None

        chosen = prompts.review_edits(
            [(i.line, i.sku, i.name, i.quantity) for i in sheet.detail.order.items],
            [(c.sku, c.name) for c in sheet.catalog],
            check=problem,
        )
        edits = _as_edits(chosen)
        if not edits:
            render.info(f"order {order}: nothing changed")
            return
    plan = orders.preview_edit(core, order, edits)
    if not plan.changed:
        render.info(f"order {order}: nothing changed")
        return
    sink.TableSink(stderr=True).rows(
        sink.LINE_CHANGES, sink.line_changes(plan), title=f"Order #{order}: proposed change"
    )
    if plan.dropped_intents:
        render.warn(
            "these units carry an intent and would be dropped: "
            + orders.describe_drops(plan.dropped_intents)
        )
    if not yes and prompts.can_prompt():
        _show_at_hand(core, [order])
    if not prompts.confirm(f"Apply this change to order {order}?", yes=yes):
        render.info("nothing changed")
        raise typer.Exit(1)
    # What was confirmed is what is written: the lines this plan was made from go along, and a
    # change by another admin meanwhile is refused as a conflict.
    done = orders.edit_order(core, order, edits, expected=plan.before, allow_intent_drops=True)
    render.result(f"edited {sink.order_line(done.order)}")


def _as_edits(chosen: list) -> list:
    """The review prompt's ("set"|"add"|"remove", value) pairs as domain edits."""
    from hwctl.app.words import AddItem, RemoveLine, SetQuantity

    kinds = {"set": lambda v: SetQuantity(*v), "add": lambda v: AddItem(*v), "remove": RemoveLine}
    return [kinds[kind](value) for kind, value in chosen]


def _decide(ctx: typer.Context, raw: list[str], action_name: str, question: str, yes: bool,
            *, reason: str | None = None, note: str | None = None,
            code: str | None = None) -> None:  # fmt: skip
    from hwctl.app import orders
    from hwctl.app.words import Action
    from hwctl.cli import prompts, words

    ids = list(dict.fromkeys(parse_order_id(v) for v in raw))  # `cancel 2 2` decides 2 once
    core = state(ctx).context()
    action = Action(action_name)
    warned = orders.preflight(core, ids, action)
    if not yes and prompts.can_prompt():
        _show_at_hand(core, ids)  # what is decided, not only its number
    for message in warned.values():  # before the confirmation: not again after the outcome
        render.warn(message)
    if not prompts.confirm(question, yes=yes):
        render.info("nothing changed")
        raise typer.Exit(1)
    outcomes = orders.decide(core, ids, action, reason=reason, note=note, code=code)
    for o in outcomes:
        for w in o.warnings if o.order not in warned else ():
            render.warn(w)
        if o.ok:
            render.result(f"order {o.order}: {o.status}")
        else:
            render.error(words.message(o.error) if o.error else o.message)
    if not all(o.ok for o in outcomes):
        raise typer.Exit(1)


ORDERS_SHOWN = 10  # a confirmation lists this many orders, then a count


def _show_at_hand(core, ids: list[int]) -> None:  # noqa: ANN001
    """Before a confirmation: each order asked about, one line each (`order 9: pending · Acme
    Voice · Globex Corporation · 2× T54W`), so the question's `#9` is seen for what it is."""
    from hwctl.app import orders

    shown = orders.at_hand(core, ids)
    for view in shown[:ORDERS_SHOWN]:
        render.info(sink.order_line(view))
    if len(shown) > ORDERS_SHOWN:
        render.info(f"and {len(shown) - ORDERS_SHOWN} more order(s)")


def _one_line(value: str | None, option: str) -> str | None:
    """Refuse what the service would refuse in a reason or note (a control character, a line
    break, too long), naming the option: exit 2, one line. The rule is the core's
    (`hwctl.app.checks`), called here for feedback before the confirmation."""
    from hwctl.app.checks import decision_text
    from hwctl.cli import words
    from hwctl.errors import InvalidInput

    try:
        decision_text(option.removeprefix("--"), value)
    except InvalidInput as e:
        raise typer.BadParameter(words.problem(e), param_hint=option) from None
    return value


def _reason_answer(value: str) -> bool | str:
    """The interactive rejection reason: what the core's rejection rule takes."""
    from hwctl.app.checks import rejection
    from hwctl.cli import words
    from hwctl.errors import InvalidInput

    try:
        rejection(value)
    except InvalidInput as e:
        return words.problem(e)
    return True


def _ids_text(raw: list[str]) -> str:
    return ", ".join(f"#{i}" for i in dict.fromkeys(parse_order_id(v) for v in raw))


def approve(
    ctx: typer.Context,
    order: OrdersArg,
    note: Annotated[
        str | None,
        typer.Option(
            "--note", metavar="TEXT", help="A note for the audit log (e.g. the PO number)."
        ),
    ] = None,
    yes: YesOpt = False,
) -> None:
    """Mark orders as ordered manually (approve them).

    An after-the-fact confirmation that you already placed the order with the distributor
    yourself. The order becomes approved. Nothing is ordered automatically."""
    question = (
        f"Mark {_ids_text(order)} as ordered manually (you have already placed the order "
        "with the distributor yourself; hwctl orders nothing)?"
    )
    _decide(ctx, order, "approve", question, yes, note=_one_line(note, "--note"))


def reject(
    ctx: typer.Context,
    order: OrdersArg,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            "-r",
            metavar="TEXT",
            help="Why (required, not blank); stored on the order for the platform.",
        ),
    ] = None,
    code: Annotated[
        RejectionCodeChoice | None,
        typer.Option(
            "--code",
            "-c",
            help="Why, from a short list a platform's form can act on (default: other; asked "
            "with the reason on a terminal).",
            show_default=False,
        ),
    ] = None,
    yes: YesOpt = False,
) -> None:
    """Reject orders with a reason.

    The reason is required, is stored on the order and is visible to the platform
    (rejection_reason), with a code from a short list (rejection_code; default other)."""
    from hwctl.cli import prompts

    if reason is None:
        if not prompts.can_prompt():
            raise typer.BadParameter("a rejection needs --reason TEXT")
        reason = prompts.text(
            "Reason for the rejection (the platform will see it):",
            flag="--reason",
            validate=_reason_answer,
        )
        if code is None:
            code = prompts.select(
                "Rejection code (the platform's form can act on it):",
                [(c.value, c) for c in RejectionCodeChoice],
                flag="--code",
                default=RejectionCodeChoice.other,
            )
    _rejection(reason, code)
    _decide(ctx, order, "reject", f"Reject {_ids_text(order)}?", yes, reason=reason,
            code=(code or RejectionCodeChoice.other).value)  # fmt: skip


def _rejection(reason: str, code: RejectionCodeChoice | None) -> None:
    """The core's rejection rule (`hwctl.app.checks.rejection`) before the confirmation: a
    blank or unusable reason is a usage error naming --reason (exit 2, one line)."""
    from hwctl.app.checks import rejection
    from hwctl.cli import words
    from hwctl.errors import InvalidInput

    try:
        rejection(reason, code.value if code is not None else None)
    except InvalidInput as e:
        raise typer.BadParameter(words.problem(e), param_hint=f"--{e.fields['field']}") from None


def cancel(
    ctx: typer.Context,
    order: OrdersArg,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            "-r",
            metavar="TEXT",
            help="Why (optional, one line); kept in the audit log, shown as cancel_reason.",
        ),
    ] = None,
    yes: YesOpt = False,
) -> None:
    """Record the customer's cancellation of orders.

    Allowed while pending or approved (an approved order may already be ordered). The reason,
    if given, goes into the audit entry and shows as the order's cancel_reason."""
    question = f"Record the customer's cancellation of {_ids_text(order)}?"
    _decide(ctx, order, "cancel", question, yes, reason=_one_line(reason, "--reason"))


def register(app: typer.Typer) -> None:
    app.command("list", epilog="Example: hwctl list --status all --search globex")(list_orders)
    app.command(epilog="Example: hwctl show 7 --format json")(show)
    app.command(epilog="Example: hwctl submit orders.json")(submit)
    app.command(epilog="Example: hwctl review 7 --set 1=3 --add W73H=2 --remove 2 --yes")(review)
    app.command(epilog="Example: hwctl approve 7 8 --note 'PO 4711' --yes")(approve)
    app.command(epilog="Example: hwctl reject 7 --reason 'same as #6' --code duplicate --yes")(
        reject
    )
    app.command(epilog="Example: hwctl cancel 7 --reason 'the customer withdrew it' --yes")(cancel)
