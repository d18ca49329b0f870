"""`hwctl demo`: the guided walk runs every step on a throwaway store, ending with the
fulfilment from a distributor's CSV and the Devices page, and leaves nothing behind."""

from __future__ import annotations

import os
import re
from pathlib import Path

from typer.testing import CliRunner

from hwctl.cli.app import app


def test_the_demo_runs_every_step_through_fulfilment_and_leaves_no_store(
    isolated_env: Path,
) -> None:
    env_before = {k: os.environ.get(k) for k in ("HWCTL_DATABASE_URL", "HWCTL_ADMIN")}

    result = CliRunner().invoke(app, ["demo"])

    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for step in (
        "$ hwctl fulfill 1 --csv shipped.csv --dry-run",
        "$ hwctl fulfill 1 --csv shipped.csv --yes",
        "$ hwctl devices --account 'Globex Corporation'",
        "$ hwctl audit",
        "$ hwctl audit verify",
    ):
        assert step in out, step
    assert re.search(r"^ok: 11 entries, head 11 [0-9a-f]{64}$", out, re.M)
    # Five new devices, the phone registered beforehand linked, three handsets on the base.
    assert "order 1: fulfilled · 5 created, 1 linked, 0 skipped, 3 handset(s) paired" in out
    assert "order 1: already fulfilled" in out  # the retry at the end of the walk
    assert "57005 0782068 7" in out  # the worked example, given in decimal in the CSV
    assert out.count("80:5e:c0:12:34:56") >= 4  # the base, and the base of each handset

    folder = re.search(r"# A throwaway store in (\S+);", out)
    assert folder is not None
    assert not Path(folder.group(1)).exists()
    assert not list(isolated_env.rglob("*.db"))  # no default store was created either
    assert {k: os.environ.get(k) for k in env_before} == env_before
