"""The forecast (analytics/analyses/forecast*.py): a hand-worked example, the fit against an
independent Newton-Raphson fit, the backtest against an independent computation, the refusals,
partial months, public mode and the command line."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pytest
import statsmodels.api as sm

from analytics.__main__ import main
from analytics.analyses.forecast import forecast, forecast_table
from analytics.analyses.forecast_backtest import backtest, backtest_errors
from analytics.analyses.forecast_model import MIN_MONTHS, fit_model, year_blocks
from analytics.core.disclosure import suppress, undeclared
from analytics.core.errors import AnalyticsError
from analytics.core.periods import parse_period
from analytics.core.selection import Selection
from analytics.core.table_meta import meta_of
from analytics.present.forecast_narrative import backtest_words, forecast_line
from tests.seasonal_store import add, connect_with

EXTRACT = Selection(source="extract")
POLICE = Selection(source="police_uk", districts=("Redditch",))


def _months(first: str, n: int) -> list[str]:
    start = date.fromisoformat(first + "-01")
    index = start.year * 12 + start.month - 1
    return [f"{(index + i) // 12:04d}-{(index + i) % 12 + 1:02d}" for i in range(n)]


def _filler(counts: dict[str, int], source: str = "police_uk", **last_month: int):
    """Fill a store with ``counts`` ({"YYYY-MM": n}); ``last_month`` (first_day, last_day) spreads
    the last month's report times over those days (a partial month for the extract)."""

    def fill(conn) -> None:
        months = sorted(counts)
        for month in months:
            days = last_month if month == months[-1] else {"first_day": 1, "last_day": 28}
            add(conn, month, counts[month], source=source, **(days if source == "extract" else {}))

    return fill


# ----------------------------------------------------------------------------- the model by hand

# Two years: 100 incidents every month, 200 in October. The model fits it exactly: each
# calendar month's coefficient is the log of its count and the second year's level is the first's.
TWO_YEARS = np.where(np.arange(24) % 12 + 1 == 10, 200.0, 100.0)
CALENDAR = np.arange(24) % 12 + 1


def test_hand_worked_forecast_and_its_intervals():
    fit = fit_model(TWO_YEARS, CALENDAR)
    assert fit.mean(np.array([10, 11])) == pytest.approx([200.0, 100.0])
    assert fit.dispersion == 1.0  # a perfect fit: Pearson chi-squared 0, floored at Poisson's 1
    assert fit.latest_against_previous == pytest.approx(0.0, abs=1e-9)
    # By hand. Write October's two log means as psi - d/2 (latest year) and psi + d/2 (the year
    # before): with equal weights psi and d are orthogonal. Var(psi) = 1 / (200 + 200); d is the
    # difference between the years, with information sum over months of mu_m / 2 = 1300 / 2, so
    # Var(d) = 1 / 650. The forecast's log mean is psi - d/2:
    var_log = 1 / 400 + (1 / 4) * (1 / 650)
    # ... and a count's variance is the Poisson mean plus the mean's own (delta method).
    sd = math.sqrt(200 + 200**2 * var_log)  # 17.76
    predicted = fit.intervals(np.array([10]), seed=1, draws=20000)
    for level, z in ((80, 1.2816), (95, 1.96)):
        assert predicted[f"lower_{level}"][0] == pytest.approx(200 - z * sd, abs=3.5)
        assert predicted[f"upper_{level}"][0] == pytest.approx(200 + z * sd, abs=3.5)


def test_a_step_in_the_level_moves_the_forecast_at_once():
    # The second year runs 10% higher throughout: the forecast takes the latest year's level.
    counts = TWO_YEARS * np.where(np.arange(24) >= 12, 1.1, 1.0)
    fit = fit_model(counts, CALENDAR)
    assert fit.mean(np.array([10, 11, 1])) == pytest.approx([220.0, 110.0, 110.0])
    assert fit.latest_against_previous == pytest.approx(0.1)


def test_year_blocks_count_back_from_the_last_month():
    assert year_blocks(26).tolist() == [2, 2] + [1] * 12 + [0] * 12


def test_fewer_than_24_months_are_not_fitted():
    with pytest.raises(ValueError, match="at least 24 continuous months"):
        fit_model(TWO_YEARS[:23], CALENDAR[:23])


def _noisy(n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    calendar = (np.arange(n) + 3) % 12 + 1  # starting in April
    mean = 80 * np.where(calendar == 10, 1.4, 1.0) * np.where(calendar == 2, 0.8, 1.0) * (1 + 0.004 * np.arange(n))
    return rng.negative_binomial(mean / 0.5, 1 / 1.5).astype(float), calendar  # variance 1.5 × mean


def test_the_fit_agrees_with_statsmodels():
    counts, calendar = _noisy(40)
    exposure = np.ones(40)
    exposure[-1] = 0.5  # a half-held last month, as the extract's August is held in part
    counts[-1] = round(counts[-1] / 2)
    fit = fit_model(counts, calendar, exposure)
    blocks = (39 - np.arange(40)) // 12
    x = np.zeros((40, 12 + blocks.max()))
    x[np.arange(40), calendar - 1] = 1
    for b in range(1, blocks.max() + 1):
        x[blocks == b, 11 + b] = 1
    # Independently: statsmodels' own GLM, with the partial month as its exposure.
    glm = sm.GLM(counts, x, family=sm.families.Poisson(), exposure=exposure).fit()
    beta = glm.params
    assert fit.coefficients == pytest.approx(beta, rel=1e-6)
    mu = np.exp(x @ beta + np.log(exposure))
    assert fit.dispersion == pytest.approx(max(1.0, np.sum((counts - mu) ** 2 / mu) / (40 - x.shape[1])))
    assert fit.mean(np.array([4, 10])) == pytest.approx(np.exp(beta[[3, 9]]))
    assert fit.covariance == pytest.approx(glm.cov_params() * fit.dispersion, rel=1e-5)


# ----------------------------------------------------------------------------- the backtest


def _statsmodels_forecast(counts: np.ndarray, calendar: np.ndarray, month: int) -> float:
    n = len(counts)
    blocks = [(n - 1 - i) // 12 for i in range(n)]
    x = np.zeros((n, 12 + max(blocks)))
    for i, (m, b) in enumerate(zip(calendar, blocks, strict=True)):
        x[i, m - 1] = 1
        if b:
            x[i, 11 + b] = 1
    params = sm.GLM(counts, x, family=sm.families.Poisson()).fit().params
    return float(np.exp(params[month - 1]))


def test_the_backtest_agrees_with_an_independent_computation():
    counts, calendar = _noisy(34)
    summary, errors = backtest(counts, calendar, horizon=3, seed=5)
    rows = []
    for origin in range(23, 33):  # fitted on months 0..origin, at least 24 of them
        seen = counts[: origin + 1]
        scale = sum(abs(seen[t] - seen[t - 12]) for t in range(12, origin + 1)) / (origin + 1 - 12)
        fit = fit_model(seen, calendar[: origin + 1])
        targets = [t for t in range(origin + 1, origin + 4) if t < 34]
        predicted = fit.intervals(calendar[targets], seed=5 + origin)
        for k, t in enumerate(targets):
            inside = {
                level: predicted[f"lower_{level}"][k] <= counts[t] <= predicted[f"upper_{level}"][k]
                for level in (80, 95)
            }
            # The point forecast independently: statsmodels' GLM on the same months, the same-month
            # coefficient at the latest year's level (the reference block).
            forecast_error = abs(counts[t] - _statsmodels_forecast(seen, calendar[: origin + 1], calendar[t])) / scale
            naive_error = abs(counts[t] - counts[t - 12]) / scale
            rows.append((t - origin, forecast_error, naive_error, inside[80], inside[95]))
    assert len(errors) == len(rows) == 10 + 9 + 8
    for horizon, row in zip([1, 2, 3, None], summary.itertuples(), strict=True):
        mine = [r for r in rows if horizon is None or r[0] == horizon]
        assert row.forecasts == len(mine)
        assert row.mase == pytest.approx(np.mean([r[1] for r in mine]), rel=1e-6)
        assert row.mase_naive == pytest.approx(np.mean([r[2] for r in mine]), rel=1e-9)
        assert row.coverage_80 == pytest.approx(np.mean([r[3] for r in mine]))
        assert row.coverage_95 == pytest.approx(np.mean([r[4] for r in mine]))
    assert summary.origins.tolist() == [10, 9, 8, 10]


def test_intervals_cover_about_as_often_as_they_say():
    # Months drawn from the model's own form (a steady season, Poisson noise): over many
    # origins the 80% and 95% intervals must hold about 80% and 95% of the months.
    rng = np.random.default_rng(11)
    calendar = np.arange(84) % 12 + 1
    counts = rng.poisson(60 * np.where(calendar >= 10, 1.5, 1.0)).astype(float)
    summary, _ = backtest(counts, calendar, horizon=1, seed=2)
    pooled = summary.iloc[-1]
    assert pooled.forecasts == 84 - MIN_MONTHS
    assert 0.68 <= pooled.coverage_80 <= 0.92
    assert 0.88 <= pooled.coverage_95 <= 1.0
    # ... and beat the seasonal-naive forecast, which carries a whole year's noise.
    assert pooled.mase < pooled.mase_naive


def test_a_history_of_exactly_24_months_has_no_backtest():
    summary, errors = backtest(TWO_YEARS, CALENDAR, horizon=6)
    assert summary.empty and errors.empty
    assert backtest_errors(np.r_[TWO_YEARS, 100.0], np.r_[CALENDAR, 1], horizon=6).shape[0] == 1


# ----------------------------------------------------------------------------- from the store


def test_a_gap_among_the_24_months_is_named_and_nothing_is_forecast(geo_db):
    months = _months("2022-01", 36)
    counts = {m: 50 for m in months if m not in ("2023-05", "2023-06", "2023-07")}
    with connect_with(geo_db, _filler(counts)) as conn:
        result = forecast(conn, POLICE)
        table = forecast_table(conn, POLICE)
    assert result.refusal == (
        "Not forecast: a seasonal model needs at least 24 continuous months ending Dec 2024; the police.uk "
        "street-level data (real, open data) holds only 17 continuous months (Aug 2023–Dec 2024), and has no "
        "data for May–Jul 2023."
    )
    assert result.forecasts.empty and result.backtest.empty and table.empty
    assert meta_of(table).method == result.refusal
    # The history is still there, its missing months missing (never 0).
    assert result.frame["count"].isna().sum() == 3 and not result.frame["in_model"].any()


def test_a_short_history_is_refused_with_its_length(geo_db):
    counts = {m: 50 for m in _months("2023-01", 30)}
    with connect_with(geo_db, _filler(counts)) as conn:
        short = forecast(conn, POLICE, parse_period("2024-01..2025-06"))
        full = forecast(conn, POLICE)
    assert short.refusal == (
        "Not forecast: a seasonal model needs at least 24 continuous months ending Jun 2025; the police.uk "
        "street-level data (real, open data) holds only 18 continuous months (Jan 2024–Jun 2025); the history "
        "chosen (Jan 2024–Jun 2025) has 18 months."
    )
    assert full.refusal == ""
    assert full.forecasts["month_label"].tolist() == [
        "Jul 2025",
        "Aug 2025",
        "Sep 2025",
        "Oct 2025",
        "Nov 2025",
        "Dec 2025",
    ]
    assert full.forecasts["forecast"].to_numpy() == pytest.approx([50.0] * 6)
    assert full.backtest.iloc[-1]["origins"] == 30 - MIN_MONTHS


def test_24_months_are_forecast_but_not_backtested_and_it_says_so(geo_db):
    counts = {m: (90 if m[5:] == "10" else 45) for m in _months("2023-01", 24)}
    with connect_with(geo_db, _filler(counts)) as conn:
        result = forecast(conn, POLICE, horizon=3)
    assert result.refusal == "" and result.backtest.empty
    assert result.forecasts["forecast"].to_numpy() == pytest.approx([45.0, 45.0, 45.0])
    assert "No backtest: it needs more than 24 whole continuous months" in result.method
    assert backtest_words(result).startswith("Not tested on the source's own history")
    assert forecast_line(result).startswith("What next in Redditch, from the months to Dec 2024: about 45 ASB")


def test_a_partial_last_month_is_fitted_for_the_days_held(geo_db):
    # 26 months of the extract, 62 a month (2 a day in a 31-day month, and so on); the last,
    # Aug 2019, held to the 15th: 30 incidents in 15 of its 31 days.
    months = _months("2017-07", 26)
    counts = {m: 2 * (31 if m[5:] in ("01", "03", "05", "07", "08", "10", "12") else 30) for m in months}
    counts["2018-02"], counts["2019-02"] = 56, 56
    counts["2019-08"] = 30
    with connect_with(geo_db, _filler(counts, source="extract", first_day=1, last_day=15)) as conn:
        result = forecast(conn, EXTRACT, horizon=2)
    assert "Aug 2019 for the 15 of its 31 days held" in result.method
    assert result.forecasts["month_label"].tolist() == ["Sep 2019", "Oct 2019"]
    # Thirty in fifteen days is two a day: a whole September would bring 60, October 62.
    assert result.forecasts["forecast"].to_numpy() == pytest.approx([60.0, 62.0], rel=0.01)
    assert result.synthetic and meta_of(result.frame).synthetic


def test_public_mode_hides_a_small_forecast_and_its_intervals(geo_db):
    counts = {m: (3 if m[5:] == "10" else 40) for m in _months("2022-01", 30)}
    with connect_with(geo_db, _filler(counts)) as conn:
        table = forecast_table(conn, POLICE, horizon=6)
    assert undeclared(table) == []
    shown = suppress(table, 5)
    october = shown[shown.month_label == "Oct 2024"].iloc[0]
    assert october.forecast == "<5" and october.lower_80 == "" and october.upper_95 == ""
    august = shown[shown.month_label == "Aug 2024"].iloc[0]
    assert float(august.forecast) == pytest.approx(40.0) and august.upper_95 != ""


def test_a_calendar_month_with_no_incident_is_refused(geo_db):
    # July never has an incident: its coefficient would be minus infinity, and its range unbounded.
    months = _months("2022-01", 30)
    redditch = _filler({m: 4 for m in months if m[5:] != "07"})

    def fill(conn) -> None:  # the source holds July (Bromsgrove's); Redditch has none: a real 0
        redditch(conn)
        for month in (m for m in months if m[5:] == "07"):
            add(conn, month, 2, district="Bromsgrove")

    with connect_with(geo_db, fill) as conn:
        result = forecast(conn, POLICE)
    assert result.refusal == (
        "Not forecast: no incidents at all in July of the months fitted (Jan 2022–Jun 2024), so the seasonal "
        "model has no estimate for it; counts this small are better read month by month."
    )
    assert result.forecasts.empty
    months = np.arange(30) % 12 + 1
    with pytest.raises(ValueError, match="no incidents at all in July"):
        fit_model(np.where(months == 7, 0.0, 4.0), months)
    # In the backtest, an origin whose months have no July yet makes no forecast and is not counted.
    counts_later = np.where((months == 7) & (np.arange(30) < 12), 0.0, 4.0)
    summary, _ = backtest(counts_later, months, horizon=1)
    assert summary.iloc[-1]["origins"] == 30 - MIN_MONTHS


def test_every_forecast_column_is_declared(built_conn):
    result = forecast(built_conn, EXTRACT)
    for frame in (result.frame, result.backtest, forecast_table(built_conn, EXTRACT)):
        assert undeclared(frame) == []


def test_a_horizon_outside_1_to_6_is_refused(built_conn):
    for horizon in (0, 7, 2.5, "3"):
        with pytest.raises(AnalyticsError, match="from 1 to 6"):
            forecast(built_conn, EXTRACT, horizon=horizon)


# ----------------------------------------------------------------------------- the embedded data


def test_the_synthetic_extract_in_september_2019(built_conn):
    for place in (EXTRACT, EXTRACT.with_(districts=("Redditch",))):
        result = forecast(built_conn, place)
        forecasts = result.forecasts.set_index("month_label")
        assert result.origin == date(2019, 8, 1) and result.synthetic
        assert forecasts.index.tolist()[:3] == ["Sep 2019", "Oct 2019", "Nov 2019"]
        # The Halloween peak: October and November above September, each inside its intervals.
        assert forecasts.loc["Oct 2019", "forecast"] > forecasts.loc["Sep 2019", "forecast"] * 1.15
        assert forecasts.loc["Nov 2019", "forecast"] > forecasts.loc["Sep 2019", "forecast"] * 1.1
        assert (forecasts.lower_95 <= forecasts.lower_80).all() and (forecasts.lower_80 < forecasts.forecast).all()
        assert (forecasts.forecast < forecasts.upper_80).all() and (forecasts.upper_80 <= forecasts.upper_95).all()
        pooled = result.backtest.iloc[-1]
        assert pooled.origins == 28 and pooled.forecasts == 153
        assert "53 continuous months Apr 2015–Aug 2019 (Aug 2019 for the 28 of its 31 days held)" in result.method
        assert pooled.mase < pooled.mase_naive  # better than the same month a year earlier


def test_police_uk_2025_is_refused_because_its_months_are_not_continuous(built_conn):
    result = forecast(built_conn, Selection(source="police_uk"))
    assert result.refusal.startswith(
        "Not forecast: a seasonal model needs at least 24 continuous months ending Dec 2025"
    )
    assert "only 12 continuous months (Jan–Dec 2025), and has no data for May–Dec 2024" in result.refusal
    year = forecast(built_conn, Selection(source="police_uk"), parse_period("CY2025"))
    assert "the history chosen (2025) has 12 months" in year.refusal
    assert result.forecasts.empty and year.forecasts.empty


def _main(capsys, built_db, *args) -> tuple[int, str, str]:
    status = main([*args, "--db", str(built_db)])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_command_line_table(capsys, built_db):
    status, out, err = _main(capsys, built_db, "table", "forecast", "--source", "extract", "--district", "Redditch")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("month,month_label,horizon,forecast,lower_95,lower_80,upper_80,upper_95,backtest_")
    assert [line.split(",")[1] for line in lines[1:]] == [
        "Sep 2019",
        "Oct 2019",
        "Nov 2019",
        "Dec 2019",
        "Jan 2020",
        "Feb 2020",
    ]
    assert "SYNTHETIC" in err and "Anti-social behaviour in Redditch" in err and "Backtest: rolling origin" in err
    status, out, err = _main(capsys, built_db, "table", "forecast", "--source", "police_uk", "--horizon", "3")
    assert status == 0 and out.count("\n") == 1  # the header alone
    assert "WARNING: method: Not forecast" in err and "May–Dec 2024" in err


def test_the_command_line_refuses_the_horizon_elsewhere(capsys, built_db):
    status, out, err = _main(capsys, built_db, "table", "seasonal", "--horizon", "3")
    assert status == 2 and "does not take --horizon" in err
    with pytest.raises(SystemExit):
        main(["table", "forecast", "--horizon", "9", "--db", str(built_db)])


def test_the_public_command_line_keeps_large_forecasts(capsys, built_db):
    status, out, _ = _main(capsys, built_db, "table", "forecast", "--source", "extract", "--public", "--format", "json")
    assert status == 0
    payload = json.loads(out)
    assert payload["meta"]["suppressed_below"] == 5 and payload["meta"]["synthetic"]
    assert [row["month_label"] for row in payload["rows"]][:2] == ["Sep 2019", "Oct 2019"]
    assert all(row["forecast"] > 100 and row["upper_95"] > row["forecast"] for row in payload["rows"])
