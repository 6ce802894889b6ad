"""The weighted displacement difference (WDD): did an intervention change counts in its area,
and did it push them next door?

Four areas' counts in two windows, *before* and *after*: the **target** (where the intervention
was), the **buffer** around it (where displaced incidents would go) and the **comparison** area
(like them, untouched). Wheeler and Ratcliffe (2018), "A simple weighted displacement difference
test to evaluate place based crime interventions", *Crime Science* 7:11, write it as

    WDD = (T1 - T0) - (C1 - C0) + (D1 - D0) - (C1' - C0')

with the counts' Poisson variances summed, and weights for areas of different sizes. Here the
comparison area is weighted to each area's own before count (weight T0 / C0 for the target,
D0 / C0 for the buffer), so a district's other wards can be the comparison for one ward:

    target effect  = T1 - T0 * r                 with r = C1 / C0
    buffer effect  = D1 - D0 * r
    WDD (net)      = target effect + buffer effect

``T0 * r`` is what the target would have had after had it moved as the comparison area did. The
before window is the same calendar months a year earlier, so the season cancels: ``T0`` alone is
what the season predicts. A weight estimated from the data adds variance, which the delta method
gives (Var(r) ~ r^2 (1/C1 + 1/C0)):

    Var(target effect) = T1 + r^2 T0 + T0^2 r^2 (1/C1 + 1/C0)
    Var(WDD)           = T1 + D1 + r^2 (T0 + D0) + (T0 + D0)^2 r^2 (1/C1 + 1/C0)

(the buffer shares the comparison area with the target, hence the squared sum). Intervals are
the normal approximation: estimate +/- z * sqrt(variance). tests/test_impact.py injects known
effects into generated monthly series and checks that the estimates recover them and that the
95% intervals cover the truth about 95% of the time.

Negative is fewer incidents. A positive buffer effect beside a negative target effect is
displacement; a negative one, a diffusion of benefit.

>>> e = wdd(t0=100, t1=70, c0=400, c1=400, d0=50, d1=50)
>>> e.target.estimate, e.buffer.estimate, e.net.estimate
(-30.0, 0.0, -30.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

from analytics.core.errors import AnalyticsError

LEVEL = 0.95


@dataclass(frozen=True)
class Estimate:
    """An effect in incidents (negative: fewer), its standard error and interval."""

    estimate: float
    se: float
    lower: float
    upper: float
    p_value: float

    @property
    def direction(self) -> str:
        """'fall' or 'rise' when the interval excludes no change, else 'none'."""
        if self.upper < 0:
            return "fall"
        if self.lower > 0:
            return "rise"
        return "none"


@dataclass(frozen=True)
class WddResult:
    """The target's and buffer's effects against the comparison area, their sum (the WDD), and
    the target's change against the season alone (after minus the same months a year earlier)."""

    target: Estimate
    buffer: Estimate
    net: Estimate
    season: Estimate
    ratio: float  # C1 / C0: how the comparison area moved
    level: float


def _estimate(value: float, variance: float, level: float) -> Estimate:
    se = math.sqrt(max(variance, 0.0))
    z = float(norm.ppf(0.5 + level / 2))
    p = float(2 * norm.sf(abs(value) / se)) if se > 0 else (1.0 if value == 0 else 0.0)
    return Estimate(float(value), se, value - z * se, value + z * se, p)


def wdd(t0: float, t1: float, c0: float, c1: float, d0: float = 0, d1: float = 0, level: float = LEVEL) -> WddResult:
    """The weighted displacement difference of counts: target (t), buffer (d), comparison (c),
    before (0) and after (1); a buffer of zeros leaves the target's effect alone."""
    if not 0 < level < 1:
        raise AnalyticsError(f"The interval's level must be between 0 and 1, not {level}.", title="Invalid level")
    counts = {"t0": t0, "t1": t1, "c0": c0, "c1": c1, "d0": d0, "d1": d1}
    if any(v < 0 or v != v for v in counts.values()):
        raise AnalyticsError(f"Counts must be 0 or more: {counts}.", title="Invalid counts")
    if c0 <= 0 or c1 <= 0:
        raise AnalyticsError(
            "The comparison area has no incidents in one window, so it predicts nothing.",
            title="Comparison area empty",
            fix="Choose a larger comparison area.",
        )
    r = c1 / c0
    ratio_var = r * r * (1 / c1 + 1 / c0)
    target = _estimate(t1 - t0 * r, t1 + r * r * t0 + t0 * t0 * ratio_var, level)
    buffer = _estimate(d1 - d0 * r, d1 + r * r * d0 + d0 * d0 * ratio_var, level)
    both = t0 + d0
    net = _estimate(target.estimate + buffer.estimate, t1 + d1 + r * r * both + both * both * ratio_var, level)
    season = _estimate(t1 - t0, t1 + t0, level)
    return WddResult(target, buffer, net, season, r, level)
