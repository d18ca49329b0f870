"""PostgreSQL row-level security: the second wall behind the application's authorisation rule.
With the rule switched off, a platform still cannot see, list or change another platform's
rows, because the API's sessions set `hwctl.platform` and the server connects as a role that
the policies apply to (not a superuser, no BYPASSRLS). The super-admins' door (no tenant) is
unaffected."""

from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from hwctl.app import context as app_context
from hwctl.app import orders, platform
from hwctl.app.context import Context, for_platform
from hwctl.config import StoreLocation
from hwctl.domain.access import Principal
from hwctl.errors import NotFound
from hwctl.store.engine import Store, open_store
from tests.conftest import act, load_directory, order_doc

pytestmark = pytest.mark.postgres

rls = importlib.import_module("hwctl.store.migrations.versions.0006_row_level_security")


@pytest.fixture
def stores(pg_url: str) -> Iterator[tuple[Store, Store, dict[str, int]]]:
    """(the owner's store, the API role's store, order ids by platform): the schema and data
    written by the owner (a superuser here), read back through a plain login role."""
    owner = open_store(StoreLocation(pg_url, "--db", False))
    owner.upgrade()
    load_directory(owner)
    ids = {}
    for name, account, sku in (("Acme Voice", "Globex Corporation", "T54W"),
                               ("Blue Sky", "Umbrella Ltd", "D385")):  # fmt: skip
        (view,) = orders.submit(
            act(owner),
            json.dumps(
                order_doc(platform=name, account=account, items=[{"sku": sku, "quantity": 1}])
            ),
            "test",
        )
        ids[name] = view.id
    role = f"hwctl_api_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        conn.execute(
            text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
        )
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
    api_url = make_url(pg_url).set(username=role, password=None).render_as_string(False)
    try:
        yield owner, open_store(StoreLocation(api_url, "--db", False)), ids
    finally:
        from hwctl.store.engine import dispose_all

        dispose_all()
        with admin.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


@pytest.fixture
def rule_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The application's own filter switched off: every principal may do anything to any
    order, and a listing is never limited to the principal's platform."""
    monkeypatch.setattr(app_context, "rule", lambda *a, **k: None)
    monkeypatch.setattr(platform, "platform_scope", lambda ctx, name: None)


def test_every_tenant_table_is_under_a_forced_policy(stores):
    owner, _, _ = stores
    with owner.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE relname = ANY(:names) AND relkind = 'r'"
            ),
            {"names": list(rls.ALL_TABLES)},
        ).all()
    assert sorted(rows) == sorted((name, True, True) for name in rls.ALL_TABLES)


def test_with_the_rule_off_another_platforms_order_is_still_not_found(stores, rule_off):
    _, api_store, ids = stores
    acme = for_platform(api_store, Principal.platform("Acme Voice"))
    assert platform.get_order(acme, ids["Acme Voice"])["id"] == ids["Acme Voice"]
    with pytest.raises(NotFound):
        platform.get_order(acme, ids["Blue Sky"])
    assert [o["id"] for o in platform.list_orders(acme)["data"]] == [ids["Acme Voice"]]
    assert [i["sku"] for i in platform.catalog(acme)] == ["T54W", "W70B", "W73H"]
    with pytest.raises(NotFound):
        platform.devices(acme, "Umbrella Ltd")


def test_with_the_rule_off_another_platforms_order_cannot_be_cancelled(stores, rule_off):
    owner, api_store, ids = stores
    acme = for_platform(api_store, Principal.platform("Acme Voice"))
    with pytest.raises(NotFound):
        platform.cancel_order(acme, ids["Blue Sky"])
    assert orders.show_order(act(owner), ids["Blue Sky"]).order.status == "pending"


def test_a_tenant_session_cannot_write_a_row_of_another_platform(stores):
    owner, api_store, _ = stores
    with owner.session() as session:
        blue = session.execute(text("SELECT id FROM platform WHERE name = 'Blue Sky'")).scalar()
    with pytest.raises(Exception, match="row-level security"):  # noqa: B017 - the driver's error
        with api_store.for_tenant("Acme Voice").session(write=True) as session:
            session.execute(
                text(
                    "INSERT INTO account (platform_id, name, search_key) "
                    "VALUES (:p, 'Planted', 'planted')"
                ),
                {"p": blue},
            )
    with owner.session() as session:
        planted = session.execute(text("SELECT count(*) FROM account WHERE name = 'Planted'"))
        assert planted.scalar() == 0


def test_the_super_admins_door_sees_every_platform_through_the_same_role(stores):
    _, api_store, ids = stores
    page = orders.list_orders(Context(api_store, Principal.super_admin("dana")), status="all")
    assert sorted(o.id for o in page.orders) == sorted(ids.values())


def test_a_single_row_read_of_a_tenant_runs_under_its_platform(stores):
    """`Store.first_row` sends a lookup alone, in autocommit, for the super-admins' door (the
    token lookup); a tenant's runs in its transaction, after its platform is set."""
    _, api_store, _ = stores
    everything = text("SELECT count(*) FROM platform")
    assert api_store.first_row(everything, {})[0] == 2
    assert api_store.for_tenant("Acme Voice").first_row(everything, {})[0] == 1


def test_a_tenant_name_is_set_exactly_however_it_is_spelt(stores):
    """The tenant's transaction begins with its setting in one simple query, the platform as a
    literal quoted by the driver: quotes, semicolons, percent signs and backslashes arrive as
    written, and run nothing."""
    _, api_store, _ = stores
    name = "O'Brien'); DROP TABLE platform; -- 100% \\ %s"
    with api_store.for_tenant(name).session() as session:
        assert session.execute(text("SELECT current_setting('hwctl.platform')")).scalar() == name
        assert session.execute(text("SELECT count(*) FROM platform")).scalar() == 0
    with api_store.session() as session:  # the super-admins' door: every row, table intact
        assert session.execute(text("SELECT count(*) FROM platform")).scalar() == 2
        assert session.execute(text("SELECT current_setting('hwctl.platform', true)")).scalar() in {
            "",
            None,
        }


def test_a_tokens_transactions_check_that_it_is_not_revoked(stores):
    """A tenant store for an API token checks the token in the round trip that begins each of
    its transactions: once it is revoked the next transaction fails before it runs anything,
    and the platform's other tokens still work."""
    from hwctl.app import tokens
    from hwctl.errors import TokenRevoked

    owner, api_store, ids = stores
    kept = tokens.create(act(owner), "Acme Voice", "kept")
    doomed = tokens.create(act(owner), "Acme Voice", "doomed")
    acme = for_platform(api_store, Principal.platform("Acme Voice", doomed.id))
    assert platform.get_order(acme, ids["Acme Voice"])["status"] == "pending"
    tokens.revoke(act(owner), doomed.id)
    with pytest.raises(TokenRevoked):
        platform.get_order(acme, ids["Acme Voice"])
    with pytest.raises(TokenRevoked):
        with acme.store.session() as session:
            session.execute(text("SELECT 1"))
    with pytest.raises(TokenRevoked):  # a token that never was
        with api_store.for_tenant("Acme Voice", 999_999).session():
            pass
    still = for_platform(api_store, Principal.platform("Acme Voice", kept.id))
    assert platform.get_order(still, ids["Acme Voice"])["status"] == "pending"
