"""What the webhook use cases need of the network, injected by the door: the `Transport`.

A door passes `network()` (the real one, `hwctl.io.webhook_transport.Network`); a test may pass
another. The application layer itself opens no connection and resolves no name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class Transport(Protocol):
    """Where a webhook may point, and sending to it."""

    def check_url(self, url: str, *, insecure: bool) -> str:
        """The URL as it is to be stored, or InvalidInput (field `url`) saying why it may not be
        a webhook's. `insecure` allows a loopback host, for local testing."""
        ...

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], *, timeout: float
    ) -> str | None:
        """POST `body` to `url` (checked again first), waiting at most `timeout` seconds: None
        when the receiver took it (2xx), else why not, in one line."""
        ...


def network() -> Transport:
    """The real transport: the system's resolver, TCP and TLS."""
    from hwctl.io.webhook_transport import Network

    return Network()
