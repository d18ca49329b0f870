"""The doors build what is theirs: the application layer reads no environment and no config
file (who acts at the terminal is resolved by the CLI, hwctl.cli.identity)."""

from __future__ import annotations

import re
from pathlib import Path

import hwctl

APP = Path(hwctl.__file__).parent / "app"


def test_no_use_case_reads_the_environment():
    readers = {
        f"{path.name}:{n}"
        for path in APP.rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"os\.environ|getenv", line)
    }
    assert readers == set()


def test_the_terminal_s_principal_is_resolved_by_the_cli(monkeypatch, tmp_path):
    from hwctl.app import context
    from hwctl.cli.identity import terminal_context

    assert not hasattr(context, "for_terminal")
    monkeypatch.setenv("HWCTL_ADMIN", "dana")
    monkeypatch.setenv("HWCTL_CONFIG", "")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    ctx = terminal_context(str(tmp_path / "hwctl.db"), None)
    try:
        assert (ctx.actor, ctx.principal.is_super_admin) == ("dana", True)
        assert terminal_context(str(tmp_path / "hwctl.db"), "lee").actor == "lee"
    finally:
        context.close_all()
