"""What needs a yes, where the agent may go, and what is never shown."""

from __future__ import annotations

from mira_agent.agent.actor import read_decision
from mira_agent.agent.safety import Redactor, approval_reason, domain_allowed
from mira_agent.browser.actions import Action
from mira_agent.browser.observation import parse_elements

PAGE = parse_elements(
    '[1] textbox "Card number" [2] textbox "Name on card" [3] button "Pay $642" '
    '[4] link "My bookings" [5] button "Delete booking" [6] textbox "Password" type=password'
)


def test_paying_deleting_and_submitting_need_a_yes() -> None:
    assert approval_reason(Action("click", {"element": "3"}), PAGE) == 'it clicks "Pay $642"'
    assert approval_reason(Action("click", {"element": "5"}), PAGE)
    assert approval_reason(Action("click", {"element": "4"}), PAGE) is None
    enter = Action("type", {"element": "2", "text": "Maria", "enter": True})
    assert "may submit" in (approval_reason(enter, PAGE) or "")
    assert approval_reason(Action("type", {"element": "2", "text": "Maria"}), PAGE) is None


def test_navigation_is_confined_to_the_allowed_domains() -> None:
    allowed = ["example.org", "127.0.0.1"]
    assert domain_allowed("https://shop.example.org/cart", allowed)
    assert domain_allowed("http://127.0.0.1:8765/", allowed)
    assert not domain_allowed("https://example.org.evil.com/", allowed)
    assert not domain_allowed("https://google.com/", allowed)
    assert domain_allowed("about:blank", allowed)
    assert domain_allowed("https://anything.net/", [])


def test_card_numbers_and_typed_passwords_are_masked() -> None:
    redactor = Redactor()
    redactor.note_typed(Action("type", {"element": "6", "text": "hunter2!"}), PAGE)
    text = "typed hunter2! then type(1, '4242 4242 4242 4242') and order 1234 5678"
    shown = redactor.redact(text)
    assert "hunter2!" not in shown and "4242 4242 4242 4242" not in shown
    assert "•••• 4242" in shown and "1234 5678" in shown


def test_a_card_holders_name_is_not_a_secret_but_a_security_code_is() -> None:
    page = parse_elements('[1] textbox "Name on card" [2] textbox "Security code (CVV)"')
    redactor = Redactor()
    redactor.note_typed(Action("type", {"element": "1", "text": "Maria Lopez"}), page)
    redactor.note_typed(Action("type", {"element": "2", "text": "737"}), page)
    shown = redactor.redact("Maria Lopez paid with code 737")
    assert shown == "Maria Lopez paid with code ••••"


def test_the_actors_answer_is_read_without_raising() -> None:
    thought, action, error = read_decision(
        '{"thought": "search", "action": {"action": "click", "element": "3"}}'
    )
    assert thought == "search" and action == Action("click", {"element": "3"}) and error is None
    thought, action, error = read_decision("I will click(4)")
    assert action == Action("click", {"element": "4"})
    thought, action, error = read_decision('{"thought": "hmm", "action": {"action": "fly"}}')
    assert action is None and thought == "hmm" and "unknown action" in (error or "")
