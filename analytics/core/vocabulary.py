"""The field's words and colours, said once.

Every module that names a source, a category, a total row, a key-word type, a NIRS class, a
boundary vintage or a hot-spot class, or draws in a colour, takes it from here, so a label read
on a page, in a download and in the command line's output is the same string.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# Sources and categories
# ---------------------------------------------------------------------------------------------
SOURCES = ("police_uk", "extract", "crime_extract")
SOURCE_LABELS = {
    "police_uk": "police.uk street-level data (real, open data)",
    "extract": "force ASB incident extract (SYNTHETIC demonstration data)",
    "crime_extract": "force recorded-crime extract (SYNTHETIC demonstration data)",
}
#: The force extracts: restricted data, so here always the generated demonstration ones, labelled so.
SYNTHETIC_SOURCES = ("extract", "crime_extract")
#: police.uk's crime type for ASB, and the category every ASB row of every source carries.
ASB_CATEGORY = "Anti-social behaviour"
#: police.uk's 14 crime types, as its street-level files spell them (data.police.uk/about/).
POLICE_UK_CRIME_TYPES = (
    ASB_CATEGORY,
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)
#: The forces whose rows police.uk publishes, as its street-level files write them in "Reported by"
#: and "Falls within": the 43 territorial forces of England and Wales, British Transport Police
#: and the Police Service of Northern Ireland. Where each spelling comes from: "West Mercia Police"
#: from the files in data/police_uk and tests/data/police_uk; the others from the "Reported by"
#: values of police.uk street-level files as public code that reads them lists them (these are the
#: names of police.uk's /api/forces, except where the files differ from it: "Devon & Cornwall
#: Police", "Derbyshire Constabulary", "Gloucestershire Constabulary" and "Hertfordshire
#: Constabulary" are the files' spellings).
POLICE_UK_FORCES = (
    "Avon and Somerset Constabulary",
    "Bedfordshire Police",
    "British Transport Police",
    "Cambridgeshire Constabulary",
    "Cheshire Constabulary",
    "City of London Police",
    "Cleveland Police",
    "Cumbria Constabulary",
    "Derbyshire Constabulary",
    "Devon & Cornwall Police",
    "Dorset Police",
    "Durham Constabulary",
    "Dyfed-Powys Police",
    "Essex Police",
    "Gloucestershire Constabulary",
    "Greater Manchester Police",
    "Gwent Police",
    "Hampshire Constabulary",
    "Hertfordshire Constabulary",
    "Humberside Police",
    "Kent Police",
    "Lancashire Constabulary",
    "Leicestershire Police",
    "Lincolnshire Police",
    "Merseyside Police",
    "Metropolitan Police Service",
    "Norfolk Constabulary",
    "North Wales Police",
    "North Yorkshire Police",
    "Northamptonshire Police",
    "Northumbria Police",
    "Nottinghamshire Police",
    "Police Service of Northern Ireland",
    "South Wales Police",
    "South Yorkshire Police",
    "Staffordshire Police",
    "Suffolk Constabulary",
    "Surrey Police",
    "Sussex Police",
    "Thames Valley Police",
    "Warwickshire Police",
    "West Mercia Police",
    "West Midlands Police",
    "West Yorkshire Police",
    "Wiltshire Police",
)
#: The two groups a selection can ask for besides one crime type. "crime" is every police.uk crime
#: type except ASB, as ONS counts recorded crime (police.uk ASB is incidents, not crimes).
CATEGORY_GROUPS = ("asb", "crime")
CATEGORY_GROUP_LABELS = {"asb": ASB_CATEGORY, "crime": "Recorded crime (excluding ASB)"}
NORTH_WORCESTERSHIRE = "North Worcestershire"
#: The panel's spreadsheets total a ward table in a row of this name.
GRAND_TOTAL = "Grand Total"
#: The total row of a table of recorded crime by type.
ALL_CRIME = "All recorded crime"

# ---------------------------------------------------------------------------------------------
# The force extract's vocabulary
# ---------------------------------------------------------------------------------------------
#: West Mercia's ASB key-word types, in the order of the panel's "ASB by incident type" slide.
EXTRACT_KEYWORDS = (
    "Other",
    "Youth related",
    "Neighbour Dispute",
    "Threats/ Harassment",
    "Fights/ Arguments",
    "Parking",
    "Begging",
)
#: The National Incident Recording Standard's three ASB classes.
NIRS_CLASSES = ("Nuisance", "Personal", "Environmental")


# ---------------------------------------------------------------------------------------------
# Public mode: how a hidden count reads (analytics/core/disclosure.py decides which are hidden)
# ---------------------------------------------------------------------------------------------
def suppressed_label(threshold: int) -> str:
    """``5 -> "<5"``: what public mode shows in place of a count below the threshold."""
    return f"<{threshold}"


# ---------------------------------------------------------------------------------------------
# Geography
# ---------------------------------------------------------------------------------------------
#: Ward boundary vintages: WD22 (Redditch's 12 wards, 2012 to May 2024), WD25 (its 9 since).
VINTAGES = ("wd22", "wd25")
LSOA_VINTAGES = ("lsoa11", "lsoa21")

# ---------------------------------------------------------------------------------------------
# Hot spots (Getis-Ord Gi*), hottest first, as ArcGIS's Gi_Bin +3 .. -3
# ---------------------------------------------------------------------------------------------
NOT_SIGNIFICANT = "Not significant"
HOTSPOT_CLASSES = (
    "Hot spot 99%",
    "Hot spot 95%",
    "Hot spot 90%",
    NOT_SIGNIFICANT,
    "Cold spot 90%",
    "Cold spot 95%",
    "Cold spot 99%",
)

# ---------------------------------------------------------------------------------------------
# Palette: Okabe & Ito (2008), "Color Universal Design", safe for the common colour-vision
# deficiencies; GREY is the neutral of the same family. Charts take the hex strings, maps the
# RGB triples (rgb()), so the two can never drift apart.
# ---------------------------------------------------------------------------------------------
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#999999"
OKABE_ITO = (ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION, REDDISH_PURPLE, BLACK, GREY)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    """``"#D55E00"`` -> ``(213, 94, 0)``: a palette colour as deck.gl takes it.

    >>> rgb(VERMILLION)
    (213, 94, 0)
    """
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
