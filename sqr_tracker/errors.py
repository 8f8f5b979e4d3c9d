"""Errors the package raises for a caller to show; each says what and where."""

from __future__ import annotations

from datetime import datetime


class SqrError(Exception):
    """Base class: the message is meant for the person using the product."""


class PermissionDenied(SqrError):
    pass


class NotFound(SqrError):
    pass


class InvalidInput(SqrError):
    """Input refused; ``problems`` maps each field to what is wrong with it."""

    def __init__(self, what: str, problems: dict[str, str]):
        self.what = what
        self.problems = problems
        listed = "; ".join(f"{field}: {msg}" for field, msg in problems.items())
        super().__init__(f"{what} was not saved. {listed}")


class StaleEdit(SqrError):
    """A save based on an older version of a row than the one stored."""

    def __init__(
        self,
        entity: str,
        changed_by: str,
        changed_on: datetime | None,
        current_version: int | None = None,
    ):
        self.entity = entity
        self.changed_by = changed_by
        self.changed_on = changed_on
        self.current_version = current_version
        when = f" on {changed_on:%d %b %Y at %H:%M}" if changed_on else ""
        super().__init__(
            f"This {entity} was changed by {changed_by}{when} after you opened it. "
            "Your text has been kept."
        )


class SchemaTooNew(SqrError):
    pass


class DataFileInUse(SqrError):
    pass


class NotADemoFile(SqrError):
    pass


class Busy(SqrError):
    """A write that kept clashing with other sessions' writes."""
