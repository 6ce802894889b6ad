"""Did an entry of the register work: its wards (analytics/analyses/impact.py) or, without wards,
its GeoJSON area (analytics/analyses/impact_area.py), from its start month or one chosen."""

from __future__ import annotations

import datetime

import duckdb
import pandas as pd

from analytics.analyses.impact import ImpactRefused, default_areas, evaluate
from analytics.analyses.impact_area import evaluate_area
from analytics.core.errors import invalid_choice
from analytics.core.selection import Selection
from analytics.core.table_meta import with_meta
from analytics.data.register import TO_CONFIRM, register_table


def register_entry(conn: duckdb.DuckDBPyConnection, register_id: str) -> pd.Series:
    """One entry of the register as it stands, or an error listing the entries."""
    register = register_table(conn)
    found = register[register.register_id == register_id]
    if found.empty:
        raise invalid_choice("register entry", register_id, list(register.register_id))
    return found.iloc[0]


def _start(entry: pd.Series, register_id: str) -> datetime.date:
    if entry.start == TO_CONFIRM:
        raise ImpactRefused(
            f"The register gives no start month for {entry['name']} ({register_id}): date to confirm.",
            fix="Choose the month it came into force (--start YYYY-MM), or correct the register.",
        )
    return datetime.date(int(entry.start[:4]), int(entry.start[5:7]), 1)


def evaluate_intervention(
    conn: duckdb.DuckDBPyConnection,
    register_id: str,
    selection: Selection,
    start: datetime.date | None = None,
    months: int = 12,
    buffer: tuple[str, ...] | None = None,
    control: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The impact table of a register entry: its wards (buffer and comparison wards as given, or
    by default the wards touching it and the rest of its district) or its GeoJSON area, from
    ``start`` when given, else the register's start month (refused when it is "date to confirm")."""
    entry = register_entry(conn, register_id)
    start = start or _start(entry, register_id)
    if entry.wards:
        areas = default_areas(conn, tuple(entry.wards.split(";")), entry.boundaries, buffer, control)
        frame = evaluate(conn, selection, areas, start, months)
    elif entry.area_geojson:
        if buffer or control:
            raise ImpactRefused(
                f"{entry['name']} is an area drawn, not wards: buffer and comparison wards do not apply."
            )
        frame = evaluate_area(conn, selection, entry.area_geojson, start, months, name=entry["name"])
    else:
        raise ImpactRefused(
            f"The register gives no wards and no area for {entry['name']} ({register_id}).",
            fix="Add its wards or its GeoJSON area to the register, or choose wards and a start month instead.",
        )
    return with_meta(frame, frame.attrs["meta"].with_(title=f"{entry['name']} ({register_id})"))
