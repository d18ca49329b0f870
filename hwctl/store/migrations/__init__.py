"""Alembic migrations, shipped inside the package and run by `hwctl db upgrade`."""
