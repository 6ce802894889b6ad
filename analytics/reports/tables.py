"""The named tables of the command line (``python -m analytics table NAME``) and their options.

Each table declares the options that make sense for it; any other option given is refused
with a message that lists the valid ones. Defaults for periods come from what the store holds.

The command line is held to the app's rules: tables that compare counts refuse two periods of
different lengths unless asked to compare them per month (``--allow-unequal``); the CSV and JSON
neutralise spreadsheet formulas as the app's downloads do (present.export); public mode is applied
by the caller with core.disclosure.suppress.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date

import duckdb
import pandas as pd

from analytics.analyses.comparison import default_comparison
from analytics.analyses.crime import crime_ytd
from analytics.analyses.decomposition import seasonal_table
from analytics.analyses.districts import districts_table
from analytics.analyses.forecast import forecast_table
from analytics.analyses.funnel import funnel_table
from analytics.analyses.hotspots import hotspot_table
from analytics.analyses.impact import default_areas, evaluate
from analytics.analyses.incident_types import incident_types
from analytics.analyses.interventions import evaluate_intervention
from analytics.analyses.nirs import nirs_table
from analytics.analyses.outcomes import outcomes_table
from analytics.analyses.peers import peers_table
from analytics.analyses.quality import quality_table, source_gaps
from analytics.analyses.time_of_week import time_of_week
from analytics.analyses.wards import ward_deltas
from analytics.core.change import per_month_change
from analytics.core.errors import AnalyticsError, invalid_choice
from analytics.core.periods import Period, parse_period, same_period_last_year
from analytics.core.selection import Selection
from analytics.core.table_meta import TableMeta, caption_parts, meta_of, with_meta
from analytics.data.register import register_table
from analytics.present.export import neutralise, safe_frame
from analytics.present.impact_words import verdict

ALL_OPTIONS = ("source", "category", "period_a", "period_b", "districts", "wards", "boundaries")
#: The options of a table that compares two periods' counts (periods of different lengths per month).
COMPARE_OPTIONS = (*ALL_OPTIONS, "allow_unequal")
FLAGS = {
    "source": "--source",
    "category": "--category",
    "period_a": "--period-a",
    "period_b": "--period-b",
    "districts": "--district",
    "wards": "--ward",
    "boundaries": "--boundaries",
    "allow_unequal": "--allow-unequal",
    "by": "--by",
    "horizon": "--horizon",
    "intervention": "--intervention",
    "start": "--start",
    "months": "--months",
    "buffer": "--buffer",
    "control": "--control",
}


@dataclass(frozen=True)
class TableSpec:
    name: str
    options: tuple[str, ...]
    run: Callable[[duckdb.DuckDBPyConnection, dict], pd.DataFrame]
    help: str

    @property
    def compares_counts(self) -> bool:
        """Whether the table compares two periods' counts (and so needs periods of equal length)."""
        return "allow_unequal" in self.options


def _selection(options: dict) -> Selection:
    source = options.get("source") or "police_uk"
    return Selection(
        source=source,
        # The force crime extract holds recorded crime only: its tables count crime unless told otherwise.
        category=options.get("category") or ("crime" if source == "crime_extract" else "asb"),
        districts=tuple(options.get("districts") or ()),
        wards=tuple(options.get("wards") or ()),
        boundaries=(options.get("boundaries") or "wd22").lower(),
    )


def _periods(conn, options: dict, selection: Selection) -> tuple[Period, Period]:
    text_a, text_b = options.get("period_a"), options.get("period_b")
    if text_a and text_b:
        return parse_period(text_a), parse_period(text_b)
    if text_b and not text_a:
        b = parse_period(text_b)
        return same_period_last_year(b), b
    if text_a and not text_b:
        raise AnalyticsError(
            "--period-a needs --period-b (or give neither for the latest like-for-like pair).",
            title="Two periods needed",
        )
    return default_comparison(conn, selection.source)


def _incident_types(conn, options):
    selection = _selection(options)
    return incident_types(conn, selection, *_periods(conn, options, selection))


def _ward_deltas(conn, options):
    selection = _selection(options)
    return ward_deltas(conn, selection, *_periods(conn, options, selection))


def _districts(conn, options):
    selection = _selection(options)
    return districts_table(conn, selection, *_periods(conn, options, selection))


def _crime_ytd(conn, options):
    options = {
        **options,
        "source": options.get("source") or "police_uk",
        "category": options.get("category") or "crime",
    }
    selection = _selection(options)
    a, b = _periods(conn, options, selection)
    # The force crime extract's year to date is read by district, as the CSP's briefing gives it
    # (Redditch +13%, Bromsgrove +8%, Wyre Forest +11%); police.uk's by crime type, as before.
    by = options.get("by") or ("district" if selection.source == "crime_extract" else "crime_type")
    return crime_ytd(conn, selection, b, a, by)


def _seasonal(conn, options):
    selection = _selection(options)
    window = parse_period(options["period_a"]) if options.get("period_a") else None
    return seasonal_table(conn, selection, window)


def _forecast(conn, options):
    selection = _selection(options)
    history = parse_period(options["period_a"]) if options.get("period_a") else None
    return forecast_table(conn, selection, history, options.get("horizon") or 6)


def _hotspots(conn, options):
    selection = _selection(options)
    if options.get("period_a") or options.get("period_b"):
        # The periods given, in order: one given alone is period a.
        given = [parse_period(options[key]) for key in ("period_a", "period_b") if options.get(key)]
        a, b = given[0], (given[1] if len(given) > 1 else None)
    else:
        a, b = _periods(conn, options, selection)
    return hotspot_table(conn, selection, a, b)


def _peers(conn, options):
    selection = _selection(options)
    return peers_table(conn, selection, *_periods(conn, options, selection))


def _outcomes(conn, options):
    options = {**options, "category": options.get("category") or "crime"}
    selection = _selection(options)
    period = parse_period(options["period_b"]) if options.get("period_b") else _periods(conn, options, selection)[1]
    return outcomes_table(conn, selection, period, options.get("by") or "crime_type")


def _quality(conn, options):
    return quality_table(conn)


def _start(text: str | None) -> date | None:
    if not text:
        return None
    period = parse_period(text)
    if period.n_months != 1:
        raise AnalyticsError(f"--start {text} is not one month: give YYYY-MM.", title="Invalid start month")
    return period.start


def _impact(conn, options):
    """Did it work: a register entry (--intervention) or target wards (--ward) from --start."""
    selection = _selection(options)
    months = int(options.get("months") or 12)
    buffer = tuple(options["buffer"]) if options.get("buffer") else None
    control = tuple(options["control"]) if options.get("control") else None
    start = _start(options.get("start"))
    if options.get("intervention"):
        if options.get("wards"):
            raise AnalyticsError("Give --intervention or --ward, not both.", title="Two areas given")
        return evaluate_intervention(conn, options["intervention"], selection, start, months, buffer, control)
    if not options.get("wards") or start is None:
        raise AnalyticsError(
            "impact needs --intervention REGISTER_ID, or target wards (--ward CODE ...) and --start YYYY-MM.",
            title="What to evaluate",
            fix="`python -m analytics table register` lists the register's entries.",
        )
    areas = default_areas(conn, selection.wards, selection.boundaries, buffer, control)
    return evaluate(conn, selection, areas, start, months)


def _register(conn, options):
    return register_table(conn)


def _one_period(conn, options: dict, selection: Selection) -> Period:
    """The one period of a table of one period: --period-b, else --period-a, else the latest
    like-for-like pair's later period. Each period given is read, so a bad one is refused even
    when the other is the one used."""
    given = {key: parse_period(options[key]) for key in ("period_a", "period_b") if options.get(key)}
    return given.get("period_b") or given.get("period_a") or default_comparison(conn, selection.source)[1]


def _funnel(conn, options):
    selection = _selection(options)
    return funnel_table(conn, selection, _one_period(conn, options, selection), options.get("by") or "ward")


def _nirs(conn, options):
    selection = _selection({**options, "source": options.get("source") or "extract"})
    return nirs_table(conn, selection, *_periods(conn, options, selection), by=options.get("by") or "class")


def _time_of_week(conn, options):
    selection = _selection({**options, "source": options.get("source") or "extract"})
    return time_of_week(conn, selection, _one_period(conn, options, selection))


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "incident-types",
            COMPARE_OPTIONS,
            _incident_types,
            "counts by key-word type (extract) or crime type (police.uk) for two periods, mean, mean %",
        ),
        TableSpec(
            "ward-deltas",
            COMPARE_OPTIONS,
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
            "forecast",
            ("source", "category", "period_a", "districts", "wards", "boundaries", "horizon"),
            _forecast,
            "the next 1 to 6 months (--horizon) after the history (--period-a, default every month the source"
            " holds), with 80% and 95% prediction intervals and the rolling-origin backtest; refused, with the"
            " reason, below 24 continuous months",
        ),
        TableSpec(
            "districts",
            ("source", "category", "period_a", "period_b", "districts", "allow_unequal"),
            _districts,
            "per district and North Worcestershire: counts, change, rate per 1,000",
        ),
        TableSpec(
            "crime-ytd",
            ("source", "category", "period_a", "period_b", "districts", "allow_unequal", "by"),
            _crime_ytd,
            "recorded crime (not ASB) against the same months a year earlier, by crime type (police.uk) or"
            " district (the force crime extract); --by crime_type|district|ward chooses",
        ),
        TableSpec(
            "hotspots",
            ALL_OPTIONS,
            _hotspots,
            "equal-area cells with Getis-Ord Gi* hot spots (persistence when two periods are given;"
            " it compares each period's own hot spots, not counts, so periods of different lengths are allowed)",
        ),
        TableSpec(
            "peers",
            ("source", "category", "period_a", "period_b", "allow_unequal"),
            _peers,
            "every West Mercia district held, by community safety partnership: counts, change, rate per 1,000"
            " where a population is carried",
        ),
        TableSpec(
            "outcomes",
            ("source", "category", "period_b", "districts", "wards", "boundaries", "by"),
            _outcomes,
            "share of each crime type by police.uk's last outcome category in one period (--period-b);"
            " --by crime_type|district|ward",
        ),
        TableSpec("quality", (), _quality, "months present and missing, location and ward-assignment checks"),
        TableSpec(
            "register",
            (),
            _register,
            "the ASB tools, powers and interventions the partnership reported, each with its source document",
        ),
        TableSpec(
            "impact",
            ("source", "category", "wards", "boundaries", "intervention", "start", "months", "buffer", "control"),
            _impact,
            "did it work: the months from --start against the same months a year earlier, target, buffer and"
            " comparison wards, weighted displacement difference with 95% intervals (refused, naming the"
            " months, when the source lacks any)",
        ),
        TableSpec(
            "funnel",
            ("source", "category", "period_a", "period_b", "districts", "boundaries", "by"),
            _funnel,
            "rate per 1,000 of each ward (--by district: each district) in one period against its population,"
            " with 95% and 99.8% exact Poisson control limits around the area's rate",
        ),
        TableSpec(
            "nirs",
            (*COMPARE_OPTIONS, "by"),
            _nirs,
            "ASB by National Incident Recording Standard class (Personal, Nuisance, Environmental) for two"
            " periods, with change and significance; --by class|district|ward (the force extract only)",
        ),
        TableSpec(
            "time-of-week",
            ("source", "period_a", "period_b", "districts", "wards", "boundaries"),
            _time_of_week,
            "ASB reports by hour and day of the week in one period (the force extract only: police.uk gives"
            " the month alone); report time is not incident time",
        ),
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
    if spec.compares_counts and _unequal(meta_of(frame), allow=bool(options.get("allow_unequal"))):
        frame = per_month_change(frame)
    meta = meta_of(frame).with_(table=name)
    if "source" in spec.options and not meta.source_gaps:
        meta = meta.with_(source_gaps=source_gaps(conn, options.get("source") or "police_uk"))
    return with_meta(frame, meta)


def _months(n: int) -> str:
    return f"{n} month{'s' if n != 1 else ''}"


def _unequal(meta: TableMeta, allow: bool) -> bool:
    """Whether the table's two periods differ in length; refused unless ``allow``."""
    a, b = meta.period_a, meta.period_b
    if a is None or b is None or a.months == b.months:
        return False
    if not allow:
        raise AnalyticsError(
            f"Period A ({a.label}) has {_months(a.months)} and period B ({b.label}) has {_months(b.months)}:"
            " counts of periods of different lengths are not comparable.",
            title="Periods of different lengths",
            fix="Choose periods of the same length, or give --allow-unequal to compare incidents per month.",
        )
    return True


def _plain(value):
    if value is pd.NA or value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (date, pd.Timestamp)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def to_csv(frame: pd.DataFrame) -> str:
    """The table as CSV, its cells neutralised as the app's downloads are (present.export.safe_frame)."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\n")


def _neutral(value):
    """``value`` (a TableMeta as a dict, or part of one) with every text neutralised."""
    if isinstance(value, dict):
        return {key: _neutral(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_neutral(item) for item in value]
    return neutralise(value)


def to_json(frame: pd.DataFrame) -> str:
    """The table as JSON: ``meta`` (its TableMeta, field by field) and ``rows``, text neutralised as
    the app's downloads neutralise it."""
    records = [{k: _plain(v) for k, v in row.items()} for row in safe_frame(frame).to_dict(orient="records")]
    return json.dumps({"meta": _neutral(asdict(meta_of(frame))), "rows": records}, indent=1, default=str)


def describe_for_humans(frame: pd.DataFrame) -> str:
    """What a table is about, printed to standard error beside the CSV: its name, then the
    caption every page and download gives it (core.table_meta.caption_parts), a part a line,
    with what the reader must not miss (periods not comparable, months missing) as WARNING."""
    meta = meta_of(frame)
    # The quality report has no selection: it covers every source in the store.
    if not (meta.source or meta.place):
        return f"{meta.table or 'table'}: every source in the store"
    lines = [f"{meta.table or 'table'}:" + (f" {meta.title}" if meta.title else "")]
    for part in caption_parts(meta, full=True):
        warn = part.startswith(("missing months", "Not comparable", "method: Not forecast"))
        lines.append(f"{'WARNING: ' if warn else '  '}{part}")
    if meta.table == "impact":
        lines.append(f"  verdict: {verdict(frame, meta.suppressed_below)}")
    return "\n".join(lines)
