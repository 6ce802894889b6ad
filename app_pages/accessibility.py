"""Accessibility statement (the text: ui/accessibility.py STATEMENT)."""

import streamlit as st

from ui.accessibility import STATEMENT
from ui.render import page_header
from ui.state import current

filters = current()
page_header("Accessibility statement", filters)
st.markdown(STATEMENT)
