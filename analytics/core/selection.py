"""Which rows a table counts: a source, a category, a place and a boundary vintage.

A ``Selection`` turns into a SQL condition whose values are always parameters; column names come
only from the allow-lists here, never from user text. It refuses, with a message, text that no
district, ward or category could be (not text, too long, or not encodable as UTF-8); other
unknown values are plain values that match nothing, and ``analytics.data.query.check_selection``
refuses them listing the valid ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from analytics.core.errors import AnalyticsError, invalid_choice, shown
from analytics.core.periods import Period
from analytics.core.vocabulary import (
    CATEGORY_GROUP_LABELS,
    NORTH_WORCESTERSHIRE,
    SOURCE_LABELS,
    SOURCES,
    VINTAGES,
)

# No district name, ward code or police.uk crime type is anywhere near this long.
MAX_VALUE_LENGTH = 200
_ALIAS = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,30}")
#: The incidents table's column of each vintage's ward code.
WARD_COLUMNS = {"wd22": "ward_wd22", "wd25": "ward_wd25"}


def _check_text(what: str, value: object) -> str:
    if not isinstance(value, str):
        raise AnalyticsError(
            f"The {what} must be text, not {type(value).__name__} {shown(value)}.", title=f"Invalid {what}"
        )
    if len(value) > MAX_VALUE_LENGTH:
        raise AnalyticsError(
            f"The {what} {shown(value)} is longer than any {what} ({MAX_VALUE_LENGTH} characters at most).",
            title=f"Invalid {what}",
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise AnalyticsError(
            f"The {what} {value!r} is not valid text (it holds bytes that are not UTF-8).", title=f"Invalid {what}"
        ) from None
    return value


def _text_tuple(what: str, values: object) -> tuple[str, ...]:
    """One value or a list of them as a tuple of checked text (a lone string is one value, not letters)."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    if not isinstance(values, (tuple, list)):
        raise AnalyticsError(
            f"The {what}s must be a list of text, not {type(values).__name__}.", title=f"Invalid {what}"
        )
    return tuple(_check_text(what, v) for v in values)


@dataclass(frozen=True)
class Selection:
    """Which rows a table counts.

    source: 'police_uk' (real), 'extract' (the force ASB extract) or 'crime_extract' (the force
    recorded-crime extract); both extracts are synthetic here.
    category: 'asb', 'crime' (recorded crime: every police.uk type but ASB) or one police.uk crime type.
    districts / wards: empty means all; wards are codes of the chosen boundary vintage.
    boundaries: 'wd22' or 'wd25', the ward vintage rows are grouped by.
    """

    source: str = "extract"
    category: str = "asb"
    districts: tuple[str, ...] = ()
    wards: tuple[str, ...] = ()
    boundaries: str = "wd22"

    def __post_init__(self) -> None:
        # Frozen: the normalised values are set the way dataclasses set them.
        if _check_text("source", self.source) not in SOURCES:
            raise invalid_choice("source", self.source, SOURCES)
        _check_text("category", self.category)
        object.__setattr__(self, "districts", _text_tuple("district", self.districts))
        object.__setattr__(self, "wards", _text_tuple("ward code", self.wards))
        boundaries = _check_text("boundary vintage", self.boundaries).lower()
        if boundaries not in VINTAGES:
            raise invalid_choice("boundary vintage", self.boundaries, VINTAGES)
        object.__setattr__(self, "boundaries", boundaries)
        if self.source == "extract" and self.category != "asb":
            raise AnalyticsError(
                f"The force extract holds ASB incidents only, so category {shown(self.category)} has no rows there.",
                title="Not in this source",
                fix="Choose category asb, or the police.uk source for crime.",
            )
        if self.source == "crime_extract" and self.category == "asb":
            raise AnalyticsError(
                "The force crime extract holds recorded crime only: anti-social behaviour is not recorded crime.",
                title="Not in this source",
                fix="Choose category crime (or a crime type), or the ASB extract or police.uk for ASB.",
            )

    @property
    def ward_column(self) -> str:
        return WARD_COLUMNS[self.boundaries]

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS[self.source]

    @property
    def category_label(self) -> str:
        return CATEGORY_GROUP_LABELS.get(self.category, self.category)

    @property
    def place_label(self) -> str:
        if self.wards:
            return f"{len(self.wards)} ward(s)"
        return ", ".join(self.districts) if self.districts else NORTH_WORCESTERSHIRE

    def with_(self, **changes: object) -> Selection:
        return replace(self, **changes)  # type: ignore[arg-type]  # dataclasses.replace checks the names

    def where(self, period: Period | None = None, alias: str = "") -> tuple[str, list[object]]:
        """SQL condition and its parameters for this selection (and a period, if given)."""
        if alias and not (isinstance(alias, str) and _ALIAS.fullmatch(alias)):
            raise AnalyticsError(f"The table alias {shown(alias)} is not a plain SQL name.", title="Invalid alias")
        p = f"{alias}." if alias else ""
        clauses = [f"{p}source = ?"]
        params: list[object] = [self.source]
        if self.category == "asb":
            clauses.append(f"{p}is_asb")
        elif self.category == "crime":
            clauses.append(f"NOT {p}is_asb")
        else:
            clauses.append(f"{p}category = ?")
            params.append(self.category)
        if self.districts:
            clauses.append(f"list_contains(?, {p}district)")
            params.append(list(self.districts))
        if self.wards:
            clauses.append(f"list_contains(?, {p}{self.ward_column})")
            params.append(list(self.wards))
        if period is not None:
            clauses.append(f"{p}month >= ? AND {p}month < ?")
            params += [period.start, period.end_exclusive]
        return " AND ".join(clauses), params
