"""A rejection needs a reason, from the command line, on SQLite and PostgreSQL: without one, or
with a blank one, `reject` is a usage error of one line naming --reason, and the order stays
pending with no decision in its audit trail and no reason on it."""

from __future__ import annotations

import pytest

from tests.conftest import make_order


@pytest.mark.parametrize(
    "given", [[], ["--reason", ""], ["--reason", "   "], ["--reason", "\t \u3000"]]
)
def test_a_rejection_without_a_reason_is_refused_and_changes_nothing(
    seeded,  # noqa: ANN001
    cli,  # noqa: ANN001
    given: list[str],
) -> None:
    oid = make_order(seeded)
    before = cli.json("show", str(oid), "--format", "json")
    result = cli("reject", str(oid), *given, "--yes")
    assert (result.exit_code, result.stdout) == (2, "")
    (line,) = result.stderr.splitlines()
    assert line.startswith("hwctl: error: ") and "--reason" in line, line
    after = cli.json("show", str(oid), "--format", "json")
    assert after == before
    assert (after["status"], after["rejection_reason"]) == ("pending", None)
    assert [e["action"] for e in after["audit"]] == ["submit"]
