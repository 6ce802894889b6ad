"""The Data page's editor of the register of ASB tools and powers (behind the upload password).

An edit in the table, or a CSV uploaded in its place, goes through the one door every register
change takes (analytics.data.register.load_register): every row checked, a bad one refused with the
file, the line and the problem, and the store unchanged; a good one makes a new version, which
"Undo the last version" takes back."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.core.errors import AnalyticsError
from analytics.data.register import COLUMNS, KINDS, register_csv
from ui import data
from ui import register as ui_register
from ui.render import DOWNLOAD_ONLY, on_screen, plain, show_error

#: What the edited table is called in a refusal: its line 2 is the table's first row.
EDIT_NAME = "the register as edited"


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text (blank for none), as the CSV holds it: the editor then never guesses a type."""
    out = frame.reindex(columns=list(COLUMNS)).astype(object)
    out = out.where(out.notna(), "").astype(str)
    out.attrs = {}  # its TableMeta is for captions, not for the editor
    return out


def _save(content: bytes, name: str) -> None:
    try:
        st.success(plain(ui_register.save_register(content, name)))
    except AnalyticsError as error:
        show_error(error)


def _undo(version: int) -> None:
    versions = ui_register.register_versions(version)
    live = versions[versions.undone_at.isna()]
    if live.empty:
        return
    latest = int(live.version.iloc[-1])
    sure = st.checkbox(f"Yes, undo register version {latest} ({live.file_name.iloc[-1]})", key="register_undo_sure")
    if st.button("Undo the last version", disabled=not sure, key="register_undo"):
        try:
            st.success(plain(ui_register.undo_register(latest)))
        except AnalyticsError as error:
            show_error(error)


def edit() -> None:
    st.subheader("Register of ASB tools and powers")
    version = data.data_version()
    current = ui_register.register_table(version)
    st.caption(
        f"Kinds: {', '.join(KINDS)}. Months as YYYY-MM or 'date to confirm'; wards as codes of the boundaries "
        "(wd22 or wd25) separated by ';'; a count only for kinds that are counted; the source document always. "
        f"Saving checks every row: a refusal names the line ('{EDIT_NAME}, line 2' is the table's first row)."
    )
    edited = st.data_editor(
        _as_text(current), num_rows="dynamic", hide_index=True, width="stretch", key="register_editor"
    )
    upload = st.file_uploader("Or a register CSV in its place", type=["csv"], key="register_file")
    left, right = st.columns(2)
    left.download_button(
        "Download the register (CSV)",
        register_csv(current),
        "asb_tools_powers.csv",
        mime="text/csv",
        on_click=DOWNLOAD_ONLY,  # a download, not a rerun (ui.render.DOWNLOAD_ONLY)
    )
    if right.button("Save the register", type="primary", key="register_save"):
        if upload is not None:
            _save(upload.getvalue(), upload.name)
        else:
            _save(register_csv(edited), EDIT_NAME)
    with st.expander("Versions of the register"):
        versions = ui_register.register_versions(version)
        st.dataframe(on_screen(versions), hide_index=True, width="stretch", placeholder="")
        _undo(version)
