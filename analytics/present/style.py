"""What each colour means in a chart or a map: the roles, drawn from the one palette.

The palette itself (Okabe & Ito's colours and their grey) is :mod:`analytics.core.vocabulary`'s;
this module only says which of them marks a period, a rise, a fall, a flagged month or a hot spot,
so a chart and a map say "more" and "hot" in the same colour.
"""

from __future__ import annotations

from analytics.core.vocabulary import (
    BLACK,
    BLUE,
    BLUISH_GREEN,
    GREY,
    ORANGE,
    REDDISH_PURPLE,
    SKY_BLUE,
    VERMILLION,
    rgb,
)

# ---------------------------------------------------------------------------------------------
# Charts (hex strings, as plotly takes them)
# ---------------------------------------------------------------------------------------------
PERIOD_A_COLOUR = SKY_BLUE  # the earlier period, lighter
PERIOD_B_COLOUR = BLUE  # the later period
RISE_COLOUR = VERMILLION  # more incidents
FALL_COLOUR = BLUE  # fewer incidents: vermillion against blue, the safest pair
NO_CHANGE_COLOUR = GREY
HIGHLIGHT_COLOUR = ORANGE  # October and November in the month-of-year profile
FLAG_COLOUR = VERMILLION  # months outside the expected range
SUPPRESSED_COLOUR = GREY  # public-mode placeholders
#: The latest year first; no yellow, which is too pale for a line on white.
YEAR_COLOURS = (BLUE, ORANGE, BLUISH_GREEN, VERMILLION, REDDISH_PURPLE, SKY_BLUE, BLACK)
#: The edge drawn round bars and line markers: sky blue, orange and grey are under 3:1 against
#: white (WCAG 1.4.11, non-text contrast); a thin black edge (21:1) makes every bar and point stand
#: out, in the palette's own black.
EDGE_COLOUR = BLACK
BAND_FILL = "rgba({}, {}, {}, 0.30)".format(*rgb(SKY_BLUE))  # SKY_BLUE, translucent
NO_DATA_FILL = "rgba({}, {}, {}, 0.35)".format(*rgb(GREY))  # GREY, translucent: months the source lacks

# ---------------------------------------------------------------------------------------------
# Maps (RGB triples, as deck.gl takes them; alpha is added per layer)
# ---------------------------------------------------------------------------------------------
#: Hot spots are outlined in vermillion and cold spots in blue, as rises and falls are in charts.
HOT_SPOT_RGB = rgb(RISE_COLOUR)
COLD_SPOT_RGB = rgb(FALL_COLOUR)
#: Top-location points: vermillion, outlined in white.
POINT_RGB = rgb(VERMILLION)
