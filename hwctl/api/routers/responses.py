"""The problem responses the routes declare for the OpenAPI document."""

from typing import Any

from hwctl.api.problems import MEDIA_TYPE

PROBLEM = {"content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
COMMON: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, unknown or revoked token", **PROBLEM},
    422: {"description": "Invalid input (the problem names the field)", **PROBLEM},
    503: {"description": "The store cannot be reached", **PROBLEM},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such order of this platform", **PROBLEM}
}
