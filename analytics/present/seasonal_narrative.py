"""Plain English on the seasonal pattern: the paragraph the Seasonal page (and the briefing pack)
puts beside the month-of-year profile, from a :class:`analytics.analyses.seasonal.SeasonalSummary`.

Written as :mod:`analytics.present.words` writes numbers. In public mode no sentence places a
month whose mean count the profile chart hides (:func:`analytics.core.disclosure.is_hidden`).
"""

from __future__ import annotations

import dataclasses
import math

from analytics.analyses.decomposition import BAND_Z, MAD_TO_SD, STL_MIN_MONTHS, STL_PERIOD
from analytics.analyses.seasonal_profile import month_findings
from analytics.core.disclosure import is_hidden
from analytics.core.errors import AnalyticsError
from analytics.core.periods import month_runs, round_half_up
from analytics.present.words import capitalise, format_count, join_and, listed, measure_words, number_word

_SUMMARY_FIELDS = (
    "category",
    "place",
    "window",
    "peak_month",
    "peak_index",
    "trough_month",
    "trough_index",
    "spring_below_mean",
    "summer_below_mean",
    "flagged",
    "missing_months",
)


def seasonal_summary(summary, suppress_below: int | None = None) -> str:
    """A paragraph on a :class:`analytics.analyses.seasonal.SeasonalSummary`: peak and low month, spring and
    summer against the average, months outside the expected range, how alike the full years were,
    and the missing and partial months.

    Examples
    --------
    On the synthetic extract, all of North Worcestershire, April 2015 to August 2019: "ASB in North
    Worcestershire (Apr 2015–Aug 2019) peaked in October (index 127; 100 is an average month) and
    was lowest in February (87). Spring and summer months were below average; October, November and
    December were above it. No month was outside its expected range. The four full years (2015-16,
    2016-17, 2017-18 and 2018-19) were within 8% of each other (9,876 to 10,650 a year). Aug 2019 is
    partial: the data end on 28 Aug 2019, so it is left out of the comparison."
    """
    _check_summary(summary)
    what = measure_words(summary.category)
    summary = _shown_months_only(summary, suppress_below)
    sentences = []
    if summary.peak_month is None:
        sentences.append(
            f"There are too few complete months of {what} in {summary.place} "
            f"({summary.window}) to describe a seasonal pattern."
        )
    else:
        first = (
            f"{capitalise(what)} in {summary.place} ({summary.window}) peaked in {summary.peak_month} "
            f"(index {summary.peak_index}; 100 is an average month)"
        )
        if summary.trough_month and summary.trough_month != summary.peak_month:
            first += f" and was lowest in {summary.trough_month} ({summary.trough_index})"
        sentences.append(first + ".")
        sentences.append(_seasons_sentence(summary))
        sentences.append(_flagged_sentence(summary, suppress_below))
    sentences.append(_years_sentence(summary, suppress_below))
    sentences += _gaps_sentences(summary)
    return " ".join(s for s in sentences if s)


def _check_summary(summary) -> None:
    missing = [name for name in _SUMMARY_FIELDS if not hasattr(summary, name)]
    if missing:
        raise AnalyticsError(
            f"seasonal_summary needs an analytics.analyses.seasonal.SeasonalSummary; "
            f"{type(summary).__name__} lacks {', '.join(missing)}.",
            title="Wrong input",
        )


def _shown_months_only(summary, suppress_below: int | None):
    """The summary as public mode may tell it: its month findings over the calendar months whose
    mean count is shown (the profile chart draws no other), so no sentence places a hidden month.
    Unchanged outside public mode."""
    means = getattr(summary, "month_mean_counts", None) or ()
    if suppress_below is None or len(means) != 12 or summary.peak_month is None:
        return summary
    factors = summary.month_factors
    shown = [
        i
        for i in range(12)
        if math.isfinite(means[i]) and not is_hidden(means[i], suppress_below) and math.isfinite(factors[i])
    ]
    if len(shown) == sum(math.isfinite(f) for f in factors):
        return summary  # every month with data is shown
    return dataclasses.replace(summary, **month_findings(factors, summary.month_indices, shown))


def _seasons_sentence(summary) -> str:
    """ "Spring and summer months were below average; October, November and December were above it."."""
    spring, summer = summary.spring_below_mean, summary.summer_below_mean
    if spring is not None and spring == summer:
        parts = ["spring and summer months were " + ("below average" if spring else "not all below average")]
    else:
        parts = [
            f"{season} months were " + ("below average" if below else "not all below average")
            for season, below in (("spring", spring), ("summer", summer))
            if below is not None
        ]
    above = list(getattr(summary, "months_above_mean", ()) or ())
    if above:
        parts.append(
            f"{join_and(above)} {'was' if len(above) == 1 else 'were'} above "
            + ("it" if parts and parts[-1].endswith("were below average") else "average")
        )
    return capitalise("; ".join(parts)) + "." if parts else ""


def _flagged_sentence(summary, suppress_below: int | None) -> str:
    flagged = list(summary.flagged)
    if not flagged:
        return "No month was outside its expected range."
    items = []
    for month in flagged:
        if is_hidden(month.count, suppress_below):
            items.append(f"{month.month_label} ({month.direction})")
        else:
            items.append(
                f"{month.month_label} ({format_count(month.count)} against about "
                f"{format_count(round_half_up(month.expected))} expected)"
            )
    n = len(flagged)
    text = (
        f"{capitalise(number_word(n))} month{'s were' if n != 1 else ' was'} outside the expected range: "
        f"{listed(items)}."
    )
    # A 95% range leaves about 1 month in 20 outside by chance: say so before anyone calls a month unusual.
    by_chance = getattr(summary, "flags_expected_by_chance", None)
    with_band = getattr(summary, "months_with_band", None)
    if by_chance is not None and with_band:
        expected = round_half_up(by_chance)
        about = "fewer than one" if expected == 0 else f"about {number_word(expected)}"
        text += f" By chance alone {about} of the {with_band:,} months would fall outside it."
    return text


def _years_sentence(summary, suppress_below: int | None) -> str:
    """ "The two full years (2015-16 and 2016-17) were within 10% of each other (1,000 to 1,100 a year).", or ""."""
    spread = getattr(summary, "year_total_spread_pct", None)
    totals = getattr(summary, "full_year_totals", None) or {}
    if spread is None or len(totals) < 2:
        return ""
    low, high = min(totals.values()), max(totals.values())
    return (
        f"The {number_word(len(totals))} full years ({join_and(list(totals))}) were within "
        f"{round_half_up(spread)}% of each other ({format_count(low, suppress_below)} to "
        f"{format_count(high, suppress_below)} a year)."
    )


def _gaps_sentences(summary) -> list[str]:
    """The months missing from the source (gaps, not zeros) and the partial months left out."""
    sentences = []
    if summary.missing_months:
        n = len(summary.missing_months)
        sentences.append(
            f"{n:,} month{'s are' if n != 1 else ' is'} missing from the source and shown as "
            f"{'gaps' if n != 1 else 'a gap'}, not zeros: {month_runs(summary.missing_months)}."
        )
    note = getattr(summary, "partial_note", "")
    if note:
        sentences.append(f"{note}, so {'it is' if ';' not in note else 'they are'} left out of the comparison.")
    return sentences


#: The model in full, for the analyst, from the constants the model uses (so no page can drift
#: from it). Written without the fitted figures of a selection: a small ward's residual scale is
#: a figure of its few incidents, and public mode shows none.
SEASONAL_METHOD_FORMULA = (
    f"An STL decomposition (statsmodels, period {STL_PERIOD}, robust) of the longest run of complete months; "
    f"expected = trend + seasonal, and the expected range is expected ± {BAND_Z} × the larger of the robust "
    f"residual SD ({MAD_TO_SD} × the median absolute deviation of the residuals) and √expected. A series with "
    f"gaps, or with fewer than {STL_MIN_MONTHS} complete months in a row, is not decomposed: expected = the "
    "financial year's level × the month-of-year factor (a Poisson log-linear model), and the range is "
    f"expected ± {BAND_Z} × √expected."
)

#: The seasonal model in a sentence a councillor can follow; the page puts the formula (the
#: table's ``meta.method``) under it, in "How this is worked out".
SEASONAL_METHOD_IN_WORDS = (
    "Each month is set against what would be expected for that time of year at the level of the "
    "time: the general level over the months around it (the trend) plus the usual difference that "
    "month of the year makes (the seasonal effect). A month is flagged as outside the expected range "
    "when its count is further from the expected figure than ordinary month-to-month variation "
    "would take it; by chance alone about one ordinary month in twenty is. Missing months are gaps, "
    "never filled in, and a month the source holds only part of is never flagged."
)
