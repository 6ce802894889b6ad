"""Checks of the arguments the hot-spot and top-N analyses take, and the error they raise.

One error type, :class:`InvalidArgumentError`, serves :mod:`analytics.analyses.gi_star`,
:mod:`analytics.analyses.lattice`, :mod:`analytics.analyses.hotspots` and
:mod:`analytics.analyses.places`: an :class:`~analytics.core.errors.AnalyticsError` for the pages
and the command line, and a ``ValueError`` for scientific code. Every message says what is valid.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

from analytics.core.errors import AnalyticsError, invalid_choice
from analytics.core.periods import Period, parse_period
from analytics.core.selection import Selection

__all__ = ["InvalidArgumentError", "as_period", "as_selection", "bad_argument", "bad_choice", "whole_in_range"]


class InvalidArgumentError(AnalyticsError, ValueError):
    """A bad argument. An :class:`AnalyticsError` for the pages and the command line, and a
    ``ValueError`` for scientific code, as esda raises; the message lists what is valid."""


def bad_argument(message: str, title: str = "Invalid argument") -> InvalidArgumentError:
    return InvalidArgumentError(message, title=title)


def bad_choice(what: str, value: object, valid: Iterable[object]) -> InvalidArgumentError:
    error = invalid_choice(what, value, valid)
    return InvalidArgumentError(error.message, title=error.title)


def whole_in_range(name: str, value: object, low: int, high: int, unit: str = "") -> int:
    """``value`` as an int when it is a whole number from ``low`` to ``high`` (not a bool)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)  # exact for every whole number in range (all ranges are below 2**53)
        if math.isfinite(number) and number.is_integer() and low <= number <= high:
            return int(number)
    raise bad_argument(
        f"{name} must be a whole number{unit} from {low} to {high}; got {value!r}.", title=f"Invalid {name}"
    )


def as_selection(selection: object) -> Selection:
    """``selection`` when it is a :class:`~analytics.core.selection.Selection`."""
    if not isinstance(selection, Selection):
        raise bad_argument(f"selection must be an analytics.data.query.Selection; got {type(selection).__name__}.")
    return selection


def as_period(period: Period | str, name: str = "period") -> Period:
    """A Period as given, or parsed from its short form (``FY2018``, ``2025-01..2025-12``)."""
    if isinstance(period, Period):
        return period
    if period is None:
        raise bad_argument(f"{name} is required, e.g. FY2018, CY2025 or 2025-01..2025-12.")
    return parse_period(period)
