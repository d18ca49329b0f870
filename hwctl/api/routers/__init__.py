"""The API's routes, one router per noun. Each endpoint is a plain `def` (the store is
synchronous): it builds its context from the bearer token (`Bearer`), reads its body or query
into plain values, calls one use case of `hwctl.app.platform` and answers with what it returns.
"""

from hwctl.api.routers import catalog, devices, health, orders

ROUTERS = (health.router, catalog.router, orders.router, devices.router)
