"""Recorded crime year to date by district, in the words of the CSP's briefing note (2016/17,
Appendix Three): "Year to date data for all recorded crime in Redditch currently illustrates a 13%
increase or 570 more offences, compared to the same period last year."

Written from :func:`analytics.analyses.crime.crime_ytd` grouped by district. Percentages are the
table's own (rounded half up, analytics.core.change). In public mode a district whose count is
hidden is not described; where the table withholds the change (periods not like for like) no
sentence is written and the table's own warning stands.

>>> import pandas as pd
>>> frame = pd.DataFrame({"district": ["Bromsgrove", "Redditch", "Wyre Forest", "All recorded crime"],
...     "count_a": [3757, 4385, 5382, 13524], "count_b": [4058, 4955, 5974, 14987],
...     "difference": [301, 570, 592, 1463], "pct_change": [8, 13, 11, 11]})
>>> print(year_to_date_sentence(frame, focus="Redditch"))  # doctest: +NORMALIZE_WHITESPACE
Year to date, all recorded crime in Redditch shows a 13% increase or 570 more offences compared to
the same period last year. Bromsgrove has seen an 8% increase and Wyre Forest an 11% increase;
North Worcestershire as a whole an 11% increase.
"""

from __future__ import annotations

import pandas as pd

from analytics.core.disclosure import is_hidden
from analytics.core.vocabulary import ALL_CRIME, NORTH_WORCESTERSHIRE


def _article(pct: int) -> str:
    """'an' before 8, 11, 18 and 80-89 (said "eight", "eleven"), else 'a'."""
    spoken = str(abs(pct))
    return "an" if spoken.startswith("8") or spoken in ("11", "18") else "a"


def _change(pct: int) -> str:
    word = "increase" if pct > 0 else "decrease" if pct < 0 else "change"
    return f"{_article(pct)} {abs(pct)}% {word}" if pct else "no change"


def year_to_date_sentence(frame: pd.DataFrame, focus: str = "Redditch", suppress_below: int | None = None) -> str:
    """The briefing's sentence for ``focus`` and the other districts, or '' when it cannot be said."""
    if "district" not in frame.columns or "pct_change" not in frame.columns:
        return ""
    rows = {
        str(row["district"]): row
        for _, row in frame.iterrows()
        if not is_hidden(row["count_a"], suppress_below)
        and not is_hidden(row["count_b"], suppress_below)
        and row["pct_change"] is not pd.NA
        and pd.notna(row["pct_change"])
    }
    total = rows.pop(ALL_CRIME, None)
    if focus not in rows:
        return ""
    main = rows.pop(focus)
    difference = int(main["difference"])
    more = f"{abs(difference):,} {'more' if difference >= 0 else 'fewer'} offences"
    sentence = (
        f"Year to date, all recorded crime in {focus} shows {_change(int(main['pct_change']))} or {more} "
        "compared to the same period last year."
    )
    others = [(name, _change(int(row["pct_change"]))) for name, row in sorted(rows.items())]
    if others:
        (name, change), *rest = others
        sentence += " " + " and ".join([f"{name} has seen {change}", *(f"{n} {c}" for n, c in rest)])
        whole = f"; {NORTH_WORCESTERSHIRE} as a whole {_change(int(total['pct_change']))}" if total is not None else ""
        sentence += whole + "."
    return sentence
