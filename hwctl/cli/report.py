"""`hwctl report pending`: pending orders for cron and monitoring.

Two modes. Report mode prints (or writes with --output: atomically to a regular file) the counts
as text, JSON, CSV or Prometheus text. Check mode (any of --warn/--crit/--warn-age/--crit-age)
prints one monitoring-plugin line and exits 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN. In check
mode every failure is UNKNOWN: a store that cannot be read, and a command line that cannot be
parsed, because a monitor reads any other code as a state of the thing it watches.
"""

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from hwctl.cli import render
from hwctl.cli.options import state

try:  # Typer 0.26+ carries its own Click
    from typer._click.exceptions import UsageError as ClickUsageError
except ImportError:  # pragma: no cover - older Typer on real Click
    from click.exceptions import UsageError as ClickUsageError  # type: ignore[no-redef]

CHECK_OPTIONS = ("--warn", "--crit", "--warn-age", "--crit-age")
UNKNOWN = 3  # CheckState.UNKNOWN; hwctl.domain.monitoring is imported only when a check runs

report_app = typer.Typer(
    help="Reports for cron and monitoring.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class ReportFormat(enum.StrEnum):
    text = "text"
    json = "json"
    csv = "csv"
    prometheus = "prometheus"


def _check_mode_args(args: list[str]) -> bool:
    return any(a.split("=", 1)[0] in CHECK_OPTIONS for a in args)


class CheckCommand(TyperCommand):
    """A usage error in check mode is UNKNOWN (exit 3) with a check line, not exit 2."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        check = _check_mode_args(args)
        try:
            return super().parse_args(ctx, args)
        except ClickUsageError as e:
            if not check:
                raise
            render.result(render.check_unknown(e.format_message()))
            raise typer.Exit(UNKNOWN) from None


def _duration(value: str) -> int:
    from hwctl.domain.monitoring import parse_duration

    try:
        return parse_duration(value)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None


@contextmanager
def _unknown_on_failure(ctx: typer.Context) -> Iterator[None]:
    """Check mode: any failure to produce the numbers is UNKNOWN (3), as one check line."""
    from hwctl.config import mask_password
    from hwctl.errors import HwctlError

    try:
        yield
    except HwctlError as e:
        from hwctl.cli.words import message

        render.result(render.check_unknown(mask_password(message(e))))
        raise typer.Exit(UNKNOWN) from None
    except Exception as e:
        if state(ctx).debug:
            raise
        message = f"internal error: {type(e).__name__}: {e}"
        render.result(render.check_unknown(mask_password(message)))
        raise typer.Exit(UNKNOWN) from None


def pending(
    ctx: typer.Context,
    fmt: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            "-f",
            help="text for mail, json or csv for scripts, prometheus for node_exporter's "
            "textfile collector.",
        ),
    ] = ReportFormat.text,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the report to FILE (- is stdout). A regular file is replaced atomically "
            "(a temporary file, then a rename; a symlink's target, the link stays); a FIFO or a "
            "device such as /dev/stdout is written to.",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="Print only when something needs attention: a report only when orders are "
            "pending, a check line only when it is not OK.",
        ),
    ] = False,
    warn: Annotated[
        int | None,
        typer.Option("--warn", min=0, metavar="N", help="Check mode: WARNING above N pending."),
    ] = None,
    crit: Annotated[
        int | None,
        typer.Option("--crit", min=0, metavar="N", help="Check mode: CRITICAL above N pending."),
    ] = None,
    warn_age: Annotated[
        int | None,
        typer.Option(
            "--warn-age",
            metavar="DURATION",
            parser=_duration,
            help="Check mode: WARNING when the oldest is older (3600, 90m, 12h, 3d).",
        ),
    ] = None,
    crit_age: Annotated[
        int | None,
        typer.Option(
            "--crit-age",
            metavar="DURATION",
            parser=_duration,
            help="Check mode: CRITICAL when the oldest is older.",
        ),
    ] = None,
) -> None:
    """Counts, or a check with exit codes (the help text is PENDING_HELP)."""
    from hwctl.config import resolve_store
    from hwctl.domain.monitoring import CheckState, Thresholds, evaluate

    limits = Thresholds(warn, crit, warn_age, crit_age)
    if limits.active:
        given = ctx.get_parameter_source("fmt").name != "DEFAULT" or output is not None
        if given:
            message = "check mode prints one line: drop --format and --output"
            render.result(render.check_unknown(message))
            raise typer.Exit(UNKNOWN)
        with _unknown_on_failure(ctx):
            from hwctl.app import reports

            s = state(ctx)
            reports.require_existing(resolve_store(s.db))
            report = reports.pending_report(s.context())
        verdict = evaluate(report.pending, report.oldest_age_seconds, limits)
        if not (quiet and verdict is CheckState.OK):
            render.result(render.check_line(verdict, report, limits))
        raise typer.Exit(verdict)

    from hwctl.app import reports

    s = state(ctx)
    reports.require_existing(resolve_store(s.db))
    report = reports.pending_report(s.context())
    if output is not None and output != "-":
        from hwctl.io.files import write_output

        write_output(output, render.pending_report(report, fmt.value), label=f"--output {output}")
    elif not (quiet and report.pending == 0):
        render.emit_pending_report(report, fmt.value)


# One line per paragraph: Rich help keeps a docstring's line breaks.
PENDING_HELP = (
    "Pending orders in total and per platform, with the oldest one's date and age. "
    "With --warn, --crit, --warn-age or --crit-age it is a monitoring check instead: one line "
    "of text with performance data, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN."
)


def register(app: typer.Typer) -> None:
    report_app.command(
        "pending",
        cls=CheckCommand,
        help=PENDING_HELP,
        epilog="Example: hwctl report pending --warn 5 --crit 20 --warn-age 3d",
    )(pending)
    app.add_typer(report_app, name="report")
