"""Seasonal patterns: the monthly series with its expected band, the month-of-year profile and
the year-on-year overlay ("a peak around Halloween, lower in spring and summer"); then what the
coming months should bring (the forecast, its intervals and its backtest, or why there is none)."""

import streamlit as st

from analytics.analyses.forecast import MODEL_IN_WORDS, forecast_rows
from analytics.analyses.forecast_model import MIN_MONTHS
from analytics.core.table_meta import meta_of, with_meta
from analytics.present import narrative
from analytics.present.charts import monthly_chart, profile_chart, year_on_year_chart
from analytics.present.forecast_chart import forecast_chart
from analytics.present.forecast_narrative import backtest_words, forecast_line
from analytics.present.seasonal_narrative import SEASONAL_METHOD_FORMULA, SEASONAL_METHOD_IN_WORDS
from ui import data
from ui.render import chart, guarded, page_header, public_threshold, show_chart, show_table
from ui.slides import slide_areas
from ui.state import current

FORECAST_LABELS = {
    "month_label": "Month",
    "horizon": "Months ahead",
    "forecast": "Forecast (incidents)",
    "lower_95": "95% range, low",
    "lower_80": "80% range, low",
    "upper_80": "80% range, high",
    "upper_95": "95% range, high",
    "backtest_forecasts": "Backtest: forecasts tested",
    "backtest_mase": "Backtest: MASE",
    "backtest_mase_naive": "Backtest: MASE of same month last year",
    "backtest_coverage_80": "Backtest: inside the 80% range (%)",
    "backtest_coverage_95": "Backtest: inside the 95% range (%)",
}
BACKTEST_LABELS = {
    "horizons": "Forecast for",
    "origins": "Starting months",
    "forecasts": "Forecasts tested",
    "mae": "Mean absolute error (incidents)",
    "mase": "MASE",
    "mase_naive": "MASE of same month last year",
    "coverage_80": "Inside the 80% range (%)",
    "coverage_95": "Inside the 95% range (%)",
}


def as_percent(frame, columns):
    """A copy with shares (0 to 1) as whole percentages, for the screen and the downloads."""
    out = frame.copy()
    for column in columns:
        out[column] = (out[column].astype(float) * 100).round(0)
    return with_meta(out, meta_of(frame))


def forecast_section(selection, version: int) -> None:
    """What the coming months should bring: the line, the chart, the months with their ranges
    beside their backtest, the backtest over all months ahead, and the method; or why not."""
    st.subheader("What the coming months should bring")
    result = data.forecast(selection, None, version)
    st.markdown(forecast_line(result, public_threshold()))
    if result.refusal:
        st.info(
            f"A forecast needs at least {MIN_MONTHS} continuous months of data ending at the last month held: "
            "nothing is forecast from months the source does not hold."
        )
    else:
        st.markdown(backtest_words(result))
        show_chart(chart(forecast_chart, data.forecast_frame, selection, None, version), "forecast")
    rows = as_percent(forecast_rows(result), ["backtest_coverage_80", "backtest_coverage_95"])
    show_table(rows, "forecast", columns=list(FORECAST_LABELS), labels=FORECAST_LABELS)
    if not result.backtest.empty:
        backtest = as_percent(result.backtest, ["coverage_80", "coverage_95"]).round(
            {"mae": 1, "mase": 2, "mase_naive": 2}
        )
        show_table(backtest, "forecast-backtest", columns=list(BACKTEST_LABELS), labels=BACKTEST_LABELS)
    with st.expander("How the forecast is worked out"):
        st.write(MODEL_IN_WORDS)
        st.caption(f"For the analyst: {result.method}")


filters = current()
page_header(
    "Seasonal patterns", filters, "Whole span of the source; missing months are shown as gaps, never filled in."
)
with guarded():
    version = data.data_version()
    selection = filters.selection
    summary = data.seasonal_summary(selection, None, version)
    # On a slide: the chart on the left, its sentence beside it, on one screen.
    figure_area, words_area = slide_areas(filters.present)
    words_area.markdown(narrative.seasonal_summary(summary, public_threshold()))
    with figure_area:
        show_chart(
            chart(monthly_chart, data.decomposition, selection, None, version),
            "monthly",
            words_area if filters.present else None,
        )
    if not filters.present:
        left, right = st.columns(2)
        with left:
            show_chart(chart(profile_chart, data.seasonal_profile, selection, None, version, narrow=True), "profile")
        with right:
            year_type = "financial" if filters.period_type == "fy" or filters.source == "extract" else "calendar"
            show_chart(
                chart(year_on_year_chart, data.year_on_year, selection, None, version, year_type, narrow=True),
                "year-on-year",
            )
        monthly = data.decomposition(selection, None, version)
        with st.expander("Monthly figures, expected range and flagged months"):
            show_table(monthly, "seasonal")
        with st.expander("How this is worked out"):
            st.write(SEASONAL_METHOD_IN_WORDS)
            st.caption(f"For the analyst: {SEASONAL_METHOD_FORMULA}")
        forecast_section(selection, version)
