"""Data: sources, coverage, the quality report, files loaded, and (when switched on) uploads."""

import hmac
import tempfile
from pathlib import Path

import streamlit as st

from analytics.core import settings
from analytics.core.disclosure import suppress
from analytics.core.errors import AnalyticsError
from ui import data, register_editor
from ui.render import guarded, on_screen, page_header, plain, public_threshold, show_error, show_table
from ui.state import current


def public(frame):
    """In public mode even data-quality counts below the threshold read "<N" (the one rule)."""
    threshold = public_threshold()
    return suppress(frame, threshold) if threshold else frame


def load_upload(kind: str, upload, dry_run: bool, replace: bool, reading: dict[str, str | None]) -> None:
    """Load (or, ``dry_run``, preview) the uploaded file and say what it did or would do.
    ``reading``: how to read a force extract (its sheet, its date format), as the command line's
    --sheet and --date-format."""
    bar = st.progress(0.0, "Starting")
    # The upload's own name is shown, never used as a path: the file goes to a folder we choose.
    suffix = Path(upload.name).suffix.lower()
    suffix = suffix if suffix in (".csv", ".zip", ".xlsx") else ".csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(upload.getvalue())
        try:

            def progress(fraction: float, message: str) -> None:
                bar.progress(min(1.0, fraction), message.replace(str(path), upload.name))

            report = data.ingest(kind, path, progress=progress, dry_run=dry_run, replace=replace, **reading)
            head, *lines = report.summary().replace(str(path), upload.name).split("\n")
            (st.info if dry_run else st.success)(plain(head))
            if lines:
                st.text("\n".join(lines))
        except AnalyticsError as error:
            error.message = error.message.replace(str(path), upload.name)
            show_error(error)


def extract_reading() -> dict[str, str | None]:
    """The sheet and date format of a force extract, when the file itself cannot say them."""
    left, right = st.columns(2)
    sheet = left.text_input("Sheet (workbooks)", help="The sheet to read, when more than one holds the columns.")
    date_format = right.text_input(
        "Date format", help="Only when dates read two ways (e.g. 03/04/2018): %d/%m/%Y %H:%M or %m/%d/%Y %H:%M."
    )
    return {"sheet": sheet.strip() or None, "date_format": date_format.strip() or None}


def undo_a_load() -> None:
    """Undo of one load (as python -m analytics undo). The live loads are the table "Files loaded"
    above, so only the loads undone already are listed here."""
    with st.expander("Undo a load"):
        loads = data.load_history(data.data_version())
        undone = loads[loads["undone_at"].notna()]
        if not undone.empty:
            st.caption("Loads undone already:")
            st.dataframe(on_screen(public(undone)), hide_index=True, width="stretch", placeholder="")
        live = loads[loads["undone_at"].isna()]
        if live.empty:
            return
        # The file's own name, not the server's path to it.
        names = {n: Path(name).name for n, name in zip(live["load_id"], live["file_name"], strict=True)}
        load_id = st.selectbox(
            "Load to undo", list(names)[::-1], key="undo_load_id", format_func=lambda n: f"load {n}: {names[n]}"
        )
        sure = st.checkbox(f"Yes, put the store back as it was before load {load_id}", key="undo_sure")
        if st.button("Undo load", disabled=not sure, key="undo_load"):
            try:
                st.success(plain(data.undo_load(int(load_id))))
            except AnalyticsError as error:
                show_error(error)


filters = current()
page_header("Data", filters)
with guarded():
    version = data.data_version()
    if note := data.build_note(version):
        st.warning(note)  # a store an older build made: say what it lacks, and how to rebuild it
    coverage = data.coverage(version)
    st.subheader("Rows per source and month")
    months = coverage["months"].assign(month=lambda f: f.month.astype(str).str[:7])
    # One row per source and month: suppressed first, then laid out a column per source.
    months = public(months).pivot(index="month", columns="source", values="rows").reset_index()
    months.columns.name = None
    st.dataframe(on_screen(months), hide_index=True, width="stretch", height=300, placeholder="")
    st.caption("A month with no row for a source is missing from that source, not zero.")
    st.subheader("Quality report")
    show_table(data.quality(version), "quality", caption="Checks on what the store holds.")
    st.subheader("Ward coverage per boundary vintage")
    st.dataframe(on_screen(public(coverage["wards"])), hide_index=True, width="stretch", placeholder="")
    st.subheader("Files loaded")
    files = on_screen(public(coverage["files"].drop(columns=["sha256"])))
    st.dataframe(files, hide_index=True, width="stretch", placeholder="")

st.subheader("Upload police.uk files or a force extract (ASB or recorded crime)")
if not (settings.get("uploads_enabled") and settings.get("upload_password")):
    st.info(
        "Uploads are off. An administrator can switch them on with the settings ASB_UPLOADS_ENABLED=true "
        "and ASB_UPLOAD_PASSWORD."
    )
else:
    password = st.text_input("Upload password", type="password", key="upload_password")
    if password and hmac.compare_digest(password, settings.get("upload_password")):
        kind = st.radio(
            "What is it?",
            ["police-uk", "extract", "crime-extract"],
            horizontal=True,
            format_func={
                "police-uk": "police.uk CSV or archive zip",
                "extract": "Force ASB extract",
                "crime-extract": "Force crime extract",
            }.get,
        )
        upload = st.file_uploader("File", type=["csv", "zip", "xlsx"], key="upload_file")
        if upload is not None:
            replace = st.checkbox(
                "Replace anyway",
                help="Load even if a month of a district would lose more than 10% and more than 20 of its rows. "
                "Any load can be undone (python -m analytics undo LOAD_ID).",
            )
            reading = extract_reading() if kind in ("extract", "crime-extract") else {}
            st.caption("Preview shows what the load would add, replace and remove, and changes nothing.")
            preview = st.button("Preview")
            if st.button("Load", type="primary") or preview:
                load_upload(kind, upload, dry_run=preview, replace=replace, reading=reading)
        undo_a_load()
        register_editor.edit()
    elif password:
        st.error("That password is not right.")
