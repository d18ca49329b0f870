from tests.conftest import ADMIN, make_order


def test_a_submitted_order_starts_pending_on_every_backend(seeded):
    from hwctl.services import orders

    oid = make_order(seeded)
    page = orders.list_orders(seeded)
    assert [o.id for o in page.orders] == [oid]
    assert page.orders[0].status == "pending"
    assert ADMIN
