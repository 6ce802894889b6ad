"""analytics/core/vocabulary.py: the field's words and colours, said once."""

from __future__ import annotations

import re

import pytest

from analytics.core.vocabulary import (
    ASB_CATEGORY,
    EXTRACT_KEYWORDS,
    HOTSPOT_CLASSES,
    NOT_SIGNIFICANT,
    OKABE_ITO,
    POLICE_UK_CRIME_TYPES,
    POLICE_UK_FORCES,
    VERMILLION,
    VINTAGES,
    rgb,
    suppressed_label,
)


def test_rgb_of_a_palette_colour():
    assert rgb(VERMILLION) == (213, 94, 0)
    assert rgb("#000000") == (0, 0, 0) and rgb("#999999") == (153, 153, 153)


@pytest.mark.parametrize("colour", OKABE_ITO)
def test_the_palettes_hex_and_rgb_agree(colour):
    assert re.fullmatch(r"#[0-9A-F]{6}", colour)
    assert "#{:02X}{:02X}{:02X}".format(*rgb(colour)) == colour


def test_the_palette_has_nine_distinct_colours():
    assert len(OKABE_ITO) == len(set(OKABE_ITO)) == 9


def test_hotspot_classes_run_hot_to_cold_with_not_significant_in_the_middle():
    assert len(HOTSPOT_CLASSES) == 7
    assert HOTSPOT_CLASSES[3] == NOT_SIGNIFICANT
    assert HOTSPOT_CLASSES[0] == "Hot spot 99%" and HOTSPOT_CLASSES[-1] == "Cold spot 99%"


def test_a_hidden_count_reads_as_below_the_threshold():
    assert suppressed_label(5) == "<5"
    assert suppressed_label(10) == "<10"


def test_the_extract_has_the_panels_seven_keyword_types():
    assert len(EXTRACT_KEYWORDS) == len(set(EXTRACT_KEYWORDS)) == 7
    assert set(EXTRACT_KEYWORDS) == {
        "Other",
        "Youth related",
        "Neighbour Dispute",
        "Threats/ Harassment",
        "Fights/ Arguments",
        "Parking",
        "Begging",
    }


def test_the_two_ward_boundary_vintages():
    assert VINTAGES == ("wd22", "wd25")


def test_police_uk_names_its_14_crime_types_asb_first():
    assert len(POLICE_UK_CRIME_TYPES) == len(set(POLICE_UK_CRIME_TYPES)) == 14
    assert POLICE_UK_CRIME_TYPES[0] == ASB_CATEGORY == "Anti-social behaviour"
    assert list(POLICE_UK_CRIME_TYPES[1:]) == sorted(POLICE_UK_CRIME_TYPES[1:])


def test_police_uk_forces_are_the_43_territorial_forces_btp_and_psni():
    assert len(POLICE_UK_FORCES) == len({name.lower() for name in POLICE_UK_FORCES}) == 45
    assert {"West Mercia Police", "Metropolitan Police Service", "City of London Police"} <= set(POLICE_UK_FORCES)
    assert {"British Transport Police", "Police Service of Northern Ireland"} <= set(POLICE_UK_FORCES)
    assert all(name == name.strip() and "  " not in name for name in POLICE_UK_FORCES)
