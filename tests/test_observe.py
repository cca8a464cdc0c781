"""Observation: what the agent sees of a live page, and that its ids lead back to elements."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from mira_agent.browser.actions import Action
from mira_agent.browser.executor import execute
from mira_agent.browser.observe import ObserveOptions, observe
from mira_agent.browser.session import BrowserSession
from tests.helpers import id_of


def line_with(text: str, needle: str) -> str:
    return next(line for line in text.splitlines() if needle in line)


@pytest.fixture
def observe_page(session: BrowserSession, pages_server: str) -> BrowserSession:
    session.goto(f"{pages_server}/observe.html")
    return session


def test_interactive_elements_carry_role_name_and_state(observe_page: BrowserSession) -> None:
    text = observe(observe_page).text
    assert re.search(r'\[\d+\] textbox "From" value="BOS"', text)
    assert re.search(r'\[\d+\] checkbox "Non-stop only" checked', text)
    assert re.search(r'\[\d+\] combobox "Cabin" value="Business" options="Economy\|Business"', text)
    assert re.search(r'\[\d+\] button "Unavailable" disabled', text)
    assert re.search(r'\[\d+\] clickable "Open map"', text)
    assert "# Trip planner" in text
    assert "Plan a trip with friends." in text


def test_label_text_is_not_repeated_beside_its_control(observe_page: BrowserSession) -> None:
    text = observe(observe_page).text
    assert text.count("Non-stop only") == 1
    assert text.count("From") == 1


def test_hidden_offscreen_and_aria_hidden_controls_are_left_out(
    observe_page: BrowserSession,
) -> None:
    text = observe(observe_page).text
    for name in (
        "Hidden by display",
        "Hidden by visibility",
        "Hidden from assistive tech",
        "Off screen",
        "Hidden attribute",
    ):
        assert name not in text


def test_secrets_never_appear_in_the_observation(observe_page: BrowserSession) -> None:
    text = observe(observe_page).render()
    assert "hunter2" not in text
    assert 'textbox "Password" type=password value="••••"' in text


def test_ids_are_stable_across_observations_and_dom_changes(observe_page: BrowserSession) -> None:
    first = observe(observe_page)
    search_id = id_of(first.text, "Search")
    observe_page.run(
        observe_page.page.evaluate(
            "() => { const b = document.createElement('button'); b.textContent = 'Fresh';"
            " document.body.prepend(b); }"
        )
    )
    second = observe(observe_page)
    assert id_of(second.text, "Search") == search_id
    fresh = id_of(second.text, "Fresh")
    assert fresh not in first.element_ids
    assert set(first.element_ids) < set(second.element_ids)


def click_labelled(session: BrowserSession, label: str) -> str:
    """Click the element the observation labels `label`, through the id it shows, and
    return the title of the page that follows: each test page retitles itself on a click."""
    text = observe(session).text
    result = execute(session, Action("click", {"element": id_of(text, label)}))
    assert result.ok, result.error
    return observe(session).title


def test_ids_resolve_back_to_their_elements(observe_page: BrowserSession) -> None:
    assert click_labelled(observe_page, "Search") == "went"


def test_ids_are_not_reused_by_the_next_document(
    session: BrowserSession, pages_server: str
) -> None:
    session.goto(f"{pages_server}/observe.html")
    before = set(observe(session).element_ids)
    session.goto(f"{pages_server}/widgets.html")
    after = set(observe(session).element_ids)
    assert after and not before & after


def test_open_shadow_roots_are_observed_and_actionable(observe_page: BrowserSession) -> None:
    assert click_labelled(observe_page, "Inside shadow root") == "shadow"


def test_same_origin_frames_are_observed_and_actionable(observe_page: BrowserSession) -> None:
    assert 'frame "Same origin":' in observe(observe_page).text
    assert click_labelled(observe_page, "Inside same-origin frame") == "same-frame"


def test_cross_origin_frames_are_observed_and_actionable(
    session: BrowserSession, pages_server: str
) -> None:
    session.goto(f"{pages_server}/cross.html")
    session.run(session.page.wait_for_function("document.getElementById('cross').contentWindow"))
    session.run(session.page.frame_locator("#cross").locator("button").wait_for())
    text = observe(session).text
    assert "Inner frame text" in text
    button = id_of(text, "Inner button")
    field = id_of(text, "Inner field")
    assert "." in button  # minted inside the frame
    assert execute(session, Action("type", {"element": field, "text": "hello"})).ok
    assert execute(session, Action("click", {"element": button})).ok
    text = observe(session).text
    assert re.search(r'textbox "Inner field" value="hello"', text)
    assert 'button "Clicked"' in text


def test_focused_element_and_scroll_position_are_reported(
    session: BrowserSession, pages_server: str
) -> None:
    session.goto(f"{pages_server}/widgets.html")
    text = observe(session).text
    query = id_of(text, "Query")
    execute(session, Action("click", {"element": query}))
    execute(session, Action("scroll", {"direction": "down"}))
    seen = observe(session)
    assert seen.focused == query
    assert seen.scroll is not None and seen.scroll.y > 0
    assert "Scroll:" in seen.render()


def test_long_lists_are_cut_with_a_marker_that_follows_the_scroll(
    session: BrowserSession, pages_server: str
) -> None:
    session.goto(f"{pages_server}/long.html")
    top = observe(session, ObserveOptions(max_list_items=20)).text
    assert 'Buy 1"' in top and 'Buy 20"' in top and 'Buy 21"' not in top
    assert "… 380 more items below (scroll down to see them)" in top
    session.run(session.page.evaluate("document.querySelectorAll('li')[200].scrollIntoView()"))
    middle = observe(session, ObserveOptions(max_list_items=20)).text
    assert 'Buy 201"' in middle and 'Buy 1"' not in middle
    assert re.search(r"… \d+ items above \(scroll up to see them\)", middle)


HIDING = (
    "display",
    "hidden",
    "visibility",
)  # display:none, the hidden attribute, visibility:hidden


@pytest.mark.parametrize("hide", HIDING)
def test_a_filtered_list_shows_the_rows_left_visible(
    session: BrowserSession, pages_server: str, hide: str
) -> None:
    session.goto(f"{pages_server}/filter.html?hide={hide}")
    before = observe(session).text
    assert "… 4950 more items below (scroll down to see them)" in before
    execute(session, Action("type", {"element": id_of(before, "Search files"), "text": "-4321"}))
    seen = observe(session).text
    assert 'button "Open report-4321"' in seen
    assert "more items below" not in seen and "items above" not in seen
    assert "report-17.pdf" not in seen and 'button "Open report-1"' not in seen


@pytest.mark.parametrize("hide", HIDING)
def test_more_below_counts_only_the_rows_a_person_could_scroll_to(
    session: BrowserSession, pages_server: str, hide: str
) -> None:
    session.goto(f"{pages_server}/filter.html?hide={hide}")
    query = id_of(observe(session).text, "Search files")
    # "-1" is in report-1, -10…-19, -100…-199 and -1000…-1999: 1,111 rows of 5,000.
    execute(session, Action("type", {"element": query, "text": "-1"}))
    top = observe(session).text
    assert "… 1061 more items below (scroll down to see them)" in top
    assert 'button "Open report-1"' in top and "report-2.pdf" not in top
    execute(session, Action("scroll", {"direction": "down"}))
    execute(session, Action("scroll", {"direction": "down"}))
    lower = observe(session).text
    above = re.search(r"… (\d+) items above \(scroll up to see them\)", lower)
    below = re.search(r"… (\d+) more items below", lower)
    assert above and below, lower
    assert int(above.group(1)) + int(below.group(1)) + 50 == 1111
    assert 'button "Open report-1"' not in lower


def test_the_focused_element_is_shown_even_outside_the_part_shown(
    session: BrowserSession, pages_server: str
) -> None:
    session.goto(f"{pages_server}/filter.html")
    session.run(
        session.page.evaluate(
            "document.querySelectorAll('#rows button')[2999].focus({preventScroll: true})"
        )
    )
    seen = observe(session)
    assert 'Open report-3000"' not in seen.text  # far below the list's window
    header = line_with(seen.render(), "Focused:")
    assert re.search(r'Focused: \[[0-9.]+\] button "Open report-3000"', header), header
    assert seen.focused in seen.element_ids  # and the actor may act on it
    assert [e.name for e in seen.elements() if e.id == seen.focused] == ["Open report-3000"]


def test_a_page_larger_than_the_budget_is_cut_with_a_marker(
    session: BrowserSession, pages_server: str
) -> None:
    session.goto(f"{pages_server}/long.html")
    seen = observe(session, ObserveOptions(max_chars=1_000, max_list_items=1_000))
    assert seen.truncated
    assert len(seen.text) < 1_200
    assert seen.text.rstrip().endswith("(scroll down to see more)")
    assert "the page goes on" in seen.text


def test_set_of_marks_screenshot_draws_ids_on_the_page(observe_page: BrowserSession) -> None:
    plain = observe(observe_page, ObserveOptions(screenshot=True)).screenshot
    marked = observe(observe_page, ObserveOptions(marks=True)).screenshot
    assert plain and marked and plain != marked
    image = Image.open(io.BytesIO(marked))
    assert image.format == "PNG" and image.width >= 1280


def test_long_texts_are_cut_with_a_marker(session: BrowserSession) -> None:
    session.run(session.page.set_content(f"<p>{'lorem ipsum ' * 100}</p>"))
    text = observe(session, ObserveOptions(max_text_length=50)).text
    assert len(text) < 80 and text.endswith("…(+1149 chars)")
