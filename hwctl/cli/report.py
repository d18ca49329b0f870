"""`hwctl report pending`: pending orders for cron and monitoring.

Two modes. Report mode prints (or writes with --output: atomically to a regular file) the counts
as text, JSON, CSV or Prometheus text. Check mode (any of -w/--warn, -c/--crit, --warn-age,
--crit-age) prints one monitoring-plugin line and exits 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN.
In check mode every failure is UNKNOWN: a store that cannot be read or does not answer within
--timeout, and a command line that cannot be parsed, because a monitor reads any other code as a
state of the thing it watches.
"""

import enum
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from typer._click.exceptions import UsageError as ClickUsageError  # every allowed Typer has it
from typer.core import TyperCommand

from hwctl.app.monitoring import Range  # stdlib only: cheap for --help and TAB
from hwctl.cli import render
from hwctl.cli.options import state

CHECK_OPTIONS = ("--warn", "--crit", "--warn-age", "--crit-age", "-w", "-c")
_SHORT_CHECK = frozenset("wc")  # -w, -c, also in a cluster such as -qw5
_SHORT_WITH_VALUE = frozenset("fowct")  # the rest of such a cluster is the option's value
UNKNOWN = 3  # CheckState.UNKNOWN
CHECK_TIMEOUT = 10  # seconds: a check's default --timeout, as monitoring plugins have
MAX_TIMEOUT = 86_400

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
    """Whether the command line asks for a check: one of CHECK_OPTIONS, as `--warn 5`,
    `--warn=5`, `-w 5`, `-w5` or in a cluster of short options (`-qw 5`)."""
    for arg in args:
        if arg == "--":
            break
        if arg.startswith("--"):
            if arg.split("=", 1)[0] in CHECK_OPTIONS:
                return True
        elif arg.startswith("-"):
            for letter in arg[1:]:
                if letter in _SHORT_CHECK:
                    return True
                if letter in _SHORT_WITH_VALUE:
                    break
    return False


def check_command_line(args: list[str]) -> bool:
    """Whether a whole hwctl command line (global options included) asks for a check: `report`,
    then a check option. The root command asks, so that a usage error before `report pending`
    (`hwctl --bogus report pending -w 5`, `hwctl report pendin -w 5`) is UNKNOWN too."""
    return "report" in args and _check_mode_args(args[args.index("report") + 1 :])


def unknown_usage(message: str) -> NoReturn:
    """A usage error of a check: one UNKNOWN line on stdout, exit 3 (never Click's 2, which a
    monitor reads as CRITICAL)."""
    render.result(render.check_unknown(message))
    raise typer.Exit(UNKNOWN)


class CheckCommand(TyperCommand):
    """A usage error in check mode is UNKNOWN (exit 3) with a check line, not exit 2."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        check = _check_mode_args(args)
        try:
            return super().parse_args(ctx, args)
        except ClickUsageError as e:
            if not check:
                raise
            unknown_usage(e.format_message())


def _duration(value: str) -> int:
    from hwctl.app.monitoring import parse_duration

    try:
        return parse_duration(value)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None


def _threshold(value: str) -> Range:
    from hwctl.app.monitoring import parse_range

    try:
        return parse_range(value)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None


class TimedOut(BaseException):
    """--timeout ran out. A BaseException, as KeyboardInterrupt is, so that no `except
    Exception` on the way (the store's error translation) takes it for a store error."""


def timed_out_message(seconds: int) -> str:
    return f"timed out: the store did not answer within {seconds} s (--timeout {seconds})"


@contextmanager
def deadline(seconds: int | None, check: bool) -> Iterator[None]:
    """Raise TimedOut in the block once `seconds` have passed (SIGALRM, so a connection or a
    query waiting on the network is interrupted). A check also gets a watchdog thread two seconds
    later for a wait that no signal interrupts: it prints the UNKNOWN line and ends the process
    with 3, since a monitor must get its answer. Without a main thread to signal (an embedding
    program), nothing is limited."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    lock = threading.Lock()
    finished = False

    def expire(signum: int, frame: object) -> None:
        raise TimedOut

    def give_up() -> None:
        with lock:
            if finished:
                return
            render.result(render.check_unknown(timed_out_message(seconds)))
            sys.stdout.flush()
            os._exit(UNKNOWN)

    previous = signal.signal(signal.SIGALRM, expire)
    watchdog = threading.Timer(seconds + 2, give_up) if check else None
    if watchdog is not None:
        watchdog.daemon = True
        watchdog.start()
    started = time.monotonic()
    pending_alarm = signal.alarm(seconds)  # an embedding program's own alarm, put back after
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)
        if pending_alarm:
            signal.alarm(max(1, pending_alarm - int(time.monotonic() - started)))
        if watchdog is not None:
            with lock:
                finished = True
            watchdog.cancel()


@contextmanager
def _unknown_on_failure(ctx: typer.Context, timeout: int) -> Iterator[None]:
    """Check mode: any failure to produce the numbers is UNKNOWN (3), as one check line."""
    from hwctl.app.settings import mask_password
    from hwctl.errors import HwctlError

    try:
        yield
    except TimedOut:
        render.result(render.check_unknown(timed_out_message(timeout)))
        raise typer.Exit(UNKNOWN) from None
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
        Range | None,
        typer.Option(
            "--warn",
            "-w",
            metavar="RANGE",
            parser=_threshold,
            help="Check mode: WARNING when the number pending is outside RANGE: N (above N), "
            "N: (below N), ~:N, N:M, or @N:M (inside N..M).",
        ),
    ] = None,
    crit: Annotated[
        Range | None,
        typer.Option(
            "--crit",
            "-c",
            metavar="RANGE",
            parser=_threshold,
            help="Check mode: CRITICAL when the number pending is outside RANGE (as --warn).",
        ),
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
    timeout: Annotated[
        int | None,
        typer.Option(
            "--timeout",
            "-t",
            min=1,
            max=MAX_TIMEOUT,
            metavar="SECONDS",
            help="Give up when the store has not answered within SECONDS: a check is then "
            f"UNKNOWN (a check gives up after {CHECK_TIMEOUT} s unless told), a report an error.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Counts, or a check with exit codes (the help text is PENDING_HELP)."""
    from hwctl.app.monitoring import CheckState, Thresholds, evaluate
    from hwctl.app.settings import resolve_store

    limits = Thresholds(warn, crit, warn_age, crit_age)
    if limits.active:
        given = ctx.get_parameter_source("fmt").name != "DEFAULT" or output is not None
        problem = limits.problem()
        if given:
            problem = "check mode prints one line: drop --format and --output"
        if problem is not None:
            render.result(render.check_unknown(problem))
            raise typer.Exit(UNKNOWN)
        seconds = CHECK_TIMEOUT if timeout is None else timeout
        with _unknown_on_failure(ctx, seconds), deadline(seconds, check=True):
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
    try:
        with deadline(timeout, check=False):
            reports.require_existing(resolve_store(s.db))
            report = reports.pending_report(s.context())
    except TimedOut:
        assert timeout is not None
        render.error(timed_out_message(timeout))
        raise typer.Exit(1) from None
    if output is not None and output != "-":
        from hwctl.app.files import write_output

        write_output(output, render.pending_report(report, fmt.value), label=f"--output {output}")
    elif not (quiet and report.pending == 0):
        render.emit_pending_report(report, fmt.value)


# One line per paragraph: Rich help keeps a docstring's line breaks.
PENDING_HELP = (
    "Pending orders in total and per platform, with the oldest one's date and age. "
    "With -w/--warn, -c/--crit, --warn-age or --crit-age it is a monitoring check instead: one "
    "line of text with performance data, and exit 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN "
    "(also for any usage error, and when the store does not answer within --timeout)."
)


def register(app: typer.Typer) -> None:
    report_app.command(
        "pending",
        cls=CheckCommand,
        help=PENDING_HELP,
        epilog="Example: hwctl report pending --warn 5 --crit 20 --warn-age 3d",
    )(pending)
    app.add_typer(report_app, name="report")
