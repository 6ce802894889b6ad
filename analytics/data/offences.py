"""The Home Office offence classification: each offence code's description, ONS offence group and
sub-group, and the police.uk crime type it is published under.

The lookup is ``data/offences/home_office_offence_codes.csv`` (its source and what was changed are
in data/README.md): 131 notifiable offence codes, from the Home Office police recorded crime open
data tables, with police.uk's category for each. A force crime extract names its offences by code
(``8N``, ``105A``) or by description; a code or description the lookup does not hold is refused by
the loader (analytics/data/crime_extract.py), never guessed.

>>> lookup = offence_lookup()
>>> row = lookup.set_index("offence_code").loc["8N"]
>>> row.police_uk_crime_type, row.ons_offence_group
('Violence and sexual offences', 'Violence against the person')
>>> normalise_code(" 08n ")
'8N'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from analytics.core import settings
from analytics.core.errors import AnalyticsError
from analytics.core.vocabulary import ASB_CATEGORY, POLICE_UK_CRIME_TYPES

OFFENCES_FILE = Path("offences") / "home_office_offence_codes.csv"
OFFENCE_COLUMNS = (
    "offence_code",
    "offence_description",
    "ons_offence_group",
    "ons_offence_subgroup",
    "police_uk_crime_type",
)
#: The copy carried with the code, for a data folder (ASB_DATA_DIR) that holds no lookup of its own.
_PACKAGED = Path(__file__).resolve().parents[2] / "data" / OFFENCES_FILE


def normalise_code(code: str) -> str:
    """An offence code as the lookup writes it: trimmed, upper case, no leading zeros ('08n' is '8N').
    (The loader's SQL, crime_extract_checks.KEY_COLUMNS, does the same; no code of the lookup starts with 0.)"""
    return code.strip().upper().lstrip("0")


def normalise_description(text: str) -> str:
    """An offence description compared without case or repeated spaces."""
    return " ".join(text.split()).lower()


def lookup_path(data_dir: Path | str | None = None) -> Path:
    """The lookup file: the data folder's, else the one carried with the code."""
    path = Path(data_dir if data_dir is not None else settings.get("data_dir")) / OFFENCES_FILE
    return path if path.is_file() else _PACKAGED


def offence_lookup(data_dir: Path | str | None = None) -> pd.DataFrame:
    """The lookup as a frame (OFFENCE_COLUMNS, plus ``code_key`` and ``description_key`` to match on).
    Checked: codes unique, and every crime type one of police.uk's (never ASB)."""
    return _read(lookup_path(data_dir)).copy()


@lru_cache(maxsize=4)
def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if tuple(frame.columns) != OFFENCE_COLUMNS:
        raise AnalyticsError(
            f"The offence lookup {path} must have the columns {', '.join(OFFENCE_COLUMNS)}.",
            title="Offence lookup damaged",
            fix="Restore data/offences/home_office_offence_codes.csv from git.",
        )
    frame["code_key"] = frame.offence_code.map(normalise_code)
    frame["description_key"] = frame.offence_description.map(normalise_description)
    wrong = sorted(set(frame.police_uk_crime_type) - (set(POLICE_UK_CRIME_TYPES) - {ASB_CATEGORY}))
    if frame.code_key.duplicated().any() or wrong:
        raise AnalyticsError(
            f"The offence lookup {path} repeats a code or names a crime type police.uk has not: {wrong}.",
            title="Offence lookup damaged",
            fix="Restore data/offences/home_office_offence_codes.csv from git.",
        )
    return frame
