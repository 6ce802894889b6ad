"""The command line: ``python -m analytics build | ingest | history | undo | table | status``.

Errors are printed as one message (what happened and what to do) with exit status 2, never
a stack trace.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from analytics.analyses.coverage import coverage_summary
from analytics.core import settings
from analytics.core.disclosure import suppress
from analytics.core.errors import AnalyticsError, shown
from analytics.data import store
from analytics.data.crime_extract import ingest_crime_extract
from analytics.data.extract import ingest_extract
from analytics.data.history import history_text, undo
from analytics.data.police_uk import ingest_police_uk
from analytics.reports import tables


def _progress(fraction: float, message: str) -> None:
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr)


def cmd_build(args: argparse.Namespace) -> int:
    report = store.build(args.db, args.data_dir, tuple(args.district) if args.district else None, progress=_progress)
    print(report.summary())
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    districts = tuple(args.district) if args.district else None
    conn = store.connect(args.db)
    try:
        if args.kind == "police-uk":
            report = ingest_police_uk(
                conn, args.paths, districts=districts, progress=_progress, dry_run=args.dry_run, replace=args.replace
            )
        else:
            if len(args.paths) != 1:
                raise AnalyticsError(f"ingest {args.kind} takes one file.", title="One file at a time")
            column_map = {}
            for item in args.map or []:
                if "=" not in item:
                    raise AnalyticsError(f"--map {item!r} is not FILE_COLUMN=OUR_COLUMN.", title="Bad mapping")
                theirs, ours = item.split("=", 1)
                column_map[theirs.strip()] = ours.strip()
            load = ingest_crime_extract if args.kind == "crime-extract" else ingest_extract
            report = load(
                conn,
                args.paths[0],
                column_map=column_map or None,
                synthetic=True if args.synthetic else None,
                districts=districts,
                progress=_progress,
                dry_run=args.dry_run,
                replace=args.replace,
                sheet=args.sheet,
                date_format=args.date_format,
            )
    finally:
        conn.close()
    print(report.summary())
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    conn = store.connect(args.db, read_only=True)
    try:
        print(history_text(conn, args.load_id))
    finally:
        conn.close()
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    conn = store.connect(args.db)
    try:
        print(f"[  0%] Undoing load {args.load_id}", file=sys.stderr)
        print(undo(conn, args.load_id))
    finally:
        conn.close()
    return 0


def cmd_status(args: argparse.Namespace) -> int:

    conn = store.connect(args.db, read_only=True)
    try:
        print(coverage_summary(conn))
    finally:
        conn.close()
    return 0


def cmd_table(args: argparse.Namespace) -> int:

    conn = store.connect(args.db, read_only=True)
    try:
        frame = tables.run_table(
            conn,
            args.name,
            {
                "source": args.source,
                "category": args.category,
                "period_a": args.period_a,
                "period_b": args.period_b,
                "districts": args.district,
                "wards": args.ward,
                "boundaries": args.boundaries,
                "allow_unequal": args.allow_unequal or None,
                "by": args.by,
                "horizon": args.horizon,
                **{name: getattr(args, name) for name in ("intervention", "start", "months", "buffer", "control")},
            },
        )
    finally:
        conn.close()
    # Public mode (the setting, or --public): the one rule, as the app applies it, before any output.
    if args.public or settings.get("public_mode"):
        frame = suppress(frame, settings.get("disclosure_threshold"))
    print(tables.describe_for_humans(frame), file=sys.stderr)
    if args.format == "json":
        print(tables.to_json(frame))
    else:
        sys.stdout.write(tables.to_csv(frame))
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m analytics",
        description="North Worcestershire ASB Explorer: build the store, load data, print tables.",
    )
    sub = root.add_subparsers(dest="command", required=True)

    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db",
            type=Path,
            default=None,
            help=f"DuckDB file (default {settings.get('db_path')}, setting ASB_DB_PATH)",
        )

    build = sub.add_parser("build", help="build the store from data/ (boundaries, police.uk, synthetic extract)")
    db_option(build)
    build.add_argument("--data-dir", type=Path, default=None, help="folder of the default data")
    build.add_argument("--district", action="append", help="district to keep (repeatable)")
    build.set_defaults(func=cmd_build)

    _load_commands(sub, db_option)

    status = sub.add_parser("status", help="what the store holds: rows per source and month, files loaded")
    db_option(status)
    status.set_defaults(func=cmd_status)

    table = sub.add_parser("table", help="print one of the analysis tables")
    table.add_argument("name", help=", ".join(tables.TABLES))
    table.add_argument("--source", default=None, help="police_uk | extract | crime_extract")
    table.add_argument("--category", default=None, help='asb | crime | "<police.uk crime type>"')
    table.add_argument("--period-a", default=None, help="e.g. FY2017, CY2025, 2024-01..2024-04")
    table.add_argument("--period-b", default=None, help="e.g. FY2018")
    table.add_argument("--district", action="append", help="district (repeatable)")
    table.add_argument("--ward", action="append", help="ward code (repeatable)")
    table.add_argument("--boundaries", default=None, help="wd22 | wd25")
    _table_choices(table)
    _impact_options(table)
    table.add_argument("--format", choices=["csv", "json"], default="csv")
    table.add_argument(
        "--public",
        action="store_true",
        help="public mode: counts below the disclosure threshold read '<N' and what rests on them is blank"
        " (also when the setting ASB_PUBLIC_MODE is true; threshold ASB_DISCLOSURE_THRESHOLD)",
    )
    table.add_argument(
        "--allow-unequal",
        action="store_true",
        help="incident-types, ward-deltas, districts, crime-ytd: compare periods of different lengths per month"
        " (refused without it); hotspots compares hot-spot classes, not counts, and takes any two periods",
    )
    db_option(table)
    table.set_defaults(func=cmd_table)
    return root


def _table_choices(table: argparse.ArgumentParser) -> None:
    """The options of one table or two: crime-ytd's rows, the forecast's horizon."""
    table.add_argument(
        "--by",
        choices=["crime_type", "district", "ward", "class"],
        default=None,
        help="rows by: crime-ytd, outcomes crime_type|district|ward; funnel ward|district; nirs class|district|ward",
    )
    table.add_argument(
        "--horizon",
        type=int,
        choices=range(1, 7),
        metavar="1..6",
        default=None,
        help="forecast: how many months after the history to forecast (default 6)",
    )


def _impact_options(table: argparse.ArgumentParser) -> None:
    """The options of ``table impact`` (did an intervention work)."""
    table.add_argument("--intervention", default=None, help="impact: a register entry's id (see `table register`)")
    table.add_argument("--start", default=None, help="impact: the month it started, YYYY-MM")
    table.add_argument("--months", type=int, default=None, help="impact: months after the start (1-12, default 12)")
    table.add_argument("--buffer", action="append", help="impact: buffer ward code (repeatable; default: touching)")
    table.add_argument("--control", action="append", help="impact: comparison ward code (repeatable)")


def check_paths(args: argparse.Namespace) -> None:
    """Refuse a path no file can have (a NUL byte), or a --db DuckDB cannot open (bytes that are not
    UTF-8 text), before anything is opened."""
    paths = [getattr(args, name, None) for name in ("db", "data_dir")] + list(getattr(args, "paths", None) or [])
    for path in (str(p) for p in paths if p is not None):
        if "\x00" in path:
            raise AnalyticsError(f"The path {shown(path)} holds a NUL byte, which no file name can.")
    if getattr(args, "db", None) is not None:
        try:
            str(args.db).encode("utf-8")
        except UnicodeEncodeError:
            raise AnalyticsError(
                f"The database path {shown(str(args.db))} holds bytes that are not UTF-8 text,"
                " which DuckDB cannot open.",
                fix="Use a path of plain characters.",
            ) from None


def _load_commands(sub: argparse._SubParsersAction, db_option: Callable[[argparse.ArgumentParser], None]) -> None:
    """The subcommands of loads: ingest, history (what each load did), undo."""
    ingest = sub.add_parser("ingest", help="load police.uk files, a force ASB extract or a force crime extract")
    ingest.add_argument("kind", choices=["police-uk", "extract", "crime-extract"])
    ingest.add_argument(
        "paths", nargs="+", help="CSV files, folders of them, police.uk archive zips; or one extract CSV/XLSX"
    )
    db_option(ingest)
    ingest.add_argument("--district", action="append", help="district to keep (repeatable)")
    ingest.add_argument(
        "--map",
        action="append",
        metavar="FILE_COLUMN=OUR_COLUMN",
        help="extract column mapping for other layouts (repeatable)",
    )
    ingest.add_argument("--synthetic", action="store_true", help="mark the extract as synthetic")
    ingest.add_argument("--sheet", metavar="NAME", help="the extract workbook's sheet to load")
    ingest.add_argument(
        "--date-format",
        metavar="FORMAT",
        help="how the extract writes its times, e.g. '%%d/%%m/%%Y %%H:%%M' (for dates that read two ways)",
    )
    ingest.add_argument(
        "--dry-run", action="store_true", help="print what the load would add, replace and remove; change nothing"
    )
    ingest.add_argument(
        "--replace",
        action="store_true",
        help="load even if a month of a district would lose more than 10%% and more than 20 of its rows",
    )
    ingest.set_defaults(func=cmd_ingest)
    history = sub.add_parser("history", help="the loads, oldest first, with what each did per month and district")
    history.add_argument("load_id", type=int, nargs="?", default=None, help="only this load")
    db_option(history)
    history.set_defaults(func=cmd_history)
    undo_ = sub.add_parser("undo", help="put the store back as it was before a load (see history)")
    undo_.add_argument("load_id", type=int)
    db_option(undo_)
    undo_.set_defaults(func=cmd_undo)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        check_paths(args)
        return args.func(args)
    except AnalyticsError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # A path too long, or one the system refuses: one line naming it (cut short), no stack trace.
        what = f"cannot use the path {shown(exc.filename)}: " if exc.filename is not None else ""
        print(f"Error: {what}{exc.strerror or exc}.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
