"""The forecast in words: the Overview's one line and the Seasonal page's sentence.

Public mode: a forecast below the disclosure threshold is not given (its range neither), as
the tables do not give it (analytics.core.disclosure declares a forecast a count).
"""

from __future__ import annotations

from analytics.analyses.forecast import ForecastResult
from analytics.analyses.forecast_model import MIN_MONTHS
from analytics.core.disclosure import is_hidden
from analytics.core.periods import month_label
from analytics.core.table_meta import meta_of
from analytics.core.vocabulary import suppressed_label
from analytics.present.words import subject

#: How many of the coming months the Overview's line names (standing in September 2019 with the
#: months to August: September, and the Halloween peak of October and November).
MONTHS_NAMED = 3


def _month_words(row, threshold: int | None, what: str) -> str:
    """``what`` ("ASB incidents") after the first month's figure only, as is its range's name."""
    if is_hidden(row.forecast, threshold):
        return f"{suppressed_label(threshold or 0)}{what} in {row.month_label}"
    rng = f"{row.lower_80:,.0f} to {row.upper_80:,.0f}"
    return f"{row.forecast:,.0f}{what} in {row.month_label} ({'80% range ' if what else ''}{rng})"


def backtest_words(result: ForecastResult) -> str:
    """How the model did on the source's own history, in a sentence, or why it was not tested
    ("" when nothing is forecast)."""
    if result.refusal:
        return ""
    if result.backtest.empty:
        return f"Not tested on the source's own history: it needs more than {MIN_MONTHS} continuous whole months."
    pooled = result.backtest.iloc[-1]
    verdict = "better than" if pooled.mase < pooled.mase_naive else "no better than"
    return (
        f"Tested on the source's own history ({pooled.forecasts} forecasts, from {pooled.origins} starting months), it "
        "did "
        f"{verdict} taking the same month a year earlier (mean absolute scaled error {pooled.mase:.2f} against "
        f"{pooled.mase_naive:.2f}), and {pooled.coverage_80:.0%} of months fell inside its 80% ranges, "
        f"{pooled.coverage_95:.0%} inside its 95% ranges."
    )


def forecast_line(result: ForecastResult, threshold: int | None = None) -> str:
    """One line for the Overview: what the next months should bring, or why there is no forecast."""
    meta = meta_of(result.frame)
    synthetic = " (SYNTHETIC data)" if result.synthetic else ""
    if result.refusal:
        reason = result.refusal.removeprefix("Not forecast: ")
        return f"What next in {meta.place}{synthetic}: no forecast, because {reason}"
    rows = list(result.forecasts.head(MONTHS_NAMED).itertuples())
    named = [
        _month_words(row, threshold, f" {subject(meta)} incidents" if i == 0 else "") for i, row in enumerate(rows)
    ]
    listed = ", ".join(named[:-1]) + f" and {named[-1]}" if len(named) > 1 else named[0]
    return f"What next in {meta.place}{synthetic}, from the months to {month_label(result.origin)}: about {listed}."
