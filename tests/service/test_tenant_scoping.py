"""Tenant scoping in the use cases, on SQLite and PostgreSQL: a platform's context reads and
cancels its own platform's orders only; another platform's order does not exist for it (the
same "not found" as an id nobody holds), and its attempts change nothing. The store here is
the plain one (no row-level security), so the one authorisation rule is the only wall."""

from __future__ import annotations

import pytest

from hwctl.app import audit, orders, platform
from hwctl.domain.status import Action
from hwctl.errors import NotFound
from tests.conftest import act, make_order


def test_a_platform_cannot_read_or_cancel_another_platforms_order(seeded) -> None:  # noqa: ANN001
    acme = make_order(seeded)  # Acme Voice's, on Globex
    blue = act(seeded, platform="Blue Sky")
    for attempt in (
        lambda: orders.show_order(blue, acme),
        lambda: platform.get_order(blue, acme),
        lambda: platform.cancel_order(blue, acme, "not ours"),
    ):
        with pytest.raises(NotFound) as caught:
            attempt()
        assert (str(caught.value), caught.value.fields) == (
            f"order {acme} does not exist", {"order": acme})  # fmt: skip
    (outcome,) = orders.decide(blue, [acme], Action.CANCEL, reason="not ours")
    assert (outcome.ok, outcome.message) == (False, f"order {acme} does not exist")
    assert isinstance(outcome.error, NotFound)

    own = act(seeded, platform="Acme Voice")
    assert platform.get_order(own, acme)["status"] == "pending"
    assert orders.show_order(act(seeded), acme).order.status == "pending"
    assert [e.action for e in audit.list_entries(act(seeded), order_id=acme)] == ["submit"]


def test_another_platforms_order_is_as_unknown_as_an_id_nobody_holds(seeded) -> None:  # noqa: ANN001
    acme = make_order(seeded)
    blue = act(seeded, platform="Blue Sky")
    messages = []
    for order in (acme, acme + 1000):
        with pytest.raises(NotFound) as caught:
            platform.get_order(blue, order)
        messages.append(str(caught.value).replace(str(order), "N"))
    assert messages == ["order N does not exist"] * 2
