"""The briefing pack: one self-contained HTML file laid out like the panel's "Anti-Social Behaviour
Overview" (incident types, seasonal patterns, ward patterns, where, district data), each section
with its source, period, boundary vintage and caveats. Charts are embedded as PNG, so the file
opens anywhere with no network, and prints.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from analytics.analyses.decomposition import decomposition
from analytics.analyses.districts import districts_table
from analytics.analyses.funnel import ward_funnel
from analytics.analyses.hotspots import hotspots
from analytics.analyses.incident_types import incident_types
from analytics.analyses.nirs import DEFINITIONS as NIRS_DEFINITIONS
from analytics.analyses.nirs import NIRS_SOURCES, nirs_table
from analytics.analyses.nirs import NOT_IN_SOURCE as NIRS_MISSING
from analytics.analyses.outcomes import outcomes_table
from analytics.analyses.peers import peer_districts_held, peers_table
from analytics.analyses.places import top_locations
from analytics.analyses.seasonal import summarise
from analytics.analyses.time_of_week import NOT_IN_SOURCE as TIMES_MISSING
from analytics.analyses.time_of_week import busiest_times, time_of_week
from analytics.analyses.wards import ward_deltas
from analytics.core.disclosure import hidden_cells, suppress
from analytics.core.errors import AnalyticsError
from analytics.core.periods import Period
from analytics.core.selection import Selection
from analytics.core.stats import SIGNIFICANCE_METHOD
from analytics.core.table_meta import caption, meta_of
from analytics.core.vocabulary import SYNTHETIC_SOURCES
from analytics.data.query import place
from analytics.present import charts, narrative
from analytics.present.alt_text import alt_text
from analytics.present.compare_charts import funnel_chart, nirs_chart, time_of_week_chart
from analytics.present.compare_narrative import funnel_summary, nirs_summary, time_of_week_summary
from analytics.present.png import start_engine, to_pngs

STYLE = """
body {font-family: "Source Sans 3", Arial, sans-serif; max-width: 1100px; margin: 2em auto; color: #222;
      line-height: 1.4; padding: 0 1em;}
h1 {font-size: 2em; margin-bottom: 0.2em;} h2 {border-bottom: 2px solid #0F5C8C; padding-bottom: 0.2em;
   margin-top: 2em; page-break-before: always;} h2.first {page-break-before: avoid;}
table {border-collapse: collapse; margin: 0.8em 0; font-size: 0.95em;}
th, td {border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right;}
th:first-child, td:first-child {text-align: left;}
.note {color: #555; font-size: 0.9em;} .synthetic {background: #fff3cd; border: 1px solid #e0c36a;
   padding: 0.6em 1em; font-weight: bold;}
img {max-width: 100%;}
"""


def _table(frame: pd.DataFrame, columns: dict[str, str], threshold: int | None) -> str:
    shown = suppress(frame, threshold) if threshold else frame
    shown = shown[[c for c in columns if c in shown.columns]].rename(columns=columns)
    return shown.to_html(index=False, escape=True, na_rep="", border=0)


class _Charts:
    """A pack's charts: each section asks for its place (a marker in the HTML), and all are drawn
    at the end, in one batch (to_pngs), while kaleido's Chromium has been starting if it had not."""

    def __init__(self, draw: bool) -> None:
        self.draw = draw
        self.figures: list = []

    def __call__(self, fig) -> str:
        if not self.draw:
            return ""
        self.figures.append(fig)
        return f"<!--chart-{len(self.figures) - 1}-->"

    def fill(self, document: str) -> str:
        images = to_pngs([(fig, 1100, int(fig.layout.height or 600)) for fig in self.figures])
        for i, (fig, image) in enumerate(zip(self.figures, images, strict=True)):
            if isinstance(image, AnalyticsError):
                shown = f'<p class="note">Chart not available: {html.escape(image.message)}</p>'
            else:
                alt = html.escape(alt_text(fig))
                shown = f'<img alt="{alt}" src="data:image/png;base64,{base64.b64encode(image).decode()}">'
            document = document.replace(f"<!--chart-{i}-->", shown, 1)
        return document


def _p(text: str, cls: str | None = None) -> str:
    return f"<p{f' class={chr(34)}{cls}{chr(34)}' if cls else ''}>{html.escape(text)}</p>"


@dataclass(frozen=True)
class _Pack:
    """What every section of one briefing pack shares."""

    area: Selection
    period_a: Period
    period_b: Period
    #: The periods as every heading and column names them: a period the source holds only part
    #: of by the months it holds ("2018-19 (5 of 12 months held)"; TableMeta.period_labels).
    label_a: str
    label_b: str
    threshold: int | None
    chart: Callable[[object], str]

    def columns(self, first: dict[str, str], rest: dict[str, str]) -> dict[str, str]:
        """A table's columns as the panel heads them: the periods by their labels."""
        return {**first, "count_a": self.label_a, "count_b": self.label_b, **rest}


def briefing_pack(
    conn: duckdb.DuckDBPyConnection,
    selection: Selection,
    period_a: Period,
    period_b: Period,
    suppress_below: int | None = None,
    with_charts: bool = True,
) -> str:
    """The briefing pack as an HTML document (a string).

    ``selection`` chooses the source, category and districts; the ward table lists every ward of
    the selection's districts. ``suppress_below`` applies public-mode disclosure control to every
    table, chart and sentence. ``with_charts=False`` leaves the charts out (fast, for tests).
    """
    if with_charts:
        # Chromium starts (if it has not) while the tables and charts are made: from cold, a pack
        # took 3.96 s here, 1.1 s of it making them, and 3.17 to 3.35 s with this.
        start_engine()
    area = selection.with_(wards=())
    wards = ward_deltas(conn, area, period_a, period_b)
    label_a, label_b = meta_of(wards).period_labels
    images = _Charts(with_charts)
    pack = _Pack(area, period_a, period_b, label_a, label_b, suppress_below, images)
    where = place(conn, area)
    marked = wards
    if selection.wards:
        # A councillor's pack: titled by the ward, which leads it; the rest is its area, with the
        # ward marked in the ward table.
        where = f"{place(conn, selection)}, {where}"
        chosen = wards.ward_code.isin(selection.wards)
        marked = wards.assign(ward_name=wards.ward_name.where(~chosen, wards.ward_name + " (chosen ward)"))
    title = f"{'Anti-Social Behaviour' if area.category == 'asb' else 'Recorded Crime'} Overview: {where}"
    parts = [
        *_front(pack, title),
        *(_chosen_wards(pack, conn, selection, wards) if selection.wards else []),
        *_incident_types(pack, incident_types(conn, area, period_a, period_b)),
        *_extract_fields(pack, conn),
        *_seasonal(pack, decomposition(conn, area), summarise(conn, area)),
        *_wards(pack, marked),
        *_funnel(pack, ward_funnel(conn, area, period_b)),
        *_where(pack, hotspots(conn, area, period_b), top_locations(conn, area, period_b)),
        *_districts(pack, districts_table(conn, area.with_(districts=()), period_a, period_b)),
        *_force(pack, conn),
        *_notes(meta_of(wards).source_gaps),
        "</body></html>",
    ]
    return images.fill("\n".join(parts))


def _front(pack: _Pack, title: str) -> list[str]:
    area, threshold = pack.area, pack.threshold
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        _p(
            f"{area.category_label}, {pack.label_b} against {pack.label_a}. Source: "
            f"{area.source_label}. Ward boundaries: {area.boundaries.upper()}. Made {datetime.now():%d %B %Y %H:%M} "
            "by the North Worcestershire ASB Explorer.",
            "note",
        ),
    ]
    if area.source in SYNTHETIC_SOURCES:  # the force ASB extract or the force crime extract
        parts.append(
            '<p class="synthetic">SYNTHETIC demonstration data: the force extract here is generated by '
            "the project's seeded code, calibrated to the figures published to the Redditch Crime and "
            "Disorder Scrutiny Panel. It is not police data.</p>"
        )
    if threshold:
        parts.append(
            _p(
                f"Public version: counts below {threshold} are shown as <{threshold}, and nothing "
                "derived from them is shown.",
                "note",
            )
        )
    return parts


def _chosen_wards(pack: _Pack, conn: duckdb.DuckDBPyConnection, selection: Selection, wards: pd.DataFrame) -> list[str]:
    """The chosen ward(s) first: the change in a sentence each, their incident types and months."""
    types = incident_types(conn, selection, pack.period_a, pack.period_b)
    columns = pack.columns({"type": "Key word description of incident"}, {"pct_change": "Change %"})
    return [
        f"<h2 class='first'>{html.escape(place(conn, selection))}</h2>",
        *(_p(narrative.one_ward_summary(wards, code, pack.threshold)) for code in selection.wards),
        _table(types, columns, pack.threshold),
        pack.chart(charts.monthly_chart(decomposition(conn, selection), suppress_below=pack.threshold)),
    ]


def _incident_types(pack: _Pack, types: pd.DataFrame) -> list[str]:
    columns = pack.columns(
        {"type": "Key word description of incident"}, {"mean": "Mean", "mean_percentage": "Mean percentage"}
    )
    return [
        "<h2 class='first'>Incident types</h2>",
        _p(narrative.incident_types_summary(types, suppress_below=pack.threshold)),
        _table(types, columns, pack.threshold),
        pack.chart(charts.incident_types_chart(types, suppress_below=pack.threshold)),
        _p(caption(meta_of(types), pack.threshold), "note"),
    ]


def _seasonal(pack: _Pack, season: pd.DataFrame, summary: object) -> list[str]:
    return [
        "<h2>Seasonal patterns</h2>",
        _p(narrative.seasonal_summary(summary, suppress_below=pack.threshold)),
        pack.chart(charts.monthly_chart(season, suppress_below=pack.threshold)),
    ]


def _wards(pack: _Pack, wards: pd.DataFrame) -> list[str]:
    rate = f"Rate per 1,000 ({pack.label_b})"
    columns = pack.columns(
        {"ward_name": "Ward"}, {"difference": "Difference", "percentage": "Percentage", "rate_b_per_1000": rate}
    )
    return [
        "<h2>Ward patterns</h2>",
        _p(narrative.ward_summary(wards, suppress_below=pack.threshold)),
        _table(wards, columns, pack.threshold),
        pack.chart(charts.ward_deltas_chart(wards, suppress_below=pack.threshold)),
        _p(meta_of(wards).population_note, "note"),
    ]


def _where(pack: _Pack, cells: pd.DataFrame, places: pd.DataFrame) -> list[str]:
    if pack.threshold:
        # A place whose count public mode hides is left out of the list, not shown as "<5".
        places = places[~hidden_cells(places, pack.threshold)["count"]]
    hot = cells[cells.hotspot_class.str.startswith("Hot")]
    columns = {
        "rank": "Rank",
        "location": "Location (police.uk snap point)",
        "ward_name": "Ward",
        "count": "Incidents",
        "share_pct": "Share %",
    }
    return [
        "<h2>Where?</h2>",
        _p(
            f"{pack.label_b}: {len(hot)} hot cells of 250 m (Getis-Ord Gi*, 90% or more), "
            f"{int((cells.hotspot_class == 'Hot spot 99%').sum())} of them at 99%. The busiest places:"
        ),
        _table(places, columns, pack.threshold),
        _p("Locations are police.uk anonymised snap points: 'on or near' a street, not an address.", "note"),
    ]


def _districts(pack: _Pack, districts: pd.DataFrame) -> list[str]:
    rate = f"Rate per 1,000 ({pack.label_b})"
    columns = pack.columns(
        {"district": "District"}, {"difference": "Difference", "percentage": "Percentage", "rate_b_per_1000": rate}
    )
    return [
        "<h2>District data</h2>",
        _p(narrative.district_summary(districts, suppress_below=pack.threshold)),
        _table(districts, columns, pack.threshold),
        pack.chart(charts.districts_chart(districts, suppress_below=pack.threshold)),
    ]


def _extract_fields(pack: _Pack, conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Under incident types: the NIRS classes and the time of week, from the fields only the force
    extract carries; for another source, a line saying it does not carry them."""
    if pack.area.source not in NIRS_SOURCES:
        return ["<h3>Measuring ASB (NIRS classes) and time of week</h3>", _p(f"{NIRS_MISSING} {TIMES_MISSING}", "note")]
    classes = nirs_table(conn, pack.area, pack.period_a, pack.period_b)
    columns = pack.columns(
        {"nirs_class": "NIRS class"},
        {"difference": "Difference", "percentage": "Percentage", "share_b_pct": f"Share % ({pack.label_b})"},
    )
    week = time_of_week(conn, pack.area, pack.period_b)
    busiest = busiest_times(week, 5, pack.threshold)
    return [
        "<h3>Measuring ASB: the National Incident Recording Standard's classes</h3>",
        _p("; ".join(f"{name}: {words}" for name, words in NIRS_DEFINITIONS.items()) + ".", "note"),
        _p(nirs_summary(classes, pack.threshold)),
        _table(classes, columns, pack.threshold),
        pack.chart(nirs_chart(classes, suppress_below=pack.threshold)),
        "<h3>Time of week: when ASB is reported</h3>",
        _p(time_of_week_summary(week, pack.threshold)),
        pack.chart(time_of_week_chart(week, suppress_below=pack.threshold)),
        _table(busiest, {"day_name": "Day", "time": "Time reported", "count": "Incidents"}, pack.threshold),
        _p(meta_of(week).method, "note"),
    ]


def _funnel(pack: _Pack, funnel: pd.DataFrame) -> list[str]:
    """Under ward patterns: which wards are unusual for their size (a funnel plot of period B)."""
    columns = {
        "ward_name": "Ward",
        "count": pack.label_b,
        "population_mid2018": "Population (mid-2018)",
        "rate_per_1000": f"Rate per 1,000 ({pack.label_b})",
        "funnel_position": "Against the area's rate",
    }
    return [
        "<h3>Which wards are unusual for their size?</h3>",
        _p(funnel_summary(funnel, pack.threshold)),
        pack.chart(funnel_chart(funnel, suppress_below=pack.threshold)),
        _table(funnel, columns, pack.threshold),
        _p(f"Method: {meta_of(funnel).method}.", "note"),
    ]


def _force(pack: _Pack, conn: duckdb.DuckDBPyConnection) -> list[str]:
    """police.uk only: West Mercia's other partnerships, when the whole force's files are loaded, and
    (for recorded crime) the last outcome of each crime type."""
    if pack.area.source != "police_uk":
        return []
    parts = []
    if peer_districts_held(conn).partnership.nunique() > 1:
        peers = peers_table(conn, pack.area, pack.period_a, pack.period_b)
        columns = pack.columns(
            {"district": "District", "partnership": "Partnership"},
            {"percentage": "Percentage", "rate_b_per_1000": f"Rate per 1,000 ({pack.label_b})"},
        )
        parts += ["<h2>West Mercia</h2>", _table(peers, columns, pack.threshold)]
        parts.append(_p(meta_of(peers).population_note, "note"))
        by_district = peers[peers.level == "district"]
        parts.append(pack.chart(charts.districts_chart(by_district, suppress_below=pack.threshold)))
    if pack.area.category != "asb":
        outcomes = outcomes_table(conn, pack.area, pack.period_b)
        columns = {"crime_type": "Crime type", "outcome": "Last outcome", "count": pack.label_b}
        parts += [f"<h2>Last outcomes, {html.escape(pack.label_b)}</h2>", _p(meta_of(outcomes).method, "note")]
        parts.append(_table(outcomes, {**columns, "share_pct": "Share of the crime type (%)"}, pack.threshold))
    return parts


def _notes(source_gaps: str) -> list[str]:
    return [
        "<h2>Notes</h2>",
        _p(SIGNIFICANCE_METHOD, "note"),
        _p(
            "Financial years run April to March. Percentages are rounded half up, as the panel publishes them. "
            "A change from zero has no percentage. police.uk ASB is not recorded crime. Redditch changed its "
            "wards in May 2024: WD22 holds the 12 wards used 2012 to May 2024, WD25 the 9 since.",
            "note",
        ),
        _p(f"Source coverage: {source_gaps}.", "note"),
        _p(
            "Contains public sector information licensed under the Open Government Licence v3.0 (data.police.uk). "
            "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. Contains OS "
            "data © Crown copyright and database right (2022/2025).",
            "note",
        ),
    ]
