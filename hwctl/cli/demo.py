"""`hwctl demo`: a guided walk through a throwaway store, printing each step as the command a
person would type and running exactly that command line."""

import json
import os
import shlex
import tempfile
from pathlib import Path

import typer

from hwctl.cli import render


def _run(root: typer.Context, args: list[str], cwd: Path) -> int:
    """Run one command line through the command tree `hwctl demo` itself runs in (the root of
    its context), not by importing the module that builds the tree: no import cycle."""
    render.result("")
    render.result("$ hwctl " + " ".join(shlex.quote(a) for a in args))
    old = os.getcwd()
    os.chdir(cwd)
    try:
        code = root.command.main(args=args, prog_name="hwctl", standalone_mode=False)
    finally:
        os.chdir(old)
    return int(code or 0)


def demo(
    ctx: typer.Context,
    keep: bool = typer.Option(False, "--keep", help="Keep the demo store and print where it is."),
) -> None:
    """Walk through the whole workflow on a throwaway store.

    Import, submit, list with its badge, show, review, reject with a reason, approve, cancel,
    fulfil from a CSV, devices and the audit log, each step printed as the command to type."""
    from hwctl.app.demo import DIRECTORY, ORDERS

    tmp = tempfile.mkdtemp(prefix="hwctl-demo-")
    folder = Path(tmp)
    saved = {k: os.environ.get(k) for k in ("HWCTL_DATABASE_URL", "HWCTL_ADMIN")}
    os.environ["HWCTL_DATABASE_URL"] = str(folder / "demo.db")
    os.environ["HWCTL_ADMIN"] = "dana"
    try:
        (folder / "directory.json").write_text(json.dumps(DIRECTORY, indent=2))
        (folder / "orders.json").write_text(json.dumps(ORDERS, indent=2))
        render.result(f"# A throwaway store in {folder}; acting as super-admin 'dana'.")
        render.result(f"$ export HWCTL_DATABASE_URL={folder / 'demo.db'} HWCTL_ADMIN=dana")
        steps = [
            ["admins", "add", "dana"],
            ["import", "directory.json"],
            ["submit", "orders.json"],
            ["list"],
            ["report", "pending", "--format", "json"],
            ["show", "1"],
            ["review", "2", "--set", "1=3", "--add", "W73H=2", "--yes"],
            ["reject", "4", "--reason", "Umbrella already has a base at Lab 1", "--yes"],
            ["approve", "1", "--note", "PO 4711 placed with the distributor", "--yes"],
            ["cancel", "3", "--yes"],
            ["list", "--status", "all"],
        ]
        steps += _fulfil_steps(folder)
        steps += [["audit"], ["audit", "verify"]]
        for step in steps:
            code = _run(ctx.find_root(), step, folder)
            if code != 0:
                render.error(f"demo step failed with exit code {code}: hwctl {' '.join(step)}")
                raise typer.Exit(1)
        render.result("")
        render.result(
            "# Done. Every decision above is in the audit log, and its hash chain verifies."
        )
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if keep:
            render.info(f"demo store kept: {folder / 'demo.db'}")
        else:
            import shutil

            from hwctl.app.context import close_all

            close_all()
            shutil.rmtree(folder, ignore_errors=True)


# What a distributor's export looks like: Excel in a European locale (`;`, BOM, CRLF), the
# manufacturer's part number, MACs in three spellings, IPEIs in decimal and in hex (IPUI) form.
# 80-5E-C0-00-00-99 was registered beforehand (directory import), so it is linked, not duplicated.
SHIPPED_CSV = (
    "\ufeffOrderNumber;Part Number;Serial Number;RFPI\r\n"
    "SO-991;T54W;80-5E-C0-00-00-99;\r\n"
    "SO-991;T54W;0015.65ab.cdef;\r\n"
    "SO-991;W70B;80:5E:C0:12:34:56;0123456789\r\n"
    "SO-991;W73H;57005 0782068 7;\r\n"
    "SO-991;W73H;0x0DEADBEEF5;\r\n"
    "SO-991;W73H;0315005A1C;\r\n"
    "\r\n"
)


def _fulfil_steps(folder: Path) -> list[list[str]]:
    """Fulfil the approved order from a generated CSV, show the devices, and retry safely."""
    (folder / "shipped.csv").write_bytes(SHIPPED_CSV.encode("utf-8"))
    return [
        ["fulfill", "1", "--csv", "shipped.csv", "--dry-run"],
        ["fulfill", "1", "--csv", "shipped.csv", "--yes"],
        ["devices", "--account", "Globex Corporation"],
        ["fulfill", "1", "--csv", "shipped.csv", "--yes"],
    ]


def register(app: typer.Typer) -> None:
    app.command(epilog="Example: hwctl demo")(demo)
