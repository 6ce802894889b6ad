"""Write data/lookups/lsoa_to_lad_west_mercia.csv: every LSOA (2011 and 2021) of West Mercia's nine
local authority districts, with its district and community safety partnership.

Where it comes from (data/README.md, "The West Mercia LSOA lookup"):

- the LSOA codes and names are those police.uk prints in the 21 unfiltered West Mercia street files
  (tests/data/police_uk/west-mercia-street-unfiltered-21-months.zip): 2011 LSOAs in the 2018-19
  files, 2021 LSOAs in the 2024-25 files. police.uk prints the ONS name of each LSOA, which is
  "<local authority district name> <3 digits><letter>" ("Shropshire 001A");
- the district is the name before the last space, kept only when it is one of the nine districts
  below; their ONS codes are from the ONS code list in drkane/geo-lookups (la_all_codes.csv);
- the community safety partnership of each district is listed in ``CSPS`` with its source.

The three North Worcestershire districts are checked against the ONS lookups carried in
data/lookups (every LSOA code police.uk prints for them is in the ONS LSOA 2011 -> 2021 -> LAD 2022
lookup or the LSOA boundaries, and in the same district). Run from the repository root:

    .venv/bin/python scripts/build_force_lsoa_lookup.py
"""

from __future__ import annotations

import csv
import io
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT / "tests/data/police_uk/west-mercia-street-unfiltered-21-months.zip"
OUT = ROOT / "data/lookups/lsoa_to_lad_west_mercia.csv"

#: ONS codes of West Mercia's districts (ONS code list, drkane/geo-lookups la_all_codes.csv,
#: commit 03bde29ac68b6fa570ef1f041b1e6c31f91bcb6c). Herefordshire is "Herefordshire, County of" there.
LAD_CODES = {
    "Herefordshire": "E06000019",
    "Telford and Wrekin": "E06000020",
    "Shropshire": "E06000051",
    "Bromsgrove": "E07000234",
    "Malvern Hills": "E07000235",
    "Redditch": "E07000236",
    "Worcester": "E07000237",
    "Wychavon": "E07000238",
    "Wyre Forest": "E07000239",
}
#: The community safety partnership of each district: North Worcestershire (the project's own
#: panel papers), South Worcestershire (worcester.gov.uk, "South Worcestershire Community Safety
#: Partnership": Worcester City, Malvern and Wychavon merged in 2003); the unitary councils of
#: Herefordshire, Shropshire and Telford and Wrekin each have their own (westmercia.police.uk,
#: "Community safety partnerships").
CSPS = {
    "Bromsgrove": "North Worcestershire",
    "Redditch": "North Worcestershire",
    "Wyre Forest": "North Worcestershire",
    "Worcester": "South Worcestershire",
    "Malvern Hills": "South Worcestershire",
    "Wychavon": "South Worcestershire",
    "Herefordshire": "Herefordshire",
    "Shropshire": "Shropshire",
    "Telford and Wrekin": "Telford and Wrekin",
}
_NAME = re.compile(r"(.+) (\d{3}[A-Z])")


def lsoas_in_archive(archive: Path) -> dict[tuple[str, str], str]:
    """(vintage, LSOA code) -> LSOA name, for every LSOA police.uk prints in the archive."""
    found: dict[tuple[str, str], str] = {}
    with zipfile.ZipFile(archive) as zf:
        for member in sorted(zf.namelist()):
            if not member.endswith(".csv"):
                continue
            vintage = "lsoa11" if member[:4] in ("2018", "2019") else "lsoa21"
            with zf.open(member) as raw:
                for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")):
                    code, name = row["LSOA code"].strip(), row["LSOA name"].strip()
                    if code and name:
                        previous = found.setdefault((vintage, code), name)
                        if previous != name:
                            raise SystemExit(f"{code} is named {previous!r} and {name!r} in {vintage}")
    return found


def lookup_rows(found: dict[tuple[str, str], str]) -> list[dict[str, str]]:
    rows = []
    for (vintage, code), name in sorted(found.items()):
        match = _NAME.fullmatch(name)
        district = match.group(1) if match else ""
        if district not in LAD_CODES:
            continue  # an LSOA of another force's area (police.uk's snapping puts a few rows there)
        rows.append(
            {
                "lsoa_vintage": vintage,
                "lsoa_code": code,
                "lsoa_name": name,
                "lad_code": LAD_CODES[district],
                "district": district,
                "csp": CSPS[district],
            }
        )
    return rows


def check_north_worcestershire(rows: list[dict[str, str]]) -> None:
    """Every LSOA of the three districts is in the carried ONS lookup or boundaries, in the same district."""
    ons: dict[str, str] = {}
    with open(ROOT / "data/lookups/lsoa11_to_lsoa21_north_worcs.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            ons[row["LSOA11CD"]] = row["LAD22NM"]
            ons[row["LSOA21CD"]] = row["LAD22NM"]
    for folder, key in (("lsoa_2011", "LSOA11CD"), ("lsoa_2021", "LSOA21CD")):
        for path in (ROOT / "data/boundaries" / folder).glob("*.geojson"):
            text = path.read_text(encoding="utf-8")
            lad = {"E07000234": "Bromsgrove", "E07000236": "Redditch", "E07000239": "Wyre Forest"}[path.stem[-9:]]
            for code in re.findall(rf'"{key}": ?"(E01\d+)"', text):
                ons[code] = lad
    for row in rows:
        if row["csp"] == "North Worcestershire" and ons.get(row["lsoa_code"]) != row["district"]:
            raise SystemExit(f"{row['lsoa_code']} ({row['lsoa_name']}) is not in {row['district']} in the ONS files")


def main() -> int:
    rows = lookup_rows(lsoas_in_archive(ARCHIVE))
    check_north_worcestershire(rows)
    with open(OUT, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} LSOAs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
