"""`hwctl webhooks add|list|remove|events|redeliver|deliver`: platforms' webhook endpoints, the
events of their orders, and sending them."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hwctl.app.words import DeliveryStatus, EventType
from hwctl.cli import render, sink
from hwctl.cli.options import (
    DetailFormat,
    DetailFormatOpt,
    PlatformOpt,
    RecentLimitOpt,
    parse_order_id,
    state,
)

if TYPE_CHECKING:
    from hwctl.app.webhooks import (
        DeliveryCounts,
        DeliveryView,
        EventPage,
        EventView,
        WebhookView,
    )

EVENTS = tuple(e.value for e in EventType)
STATUSES = tuple(s.value for s in DeliveryStatus)

webhooks_app = typer.Typer(
    help="Manage platforms' webhooks: where the events of their orders are sent, signed.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _complete_event(incomplete: str) -> list[str]:
    return [e for e in EVENTS if e.startswith(incomplete)]


def _complete_status(incomplete: str) -> list[str]:
    return [s for s in STATUSES if s.startswith(incomplete)]


WebhookArg = Annotated[
    str, typer.Argument(metavar="WEBHOOK_ID", help="The webhook's id (webhooks list).")
]
EventArg = Annotated[
    str,
    typer.Argument(
        metavar="EVENT_ID",
        help="The event's id (webhooks events), or its webhook-id header (evt_12).",
    ),
]


# -- how they are shown ------------------------------------------------------------------------
def _when(value: Any) -> str:  # noqa: ANN401 - a datetime or None
    return sink.date(value)


WEBHOOKS: sink.View[WebhookView] = sink.View(
    columns=(
        sink.Column("ID", attrgetter("id")),
        sink.Column("Platform", attrgetter("platform")),
        sink.Column("URL", attrgetter("url")),
        sink.Column("Events", lambda w: _events_text(w.events)),
        sink.Column("Created (UTC)", lambda w: _when(w.created_at)),
        sink.Column("Created by", attrgetter("created_by")),
        sink.Column("Pending", attrgetter("pending")),
        sink.Column("Delivered", attrgetter("delivered")),
        sink.Column("Failed", attrgetter("failed")),
    ),
    title="Webhooks",
    empty=lambda _: "no webhooks: `hwctl webhooks add --platform NAME URL` adds one",
)


def _events_text(events: Sequence[str]) -> str:
    return "all events" if tuple(events) == EVENTS else ", ".join(events)


def _delivery_text(d: DeliveryView | None) -> str:
    if d is None:
        return "no webhook (removed)"
    if d.status == DeliveryStatus.PENDING.value and d.next_attempt_at is not None:
        return f"pending, next {_when(d.next_attempt_at)}"
    return d.status


def _event_rows(page: EventPage) -> list[tuple[EventView, DeliveryView | None]]:
    """One row per event and webhook (an event whose webhooks are gone: one row)."""
    rows: list[tuple[EventView, DeliveryView | None]] = []
    for e in page.events:
        if e.deliveries:
            rows.extend((e, d) for d in e.deliveries)
        else:
            rows.append((e, None))
    return rows


EVENT_ROWS: sink.View[tuple[EventView, DeliveryView | None]] = sink.View(
    columns=(
        sink.Column("Event", lambda r: r[0].id),
        sink.Column("Type", lambda r: r[0].type),
        sink.Column("Order", lambda r: sink.order_ref(r[0].order)),
        sink.Column("Platform", lambda r: r[0].platform),
        sink.Column("Created (UTC)", lambda r: _when(r[0].created_at)),
        sink.Column("Webhook", lambda r: r[1].webhook if r[1] else ""),
        sink.Column("Status", lambda r: _delivery_text(r[1])),
        sink.Column("Attempts", lambda r: r[1].attempts if r[1] else ""),
        sink.Column("Last error", lambda r: (r[1].last_error or "") if r[1] else ""),
    ),
    empty=lambda _: "no events match",
)


def _events_title(page: EventPage) -> str:
    shown = len(page.events)
    if shown < page.total:
        return f"Webhook events (the {shown} most recent of {page.total}; use --limit for more)"
    return f"Webhook events ({page.total})"


EVENTS_PAGE: sink.Record[EventPage] = sink.Record(
    parts=(sink.Part(EVENT_ROWS, _event_rows, title=_events_title),),
    to_json=lambda page: [e.to_json() for e in page.events],
)


def counts_line(c: DeliveryCounts) -> str:
    """`3 attempts: 2 delivered, 1 to retry, 0 failed` (and how many were superseded)."""
    line = (
        f"{c.attempted} attempt{'s' if c.attempted != 1 else ''}: {c.delivered} delivered, "
        f"{c.retrying} to retry, {c.failed} failed"
    )
    if c.superseded:
        line += f", {c.superseded} superseded (sent again elsewhere, or the webhook removed)"
    return line


# -- commands ------------------------------------------------------------------------------------
@webhooks_app.command(
    "add",
    epilog="Example: hwctl webhooks add --platform 'Acme Voice' https://hooks.acme.example/hwctl",
)
def add(
    ctx: typer.Context,
    url: Annotated[
        str,
        typer.Argument(metavar="URL", help="Where to POST the events: an https:// URL."),
    ],
    platform: Annotated[
        str,
        typer.Option(
            "--platform",
            "-p",
            metavar="NAME",
            help="The platform whose orders' events it receives (exact name).",
            show_default=False,
        ),
    ],
    event: Annotated[
        list[str] | None,
        typer.Option(
            "--event",
            "-e",
            metavar="EVENT",
            help=f"Only this event (repeat, or comma-separate): {', '.join(EVENTS)}. Default: all.",
            autocompletion=_complete_event,
            show_default=False,
        ),
    ] = None,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure",
            help="Allow a loopback URL (127.0.0.1, ::1, localhost), over plain http too: for "
            "tests and local development only.",
        ),
    ] = False,
    fmt: DetailFormatOpt = DetailFormat.table,
) -> None:
    """Add a webhook for a platform; prints its signing secret once (audited).

    HTTPS only, and never to a private, link-local, loopback or otherwise non-public address
    (a host name is resolved now and again at every delivery)."""
    from hwctl.app import webhooks

    events = [e.strip() for text in event for e in text.split(",")] if event else None
    added = webhooks.add(
        state(ctx).context(),
        platform,
        url,
        events,
        insecure=insecure,
        transport=webhooks.network(),
    )
    if fmt is DetailFormat.json:
        render.emit_json(added.to_json())
        return
    render.result(added.secret)  # stdout: the secret alone (SECRET=$(hwctl webhooks add ...))
    render.info(
        f"webhook {added.id} for platform {added.platform}: {added.url} "
        f"({_events_text(added.events)}); its signing secret above will not be shown again: "
        "give it to the receiver now"
    )


@webhooks_app.command("list", epilog="Example: hwctl webhooks list --platform 'Acme Voice'")
def list_(
    ctx: typer.Context, platform: PlatformOpt = None, fmt: DetailFormatOpt = DetailFormat.table
) -> None:
    """List the webhooks, with their deliveries pending, delivered and failed (never a
    secret)."""
    from hwctl.app import webhooks

    sink.for_format(fmt).rows(WEBHOOKS, webhooks.list_webhooks(state(ctx).context(), platform))


@webhooks_app.command("remove", epilog="Example: hwctl webhooks remove 3")
def remove(ctx: typer.Context, webhook: WebhookArg) -> None:
    """Remove a webhook and its deliveries, sent or not (audited)."""
    from hwctl.app import webhooks

    webhook_id = webhooks.parse_id(webhook, "webhook")
    webhooks.remove(state(ctx).context(), webhook_id)
    render.result(f"removed webhook {webhook_id}")


@webhooks_app.command(
    "events",
    epilog="Example: hwctl webhooks events --order 7",
)
def events(
    ctx: typer.Context,
    order: Annotated[
        str | None, typer.Option("--order", "-o", metavar="ORDER", help="Only this order.")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            "-s",
            metavar="STATUS",
            help=f"Only events with a delivery in this status: {', '.join(STATUSES)}.",
            autocompletion=_complete_status,
        ),
    ] = None,
    limit: RecentLimitOpt = None,
    fmt: DetailFormatOpt = DetailFormat.table,
) -> None:
    """List the events sent or to send, oldest first, with each webhook's delivery: status,
    attempts and the last error. EVENT_ID for `webhooks redeliver` is in the first column."""
    from hwctl.app import webhooks

    if status is not None and status not in STATUSES:
        raise typer.BadParameter(
            f"{status!r} is not one of {', '.join(STATUSES)}", param_hint="--status"
        )
    out = sink.for_format(fmt)
    shown = render.TABLE_ROWS if fmt is DetailFormat.table and limit is None else limit
    page = webhooks.list_events(
        state(ctx).context(),
        order_id=parse_order_id(order) if order is not None else None,
        status=status,
        limit=shown,
    )
    out.record(EVENTS_PAGE, page)


@webhooks_app.command("redeliver", epilog="Example: hwctl webhooks redeliver 12")
def redeliver(ctx: typer.Context, event: EventArg) -> None:
    """Send an event again to each of its webhooks, from a fresh set of attempts (audited).
    Run `webhooks deliver` (or leave a `deliver --loop` running) to send it."""
    from hwctl.app import webhooks

    done = webhooks.redeliver(state(ctx).context(), webhooks.parse_id(event, "event"))
    n = len(done.deliveries)
    if not n:
        render.result(f"event {done.id} ({done.type}) has no webhook left to send it to")
        return
    order = f", order {done.order}" if done.order is not None else ""
    render.result(
        f"event {done.id} ({done.type}{order}): pending again for {n} webhook{'s' * (n != 1)}"
    )


@webhooks_app.command(
    "deliver",
    epilog="Example: hwctl webhooks deliver --loop --interval 2",
)
def deliver(
    ctx: typer.Context,
    loop: Annotated[
        bool,
        typer.Option(
            "--loop", help="Keep delivering until interrupted (Ctrl-C, SIGTERM): a service."
        ),
    ] = False,
    interval: Annotated[
        float,
        typer.Option(
            "--interval",
            metavar="SECONDS",
            min=0.1,
            help="With --loop: how long to wait between rounds.",
        ),
    ] = 5.0,
) -> None:
    """Send the events that are due, signed (Standard Webhooks), and print what happened.

    Failed attempts are retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h, then the
    delivery is failed. Several deliverers may run at once."""
    from hwctl.app import webhooks

    context = state(ctx).context()
    network = webhooks.network()  # the real transport: the system's resolver, TCP, TLS
    if not loop:
        render.result(counts_line(webhooks.deliver(context, transport=network)))
        return
    stop = threading.Event()
    with _stopped_by_signals(stop):
        render.info(f"delivering every {interval:g} s; Ctrl-C or SIGTERM stops")
        total = webhooks.deliver_until(
            context,
            stop,
            interval=interval,
            transport=network,
            on_round=lambda c: render.info(counts_line(c)),
            on_error=lambda e: render.warn(f"{e.message} (trying again in {interval:g} s)"),
        )
    render.info(f"stopped; in all {counts_line(total)}")


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM set `stop` (the round in progress ends, then the loop);
    a second one interrupts at once."""

    def handle(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def register(app: typer.Typer) -> None:
    app.add_typer(webhooks_app, name="webhooks")
