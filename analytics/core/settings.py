"""Every setting of the project, declared once with its default and help text.

Settings come from environment variables named ``ASB_<NAME>`` (upper case). The README's
settings table is checked against this list by tests/test_settings.py, so a setting cannot be
added without being documented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

from analytics.core.errors import AnalyticsError, SettingError

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    kind: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "db_path",
        str(PROJECT_ROOT / "data" / "asb.duckdb"),
        "The DuckDB database file. Built from data_dir when it is missing.",
    ),
    Setting(
        "data_dir",
        str(PROJECT_ROOT / "data"),
        "Folder of the embedded default data (police.uk files, boundaries, lookups).",
    ),
    Setting(
        "districts",
        "Bromsgrove,Redditch,Wyre Forest",
        "Comma-separated districts to keep; rows elsewhere are counted in the load record, not stored.",
    ),
    Setting(
        "public_mode",
        "false",
        "true: counts below disclosure_threshold show as '<N' everywhere and get no percentage.",
        bool,
    ),
    Setting("disclosure_threshold", "5", "Smallest count shown in public mode (ONS disclosure-control guidance).", int),
    Setting(
        "small_count_threshold",
        "10",
        "Counts below this are flagged as small numbers: their percentage change is unreliable.",
        int,
    ),
    Setting(
        "uploads_enabled", "false", "true: the Data page accepts uploads of police.uk files or a force extract.", bool
    ),
    Setting(
        "upload_password", "", "Password the Data page asks for before an upload; uploads stay off while it is empty."
    ),
    Setting(
        "basemap",
        "false",
        "true: draw base-map tiles under the maps (needs the internet); off, the maps draw ward outlines.",
        bool,
    ),
    Setting(
        "reader_memory_limit",
        "1GB",
        "DuckDB memory limit of the dashboard's read-only copy of the store: its block cache stays "
        "under it, and a larger query spills to disk instead of growing the server.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def env_name(name: str) -> str:
    return "ASB_" + name.upper()


#: The settings' names by kind, so a type checker knows what ``get`` returns (tests/test_settings.py
#: checks them against SETTINGS).
BoolSettingName = Literal["public_mode", "uploads_enabled", "basemap"]
IntSettingName = Literal["disclosure_threshold", "small_count_threshold"]
StrSettingName = Literal["db_path", "data_dir", "districts", "upload_password", "reader_memory_limit"]


@overload
def get(name: BoolSettingName) -> bool: ...
@overload
def get(name: IntSettingName) -> int: ...
@overload
def get(name: StrSettingName) -> str: ...
def get(name: str) -> bool | int | str:
    """The value of a setting, from its environment variable or its default, converted to its kind."""
    if name not in _BY_NAME:
        raise AnalyticsError(
            f"Unknown setting {name!r}. Valid settings: {', '.join(sorted(_BY_NAME))}.", title="Unknown setting"
        )
    setting = _BY_NAME[name]
    raw = os.environ.get(env_name(name), setting.default)
    if setting.kind is bool:
        value = raw.strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off", ""):
            return False
        raise SettingError(f"Setting {env_name(name)}={raw!r} is not true or false.", fix="Use true or false.")
    if setting.kind is int:
        try:
            return int(raw)
        except ValueError:
            raise SettingError(f"Setting {env_name(name)}={raw!r} is not a whole number.") from None
    return raw


def districts() -> tuple[str, ...]:
    return tuple(d.strip() for d in get("districts").split(",") if d.strip())
