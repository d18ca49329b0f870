"""The errors hwctl raises on purpose: a kind, a `code` and structured fields, no door's words.

Services and domain rules raise these; each door words them its own way: the CLI as one line on
stderr and the exit code its error table (`hwctl.cli.words`) keys by `code`, the HTTP API as an
RFC 9457 problem (`hwctl.api.problems`). Anything else escaping a command is a bug.
"""

from __future__ import annotations


class HwctlError(Exception):
    """Base class: a one-line message meant for the user, a `code` naming the kind for
    programs (an HTTP problem's type, a test), and the structured `fields` it is about
    (`order=7, status="approved"`), so a door can word it its own way."""

    code: str = "error"

    def __init__(self, message: str, **fields: object) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def __str__(self) -> str:
        return self.message


class InvalidInput(HwctlError):
    """The input (a file, an argument, an identifier) is malformed or names nothing known."""

    code = "invalid_input"


class NotFound(HwctlError):
    """An order, platform, account or admin that does not exist."""

    code = "not_found"


class InvalidTransition(HwctlError):
    """The order is not in a state that allows the requested change."""

    code = "invalid_transition"


class Conflict(HwctlError):
    """The change collides with data already in the store (an identifier owned elsewhere, ...)."""

    code = "conflict"


class NotAuthorised(HwctlError):
    """The acting person is not a registered super-admin."""

    code = "not_authorised"


class TokenRevoked(HwctlError):
    """The API token a platform acts through was revoked (or removed) since it was looked up:
    the platform door answers 401."""

    code = "unauthorized"


class UsageError(HwctlError):
    """The command line cannot be carried out as given (a confirmation without a terminal...)."""

    code = "usage"


class ConfirmationNeeded(HwctlError):
    """The change has a consequence the person must confirm first (units with an intent
    dropped): nothing was done; ask, then call again saying it was confirmed."""

    code = "confirmation_needed"


class StoreError(HwctlError):
    """The store cannot be reached or read (wrong URL, server down, missing driver)."""

    code = "store"


class SchemaBehind(StoreError):
    """The store's schema is older than this hwctl: `hwctl db upgrade` is needed."""

    code = "schema_behind"
