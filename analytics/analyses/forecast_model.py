"""The seasonal model the forecast rests on, on plain arrays: fit, predict with intervals, and
the rule for which months it may rest on.

In one sentence for a councillor: each coming month is expected to be the level of the latest
twelve months times that calendar month's usual share of a year, learned from every year held,
and its ranges allow both for how much months stray from that pattern and for how sure the
pattern itself is.

For the analyst: a Poisson log-linear model (a GLM, fitted by Newton-Raphson here; the tests check
it against statsmodels) of the monthly counts,

    log E[count_t] = log(exposure_t) + month_of_year(t) + level(year_block(t)),

with one coefficient per calendar month (12) and one level per block of 12 months counted back
from the last month fitted (the latest block is the reference, level 0; an earlier block shorter
than 12 months gets a level of its own too). The forecast months take the latest block's level:
no trend is drawn beyond the data, and a step in the level (a year that ran higher or lower
throughout) moves the forecast at once, as the seasonal-naive forecast does, while the season is
learned from every year rather than from one. This is the month-of-year model the seasonal page's
baseline uses (:mod:`analytics.analyses.seasonal_profile`), with years counted back from the
forecast instead of financial years.

Over-dispersion ``phi = Pearson chi-squared / (n - p)``, floored at 1 (Poisson). Prediction
intervals come from simulation (seeded): coefficients drawn from their estimated normal
distribution (covariance scaled by ``phi``), then a count from a negative binomial with that mean
and variance ``phi × mean`` (Poisson when ``phi`` is 1), so they hold both the parameter
uncertainty and the month-to-month noise. ``exposure`` is 1 for a whole month and the share of
its days held for a partial one (the synthetic extract's August 2019, held to the 28th).

The rule, stated once: the model needs at least :data:`MIN_MONTHS` (24, two whole seasonal
cycles) continuous months, none missing, ending where the forecast stands.

>>> import numpy as np
>>> months = np.arange(24) % 12 + 1  # January to December, twice
>>> counts = np.where(months == 10, 200.0, 100.0)
>>> fit = fit_model(counts, months)
>>> [round(float(x), 6) for x in fit.mean(np.array([10, 11]))]  # next October and November
[200.0, 100.0]
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "DRAWS",
    "LEVELS",
    "MAX_HORIZON",
    "MIN_MONTHS",
    "ModelFit",
    "fit_model",
    "year_blocks",
    "interval_columns",
]

#: The fewest continuous months the seasonal model rests on: two whole cycles, so that every
#: calendar month is seen twice and the trend is not confused with the season.
MIN_MONTHS = 24
#: The furthest month ahead forecast.
MAX_HORIZON = 6
#: The prediction intervals given, as central probabilities.
LEVELS = (0.80, 0.95)
#: Simulated months per forecast month; the intervals' quantiles come from them.
DRAWS = 4000
# Newton-Raphson: at most this many steps, done when no coefficient moves by more than this.
_ITERATIONS = 60
_CONVERGED = 1e-10

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


def interval_columns(level: float) -> tuple[str, str]:
    """The columns of an interval: ``("lower_80", "upper_80")`` for 0.80."""
    percent = round(level * 100)
    return f"lower_{percent}", f"upper_{percent}"


def year_blocks(n: int) -> Ints:
    """The 12-month block of each of ``n`` months counted back from the last (0 for the latest 12)."""
    return (n - 1 - np.arange(n)) // 12


def _design(month_of_year: Ints, block: Ints, blocks: int) -> Floats:
    """One column per calendar month (1 in its months), then one per earlier year block."""
    month_of_year, block = np.asarray(month_of_year), np.asarray(block)
    columns = np.zeros((len(month_of_year), 12 + blocks - 1))
    rows = np.arange(len(month_of_year))
    columns[rows, month_of_year - 1] = 1.0
    earlier = block > 0
    columns[rows[earlier], 11 + block[earlier]] = 1.0
    return columns


@dataclass(frozen=True)
class ModelFit:
    """A fitted model: coefficients (12 calendar months at the latest block's level, then the
    earlier blocks' levels), their covariance (already scaled by ``dispersion``), the dispersion
    and the number of months fitted."""

    coefficients: Floats
    covariance: Floats
    dispersion: float
    n: int

    @property
    def blocks(self) -> int:
        return len(self.coefficients) - 11

    @property
    def latest_against_previous(self) -> float | None:
        """The latest 12 months' level against the 12 before, as a proportion (-0.05 is 5% lower)."""
        return float(np.expm1(-self.coefficients[12])) if self.blocks > 1 else None

    def _future(self, month_of_year: Ints) -> Floats:
        """The design of forecast months: each at the latest block's level."""
        month_of_year = np.asarray(month_of_year)
        return _design(month_of_year, np.zeros(len(month_of_year), dtype=int), self.blocks)

    def mean(self, month_of_year: Ints) -> Floats:
        """The model's expected count of a whole coming month of each calendar month given."""
        return np.exp(self._future(month_of_year) @ self.coefficients)

    def intervals(self, month_of_year: Ints, seed: int = 0, draws: int = DRAWS) -> dict[str, Floats]:
        """Expected counts and the :data:`LEVELS` prediction intervals of whole coming months.

        Returns ``{"forecast": ..., "lower_95": ..., "upper_95": ..., "lower_80": ..., "upper_80": ...}``,
        the bounds being quantiles of ``draws`` simulated counts (random generator seeded with ``seed``).
        """
        rng = np.random.default_rng(seed)
        design = self._future(month_of_year)
        # The coming months' log means are normal with covariance X Σ X': drawn as such, which is
        # the same as drawing every coefficient and cheaper (a few months, not 13 or more columns).
        log_means = _normal_draws(rng, design @ self.coefficients, design @ self.covariance @ design.T, draws)
        # Clipped: a calendar month with no incidents has a coefficient near minus infinity and a
        # vast variance, and its draws must not overflow.
        means = np.exp(np.clip(log_means, -50.0, 20.0))  # months × draws
        if self.dispersion > 1.0:
            counts = rng.negative_binomial(means / (self.dispersion - 1.0), 1.0 / self.dispersion)
        else:
            counts = rng.poisson(means)
        out = {"forecast": np.exp(design @ self.coefficients)}
        for level in sorted(LEVELS, reverse=True):
            low, high = interval_columns(level)
            tail = (1.0 - level) / 2.0
            out[low] = np.quantile(counts, tail, axis=1, method="inverted_cdf").astype(float)
            out[high] = np.quantile(counts, 1.0 - tail, axis=1, method="inverted_cdf").astype(float)
        return out


def _normal_draws(rng: np.random.Generator, mean: Floats, covariance: Floats, draws: int) -> Floats:
    """``draws`` of a multivariate normal, months × draws. Cholesky, which is unique (the eigenvectors'
    signs are not, and would make the draws depend on the LAPACK build); the eigen decomposition
    only for a covariance that is not positive definite (a calendar month with no incidents)."""
    try:
        return rng.multivariate_normal(mean, covariance, size=draws, method="cholesky").T
    except np.linalg.LinAlgError:
        return rng.multivariate_normal(mean, covariance, size=draws, method="eigh").T


def _newton_poisson(counts: Floats, design: Floats, offset: Floats) -> tuple[Floats, Floats, Floats]:
    """A Poisson GLM with log link by Newton-Raphson (for this link, the same as IRLS): the
    coefficients, the fitted means and the inverse of the information (the coefficients'
    covariance). A calendar month with no incidents at all has no finite coefficient: it goes
    towards minus infinity, its fitted mean to 0, and the iterations stop at their limit."""
    coefficients = np.zeros(design.shape[1])
    for column in range(12):  # start from each calendar month's mean rate
        rows = design[:, column] == 1
        coefficients[column] = np.log(max(counts[rows].sum(), 0.5) / np.exp(offset[rows]).sum())
    for _ in range(_ITERATIONS):
        means = np.exp(design @ coefficients + offset)
        information = design.T @ (means[:, None] * design)
        step = np.linalg.lstsq(information, design.T @ (counts - means), rcond=None)[0]
        coefficients = coefficients + step
        if np.abs(step).max() < _CONVERGED:
            break
    means = np.exp(design @ coefficients + offset)
    covariance = np.asarray(np.linalg.pinv(design.T @ (means[:, None] * design)), dtype=float)
    return coefficients, np.asarray(means, dtype=float), covariance


def _check_estimable(counts: Floats, design: Floats) -> None:
    """Refuse a calendar month, or a 12-month block, with no incident at all: its coefficient
    has no finite estimate (minus infinity), so neither has the range of its forecast."""
    empty = [j for j in range(design.shape[1]) if design[:, j].any() and counts[design[:, j] == 1].sum() == 0]
    if empty:
        names = [calendar.month_name[j + 1] if j < 12 else f"year block {j - 11}" for j in empty]
        raise ValueError(f"no incidents at all in {', '.join(names)} of the months fitted")


def fit_model(counts: Floats, month_of_year: Ints, exposure: Floats | None = None) -> ModelFit:
    """The seasonal model fitted to continuous months.

    ``counts``: incidents in each month, in order, none missing; ``month_of_year``: 1 to 12 for
    each; ``exposure``: the share of each month held (default 1). Raises ``ValueError`` below
    :data:`MIN_MONTHS` months, and when a calendar month (or a 12-month block) has no incident
    at all: callers say why before they get here.
    """
    counts = np.asarray(counts, dtype=float)
    if len(counts) < MIN_MONTHS:
        raise ValueError(f"the model needs at least {MIN_MONTHS} continuous months; got {len(counts)}")
    exposure = np.ones(len(counts)) if exposure is None else np.asarray(exposure, dtype=float)
    blocks = year_blocks(len(counts))
    design = _design(np.asarray(month_of_year), blocks, int(blocks.max()) + 1)
    _check_estimable(counts, design)
    coefficients, means, covariance = _newton_poisson(counts, design, np.log(exposure))
    pearson = float(np.sum((counts - means) ** 2 / np.maximum(means, 1e-12)))
    dispersion = max(1.0, pearson / (len(counts) - design.shape[1]))
    return ModelFit(coefficients, covariance * dispersion, dispersion, len(counts))
