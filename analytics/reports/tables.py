"""The named tables of the command line (``python -m analytics table NAME``) and their options.

Each table declares the options that make sense for it; any other option given is refused
with a message that lists the valid ones. Defaults for periods come from what the store holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from analytics.core.errors import AnalyticsError, invalid_choice
from analytics.core.periods import Period, calendar_year_period, financial_year_period, month_range_period, parse_period
from analytics.core.selection import Selection
from analytics.data.query import months_present

ALL_OPTIONS = ("source", "category", "period_a", "period_b", "districts", "wards", "boundaries")
FLAGS = {
    "source": "--source",
    "category": "--category",
    "period_a": "--period-a",
    "period_b": "--period-b",
    "districts": "--district",
    "wards": "--ward",
    "boundaries": "--boundaries",
}


@dataclass(frozen=True)
class TableSpec:
    name: str
    options: tuple[str, ...]
    run: Callable[[duckdb.DuckDBPyConnection, dict], pd.DataFrame]
    help: str


def default_comparison(conn: duckdb.DuckDBPyConnection, source: str) -> tuple[Period, Period]:
    """The most recent like-for-like pair of periods the source holds in full.

    In order: the latest two complete financial years; the latest two complete calendar years;
    the months of the latest year that are also present a year earlier (police.uk here:
    Jan–Apr 2024 against Jan–Apr 2025).
    """
    present = set(months_present(conn, source))
    if not present:
        raise AnalyticsError(
            f"The store holds no {source} rows.",
            title="No data",
            fix="Run `python -m analytics build`, or load files with `python -m analytics ingest`.",
        )
    years = sorted({m.year for m in present}, reverse=True)
    for year in years:
        a, b = financial_year_period(year - 1), financial_year_period(year)
        if all(m in present for m in a.months + b.months):
            return a, b
    for year in years:
        a, b = calendar_year_period(year - 1), calendar_year_period(year)
        if all(m in present for m in a.months + b.months):
            return a, b
    for year in years:
        shared = sorted(m for m in present if m.year == year and m.replace(year=year - 1) in present)
        run: list[date] = []
        for month in shared:  # the first contiguous run of shared months
            if run and (month.month - run[-1].month) != 1:
                break
            run.append(month)
        if run:
            b = month_range_period(run[0], run[-1])
            a = month_range_period(run[0].replace(year=year - 1), run[-1].replace(year=year - 1))
            return a, b
    latest = max(present)
    return month_range_period(latest, latest), month_range_period(latest, latest)


def _selection(options: dict) -> Selection:
    return Selection(
        source=options.get("source") or "police_uk",
        category=options.get("category") or "asb",
        districts=tuple(options.get("districts") or ()),
        wards=tuple(options.get("wards") or ()),
        boundaries=(options.get("boundaries") or "wd22").lower(),
    )


def _periods(conn, options: dict, selection: Selection) -> tuple[Period, Period]:
    text_a, text_b = options.get("period_a"), options.get("period_b")
    if text_a and text_b:
        return parse_period(text_a), parse_period(text_b)
    if text_b and not text_a:
        from analytics.core.periods import same_period_last_year

        b = parse_period(text_b)
        return same_period_last_year(b), b
    if text_a and not text_b:
        raise AnalyticsError(
            "--period-a needs --period-b (or give neither for the latest like-for-like pair).",
            title="Two periods needed",
        )
    return default_comparison(conn, selection.source)


def _incident_types(conn, options):
    from analytics.analyses.incident_types import incident_types

    selection = _selection(options)
    return incident_types(conn, selection, *_periods(conn, options, selection))


def _ward_deltas(conn, options):
    from analytics.analyses.wards import ward_deltas

    selection = _selection(options)
    return ward_deltas(conn, selection, *_periods(conn, options, selection))


def _districts(conn, options):
    from analytics.analyses.districts import districts_table

    selection = _selection(options)
    return districts_table(conn, selection, *_periods(conn, options, selection))


def _crime_ytd(conn, options):
    from analytics.analyses.crime import crime_ytd

    options = {
        **options,
        "source": options.get("source") or "police_uk",
        "category": options.get("category") or "crime",
    }
    selection = _selection(options)
    a, b = _periods(conn, options, selection)
    return crime_ytd(conn, selection, b, a)


def _seasonal(conn, options):
    from analytics.analyses.seasonal import seasonal_table

    selection = _selection(options)
    window = parse_period(options["period_a"]) if options.get("period_a") else None
    return seasonal_table(conn, selection, window)


def _hotspots(conn, options):
    from analytics.analyses.hotspots import hotspot_table

    selection = _selection(options)
    if options.get("period_a") or options.get("period_b"):
        # The periods given, in order: one given alone is period a.
        given = [parse_period(options[key]) for key in ("period_a", "period_b") if options.get(key)]
        a, b = given[0], (given[1] if len(given) > 1 else None)
    else:
        a, b = _periods(conn, options, selection)
    from analytics.analyses.wards import describe

    frame = hotspot_table(conn, selection, a, b)
    frame.attrs.update({k: v for k, v in describe(conn, selection, a, b).items() if k not in frame.attrs})
    return frame


def _quality(conn, options):
    from analytics.analyses.quality import quality_table

    return quality_table(conn)


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "incident-types",
            ALL_OPTIONS,
            _incident_types,
            "counts by key-word type (extract) or crime type (police.uk) for two periods, mean, mean %",
        ),
        TableSpec(
            "ward-deltas",
            ALL_OPTIONS,
            _ward_deltas,
            "per ward: two periods, difference, %, Grand Total, rate per 1,000, significance",
        ),
        TableSpec(
            "seasonal",
            ("source", "category", "period_a", "districts", "wards", "boundaries"),
            _seasonal,
            "monthly series with its seasonal decomposition, expected band and flagged months",
        ),
        TableSpec(
            "districts",
            ("source", "category", "period_a", "period_b", "districts"),
            _districts,
            "per district and North Worcestershire: counts, change, rate per 1,000",
        ),
        TableSpec(
            "crime-ytd",
            ("source", "category", "period_a", "period_b", "districts"),
            _crime_ytd,
            "recorded crime (not ASB) against the same months a year earlier, by crime type",
        ),
        TableSpec(
            "hotspots",
            ALL_OPTIONS,
            _hotspots,
            "equal-area cells with Getis-Ord Gi* hot spots (persistence when two periods are given)",
        ),
        TableSpec("quality", (), _quality, "months present and missing, location and ward-assignment checks"),
    )
}


def run_table(conn: duckdb.DuckDBPyConnection, name: str, options: dict) -> pd.DataFrame:
    """Run the named table with the options given (None or empty means not given)."""
    if name not in TABLES:
        raise invalid_choice("table", name, TABLES)
    spec = TABLES[name]
    given = [key for key, value in options.items() if value not in (None, [], ())]
    refused = [key for key in given if key not in spec.options]
    if refused:
        valid = ", ".join(FLAGS[o] for o in spec.options) or "none"
        raise AnalyticsError(
            f"The {name} table does not take {', '.join(FLAGS.get(r, r) for r in refused)}."
            f" Valid options for {name}: {valid}.",
            title="Option not valid here",
        )
    frame = spec.run(conn, options)
    frame.attrs["table"] = name
    if "source" in spec.options and "source_gaps" not in frame.attrs:
        from analytics.analyses.quality import source_gaps

        frame.attrs["source_gaps"] = source_gaps(conn, options.get("source") or "police_uk")
    return frame


def _plain(value):
    if value is pd.NA or value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (date, pd.Timestamp)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def to_csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def to_json(frame: pd.DataFrame) -> str:
    records = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
    meta = {k: _plain(v) if not isinstance(v, (list, dict)) else v for k, v in frame.attrs.items()}
    return json.dumps({"meta": meta, "rows": records}, indent=1, default=str)


def describe_for_humans(frame: pd.DataFrame) -> str:
    """One or two lines on what a table is about: printed to standard error beside the CSV."""
    a = frame.attrs
    what = [f"{a.get('category', '')} in {a.get('place', '')}".strip()] if a.get("category") or a.get("place") else []
    what += [f"source: {a['source']}"] if a.get("source") else []
    # The quality report has no selection: it covers every source in the store.
    parts = [f"{a.get('table', 'table')}: {', '.join(what) or 'every source in the store'}"]
    if "period_a" in a:
        parts.append(f"period A {a['period_a']}" + (f", period B {a['period_b']}" if "period_b" in a else ""))
    if "boundaries" in a:
        parts.append(f"wards: {str(a['boundaries']).upper()}")
    missing = a.get("missing_months_a", []) + a.get("missing_months_b", []) + a.get("missing_months", [])
    lines = ["; ".join(parts)]
    if a.get("source_gaps"):
        lines.append(f"source coverage: {a['source_gaps']}")
    if missing:
        lines.append(f"WARNING: months missing from the source: {', '.join(sorted(set(map(str, missing))))}")
    if a.get("not_comparable"):
        lines.append(f"WARNING: {a['not_comparable']}")
    if a.get("partial_note"):
        lines.append(f"NOTE: {a['partial_note']}")
    if a.get("method") and isinstance(a["method"], str):
        lines.append(f"method: {a['method']}")
    return "\n".join(lines)
