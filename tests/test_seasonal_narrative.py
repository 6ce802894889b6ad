"""The seasonal paragraph (analytics/present/seasonal_narrative.py): hand-made summaries whose
sentences were worked out by hand, the built store, and agreement with the profile chart."""

from __future__ import annotations

import dataclasses
import datetime
import re

import pandas as pd
import pytest

from analytics.analyses.decomposition import FlaggedMonth
from analytics.analyses.seasonal import SeasonalSummary, summarise
from analytics.analyses.seasonal_profile import month_of_year_profile
from analytics.analyses.seasonal_series import MONTH_NAMES
from analytics.core.errors import AnalyticsError
from analytics.core.selection import Selection
from analytics.present.alt_text import alt_text
from analytics.present.charts import profile_chart
from analytics.present.seasonal_narrative import seasonal_summary


def _summary(**changes) -> SeasonalSummary:
    values = dict(
        source="test",
        category="Anti-social behaviour",
        place="Redditch",
        window="Apr 2015–Mar 2017",
        synthetic=False,
        peak_month="October",
        peak_index=130,
        trough_month="February",
        trough_index=85,
        spring_below_mean=True,
        summer_below_mean=True,
        months_above_mean=("October", "November"),
        months_below_mean=(),
        profile_balanced=True,
        profile_basis="",
        years_per_month=(2,) * 12,
        flagged=(),
        method="",
        missing_months=(),
        partial_months=(),
        partial_note="",
        years_compared=("2015-16", "2016-17"),
        full_years=("2015-16", "2016-17"),
        full_year_totals={"2015-16": 1000, "2016-17": 1100},
        year_total_spread_pct=10.0,
        months_with_band=24,
        flags_expected_by_chance=1.2,
    )
    values.update(changes)
    # Fields the summary gains later read as None here, so these hand-made cases keep working.
    names = [f.name for f in dataclasses.fields(SeasonalSummary)]
    return SeasonalSummary(**{name: values.get(name) for name in names})


def test_seasonal_summary_by_hand():
    assert seasonal_summary(_summary()) == (
        "ASB in Redditch (Apr 2015–Mar 2017) peaked in October (index 130; 100 is an average month) and was lowest "
        "in February (85). Spring and summer months were below average; October and November were above it. "
        "No month was outside its expected range. The two full years (2015-16 and 2016-17) were within 10% of "
        "each other (1,000 to 1,100 a year)."
    )


def test_seasonal_summary_flags_missing_and_partial_months():
    flagged = (
        FlaggedMonth(datetime.date(2016, 10, 1), "Oct 2016", 1500, 1234.4, "above"),
        FlaggedMonth(datetime.date(2017, 2, 1), "Feb 2017", 3, 40.0, "below"),
    )
    summary = _summary(
        flagged=flagged,
        spring_below_mean=False,
        summer_below_mean=None,
        missing_months=(datetime.date(2016, 5, 1), datetime.date(2016, 6, 1)),
        partial_note="Mar 2017 is partial: the data end on 28 Mar 2017",
        full_year_totals={},
        year_total_spread_pct=None,
    )
    assert seasonal_summary(summary, suppress_below=5) == (
        "ASB in Redditch (Apr 2015–Mar 2017) peaked in October (index 130; 100 is an average month) and was lowest "
        "in February (85). Spring months were not all below average; October and November were above average. "
        "Two months were outside the expected range: Oct 2016 (1,500 against about 1,234 expected) and "
        "Feb 2017 (below). By chance alone about one of the 24 months would fall outside it. 2 months are "
        "missing from the source and shown as gaps, not zeros: May–Jun 2016. "
        "Mar 2017 is partial: the data end on 28 Mar 2017, so it is left out of the comparison."
    )


def test_seasonal_summary_without_a_pattern():
    text = seasonal_summary(_summary(peak_month=None, peak_index=None, full_year_totals={}, year_total_spread_pct=None))
    assert text == (
        "There are too few complete months of ASB in Redditch (Apr 2015–Mar 2017) to describe a seasonal pattern."
    )


def test_seasonal_summary_on_the_built_store(built_conn):
    text = seasonal_summary(summarise(built_conn, Selection("extract")))
    # The panel: "peak at around Halloween but lower in the spring and summer months", "levels ... similar".
    assert text.startswith("ASB in North Worcestershire (Apr 2015–Aug 2019) peaked in October")
    assert "Spring and summer months were below average" in text
    assert "Aug 2019 is partial: the data end on 28 Aug 2019, so it is left out of the comparison." in text


def test_seasonal_summary_refuses_other_input():
    with pytest.raises(AnalyticsError, match="SeasonalSummary"):
        seasonal_summary(pd.DataFrame())


def test_seasonal_summary_public_mode_names_only_months_it_may_show(built_conn):
    """Lodge Park (police.uk, WD22): March averages 2.5 incidents, so the profile chart hides it in
    public mode; the sentence must not call it the lowest month either."""
    summary = summarise(built_conn, Selection("police_uk", districts=("Redditch",), wards=("E05007876",)))
    means = dict(zip(MONTH_NAMES, summary.month_mean_counts, strict=False))
    assert summary.trough_month == "March" and means["March"] < 5  # the check can fail
    analyst, public = seasonal_summary(summary), seasonal_summary(summary, suppress_below=5)
    assert "lowest in March (43)" in analyst
    named = re.search(r"lowest in (\w+) \((\d+)\)", public)
    shown = {
        m: i
        for m, mean, i in zip(MONTH_NAMES, summary.month_mean_counts, summary.month_indices, strict=False)
        if mean >= 5
    }
    assert named and named[1] in shown and int(named[2]) == min(shown.values()), public
    assert "March" not in public


@pytest.mark.parametrize(
    "selection",
    [Selection("extract", districts=("Redditch",)), Selection("police_uk")],
    ids=["extract-redditch", "police_uk-north-worcestershire"],
)
def test_seasonal_sentence_and_profile_chart_name_the_same_months(built_conn, selection):
    """The sentence and the chart beside it: same highest and lowest month (ranked on the unrounded
    factor, where two indices round alike: police.uk's November 80.8 and December 81.3), and the same
    months above average (index over 100, as drawn)."""

    text = seasonal_summary(summarise(built_conn, selection))
    alt = alt_text(profile_chart(month_of_year_profile(built_conn, selection)))
    assert re.search(r"peaked in (\w+)", text)[1] == re.search(r"Highest: (\w+)", alt)[1], (text, alt)
    assert re.search(r"lowest in (\w+)", text)[1] == re.search(r"lowest: (\w+)", alt)[1], (text, alt)
    above_text = re.search(r"(?:; |\. )([A-Z][\w, ]+?) (?:was|were) above", text)
    above_alt = re.search(r"Above average: ([^.]+)\.", alt)

    def names(found: str | None) -> set[str]:
        return set(re.findall(r"[A-Z][a-z]+", found)) if found else set()

    assert names(above_text and above_text[1]) == names(above_alt and above_alt[1]), (text, alt)
