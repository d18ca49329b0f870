"""The platform's use cases return results and raise error kinds, never HTTP: an order created
is `OrderCreated(resource, order_id, replayed)`, a key used with another order `KeyReused`. On
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from hwctl.app import platform
from hwctl.errors import InvalidInput
from hwctl.store.models import IdempotencyRecord
from tests.conftest import act

ORDER: dict[str, Any] = {
    "account": "Globex Corporation",
    "items": [{"sku": "T54W", "quantity": 2, "units": [{"user": "ann@globex.example"}]}],
}


def test_an_order_created_is_its_resource_and_a_replayed_key_gives_it_again(seeded) -> None:  # noqa: ANN001
    acme = act(seeded, platform="Acme Voice")
    first = platform.create_order(acme, ORDER, "signup-1")
    assert isinstance(first, platform.OrderCreated)
    assert (first.replayed, first.resource["id"]) == (False, first.order_id)
    assert first.resource["status"] == "pending" and first.resource["units_total"] == 2
    again = platform.create_order(acme, ORDER, "signup-1")
    assert again == platform.OrderCreated(first.resource, first.order_id, True)
    assert [o["id"] for o in platform.list_orders(acme)["data"]] == [first.order_id]
    with seeded.session() as session:
        (record,) = session.exec(select(IdempotencyRecord)).all()
    assert (record.key, record.order_id, record.status) == ("signup-1", first.order_id, 201)


def test_a_key_used_with_another_order_is_key_reused_and_creates_nothing(seeded) -> None:  # noqa: ANN001
    acme = act(seeded, platform="Acme Voice")
    first = platform.create_order(acme, ORDER, "signup-2")
    other = dict(ORDER, items=[{"sku": "T54W", "quantity": 3}])
    with pytest.raises(platform.KeyReused) as refused:
        platform.create_order(acme, other, "signup-2")
    assert isinstance(refused.value, InvalidInput) and refused.value.fields["field"] == "key"
    assert [o["id"] for o in platform.list_orders(acme)["data"]] == [first.order_id]


def test_cancel_checks_its_reason_first_even_for_a_cancelled_order(seeded) -> None:  # noqa: ANN001
    acme = act(seeded, platform="Acme Voice")
    order = platform.create_order(acme, ORDER).order_id or 0
    assert platform.cancel_order(acme, order, "  ")["cancel_reason"] is None
    with pytest.raises(InvalidInput) as refused:
        platform.cancel_order(acme, order, "line\nbreak")
    assert refused.value.fields["field"] == "reason"
    assert platform.get_order(acme, order)["status"] == "cancelled"
