"""The store: SQLModel tables, engine and sessions, Alembic migrations."""
