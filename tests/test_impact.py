"""Did it work: the weighted displacement difference, validated by simulation, and the evaluation
on the store (refusals naming the months it lacks, too-small counts, the verdict's words).

The simulations generate monthly series with a season and a year-on-year trend shared by every
area, inject a known effect into the target's (and buffer's) months after the start, and check over
many seeds that the estimates recover the effect and that the 95% intervals cover it close to 95%
of the time.
"""

from __future__ import annotations

import datetime
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analytics.analyses import impact, impact_area, interventions
from analytics.analyses.wdd import wdd
from analytics.core.errors import AnalyticsError
from analytics.core.selection import Selection
from analytics.core.table_meta import PeriodCoverage, TableMeta, with_meta
from analytics.present.impact_words import verdict
from tests.conftest import ROOT

SEEDS = 2000
MONTHS = 12
#: Mean monthly counts before any effect: target, buffer, comparison.
BASE = {"target": 30.0, "buffer": 25.0, "control": 80.0}


def _season(months: int) -> np.ndarray:
    return 1 + 0.35 * np.cos(2 * np.pi * (np.arange(months) - 9) / 12)  # a peak in October


def _means(fall: float, displaced: float, trend: float = 1.08) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Monthly means, before and after, per area: the after year is ``trend`` times the before one
    everywhere; the target loses ``fall`` of its after months, and ``displaced`` of what it loses
    goes to the buffer."""
    season = _season(MONTHS)
    means = {name: (base * season, base * season * trend) for name, base in BASE.items()}
    t_before, t_after = means["target"]
    lost = fall * t_after
    means["target"] = (t_before, t_after - lost)
    b_before, b_after = means["buffer"]
    means["buffer"] = (b_before, b_after + displaced * lost)
    return means


def _simulate(fall: float, displaced: float, seeds: int = SEEDS) -> tuple[pd.DataFrame, dict[str, float]]:
    """Estimates over ``seeds`` generated series, and the true effects in incidents."""
    means = _means(fall, displaced)
    no_effect = _means(0.0, 0.0)
    truth = {name: float(means[name][1].sum() - no_effect[name][1].sum()) for name in ("target", "buffer")}
    truth["net"] = truth["target"] + truth["buffer"]
    rows = []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        counts = {
            name: (int(rng.poisson(before).sum()), int(rng.poisson(after).sum()))
            for name, (before, after) in means.items()
        }
        (t0, t1), (d0, d1), (c0, c1) = counts["target"], counts["buffer"], counts["control"]
        result = wdd(t0, t1, c0, c1, d0, d1)
        for name in ("target", "buffer", "net"):
            e = getattr(result, name)
            rows.append({"area": name, "estimate": e.estimate, "lower": e.lower, "upper": e.upper})
    return pd.DataFrame(rows), truth


@pytest.mark.parametrize(
    ("scenario", "fall", "displaced"),
    [("a 30% fall", 0.30, 0.0), ("no change", 0.0, 0.0), ("a 30% fall displaced to the buffer", 0.30, 1.0)],
)
def test_simulated_effects_are_recovered_and_covered(scenario, fall, displaced):
    estimates, truth = _simulate(fall, displaced)
    for area in ("target", "buffer", "net"):
        mine = estimates[estimates.area == area]
        mean = mine.estimate.mean()
        # The mean estimate is the truth, within four standard errors of a mean of SEEDS estimates.
        tolerance = 4 * mine.estimate.std() / math.sqrt(len(mine))
        assert abs(mean - truth[area]) < tolerance, (scenario, area, mean, truth[area])
        coverage = ((mine.lower <= truth[area]) & (truth[area] <= mine.upper)).mean()
        # Nominal 95%: a binomial standard error of 0.005 over 2,000 seeds.
        assert 0.93 <= coverage <= 0.97, (scenario, area, coverage)


def test_the_scenarios_are_told_apart():
    """A 30% fall is found most of the time; no change is called a change about 5% of the time."""
    fall, _ = _simulate(0.30, 0.0, seeds=400)
    none, _ = _simulate(0.0, 0.0, seeds=400)
    displaced, truth = _simulate(0.30, 1.0, seeds=400)
    target_fall = fall[fall.area == "target"]
    assert (target_fall.upper < 0).mean() > 0.9
    target_none = none[none.area == "target"]
    assert 0.02 <= ((target_none.upper < 0) | (target_none.lower > 0)).mean() <= 0.09
    buffer = displaced[displaced.area == "buffer"]
    assert (buffer.lower > 0).mean() > 0.6  # the displaced incidents show in the buffer
    assert truth["net"] == pytest.approx(0.0, abs=1e-9)


def test_wdd_worked_by_hand():
    # Comparison flat (r = 1): the target's effect is its own change, the net adds the buffer's.
    result = wdd(t0=100, t1=70, c0=400, c1=400, d0=50, d1=60)
    assert result.target.estimate == -30 and result.buffer.estimate == 10 and result.net.estimate == -20
    # Var(target) = 70 + 100 + 100^2 * (1/400 + 1/400) = 220.
    assert result.target.se == pytest.approx(math.sqrt(220))
    # Var(net) = 70 + 60 + (100 + 50) + 150^2 * (2/400) = 392.5.
    assert result.net.se == pytest.approx(math.sqrt(392.5))
    assert result.season.estimate == -30 and result.season.se == pytest.approx(math.sqrt(170))
    # The comparison area rose 10%: the target was expected to have 110.
    assert wdd(100, 70, 400, 440).target.estimate == pytest.approx(-40)
    with pytest.raises(AnalyticsError, match="comparison area has no incidents"):
        wdd(10, 10, 0, 10)


def test_windows_are_the_same_months_a_year_earlier():
    before, after = impact.windows(datetime.date(2025, 11, 1), 3)
    assert [f"{m:%Y-%m}" for m in after] == ["2025-11", "2025-12", "2026-01"]
    assert [f"{m:%Y-%m}" for m in before] == ["2024-11", "2024-12", "2025-01"]
    with pytest.raises(AnalyticsError, match="1 to 12 months"):
        impact.windows(datetime.date(2025, 1, 1), 13)


POLICE = Selection(source="police_uk")
ABBEY = "E05007868"


def test_pspo_without_a_start_month_is_refused(built_conn):
    with pytest.raises(impact.ImpactRefused, match="date to confirm"):
        interventions.evaluate_intervention(built_conn, "redditch-town-centre-pspo", POLICE)


def test_missing_months_are_named_exactly(built_conn):
    """police.uk holds Jan-Apr 2024 and 2025, not 2023: a start in January 2024 lacks its before window."""
    with pytest.raises(impact.ImpactRefused) as refused:
        interventions.evaluate_intervention(
            built_conn, "redditch-town-centre-pspo", POLICE, datetime.date(2024, 1, 1), 4
        )
    message = str(refused.value)
    assert "before (Jan–Apr 2023): 2023-01, 2023-02, 2023-03, 2023-04." in message
    assert "after" not in message.split("needs")[0].split("2023-04")[1]  # the after window is held in full
    assert "can evaluate with 4 months either side: 2025-01." in message
    with pytest.raises(impact.ImpactRefused) as refused:
        interventions.evaluate_intervention(
            built_conn, "redditch-town-centre-pspo", POLICE, datetime.date(2024, 6, 1), 12
        )
    message = str(refused.value)
    assert (
        "2024-05; after (Jun 2024–May 2025): 2024-06, 2024-07, 2024-08, 2024-09, 2024-10, 2024-11, 2024-12." in message
    )
    assert "either side: none." in message


def test_pspo_evaluated_where_police_uk_holds_both_windows(built_conn):
    frame = interventions.evaluate_intervention(
        built_conn, "redditch-town-centre-pspo", POLICE, datetime.date(2025, 1, 1), 4
    )
    target = frame[frame.area == "Target"].iloc[0]
    # Counted independently: Abbey's police.uk ASB in Jan-Apr 2024 and Jan-Apr 2025.
    before, after = built_conn.execute(
        """SELECT count(*) FILTER (WHERE month BETWEEN '2024-01-01' AND '2024-04-01'),
                  count(*) FILTER (WHERE month BETWEEN '2025-01-01' AND '2025-04-01')
           FROM incidents WHERE source = 'police_uk' AND is_asb AND ward_wd22 = ?""",
        [ABBEY],
    ).fetchone()
    assert (target.count_a, target.count_b) == (before, after)
    assert target.effect_lower < target.effect < target.effect_upper
    meta = frame.attrs["meta"]
    assert meta.period_a.label == "Jan–Apr 2024" and meta.period_b.label == "Jan–Apr 2025"
    assert not meta.synthetic and "police.uk" in meta.source
    words = verdict(frame)
    if target.effect_lower <= 0 <= target.effect_upper:
        assert words.startswith("No change distinguishable from the usual seasonal movement")
    assert "95% interval" in words


def test_buffer_touches_and_comparison_is_the_rest_of_the_district(built_conn):
    areas = impact.default_areas(built_conn, (ABBEY,), "wd22")
    assert ABBEY not in areas.buffer + areas.control
    assert not set(areas.buffer) & set(areas.control)
    redditch = {
        r[0]
        for r in built_conn.execute(
            "SELECT ward_code FROM wards WHERE vintage = 'wd22' AND district = 'Redditch'"
        ).fetchall()
    }
    assert set(areas.control) == redditch - {ABBEY} - set(areas.buffer)
    with pytest.raises(impact.ImpactRefused, match="holds target wards"):
        impact.default_areas(built_conn, (ABBEY,), "wd22", control=(ABBEY,))


def test_small_counts_are_refused(built_conn):
    areas = impact.Areas((ABBEY,), (), ("E05007879",), "wd22")
    # One month: Winyates (the comparison) has fewer than 10 ASB incidents in January 2024.
    with pytest.raises(impact.ImpactRefused, match="too small to judge: comparison area before"):
        impact.evaluate(built_conn, POLICE, areas, datetime.date(2025, 1, 1), 1)


def _frame(lower: float, effect: float, upper: float) -> pd.DataFrame:
    rows = [
        {
            "area": "Target",
            "ward_name": "Abbey",
            "count_a": 50,
            "count_b": 40,
            "expected_after": 55.0,
            "effect": effect,
            "effect_lower": lower,
            "effect_upper": upper,
        },
    ]
    meta = TableMeta(period_a=PeriodCoverage("Jan–Apr 2024", 4), period_b=PeriodCoverage("Jan–Apr 2025", 4))
    return with_meta(pd.DataFrame(rows), meta)


def test_verdict_never_claims_more_than_the_interval():
    assert verdict(_frame(-30, -15, -1)).startswith("Abbey had 15 fewer incidents in Jan–Apr 2025")
    assert verdict(_frame(-30, -15, 2)).startswith("No change distinguishable from the usual seasonal movement")
    assert verdict(_frame(1, 15, 30)).startswith("Abbey had 15 more incidents")
    assert "not shown" in verdict(_frame(-30, -15, -1).assign(count_a=3), threshold=5)


def test_command_line_impact_refuses_naming_months(built_db):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics",
            "table",
            "impact",
            "--intervention",
            "redditch-town-centre-pspo",
            "--start",
            "2024-01",
            "--months",
            "4",
            "--db",
            str(built_db),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 2
    assert "2023-01, 2023-02, 2023-03, 2023-04" in run.stderr


def test_an_area_drawn_counts_the_points_inside_it(built_conn):
    """Abbey's own outline drawn as the area: its target counts are the rows placed in Abbey by point."""
    outline = built_conn.execute(
        "SELECT geometry_geojson FROM wards WHERE vintage = 'wd22' AND ward_code = ?", [ABBEY]
    ).fetchone()[0]
    frame = impact_area.evaluate_area(built_conn, POLICE, outline, datetime.date(2025, 1, 1), 4, name="Abbey drawn")
    target = frame[frame.area == "Target"].iloc[0]
    before, after = built_conn.execute(
        """SELECT count(*) FILTER (WHERE month BETWEEN '2024-01-01' AND '2024-04-01'),
                  count(*) FILTER (WHERE month BETWEEN '2025-01-01' AND '2025-04-01')
           FROM incidents WHERE source = 'police_uk' AND is_asb AND ward_wd22 = ? AND ward_method_wd22 = 'point'""",
        [ABBEY],
    ).fetchone()
    # A snap point exactly on the outline may fall either way: within one or two of the ward's own count.
    assert abs(target.count_a - before) <= 2 and abs(target.count_b - after) <= 2
    assert list(frame.ward_name)[:3] == ["Abbey drawn", "400 m around it", "the rest of Redditch"]
    corners = "[-1.9405, 52.3060], [-1.9400, 52.3060], [-1.9400, 52.3063], [-1.9405, 52.3060]"
    small = '{"type": "Polygon", "coordinates": [[' + corners + "]]}"
    with pytest.raises(impact.ImpactRefused, match="too small to judge: target before"):
        impact_area.evaluate_area(built_conn, POLICE, small, datetime.date(2025, 1, 1), 4)
