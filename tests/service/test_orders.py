"""Orders (hwctl.app.orders): submitting, the Hardware Orders list, one order in full, and
editing a pending order's lines — on a real SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func
from sqlmodel import select

from hwctl.app import directory, orders
from hwctl.cli.words import exit_code  # the CLI's error table: code -> exit code
from hwctl.domain.order_edit import AddItem, RemoveLine, SetQuantity
from hwctl.domain.status import worded
from hwctl.errors import (
    ConfirmationNeeded,
    InvalidInput,
    InvalidTransition,
    NotAuthorised,
    NotFound,
)
from hwctl.store.models import AuditEntry, HardwareOrder, OrderLine, OrderUnit
from tests.conftest import ADMIN, act, make_order, order_doc

sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])

ANN = {"user": "ann@globex.example", "location": "HQ Floor 2"}


def submit(store, doc, actor: str = ADMIN):  # noqa: ANN001, ANN201
    return orders.submit(act(store, actor), json.dumps(doc), "orders.json")


def order_rows(store) -> tuple[int, int, int, int]:  # noqa: ANN001
    """How many orders, lines, units and audit entries the store holds."""
    with store.session() as session:
        return tuple(
            session.exec(select(func.count()).select_from(model)).one()
            for model in (HardwareOrder, OrderLine, OrderUnit, AuditEntry)
        )


def units_of(store, order_id: int) -> list[tuple]:  # noqa: ANN001
    return [
        (u.unit, u.line, u.sku, u.user, u.location)
        for u in orders.show_order(act(store), order_id).units
    ]


def items_of(store, order_id: int) -> list[tuple[int, str, int]]:  # noqa: ANN001
    return [
        (i.line, i.sku, i.quantity) for i in orders.show_order(act(store), order_id).order.items
    ]


# -- submitting ----------------------------------------------------------------------------------
def test_a_submitted_order_is_pending_with_units_numbered_across_lines_in_line_order(seeded):
    doc = order_doc(
        items=[
            {"sku": "T54W", "quantity": 2, "units": [ANN]},
            {"sku": "W70B", "quantity": 1, "units": [{"location": "Warehouse"}]},
            {"sku": "W73H", "quantity": 3, "units": [{}, {"user": "bob@globex.example"}]},
        ]
    )
    (view,) = submit(seeded, doc)
    assert view.status == "pending"
    assert view.ordered_at == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert items_of(seeded, view.id) == [(1, "T54W", 2), (2, "W70B", 1), (3, "W73H", 3)]
    assert units_of(seeded, view.id) == [
        (1, 1, "T54W", "ann@globex.example", "HQ Floor 2"),
        (2, 1, "T54W", None, None),
        (3, 2, "W70B", None, "Warehouse"),
        (4, 3, "W73H", None, None),
        (5, 3, "W73H", "bob@globex.example", None),
        (6, 3, "W73H", None, None),
    ]


def test_a_location_intent_on_a_handset_is_refused_naming_the_field_and_nothing_is_stored(seeded):
    before = order_rows(seeded)
    items = [{"sku": "T54W", "quantity": 1, "units": [ANN]},
             {"sku": "W73H", "quantity": 2, "units": [{}, ANN]}]  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        submit(seeded, order_doc(items=items))
    assert refused.value.message == (
        "orders.json: items[1].units[1].location: W73H is a DECT handset, and handsets have no "
        "location (give the location on its base)"
    )
    assert refused.value.fields["field"] == "items[1].units[1].location"
    assert order_rows(seeded) == before


def test_a_user_intent_on_a_handset_is_still_taken(seeded):
    unit = {"user": "ann@globex.example"}
    (view,) = submit(seeded, order_doc(items=[{"sku": "W73H", "quantity": 1, "units": [unit]}]))
    assert units_of(seeded, view.id) == [(1, 1, "W73H", "ann@globex.example", None)]


@sqlite_only
def test_ordered_at_defaults_to_now(seeded):
    before = datetime.now(UTC).replace(microsecond=0)
    (view,) = submit(seeded, order_doc(ordered_at=None))
    after = datetime.now(UTC)
    assert before <= view.ordered_at <= after


@sqlite_only
def test_submitting_is_audited_with_the_actor_and_the_items(seeded):
    (view,) = orders.submit(act(seeded, platform="Acme Voice"), json.dumps(order_doc()), "o.json")
    (entry,) = orders.show_order(act(seeded), view.id).audit
    assert (entry.actor, entry.actor_kind, entry.action, entry.order) == (
        "platform:Acme Voice",
        "platform",
        "submit",
        view.id,
    )
    assert entry.details == {
        "platform": "Acme Voice",
        "account": "Globex Corporation",
        "items": [{"sku": "T54W", "quantity": 2}],
    }


def test_a_list_of_orders_is_stored_in_one_go(seeded):
    views = submit(seeded, [order_doc(), order_doc(account="Initech")])
    assert [v.account for v in views] == ["Globex Corporation", "Initech"]
    assert order_rows(seeded)[0] == 2


def test_a_list_with_one_bad_order_stores_none_of_them(seeded):
    before = order_rows(seeded)
    docs = [order_doc(), order_doc(items=[{"sku": "D385", "quantity": 1}])]
    with pytest.raises(InvalidInput, match=r"^orders.json: order 2: items\[0\]: SKU 'D385'"):
        submit(seeded, docs)
    assert order_rows(seeded) == before


BAD_ORDERS = [
    (order_doc(platform="Nope Telecom"), "orders.json: unknown platform 'Nope Telecom'"),
    (
        order_doc(account="Umbrella Ltd"),
        "orders.json: platform 'Acme Voice' has no account 'Umbrella Ltd'",
    ),
    (
        order_doc(
            items=[{"sku": "T54W", "quantity": 1, "units": [{"user": "alice@umbrella.example"}]}]
        ),
        "orders.json: items[0]: unknown user 'alice@umbrella.example' on 'Globex Corporation'",
    ),
    (
        order_doc(items=[{"sku": "T54W", "quantity": 1, "units": [{"location": "Lab 1"}]}]),
        "orders.json: items[0]: unknown location 'Lab 1' on 'Globex Corporation'",
    ),
    (
        order_doc(items=[{"sku": "T54W", "quantity": 1}, {"sku": "M85", "quantity": 1}]),
        "orders.json: items[1]: SKU 'M85' is not in the catalog of 'Acme Voice'",
    ),
    (
        order_doc(items=[{"sku": "T54W", "quantity": 0}]),
        "orders.json: items[0].quantity: must be at least 1",
    ),
    (
        order_doc(items=[{"sku": "T54W", "quantity": 1, "units": [ANN, ANN]}]),
        "orders.json: items[0]: 2 unit intents for 1 units of T54W",
    ),
    (
        order_doc(items=[{"sku": "T54W", "quantity": "2"}]),
        "orders.json: items[0].quantity: must be a whole number",
    ),
    (
        order_doc(items=[{"sku": "T54W", "quantity": 1}, {"sku": "T54W", "quantity": 1}]),
        "orders.json: items[1]: SKU 'T54W' appears on two lines; add the quantities",
    ),
]


@sqlite_only
@pytest.mark.parametrize(("doc", "message"), BAD_ORDERS)
def test_a_bad_order_is_one_line_naming_what_is_wrong_and_nothing_is_stored(seeded, doc, message):
    before = order_rows(seeded)
    with pytest.raises(InvalidInput) as caught:
        submit(seeded, doc)
    assert str(caught.value) == message
    assert order_rows(seeded) == before


def test_a_sku_from_another_platform_s_catalog_is_refused_on_every_backend(seeded):
    before = order_rows(seeded)
    with pytest.raises(InvalidInput, match="SKU 'D385' is not in the catalog of 'Acme Voice'"):
        submit(seeded, order_doc(items=[{"sku": "D385", "quantity": 1}]))
    assert order_rows(seeded) == before


@sqlite_only
def test_malformed_json_stores_nothing(seeded):
    before = order_rows(seeded)
    with pytest.raises(InvalidInput, match="^orders.json: malformed JSON at line 1 column"):
        orders.submit(act(seeded, ADMIN), '{"platform": ', "orders.json")
    assert order_rows(seeded) == before


# -- the Hardware Orders list --------------------------------------------------------------------
def statuses_and_accounts(page) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(o.status, o.account) for o in page.orders]


@pytest.fixture
def mixed(seeded):  # noqa: ANN001, ANN201
    """Orders in every decided status plus pending ones on both platforms."""
    ids = {
        "pending-globex": make_order(seeded, ordered_at="2026-11-20T09:00:00Z"),
        "approved": make_order(seeded, "approved", ordered_at="2026-11-19T09:00:00Z"),
        "rejected": make_order(
            seeded, "rejected", account="Initech", ordered_at="2026-11-18T09:00:00Z"
        ),
        "cancelled": make_order(seeded, "cancelled", ordered_at="2026-11-17T09:00:00Z"),
        "pending-umbrella": make_order(
            seeded,
            platform="Blue Sky",
            account="Umbrella Ltd",
            items=[{"sku": "D385", "quantity": 1}],
            ordered_at="2026-11-21T09:00:00Z",
        ),
        "pending-initech": make_order(seeded, account="Initech", ordered_at="2026-11-16T09:00:00Z"),
    }
    return seeded, ids


def test_the_list_shows_pending_orders_oldest_first_by_default(mixed):
    store, ids = mixed
    page = orders.list_orders(act(store))
    assert [o.id for o in page.orders] == [
        ids["pending-initech"],
        ids["pending-globex"],
        ids["pending-umbrella"],
    ]
    assert page.total == 3
    assert page.pending == 3


def test_status_all_lists_every_order(mixed):
    store, ids = mixed
    page = orders.list_orders(act(store), status="all")
    assert sorted(o.id for o in page.orders) == sorted(ids.values())


@sqlite_only
@pytest.mark.parametrize("status", ["approved", "rejected", "cancelled"])
def test_each_status_filter_lists_only_that_status(mixed, status):
    store, ids = mixed
    page = orders.list_orders(act(store), status=status)
    assert [o.id for o in page.orders] == [ids[status]]


@sqlite_only
def test_the_badge_counts_pending_orders_across_platforms_whatever_the_filters(mixed):
    store, _ = mixed
    for kw in (
        {"status": "approved"},
        {"platform": "Blue Sky"},
        {"search": "initech"},
        {"limit": 1},
    ):
        assert orders.list_orders(act(store), **kw).pending == 3


@sqlite_only
def test_the_platform_filter_is_the_exact_name(mixed):
    store, ids = mixed
    page = orders.list_orders(act(store), status="all", platform="Blue Sky")
    assert [o.id for o in page.orders] == [ids["pending-umbrella"]]
    with pytest.raises(NotFound, match="unknown platform 'blue sky'"):
        orders.list_orders(act(store), platform="blue sky")


def test_search_is_case_insensitive_over_account_and_platform_names(mixed):
    store, _ = mixed
    assert statuses_and_accounts(orders.list_orders(act(store), search="GLOBEX")) == [
        ("pending", "Globex Corporation")
    ]
    assert statuses_and_accounts(orders.list_orders(act(store), search="sky")) == [
        ("pending", "Umbrella Ltd")
    ]


def test_percent_and_underscore_in_a_search_are_literal(seeded):
    directory.import_directory(
        act(seeded),
        json.dumps(
            {
                "platforms": [
                    {
                        "name": "Tele_Com 100%",
                        "catalog": [{"sku": "X1", "name": "x", "kind": "deskphone"}],
                        "accounts": [{"name": "Fo_o"}, {"name": "Foxo"}],
                    }
                ]
            }
        ),
        "more.json",
    )
    for account in ("Fo_o", "Foxo"):
        make_order(
            seeded, platform="Tele_Com 100%", account=account, items=[{"sku": "X1", "quantity": 1}]
        )
    make_order(seeded)  # Acme Voice / Globex: matches neither literal character
    assert [o.account for o in orders.list_orders(act(seeded), search="o_o").orders] == ["Fo_o"]
    assert [o.account for o in orders.list_orders(act(seeded), search="0%").orders] == [
        "Fo_o",
        "Foxo",
    ]
    assert orders.list_orders(act(seeded), search="%").total == 2
    assert orders.list_orders(act(seeded), search="_").total == 2
    assert orders.list_orders(act(seeded), search="x%").total == 0


def test_search_ignores_the_case_of_letters_beyond_ascii_on_every_backend(seeded):
    directory.import_directory(
        act(seeded),
        json.dumps(
            {
                "platforms": [
                    {
                        "name": "Straße Voice",
                        "catalog": [{"sku": "X1", "name": "x", "kind": "deskphone"}],
                        "accounts": [{"name": "Über Ärzte GmbH"}],
                    }
                ]
            }
        ),
        "more.json",
    )
    make_order(seeded, platform="Straße Voice", account="Über Ärzte GmbH",
               items=[{"sku": "X1", "quantity": 1}])  # fmt: skip
    for text in ("Über Ärzte", "über ärzte", "ÜBER ÄRZTE", "STRAßE"):
        assert [o.account for o in orders.list_orders(act(seeded), search=text).orders] == [
            "Über Ärzte GmbH"
        ], text


def test_search_folds_one_way_on_every_backend_turkish_i_sharp_s_and_accents_included(seeded):
    # Before the search key, PostgreSQL's lower() and Python's folded `İ` differently: the
    # exact name found nothing on PostgreSQL and "gmbh istanbul" nothing on SQLite.
    directory.import_directory(
        act(seeded),
        json.dumps(
            {
                "platforms": [
                    {
                        "name": "Ｔele Ｖoice",  # full-width letters: the same as ASCII
                        "catalog": [{"sku": "X1", "name": "x", "kind": "deskphone"}],
                        "accounts": [{"name": "Ärzte GmbH İstanbul"}, {"name": "Große Straße"}],
                    }
                ]
            }
        ),
        "more.json",
    )
    for account in ("Ärzte GmbH İstanbul", "Große Straße"):
        make_order(seeded, platform="Ｔele Ｖoice", account=account,
                   items=[{"sku": "X1", "quantity": 1}])  # fmt: skip
    make_order(seeded)  # Acme Voice / Globex: matches none of these

    def found(text: str) -> list[str]:
        return [o.account for o in orders.list_orders(act(seeded), search=text).orders]

    istanbul = ["Ärzte GmbH İstanbul"]
    for text in ("Ärzte GmbH İstanbul", "gmbh istanbul", "GMBH İSTANBUL", "ÄRZTE", "arzte",
                 "ärzte gmbh i̇stanbul"):  # fmt: skip
        assert found(text) == istanbul, text
    for text in ("straße", "STRASSE", "strasse", "GROSSE STRAẞE"):
        assert found(text) == ["Große Straße"], text
    # The platform's name is folded the same way (full-width letters are their ASCII ones).
    assert found("tele voice") == ["Ärzte GmbH İstanbul", "Große Straße"]
    assert found("ＴＥＬＥ") == ["Ärzte GmbH İstanbul", "Große Straße"]
    assert found("istanbul straße") == []


def test_the_migration_s_search_key_is_the_rule_s() -> None:
    import importlib

    from hwctl.domain.text import search_key

    migration = importlib.import_module("hwctl.store.migrations.versions.0009_search_key")
    for name in (
        "Ärzte GmbH İstanbul",
        "Große Straße",
        "ﬁle Ｓ",
        "Ünïcødé 株式会社 🚀",
        "ǅemal",
        "ÇAĞRI Çağrı",
    ):
        assert migration.search_key(name) == search_key(name), name


@sqlite_only
def test_limit_caps_the_rows_but_not_the_total(mixed):
    store, _ = mixed
    page = orders.list_orders(act(store), status="all", limit=2)
    assert len(page.orders) == 2
    assert page.total == 6


@sqlite_only
def test_an_unknown_status_or_negative_limit_is_refused(seeded):
    with pytest.raises(InvalidInput, match="unknown status 'waiting'"):
        orders.list_orders(act(seeded), status="waiting")
    with pytest.raises(InvalidInput, match="^limit must be 0 or more$"):
        orders.list_orders(act(seeded), limit=-1)


def test_an_empty_store_lists_nothing(seeded):
    page = orders.list_orders(act(seeded), status="all")
    assert (page.orders, page.total, page.pending) == ((), 0, 0)


# -- one order -----------------------------------------------------------------------------------
@sqlite_only
def test_show_of_a_missing_order_is_not_found(seeded):
    with pytest.raises(NotFound, match="^order 99 does not exist$"):
        orders.show_order(act(seeded), 99)


@sqlite_only
def test_the_catalog_offered_for_an_order_is_its_own_platform_s(seeded):
    oid = make_order(
        seeded, platform="Blue Sky", account="Umbrella Ltd", items=[{"sku": "D385", "quantity": 1}]
    )
    assert [c.sku for c in orders.catalog_for_order(act(seeded), oid)] == ["D385", "M85", "M900"]


# -- editing -------------------------------------------------------------------------------------
def intent_order(store) -> int:  # noqa: ANN001
    """Line 1: 3× T54W (unit 1 for ann); line 2: 2× W73H; line 3: 1× W70B."""
    return make_order(
        store,
        items=[
            {"sku": "T54W", "quantity": 3, "units": [ANN]},
            {"sku": "W73H", "quantity": 2},
            {"sku": "W70B", "quantity": 1},
        ],
    )


def test_edits_keep_line_numbers_and_renumber_units_in_line_order(seeded):
    oid = intent_order(seeded)
    result = orders.edit_order(
        act(seeded), oid, [RemoveLine(2), SetQuantity(1, 2), AddItem("W70B", 1)]
    )
    assert [(i.line, i.sku, i.quantity) for i in result.order.items] == [
        (1, "T54W", 2),
        (3, "W70B", 2),
    ]
    assert units_of(seeded, oid) == [
        (1, 1, "T54W", "ann@globex.example", "HQ Floor 2"),
        (2, 1, "T54W", None, None),
        (3, 3, "W70B", None, None),
        (4, 3, "W70B", None, None),
    ]


def test_every_edit_is_audited_with_before_and_after(seeded):
    oid = intent_order(seeded)
    orders.edit_order(act(seeded, ADMIN), oid, [SetQuantity(2, 5), AddItem("T54W", 1)])
    entry = orders.show_order(act(seeded), oid).audit[-1]
    assert (entry.actor, entry.action, entry.order) == (ADMIN, "edit", oid)
    assert entry.details == {
        "before": [
            {"line": 1, "sku": "T54W", "quantity": 3},
            {"line": 2, "sku": "W73H", "quantity": 2},
            {"line": 3, "sku": "W70B", "quantity": 1},
        ],
        "after": [
            {"line": 1, "sku": "T54W", "quantity": 4},
            {"line": 2, "sku": "W73H", "quantity": 5},
            {"line": 3, "sku": "W70B", "quantity": 1},
        ],
        "dropped_intents": [],
    }


@sqlite_only
def test_a_new_sku_gets_a_new_line_with_plain_units(seeded):
    oid = make_order(seeded)
    orders.edit_order(act(seeded, ADMIN), oid, [AddItem("W73H", 2)])
    assert items_of(seeded, oid) == [(1, "T54W", 2), (2, "W73H", 2)]
    assert [u[:3] for u in units_of(seeded, oid)] == [
        (1, 1, "T54W"),
        (2, 1, "T54W"),
        (3, 2, "W73H"),
        (4, 2, "W73H"),
    ]


@sqlite_only
def test_lowering_a_quantity_keeps_the_units_with_intents(seeded):
    oid = intent_order(seeded)
    orders.edit_order(act(seeded, ADMIN), oid, [SetQuantity(1, 1)])
    assert units_of(seeded, oid)[0] == (1, 1, "T54W", "ann@globex.example", "HQ Floor 2")
    assert items_of(seeded, oid)[0] == (1, "T54W", 1)


def test_dropping_a_unit_with_an_intent_needs_confirmation_and_changes_nothing_without(seeded):
    oid = intent_order(seeded)
    before = (items_of(seeded, oid), units_of(seeded, oid), order_rows(seeded))
    with pytest.raises(ConfirmationNeeded) as caught:
        orders.edit_order(act(seeded, ADMIN), oid, [RemoveLine(1)])
    assert exit_code(caught.value) == 2
    assert "line 1 T54W for ann@globex.example · HQ Floor 2" in str(caught.value)
    assert "--" not in str(caught.value)  # the CLI adds which flag confirms
    assert (items_of(seeded, oid), units_of(seeded, oid), order_rows(seeded)) == before


@sqlite_only
def test_a_confirmed_intent_drop_is_applied_and_named_in_the_audit(seeded):
    oid = intent_order(seeded)
    orders.edit_order(act(seeded, ADMIN), oid, [RemoveLine(1)], allow_intent_drops=True)
    assert items_of(seeded, oid) == [(2, "W73H", 2), (3, "W70B", 1)]
    entry = orders.show_order(act(seeded), oid).audit[-1]
    assert entry.details["dropped_intents"] == [
        {"line": 1, "sku": "T54W", "intent": "ann@globex.example · HQ Floor 2"}
    ]


@pytest.mark.parametrize(
    ("backend", "status"),
    [
        ("sqlite", "approved"),
        ("sqlite", "rejected"),
        ("sqlite", "cancelled"),
        pytest.param("postgres", "approved", marks=pytest.mark.postgres),
    ],
)
def test_editing_a_decided_order_is_refused_and_changes_nothing(seeded, status):
    oid = make_order(seeded, status)
    before = (items_of(seeded, oid), order_rows(seeded))
    with pytest.raises(InvalidTransition) as refused:
        orders.edit_order(act(seeded, ADMIN), oid, [SetQuantity(1, 5)])
    assert refused.value.message == f"order {oid} is {status}, only pending orders can be edited"
    assert re.fullmatch(
        rf"order {oid} is {status} \(by {ADMIN} at [-0-9T:]+Z\), only pending orders can be edited",
        worded(refused.value),
    )
    assert (items_of(seeded, oid), order_rows(seeded)) == before


@sqlite_only
def test_an_edit_by_someone_who_is_not_a_super_admin_is_refused(seeded):
    oid = make_order(seeded)
    before = order_rows(seeded)
    with pytest.raises(NotAuthorised, match="'mallory' is not a super-admin"):
        orders.edit_order(act(seeded, "mallory"), oid, [SetQuantity(1, 5)])
    assert order_rows(seeded) == before


@sqlite_only
def test_an_edit_without_changes_or_with_a_foreign_sku_is_refused(seeded):
    oid = make_order(seeded)
    with pytest.raises(InvalidInput, match="nothing to change"):
        orders.edit_order(act(seeded, ADMIN), oid, [])
    with pytest.raises(InvalidInput, match="SKU 'D385' is not in this order's platform catalog"):
        orders.edit_order(act(seeded, ADMIN), oid, [AddItem("D385", 1)])
    with pytest.raises(NotFound, match="order 99 does not exist"):
        orders.edit_order(act(seeded, ADMIN), 99, [SetQuantity(1, 1)])
    assert items_of(seeded, oid) == [(1, "T54W", 2)]


@sqlite_only
def test_preview_shows_the_plan_without_writing(seeded):
    oid = intent_order(seeded)
    before = order_rows(seeded)
    plan = orders.preview_edit(act(seeded), oid, [RemoveLine(1)])
    assert [d.intent for d in plan.dropped_intents] == ["ann@globex.example · HQ Floor 2"]
    assert order_rows(seeded) == before
