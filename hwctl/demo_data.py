"""Sample data for `hwctl demo`: two platforms with catalogs, accounts, users, locations, one
device registered beforehand, and a handful of orders."""

from __future__ import annotations

from typing import Any

DIRECTORY: dict[str, Any] = {
    "platforms": [
        {
            "name": "Acme Voice",
            "catalog": [
                {"sku": "T54W", "name": "Yealink T54W desk phone", "kind": "deskphone"},
                {"sku": "W70B", "name": "Yealink W70B DECT base", "kind": "dect_base",
                 "max_handsets": 10},
                {"sku": "W73H", "name": "Yealink W73H DECT handset", "kind": "dect_handset"},
            ],
            "accounts": [
                {
                    "name": "Globex Corporation",
                    "users": ["ann@globex.example", "bob@globex.example", "cy@globex.example"],
                    "locations": ["HQ Floor 2", "Warehouse"],
                    "devices": [{"sku": "T54W", "mac": "80:5E:C0:00:00:99"}],
                },
                {
                    "name": "Initech",
                    "users": ["peter@initech.example"],
                    "locations": ["Main Office"],
                },
            ],
        },
        {
            "name": "Blue Sky Telecom",
            "catalog": [
                {"sku": "D385", "name": "snom D385 desk phone", "kind": "deskphone"},
                {"sku": "M900", "name": "snom M900 DECT base", "kind": "dect_base",
                 "max_handsets": 9},
                {"sku": "M85", "name": "snom M85 DECT handset", "kind": "dect_handset"},
            ],
            "accounts": [
                {"name": "Umbrella Ltd", "users": ["alice@umbrella.example"],
                 "locations": ["Lab 1"]},
            ],
        },
    ]
}  # fmt: skip

ORDERS: list[dict[str, Any]] = [
    {
        "platform": "Acme Voice",
        "account": "Globex Corporation",
        "ordered_at": "2026-11-20T09:30:00Z",
        "items": [
            {"sku": "T54W", "quantity": 2,
             "units": [{"user": "ann@globex.example", "location": "HQ Floor 2"},
                       {"user": "bob@globex.example", "location": "HQ Floor 2"}]},
            {"sku": "W70B", "quantity": 1, "units": [{"location": "Warehouse"}]},
            {"sku": "W73H", "quantity": 3, "units": [{"user": "cy@globex.example"}]},
        ],
    },
    {
        "platform": "Acme Voice",
        "account": "Initech",
        "ordered_at": "2026-11-21T14:00:00Z",
        "items": [{"sku": "T54W", "quantity": 5}],
    },
    {
        "platform": "Blue Sky Telecom",
        "account": "Umbrella Ltd",
        "ordered_at": "2026-11-22T08:15:00Z",
        "items": [{"sku": "D385", "quantity": 1, "units": [{"user": "alice@umbrella.example"}]},
                  {"sku": "M85", "quantity": 2}],
    },
    {
        "platform": "Blue Sky Telecom",
        "account": "Umbrella Ltd",
        "ordered_at": "2026-11-23T10:00:00Z",
        "items": [{"sku": "M900", "quantity": 1}],
    },
]  # fmt: skip
