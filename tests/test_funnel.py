"""analytics.analyses.funnel: control limits checked against scipy.stats (an independent
computation: the module computes Poisson probabilities through the incomplete gamma function and
a bisection on counts; scipy.stats.poisson.ppf and the chi-square relation are not used there),
and the ward funnel on a hand-made store and on the built store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.analyses.funnel import (
    LEVELS,
    POSITIONS,
    control_limits,
    district_funnel,
    funnel,
    funnel_curve,
    funnel_table,
    limit_counts,
    poisson_quantile,
    target_rate_per_1000,
    ward_funnel,
)
from analytics.core.errors import AnalyticsError
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of
from analytics.data.query import compare_counts
from tests.analysis_fixtures import ABBEY, CRABBS_CROSS, FY2018, WEST

MEANS = np.array([0.05, 0.5, 1.0, 2.7, 7.5, 20.0, 55.5, 212.6, 1000.0, 5000.0])
QUANTILES = [p for _, _, low, high in LEVELS for p in (low, high)]


@pytest.mark.parametrize("p", QUANTILES)
def test_quantiles_are_scipys_poisson_ppf(p):
    assert poisson_quantile(p, MEANS).tolist() == stats.poisson.ppf(p, MEANS).tolist()


@pytest.mark.parametrize("p", QUANTILES)
def test_interpolated_limits_match_spiegelhalters_formula_computed_by_scipy(p):
    """Spiegelhalter (2005) A.1.1: r_p the Poisson quantile, alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1)),
    limit r_p - alpha; each term from scipy.stats.poisson."""
    r = stats.poisson.ppf(p, MEANS)
    at_r, below = stats.poisson.cdf(r, MEANS), stats.poisson.cdf(r - 1, MEANS)
    expected = np.maximum(r - (at_r - p) / (at_r - below), 0)
    np.testing.assert_allclose(limit_counts(p, MEANS), expected, rtol=1e-9, atol=1e-9)


def test_limits_agree_with_the_exact_chi_square_form():
    """The chi-square form of the same limits: P(Y <= r) = 1 - chi2.cdf(2 * mean, 2 * (r + 1)), so
    the upper 99.9% quantile r is the smallest count with chi2.sf(2 * mean, 2r + 2) >= 0.999."""
    for mean in MEANS:
        r = int(poisson_quantile(0.999, np.array([mean]))[0])
        assert stats.chi2.sf(2 * mean, 2 * r + 2) >= 0.999
        assert r == 0 or stats.chi2.sf(2 * mean, 2 * r) < 0.999


def test_control_limits_per_1000_nest_and_narrow_with_population():
    populations = [500, 2000, 8000, 32000]
    limits = control_limits(populations, 40.0).astype(float)
    assert (limits.limit_lower_998 <= limits.limit_lower_95).all()
    assert (limits.limit_lower_95 < 40).all() and (limits.limit_upper_95 > 40).all()
    assert (limits.limit_upper_95 <= limits.limit_upper_998).all()
    widths = limits.limit_upper_998 - limits.limit_lower_998
    assert widths.is_monotonic_decreasing
    # Against scipy directly: a ward of 8,000 at 40 per 1,000 expects 320 incidents.
    r = stats.poisson.ppf(0.975, 320)
    at_r, below = stats.poisson.cdf(r, 320), stats.poisson.cdf(r - 1, 320)
    assert limits.limit_upper_95[2] == pytest.approx((r - (at_r - 0.975) / (at_r - below)) / 8)


def test_an_unknown_population_has_no_limits():
    limits = control_limits([1000, None, 0], 30.0)
    assert limits.iloc[0].notna().all()
    assert limits.iloc[1:].isna().all().all()


def test_positions_are_read_on_the_count_scale_against_scipy():
    units = pd.DataFrame(
        {"ward_name": list("ABCDEF"), "count": [30, 10, 80, 52, 45, 12], "population_mid2018": [1000] * 6}
    )
    table = funnel(units)
    target = target_rate_per_1000(table)
    assert target == pytest.approx(229 / 6000 * 1000)
    expected = []
    for count in units["count"]:
        mean = target
        # Outside the 99.8% limits: beyond the interpolated 0.1% or 99.9% limits, from scipy.
        limit = {}
        for p in (0.001, 0.025, 0.975, 0.999):
            r = stats.poisson.ppf(p, mean)
            at_r, below = stats.poisson.cdf(r, mean), stats.poisson.cdf(r - 1, mean)
            limit[p] = max(r - (at_r - p) / (at_r - below), 0)
        if count > limit[0.999]:
            expected.append(POSITIONS[0])
        elif count > limit[0.975]:
            expected.append(POSITIONS[1])
        elif count < limit[0.001]:
            expected.append(POSITIONS[4])
        elif count < limit[0.025]:
            expected.append(POSITIONS[3])
        else:
            expected.append(POSITIONS[2])
    assert table.funnel_position.tolist() == expected
    assert set(expected) >= {POSITIONS[0], POSITIONS[2], POSITIONS[4]}  # the check meets three kinds


def test_funnel_does_not_change_its_input():
    units = pd.DataFrame({"ward_name": ["A"], "count": [3], "population_mid2018": [100]})
    before = units.copy()
    funnel(units)
    pd.testing.assert_frame_equal(units, before)


def test_ward_funnel_by_hand(comparable_conn):
    """The hand-made store in 2018-19: Abbey 5, West 4, every other Redditch ward 0."""
    table = ward_funnel(comparable_conn, Selection("extract", districts=("Redditch",)), FY2018).set_index("ward_code")
    assert table.loc[ABBEY, "count"] == 5 and table.loc[WEST, "count"] == 4 and table.loc[CRABBS_CROSS, "count"] == 0
    assert len(table) == 12
    population = table.population_mid2018.sum()
    assert target_rate_per_1000(table) == pytest.approx(9 / population * 1000)
    assert table.loc[ABBEY, "rate_per_1000"] == round(5 / table.loc[ABBEY, "population_mid2018"] * 1000, 1)
    assert meta_of(table).period_a.label == "2018-19" and "Spiegelhalter 2005" in meta_of(table).method


def test_ward_funnel_counts_are_the_ward_tables(built_conn):
    selection = Selection("police_uk", districts=("Bromsgrove", "Wyre Forest"), boundaries="wd25")
    period = parse_period("2025-01..2025-12")
    table = ward_funnel(built_conn, selection, period)
    counts = compare_counts(built_conn, selection, period, period, "ward_wd25").set_index("key").count_b
    shown = table.set_index("ward_code")["count"]
    assert shown[shown > 0].sort_index().tolist() == counts.sort_index().tolist()
    assert int(table["count"].sum()) == int(counts.sum())


def test_district_funnel_covers_the_three_districts(built_conn):
    table = district_funnel(built_conn, Selection("extract"), FY2018)
    assert table.district.tolist() == ["Bromsgrove", "Redditch", "Wyre Forest"]
    assert (
        table["count"].sum()
        == built_conn.execute(
            "SELECT count(*) FROM incidents WHERE source = 'extract' AND is_asb AND month >= ? AND month < ?",
            [FY2018.start, FY2018.end_exclusive],
        ).fetchone()[0]
    )


def test_funnel_table_refuses_an_unknown_unit(built_conn):
    with pytest.raises(AnalyticsError, match="Valid choices: district, ward"):
        funnel_table(built_conn, Selection("extract"), FY2018, by="lsoa")


def test_funnel_curve_spans_the_units():
    units = pd.DataFrame({"ward_name": ["A", "B"], "count": [30, 90], "population_mid2018": [1000, 3000]})
    curve = funnel_curve(funnel(units))
    assert curve.population_mid2018.min() <= 1000 and curve.population_mid2018.max() >= 3000
    assert (curve.limit_upper_998.astype(float) >= curve.limit_upper_95.astype(float)).all()


def test_public_mode_shows_no_rate_or_limits_of_an_area_whose_total_is_hidden():
    from analytics.core.disclosure import suppress
    from analytics.present.compare_charts import funnel_chart
    from analytics.present.compare_narrative import funnel_summary

    units = pd.DataFrame({"ward_name": ["A", "B"], "count": [1, 2], "population_mid2018": [1000, 3000]})
    table = funnel(units)
    shown = suppress(table, 5)
    assert (shown[["rate_per_1000", "limit_lower_95", "limit_upper_998", "funnel_position"]] == "").all().all()
    assert "Too few incidents" in funnel_summary(table, 5) and "0.8" not in funnel_summary(table, 5)
    fig = funnel_chart(table, suppress_below=5)
    assert not fig.data and "not shown" in fig.layout.meta["alt_text"]
    assert "0.8" in funnel_summary(table)  # analyst mode: 3 incidents over 4,000 residents


def test_a_district_funnel_reads_in_words_and_draws(built_conn):
    from analytics.present.compare_charts import funnel_chart
    from analytics.present.compare_narrative import funnel_summary

    table = district_funnel(built_conn, Selection("police_uk"), parse_period("2025-01..2025-12"))
    sentence = funnel_summary(table)
    assert sentence.startswith("Against North Worcestershire's rate of") and "district" in sentence
    named = [d for d, p in zip(table.district, table.funnel_position, strict=True) if p != POSITIONS[2]]
    assert all(name in sentence for name in named)
    fig = funnel_chart(table)
    points = {name for trace in fig.data if trace.mode and "markers" in trace.mode for name in trace.hovertext}
    assert len(points) == 3


def test_a_period_without_incidents_has_no_funnel(comparable_conn):
    from analytics.present.compare_charts import funnel_chart
    from analytics.present.compare_narrative import funnel_summary

    table = ward_funnel(comparable_conn, Selection("extract", districts=("Bromsgrove",)), FY2018)
    assert table["count"].sum() == 0
    assert "there is no funnel" in funnel_summary(table)
    assert not funnel_chart(table).data


def test_the_funnel_names_its_lines_under_the_plot_and_its_outliers_unless_a_slide_has_them(built_conn):
    from analytics.present.compare_charts import funnel_chart

    table = ward_funnel(built_conn, Selection("extract", districts=("Redditch",)), FY2018)
    fig = funnel_chart(table)
    # The legend holds the points' verdicts only; the limits and the rate are named under the plot.
    assert {t.name for t in fig.data if t.showlegend is not False} <= set(POSITIONS)
    assert fig.layout.title.subtitle.text == "2018-19; Redditch's rate 37.7 per 1,000 (thick line)"
    assert fig.layout.meta["notes"][0].startswith("Dashed lines: 95% limits; thin lines: 99.8% limits")
    outside = {n for n, p in zip(table.ward_name, table.funnel_position, strict=True) if p != POSITIONS[2]}
    named = {text for t in fig.data if t.mode == "markers+text" for text in t.text}
    assert named == outside and outside
    # A name is placed towards the middle of the plot, and never cut at its edge.
    assert all(t.cliponaxis is False for t in fig.data if t.mode == "markers+text")
    sides = {
        text: side
        for t in fig.data
        if t.mode == "markers+text"
        for text, side in zip(t.text, t.textposition, strict=True)
    }
    population = dict(zip(table.ward_name, table.population_mid2018.astype(float), strict=True))
    assert sides[min(outside, key=population.get)].endswith("right")  # the leftmost named: its name to the right
    assert sides[max(outside, key=population.get)].endswith("left")
    # On a slide the table beside the chart names them: the points carry no text.
    assert not [t for t in funnel_chart(table, names=False).data if t.mode == "markers+text"]
