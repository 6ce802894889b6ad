"""One error family for everything the analytics library refuses.

Every error carries a short title, what happened, and what the user can do about it,
so the command line and the dashboard can show it without a stack trace.
"""

from __future__ import annotations

from collections.abc import Iterable


class AnalyticsError(Exception):
    """A problem the user can act on.

    ``message`` says what happened (naming the file, line and setting where there is one);
    ``title`` is a short heading; ``fix`` says what to try.
    """

    def __init__(self, message: str, title: str = "Something is not right", fix: str | None = None):
        super().__init__(message)
        self.message = message
        self.title = title
        self.fix = fix

    def __str__(self) -> str:
        return self.message if not self.fix else f"{self.message} {self.fix}"


class InputError(AnalyticsError):
    """A file that cannot be loaded as it is: the database is left as it was."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None, fix: str | None = None):
        where = ""
        if file is not None:
            where = f"{file}"
            if line is not None:
                where += f", line {line}"
            where += ": "
        super().__init__(where + message, title="This file cannot be loaded", fix=fix)
        self.file = file
        self.line = line


class SettingError(AnalyticsError):
    """A setting (an ASB_* environment variable) with a value that cannot be used: fix the setting;
    nothing about the data is wrong, so the dashboard must not rebuild anything over it."""

    def __init__(self, message: str, fix: str | None = None):
        super().__init__(message, title="Bad setting", fix=fix)


def shown(value: object, limit: int = 80) -> str:
    """A value as a message quotes it: repr, cut short, so a hostile 100 kB string stays out of logs."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def invalid_choice(what: str, value: object, valid: Iterable[object]) -> AnalyticsError:
    """The error for a bad argument, listing the valid choices."""
    listed = ", ".join(str(v) for v in sorted(valid, key=str))
    return AnalyticsError(f"Unknown {what} {shown(value)}. Valid choices: {listed}.", title=f"Unknown {what}")
