"""The demo's sample documents (`hwctl demo`): a directory and orders to import and submit."""

from __future__ import annotations

from hwctl.demo_data import DIRECTORY, ORDERS

__all__ = ["DIRECTORY", "ORDERS"]
