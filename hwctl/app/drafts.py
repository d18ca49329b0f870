"""Drafts of typed identifiers, kept by the application: what a person typed for an order's
units so far, so that an interrupted fulfilment loses nothing. One draft per store, order and
principal (`hwctl.io.drafts` is the file it is kept in). A door asks for the draft to resume and
has each answer kept; the fulfilment workflow (`hwctl.app.fulfilling`) drops it once the units
are written."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from hwctl.app.context import Context
from hwctl.io import drafts as files


def where(ctx: Context, order_id: int) -> Path:
    """The file the principal's draft of the order is kept in (a door names it)."""
    return files.draft_path(ctx.store.location, order_id, ctx.actor)


def load(ctx: Context, order_id: int) -> dict[int, str]:
    """The principal's saved answers (unit number -> text); {} when there is none. A draft that
    hwctl did not write (not a regular file, too large) is refused with one line."""
    return files.load(ctx.store.location, order_id, ctx.actor)


def keep(ctx: Context, order_id: int, typed: Mapping[int, str]) -> None:
    """Keep what was typed so far (replacing the draft); nothing typed: no draft."""
    if typed:
        files.save(ctx.store.location, order_id, ctx.actor, dict(typed))
    else:
        drop(ctx, order_id)


def drop(ctx: Context, order_id: int) -> None:
    """The principal's draft of the order goes (declined when offered, or written)."""
    files.remove(ctx.store.location, order_id, ctx.actor)


def drop_all(ctx: Context, order_id: int) -> None:
    """Every draft of a fulfilled order in this store, whoever typed it."""
    files.remove_all(ctx.store.location, order_id)
