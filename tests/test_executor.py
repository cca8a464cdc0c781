"""Every declared action against a real page, and every way a bad action comes back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mira_agent.browser.actions import ACTIONS, Action, parse_action
from mira_agent.browser.executor import HANDLERS, ActionResult, execute
from mira_agent.browser.observe import observe
from mira_agent.browser.session import BrowserSession
from tests.helpers import id_of


@pytest.fixture
def widgets(session: BrowserSession, pages_server: str) -> BrowserSession:
    session.goto(f"{pages_server}/widgets.html")
    return session


def act(session: BrowserSession, text: str):  # type: ignore[no-untyped-def]
    return execute(session, parse_action(text))


def title(session: BrowserSession) -> str:
    return observe(session).title


def test_every_declared_action_has_an_executor() -> None:
    assert set(HANDLERS) == {spec.name for spec in ACTIONS}


def test_alert_shows_in_the_observation_and_is_answered_by_an_action(
    widgets: BrowserSession,
) -> None:
    text = observe(widgets).text
    result = act(widgets, f"click({id_of(text, 'Alert me')})")
    assert result.ok
    seen = observe(widgets)
    assert seen.dialog is not None and seen.dialog.kind == "alert"
    assert 'Dialog (alert): "Saved!"' in seen.render()
    blocked = act(widgets, f"click({id_of(text, 'Delete')})")
    assert not blocked.ok and "answer it first" in (blocked.error or "")
    assert act(widgets, "answer_dialog(true)").ok
    seen = observe(widgets)
    assert seen.dialog is None and seen.title == "after alert"


@pytest.mark.parametrize(("accept", "expected"), [(True, "confirmed"), (False, "cancelled")])
def test_confirm_dialog_is_accepted_or_dismissed(
    widgets: BrowserSession, accept: bool, expected: str
) -> None:
    text = observe(widgets).text
    act(widgets, f"click({id_of(text, 'Delete')})")
    assert observe(widgets).dialog is not None
    assert act(widgets, f"answer_dialog({str(accept).lower()})").ok
    assert title(widgets) == expected


def test_prompt_dialog_takes_the_typed_answer(widgets: BrowserSession) -> None:
    text = observe(widgets).text
    act(widgets, f"click({id_of(text, 'Ask name')})")
    seen = observe(widgets)
    assert seen.dialog is not None and seen.dialog.default_value == "Ann"
    assert act(widgets, 'answer_dialog(true, "Bob")').ok
    assert title(widgets) == "name:Bob"


def test_a_tab_the_page_opens_is_noticed_listed_and_followed(widgets: BrowserSession) -> None:
    text = observe(widgets).text
    assert act(widgets, f"click({id_of(text, 'Open help in a new tab')})").ok
    widgets.run(widgets.page.wait_for_load_state())
    seen = observe(widgets)
    assert len(seen.tabs) == 2 and seen.tabs[1].active
    assert any("new tab opened" in n for n in seen.notices)
    assert "Inner frame text" in seen.text
    assert act(widgets, "switch_tab(0)").ok
    assert observe(widgets).title == "Widgets"
    assert act(widgets, "close_tab(1)").ok
    assert len(observe(widgets).tabs) == 1


def test_a_tab_a_click_handler_opens_is_active_in_the_next_observation(
    widgets: BrowserSession,
) -> None:
    text = observe(widgets).text
    assert act(widgets, f"click({id_of(text, 'Open help by script')})").ok
    seen = observe(widgets)
    assert len(seen.tabs) == 2 and seen.tabs[1].active
    assert any("new tab opened" in n for n in seen.notices)


def test_a_click_that_opens_no_tab_leaves_the_page_active(widgets: BrowserSession) -> None:
    text = observe(widgets).text
    assert act(widgets, f"click({id_of(text, 'Hover target')})").ok
    assert act(widgets, f"click({id_of(text, 'Open help by script')})").ok
    assert act(widgets, "switch_tab(0)").ok
    # The flag a window.open left is taken by the click that caused it, not the next one.
    assert act(widgets, f"click({id_of(text, 'Hover target')})").ok
    seen = observe(widgets)
    assert len(seen.tabs) == 2 and seen.tabs[0].active


def test_new_tab_goto_back_and_forward(widgets: BrowserSession, pages_server: str) -> None:
    assert act(widgets, f'new_tab("{pages_server}/observe.html")').ok
    seen = observe(widgets)
    assert seen.title == "Observe fixture" and len(seen.tabs) == 2
    assert act(widgets, f'goto("{pages_server}/long.html")').ok
    assert title(widgets) == "Long list"
    assert act(widgets, "back()").ok
    assert title(widgets) == "Observe fixture"
    assert act(widgets, "forward()").ok
    assert title(widgets) == "Long list"
    assert act(widgets, "close_tab()").ok
    assert title(widgets) == "Widgets"


def test_closing_the_last_tab_leaves_a_blank_one(widgets: BrowserSession) -> None:
    assert act(widgets, "close_tab()").ok
    seen = observe(widgets)
    assert len(seen.tabs) == 1 and seen.url == "about:blank"


def test_downloads_are_saved_in_the_run_folder_and_reported(widgets: BrowserSession) -> None:
    text = observe(widgets).text
    assert act(widgets, f"click({id_of(text, 'Download report')})").ok
    widgets.run(_until(lambda: any(widgets.downloads_dir.glob("report*.csv"))))
    saved = sorted(widgets.downloads_dir.glob("report*.csv"))[-1]
    assert saved.read_text().startswith("flight,price")
    assert any(str(saved) in n for n in observe(widgets).notices)


async def _until(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_upload_gives_a_file_input_a_file(widgets: BrowserSession, tmp_path: Path) -> None:
    attachment = tmp_path / "passport.txt"
    attachment.write_text("scan")
    text = observe(widgets).text
    assert act(widgets, f'upload({id_of(text, "Attachment")}, "{attachment}")').ok
    assert title(widgets) == "file:passport.txt"


def test_hover_press_scroll_and_wait(widgets: BrowserSession) -> None:
    text = observe(widgets).text
    assert act(widgets, f"hover({id_of(text, 'Hover target')})").ok
    assert title(widgets) == "hovered"
    assert act(widgets, f'type({id_of(text, "Query")}, "cheap flights")').ok
    assert act(widgets, 'press("Enter")').ok
    assert title(widgets) == "searched:cheap flights"
    assert act(widgets, 'type({}, "denver", enter=true)'.format(id_of(text, "Query"))).ok
    assert title(widgets) == "searched:denver"
    box = id_of(text, "Scroll box")
    assert act(widgets, f'scroll("down", element={box})').ok
    assert widgets.run(widgets.page.evaluate("document.getElementById('box').scrollTop")) > 0
    assert act(widgets, 'scroll("down")').ok
    assert observe(widgets).scroll.y > 0  # type: ignore[union-attr]
    assert act(widgets, "wait(0)").ok


def test_stop_carries_the_answer(widgets: BrowserSession) -> None:
    result = act(widgets, 'stop(answer="$245")')
    assert result.stop and result.answer == "$245"


# -- bad actions come back as errors, never as crashes --------------------------------


def test_an_unknown_id_is_an_error_for_the_model(widgets: BrowserSession) -> None:
    result = act(widgets, "click(987654)")
    assert not result.ok and "no element [987654]" in (result.error or "")
    assert observe(widgets, last_error=result.error).render().count("Last action failed") == 1


def test_a_hidden_element_is_an_error(session: BrowserSession, pages_server: str) -> None:
    session.goto(f"{pages_server}/observe.html")
    text = observe(session).text
    search = id_of(text, "Search")
    session.run(session.page.evaluate("document.getElementById('go').style.display = 'none'"))
    result = act(session, f"click({search})")
    assert not result.ok and "hidden" in (result.error or "")


def test_a_covered_element_times_out_with_an_error(widgets: BrowserSession) -> None:
    text = observe(widgets).text
    result = act(widgets, f"click({id_of(text, 'Under a cover')})")
    assert not result.ok and "timed out" in (result.error or "").lower()


def test_a_navigation_error_is_an_error(widgets: BrowserSession) -> None:
    result = act(widgets, 'goto("http://127.0.0.1:9/nothing-here")')
    assert not result.ok and "could not open" in (result.error or "")
    result = act(widgets, 'goto("javascript:alert(1)")')
    assert not result.ok and "only http(s)" in (result.error or "")


def test_wrong_option_key_file_and_tab_are_errors(
    session: BrowserSession, pages_server: str, tmp_path: Path
) -> None:
    session.goto(f"{pages_server}/observe.html")
    text = observe(session).text
    result = act(session, f'select({id_of(text, "Cabin")}, "Steerage")')
    assert not result.ok and "no option 'Steerage'" in (result.error or "")
    assert "'Economy'" in (result.error or "")
    assert act(session, f'select({id_of(text, "Cabin")}, "economy")').ok
    result = act(session, f'select({id_of(text, "Search")}, "x")')
    assert not result.ok and "not a drop-down" in (result.error or "")
    result = act(session, 'press("Hyperspace")')
    assert not result.ok and "unknown key" in (result.error or "")
    result = act(session, f'upload({id_of(text, "From")}, "{tmp_path / "missing.pdf"}")')
    assert not result.ok and "no file at" in (result.error or "")
    result = act(session, "switch_tab(7)")
    assert not result.ok and "no tab 7" in (result.error or "")
    result = act(session, f"click({id_of(text, 'Unavailable')})")
    assert not result.ok and "disabled" in (result.error or "")
    result = act(session, "answer_dialog(true)")
    assert not result.ok and "no dialog" in (result.error or "")


def test_typing_into_a_button_is_an_error(session: BrowserSession, pages_server: str) -> None:
    session.goto(f"{pages_server}/observe.html")
    text = observe(session).text
    result = act(session, f'type({id_of(text, "Search")}, "x")')
    assert not result.ok and "not a field" in (result.error or "")


def fill_form(
    session: BrowserSession, pages_server: str, names: list[str], values: list[str]
) -> tuple[list[str], ActionResult]:
    """`fill` on the observe page's form: the fields' ids, and the result."""
    session.goto(f"{pages_server}/observe.html")
    text = observe(session).text
    fields = [id_of(text, name) for name in names]
    return fields, execute(session, Action("fill", {"elements": fields, "values": values}))


def test_fill_sets_text_drop_downs_and_checkboxes_in_one_step(
    session: BrowserSession, pages_server: str
) -> None:
    fields, result = fill_form(
        session, pages_server, ["From", "Cabin", "Non-stop only"], ["DEN", "economy", "false"]
    )
    assert result.ok, result.error
    assert result.message == (
        f"filled [{fields[0]}]; selected 'Economy' in [{fields[1]}]; unchecked [{fields[2]}]"
    )
    after = observe(session).text
    assert 'value="DEN"' in after and 'value="Economy"' in after
    assert not re.search(r'checkbox "Non-stop only" checked', after)


def test_fill_stops_at_the_first_field_it_cannot_fill_and_says_what_it_did(
    session: BrowserSession, pages_server: str
) -> None:
    fields, result = fill_form(
        session, pages_server, ["From", "Search", "Cabin"], ["SFO", "x", "Economy"]
    )
    assert not result.ok
    assert result.error == (
        f"typed into [{fields[0]}]; then [{fields[1]}]: not a field you can fill: click it instead"
    )
    assert 'value="Business"' in observe(session).text  # the fields after it were left alone


def test_while_a_dialog_blocks_the_page_the_actor_is_offered_only_what_still_works(
    widgets: BrowserSession,
) -> None:
    from mira_agent.agent.actor import Actor
    from mira_agent.llm.scripted import ScriptedBackend

    text = observe(widgets).text
    assert act(widgets, f"click({id_of(text, 'Alert me')})").ok
    seen = observe(widgets)
    assert seen.dialog is not None
    backend = ScriptedBackend(
        [{"thought": "ok", "action": {"action": "answer_dialog", "accept": True}}]
    )
    decision = Actor(backend).decide("save it", [], "(no plan)", [], seen)
    prompt = decision.messages[0].content
    offered = {
        line.split('"action": "')[1].split('"')[0]
        for line in prompt.splitlines()
        if line.startswith('{"action": "')
    }
    assert offered == {"answer_dialog", "wait", "ask_user", "replan", "stop"}
    _messages, schema = backend.calls[0]
    allowed = {v["properties"]["action"]["const"] for v in schema["properties"]["action"]["oneOf"]}
    assert allowed == offered
    assert decision.action is not None and decision.action.name == "answer_dialog"
    assert execute(widgets, decision.action).ok
