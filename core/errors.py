"""The one error a forbidden domain move raises; views and the API turn it into a clear 400."""

from __future__ import annotations


class DomainError(Exception):
    """A domain rule refused the action. ``message`` is translatable and shown to the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
