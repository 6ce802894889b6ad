"""What a table is: one frozen record carried with every analysis's frame, and the one function
that writes it out.

Every analysis returns its frame with a :class:`TableMeta` in ``frame.attrs["meta"]`` (set by
:func:`with_meta`, read by :func:`meta_of`): what is counted, where, from which source and whether
it is synthetic, the periods and the months the source holds of each, the boundary vintage,
whether the two periods can be compared and why not, notes on population and method, and the
disclosure threshold applied. Every caption (charts and tables on the pages), download header,
briefing-pack note and command-line description is written from it by :func:`caption_parts`, so
they cannot disagree.

pandas keeps ``attrs`` through copies and most operations; a frame built by hand (tests, or a
page's own pivot) has none, and :func:`meta_of` then returns an empty ``TableMeta``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from analytics.core.periods import held_label, month_runs
from analytics.core.vocabulary import suppressed_label

META = "meta"


@dataclass(frozen=True)
class PeriodCoverage:
    """One period of a table and how much of it the source holds.

    ``label`` as the panel writes it ("2018-19", "Jan–Apr 2025"); ``months``, how many calendar
    months it spans; ``missing``, the months ("YYYY-MM") the source holds no row for.
    """

    label: str
    months: int = 0
    missing: tuple[str, ...] = ()

    @property
    def held(self) -> int:
        """Months of the period the source holds."""
        return self.months - len(self.missing)

    @property
    def shown(self) -> str:
        """The label as every page, chart and download writes it: "2018-19 (5 of 12 months held)"
        when the source holds only part of the period (:func:`analytics.core.periods.held_label`)."""
        return held_label(self.label, self.months, self.held)


@dataclass(frozen=True)
class TableMeta:
    """What a table is. Every field has an empty default: a table states what applies to it.

    measure: what is counted ("Anti-social behaviour", "Recorded crime (excluding ASB)", a type).
    place: the selection's place ("Redditch", "Abbey", "North Worcestershire").
    source: the source's label; synthetic: whether its rows are synthetic demonstration data.
    boundaries: the ward vintage, "WD22" or "WD25" ("" where wards do not enter).
    period_a, period_b: the periods compared (a table of one period or one window has period_a).
    missing_months, partial_months: for a series over a window, the months ("YYYY-MM") the source
        lacks and those it holds only in part.
    not_comparable: why the two periods are not like for like ("" when they are).
    source_gaps: the source's months as a whole, in words.
    table: the command-line name; grouped_by: what the rows are ("key-word type").
    population_note, method, profile_note, partial_note: notes a caption or page adds.
    balanced: for the month-of-year profile, whether every month has the same years.
    suppressed_below: the public-mode threshold applied, or None.
    """

    measure: str = ""
    place: str = ""
    source: str = ""
    synthetic: bool = False
    boundaries: str = ""
    period_a: PeriodCoverage | None = None
    period_b: PeriodCoverage | None = None
    missing_months: tuple[str, ...] = ()
    partial_months: tuple[str, ...] = ()
    not_comparable: str = ""
    source_gaps: str = ""
    table: str = ""
    grouped_by: str = ""
    population_note: str = ""
    method: str = ""
    profile_note: str = ""
    partial_note: str = ""
    balanced: bool | None = None
    suppressed_below: int | None = None
    title: str = ""

    def with_(self, **changes: Any) -> TableMeta:
        return replace(self, **changes)

    @property
    def period_labels(self) -> tuple[str, str]:
        """The periods as shown (:attr:`PeriodCoverage.shown`): a period the source holds only
        part of is named by the months it holds, wherever a label is written from the table."""
        return (self.period_a.shown if self.period_a else "", self.period_b.shown if self.period_b else "")

    @property
    def missing(self) -> tuple[str, ...]:
        """Every month missing from the source in the table's periods or window, in order."""
        months = set(self.missing_months)
        for period in (self.period_a, self.period_b):
            if period is not None:
                months.update(period.missing)
        return tuple(sorted(months))


def meta_of(frame: pd.DataFrame) -> TableMeta:
    """The table's metadata (an empty one for a frame that carries none)."""
    meta = getattr(frame, "attrs", {}).get(META)
    return meta if isinstance(meta, TableMeta) else TableMeta()


def with_meta(frame: pd.DataFrame, meta: TableMeta) -> pd.DataFrame:
    """``frame`` carrying ``meta`` (the frame itself, changed in place, returned for chaining)."""
    frame.attrs[META] = meta
    return frame


def caption_parts(meta: TableMeta, suppress_below: int | None = None, *, full: bool = False) -> list[str]:
    """What a table or chart shows and where it comes from, as parts to join.

    The short form (captions under charts and tables): source, periods, vintage, what and where,
    missing and partial months, public mode, SYNTHETIC. ``full`` (download headers, the briefing
    pack, the command line) adds why periods are not compared, the population and partial-month
    notes, the source's coverage and the method (how the table was made: the seasonal model, Gi*,
    a per-month comparison of periods of different lengths).

    >>> meta = TableMeta(measure="Anti-social behaviour", place="Redditch", boundaries="WD22",
    ...                  source="police.uk street-level data (real, open data)",
    ...                  period_a=PeriodCoverage("2017-18", 12),
    ...                  period_b=PeriodCoverage("2018-19", 12, ("2018-05", "2018-06")))
    >>> for part in caption_parts(meta):
    ...     print(part)
    Source: police.uk street-level data (real, open data)
    periods: 2017-18 and 2018-19 (10 of 12 months held)
    wards: WD22
    Anti-social behaviour in Redditch
    missing months: May–Jun 2018
    """
    source = meta.source or "not stated"
    parts = [f"Source: {source}"]
    a, b = meta.period_labels
    if b:
        parts.append(f"periods: {a} and {b}")
    elif a:
        parts.append(f"period: {a}")
    if meta.boundaries:
        parts.append(f"wards: {meta.boundaries.upper()}")
    what = " in ".join(text for text in (meta.measure, meta.place) if text)
    if what:
        parts.append(what)
    if meta.missing:
        parts.append(f"missing months: {month_runs(meta.missing)}")
    if meta.partial_months:
        parts.append(f"partial month{'s' if len(meta.partial_months) > 1 else ''}: {month_runs(meta.partial_months)}")
    if full:
        parts += [text for text in (meta.not_comparable, meta.population_note, meta.partial_note) if text]
        if meta.source_gaps:
            parts.append(f"source coverage: {meta.source_gaps}")
        if meta.method:
            parts.append(f"method: {meta.method}")
    threshold = suppress_below if suppress_below is not None else meta.suppressed_below
    if threshold:
        parts.append(f"public mode: counts below {threshold} not shown ({suppressed_label(threshold)})")
    if (meta.synthetic or "synthetic" in source.lower()) and "SYNTHETIC" not in source:
        parts.append("SYNTHETIC data")
    return parts


def caption(meta: TableMeta, suppress_below: int | None = None) -> str:
    """The caption under a chart or a table: :func:`caption_parts` joined."""
    return "; ".join(caption_parts(meta, suppress_below))
