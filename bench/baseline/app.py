"""The baseline of bench/bench_journeys.py: a bare Streamlit page with two plotly charts and a table.

What any Streamlit dashboard pays to start and draw (the server, the browser's bundle, plotly), with
none of this project's work: the Overview's start-up is measured against it in the same run.
"""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

rng = np.random.default_rng(1)
months = pd.date_range("2015-04-01", periods=52, freq="MS")
frame = pd.DataFrame({"month": months, "incidents": rng.poisson(270, len(months))})
st.title("Baseline")
left, right = st.columns(2)
left.plotly_chart(go.Figure(go.Bar(x=["Bromsgrove", "Redditch", "Wyre Forest"], y=[2515, 3203, 4158])))
right.plotly_chart(go.Figure(go.Scatter(x=frame.month, y=frame.incidents)))
st.dataframe(frame)
