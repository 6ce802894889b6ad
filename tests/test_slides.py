"""Presentation mode as a slide show (ui/slides.py) through Streamlit's AppTest on the built store:
every page has a way on and a way out, and Next / Previous / the slide list walk the deck's order."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ui import slides
from ui.slides import PART_KEY, SLIDES

PANEL = {"src": "extract", "d": "Redditch", "pt": "fy", "a": "FY2017", "b": "FY2018", "v": "wd22", "cat": "asb"}
OTHER_PAGES = ("overview", "crime", "ward_profile", "tools_powers", "data", "about", "accessibility")


@pytest.fixture
def present(app):
    """The panel's figures in presentation mode, at a page (and a part of it)."""

    def make(page: str | None = None, part: str | None = None) -> AppTest:
        return app(page, {**PANEL, "present": "1", **({PART_KEY: part} if part else {})})

    return make


def _buttons(at: AppTest) -> dict[str, object]:
    return {button.key: button for button in at.button}


def _title(at: AppTest) -> str:
    return at.title[0].value if at.title else ""


def test_every_slide_has_previous_next_list_and_exit(present):
    for index, slide in enumerate(SLIDES):
        at = present(slide.path, slide.part)
        assert not at.exception, at.exception
        buttons = _buttons(at)
        assert {"slide-prev", "slide-next", "exit-present"} <= set(buttons), (slide, list(buttons))
        assert buttons["slide-prev"].disabled == (index == 0)
        assert buttons["slide-next"].disabled == (index == len(SLIDES) - 1)
        listing = at.selectbox(key=f"slide-list-{index}")
        assert listing.value == index
        assert listing.format_func(index).startswith(f"{index + 1} of {len(SLIDES)}")
        if slide.part:
            assert _title(at) == slide.title  # a slide of one part of a page has its own title


@pytest.mark.parametrize("page", OTHER_PAGES)
def test_pages_outside_the_deck_lead_into_it_and_out(present, page):
    at = present(page)
    assert not at.exception, at.exception
    assert {"slide-start", "exit-present"} <= set(_buttons(at)), list(_buttons(at))


def test_next_and_previous_walk_the_deck_in_order_keeping_the_filters(present):
    at = present()
    at.button(key="slide-start").click().run()
    seen = [_title(at)]
    for _ in SLIDES[1:]:
        at.button(key="slide-next").click().run()
        assert not at.exception, at.exception
        seen.append(_title(at))
    # Each slide in the deck's order, with its own title (a page's part slides too).
    assert len(set(seen)) == len(SLIDES), seen
    assert at.query_params["present"] in ("1", ["1"]) and at.query_params["d"] in ("Redditch", ["Redditch"])
    at.button(key="slide-prev").click().run()
    assert _title(at) == seen[-2]


def test_the_slide_list_jumps_to_a_slide(present):
    at = present(SLIDES[0].path, SLIDES[0].part)
    first = _title(at)
    at.selectbox(key="slide-list-0").set_value(3).run()
    assert not at.exception, at.exception
    assert _title(at) != first
    assert at.selectbox(key="slide-list-3").value == 3


def test_exit_leaves_presentation_mode_on_the_same_page(present):
    at = present(SLIDES[4].path)
    title = _title(at)
    at.button(key="exit-present").click().run()
    assert "present" not in at.query_params
    assert _title(at) == title
    assert "slide-next" not in _buttons(at)


def test_a_part_of_a_page_is_a_slide_and_leaving_it_shows_the_whole_page(present):
    """The overview opens with "Measuring ASB" (the NIRS classes of the Incident types page): a slide of
    its own, in the address; leaving presentation mode there shows the whole Incident types page."""
    at = present()
    at.button(key="slide-start").click().run()
    assert _title(at) == "Measuring ASB" and at.query_params[PART_KEY] in ("nirs", ["nirs"])
    assert any("Personal" in m.value for m in at.markdown)
    at.button(key="slide-next").click().run()
    assert _title(at) == "Incident types" and not at.query_params.get(PART_KEY)
    at.button(key="slide-prev").click().run()
    at.button(key="exit-present").click().run()
    assert _title(at) == "Incident types" and PART_KEY not in at.query_params
    assert [s for s in at.subheader if "Measuring ASB" in s.value], "the page, whole, with its NIRS section"


def test_a_slide_table_is_as_tall_as_its_rows_until_it_must_scroll():
    # "content": the browser sizes it to its header and rows, no empty strip under the Grand Total;
    # past SLIDE_TABLE_ROWS a box of that many rows, which scrolls, keeps the slide on one screen.
    assert slides.slide_table_height(4) == "content"
    assert slides.slide_table_height(slides.SLIDE_TABLE_ROWS) == "content"
    tall = slides.slide_table_height(slides.SLIDE_TABLE_ROWS + 10)
    assert isinstance(tall, int)
    assert tall == slides.slide_table_height(slides.SLIDE_TABLE_ROWS + 1)
    assert tall < (slides.SLIDE_TABLE_ROWS + 10) * slides.SLIDE_ROW_HEIGHT
