"""Alembic environment: always run on the connection hwctl hands over (no alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from hwctl.store import models  # noqa: F401 - registers the tables on the metadata

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` run by hand during development
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            _run(connection)
        return
    _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
        compare_type=True,
    )
    with context.begin_transaction():
        migration = context.get_context()
        before = migration.get_current_revision()
        context.run_migrations()
        after = migration.get_current_revision()
        if after != before and after == context.script.get_current_head():
            # A batch migration on SQLite rebuilds its table and drops the table's triggers:
            # put back those that keep audit entries unchanged (hwctl/store/chain.py).
            from hwctl.store import chain

            chain.protect(connection)


run_migrations_online()
