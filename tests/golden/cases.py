"""The command-line tables kept as golden files: the published comparisons on the synthetic
extract and police.uk's like-for-like default, one CSV each in tests/golden/csv/.

They were written by the code before the restructuring of analytics/ into layers (issue 11)
and are the contract every later change is read against: a figure that moves shows in a diff.
Regenerate only when a change of figures is intended, and say why in the commit:
``.venv/bin/python -m tests.golden.cases --write``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
GOLDEN = HERE / "csv"

PANEL = ["--source", "extract", "--period-a", "FY2017", "--period-b", "FY2018"]

#: name -> arguments after ``python -m analytics table``
CASES: dict[str, list[str]] = {
    # The panel's two published tables and the rest of its overview, 2017-18 against 2018-19.
    "extract-incident-types": ["incident-types", *PANEL],
    "extract-incident-types-redditch": ["incident-types", *PANEL, "--district", "Redditch"],
    "extract-ward-deltas-redditch-wd22": ["ward-deltas", *PANEL, "--district", "Redditch", "--boundaries", "wd22"],
    "extract-ward-deltas-all-wd25": ["ward-deltas", *PANEL, "--boundaries", "wd25"],
    "extract-districts": ["districts", *PANEL],
    "extract-seasonal-redditch": ["seasonal", "--source", "extract", "--district", "Redditch"],
    "extract-hotspots-redditch": ["hotspots", *PANEL, "--district", "Redditch"],
    # Standing in September 2019 with the months to August (issue 18): Redditch's next six months.
    "extract-forecast-redditch": ["forecast", "--source", "extract", "--district", "Redditch"],
    # police.uk's like-for-like default (no periods given: Jan-Apr 2024 against Jan-Apr 2025).
    "police-incident-types": ["incident-types", "--source", "police_uk"],
    "police-ward-deltas-wd25": ["ward-deltas", "--source", "police_uk", "--boundaries", "wd25"],
    "police-ward-deltas-bromsgrove-wd22": ["ward-deltas", "--source", "police_uk", "--district", "Bromsgrove"],
    "police-districts": ["districts", "--source", "police_uk"],
    "police-crime-ytd": ["crime-ytd", "--source", "police_uk"],
    "police-crime-ward-deltas": ["ward-deltas", "--source", "police_uk", "--category", "crime"],
    "police-seasonal": ["seasonal", "--source", "police_uk"],
    "police-hotspots-redditch": ["hotspots", "--source", "police_uk", "--district", "Redditch"],
    # Not continuous before 2025: refused (the header alone; the reason is on standard error).
    "police-forecast": ["forecast", "--source", "police_uk"],
    # Periods the source does not fully hold: counts stand, change withheld.
    "police-not-comparable": [
        "ward-deltas",
        "--source",
        "police_uk",
        "--period-a",
        "CY2024",
        "--period-b",
        "CY2025",
        "--district",
        "Redditch",
        "--boundaries",
        "wd25",
    ],
    "quality": ["quality"],
    # The West Mercia comparison (the demo build holds North Worcestershire's districts alone) and the
    # last outcomes of crimes by district.
    "police-peers": ["peers"],
    "police-outcomes-districts": ["outcomes", "--by", "district", "--period-b", "CY2025"],
    # The synthetic force crime extract: the 2016/17 briefing note's year to date (issue 17).
    "crime-extract-ytd": [
        "crime-ytd",
        "--source",
        "crime_extract",
        "--period-a",
        "2015-04..2016-02",
        "--period-b",
        "2016-04..2017-02",
    ],
    "crime-extract-ytd-redditch-types": [
        "crime-ytd",
        "--source",
        "crime_extract",
        "--district",
        "Redditch",
        "--by",
        "crime_type",
        "--period-b",
        "2016-04..2017-02",
    ],
    # The register of ASB tools and powers, and did the Redditch town-centre PSPO work (issue 19): its start
    # is "date to confirm", so the months are chosen; police.uk holds Jan-Apr 2024 and Jan-Apr 2025.
    "register": ["register"],
    "police-impact-pspo": [
        "impact",
        "--source",
        "police_uk",
        "--intervention",
        "redditch-town-centre-pspo",
        "--start",
        "2025-01",
        "--months",
        "4",
    ],
    # How wards compare for their size, the NIRS classes and the time of week (issue 15): the panel's
    # Redditch 2018-19 on the synthetic extract.
    "extract-funnel-redditch": ["funnel", "--source", "extract", "--district", "Redditch", "--period-b", "FY2018"],
    "police-funnel-districts": ["funnel", "--source", "police_uk", "--by", "district"],
    "extract-nirs-redditch": ["nirs", *PANEL, "--district", "Redditch", "--by", "ward", "--boundaries", "wd22"],
    "extract-time-of-week-redditch": [
        "time-of-week",
        "--source",
        "extract",
        "--district",
        "Redditch",
        "--period-b",
        "FY2018",
    ],
}


def run(name: str, db: Path | None = None) -> str:
    """The CSV the command line prints for one case."""
    args = [sys.executable, "-m", "analytics", "table", *CASES[name], "--format", "csv"]
    if db is not None:
        args += ["--db", str(db)]
    done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=HERE.parent.parent)
    if done.returncode != 0:
        raise RuntimeError(f"{name}: exit {done.returncode}: {done.stderr}")
    return done.stdout


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    GOLDEN.mkdir(exist_ok=True)
    for case in CASES:
        (GOLDEN / f"{case}.csv").write_text(run(case))
        print(case)
