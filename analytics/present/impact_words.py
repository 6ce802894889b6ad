"""The impact evaluation in plain words: a verdict that never claims more than its interval allows.

An effect is called a fall or a rise only when its whole 95% interval lies on one side of no
change; otherwise the sentence says that no change can be told apart from the usual seasonal
movement and the comparison area's trend, and gives the interval, so the reader sees how large an
effect the data could still hide.
"""

from __future__ import annotations

import pandas as pd

from analytics.analyses.impact import AREA_LABELS
from analytics.core.disclosure import is_hidden
from analytics.core.table_meta import meta_of


def _span(lower: float, upper: float) -> str:
    return f"{lower:+,.0f} to {upper:+,.0f} incidents"


def _row(frame: pd.DataFrame, name: str) -> pd.Series | None:
    found = frame[frame.area == AREA_LABELS[name]]
    return None if found.empty else found.iloc[0]


def _target(row: pd.Series, periods: tuple[str, str]) -> str:
    a, b = periods
    interval = f"95% interval {_span(row.effect_lower, row.effect_upper)}"
    if row.effect_upper < 0:
        return (
            f"{row.ward_name} had {-row.effect:,.0f} fewer incidents in {b} than the season and the comparison "
            f"area predict ({row.count_b:,} against {row.expected_after:,.0f} expected; {interval})."
        )
    if row.effect_lower > 0:
        return (
            f"{row.ward_name} had {row.effect:,.0f} more incidents in {b} than the season and the comparison "
            f"area predict ({row.count_b:,} against {row.expected_after:,.0f} expected; {interval})."
        )
    return (
        f"No change distinguishable from the usual seasonal movement: {row.ward_name} had {row.count_b:,} in {b} "
        f"against {row.expected_after:,.0f} expected from {a} ({row.count_a:,}) and the comparison area's trend "
        f"({interval}, which includes no change)."
    )


def _buffer(row: pd.Series) -> str:
    interval = f"95% interval {_span(row.effect_lower, row.effect_upper)}"
    if row.effect_lower > 0:
        return f"The buffer had {row.effect:,.0f} more than expected ({interval}): some may have moved there."
    if row.effect_upper < 0:
        return f"The buffer had {-row.effect:,.0f} fewer than expected ({interval}): a spread of the benefit."
    return f"No displacement to the buffer distinguishable from chance ({interval})."


def _net(row: pd.Series) -> str:
    interval = f"95% interval {_span(row.effect_lower, row.effect_upper)}"
    if row.effect_lower <= 0 <= row.effect_upper:
        interval += ", including no change"
    return f"Net of the buffer (weighted displacement difference): {row.effect:+,.0f} ({interval})."


def verdict_parts(frame: pd.DataFrame, threshold: int | None = None) -> list[str]:
    """The evaluation in sentences: the target against what was expected (first: the verdict), the
    buffer, the net effect, and what the comparison cannot rule out. In public mode, a count below
    the threshold hides every sentence that rests on it (all of them: each rests on the comparison
    area's)."""
    meta = meta_of(frame)
    counts = pd.concat([frame.count_a, frame.count_b])
    if any(is_hidden(c, threshold) for c in counts):
        return ["Public mode: a count this evaluation rests on is below the threshold, so its result is not shown."]
    target, buffer, net = (_row(frame, name) for name in ("target", "buffer", "net"))
    if target is None:
        return []
    first = _target(target, meta.period_labels)
    parts = [first[:1].upper() + first[1:]]  # an area named "the area drawn" starts a sentence
    if buffer is not None and net is not None:
        parts += [_buffer(buffer), _net(net)]
    parts.append("A comparison of counts cannot rule out other changes in the target area at the same time.")
    return parts


def verdict(frame: pd.DataFrame, threshold: int | None = None) -> str:
    """:func:`verdict_parts` as one paragraph."""
    return " ".join(verdict_parts(frame, threshold))
