"""Carry out a parsed `Action` in the browser.

Every failure a model can cause (an id that is not on the page, a hidden element, a
timeout, a URL that does not load) comes back as an `ActionResult` with an error for
the next observation; it never ends the run. Only a dead browser raises.

An action can open a JavaScript dialog, which freezes the page until it is answered.
Each action is therefore raced against the dialog: when one opens, the action is left
pending, the dialog goes into the observation, and `answer_dialog` lets the page go on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from mira_agent.browser.actions import ACTIONS_BY_NAME, Action
from mira_agent.browser.session import BrowserSession
from mira_agent.errors import first_line


@dataclass(frozen=True)
class ActionResult:
    """What happened: `ok` and a message, or the error to show the model."""

    ok: bool
    message: str = ""
    error: str | None = None
    stop: bool = False
    answer: str | None = None
    question: str | None = None
    blocked: str | None = None


class ActionFailed(Exception):
    """Raised inside handlers for a failure that is the model's to fix."""


POPUP_WAIT_MS = 3_000  # how long a click that opens a new tab waits for it
_OPENS_TAB = """e => {
  const t = e.closest('a[target], area[target]') || e.form || e.closest('form');
  const target = ((t && t.getAttribute('target')) || '').toLowerCase();
  return target !== '' && !['_self', '_parent', '_top'].includes(target); }"""
# Whether the page called window.open since last asked (the session's WATCH_WINDOW_OPEN).
_TOOK_OPENED = (
    "() => { const o = window.__miraOpened === true; window.__miraOpened = false; return o; }"
)

Handler = Callable[[BrowserSession, Action], Awaitable[str]]
HANDLERS: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    if name not in ACTIONS_BY_NAME:
        raise ValueError(f"no declared action {name!r}")

    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


def execute(session: BrowserSession, action: Action) -> ActionResult:
    """Run `action` in `session`'s active tab (synchronous wrapper)."""
    return session.run(execute_async(session, action))


async def execute_async(session: BrowserSession, action: Action) -> ActionResult:
    if action.name == "stop":
        answer = action.args.get("answer")
        return ActionResult(True, "stopped", stop=True, answer=answer)
    if action.name == "replan":
        # The agent loop hands this to the planner; the browser has nothing to do.
        return ActionResult(True, "asked for a new plan", blocked=action.args["reason"])
    if action.name == "ask_user":
        # The agent loop asks the user; the browser has nothing to do.
        return ActionResult(True, "asked the user", question=action.args["question"])
    if session.pending_dialog() is not None and action.name not in ("answer_dialog", "wait"):
        return ActionResult(
            False, error="a dialog is open and blocks the page: answer it first with answer_dialog"
        )
    run = HANDLERS[action.name]
    task = asyncio.ensure_future(run(session, action))
    dialog = asyncio.ensure_future(session.dialog_arrived.wait())
    try:
        done, _ = await asyncio.wait({task, dialog}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        dialog.cancel()
    if task not in done:
        # The page opened a dialog and is frozen; the action finishes once it is answered.
        task.add_done_callback(_swallow)
        return ActionResult(True, "the page opened a dialog")
    try:
        message = task.result()
    except ActionFailed as exc:
        return ActionResult(False, error=str(exc))
    except PlaywrightTimeout as exc:
        return ActionResult(False, error=f"timed out: {_first_line(exc)}")
    except PlaywrightError as exc:
        if session.dead:
            raise
        return ActionResult(False, error=_first_line(exc))
    return ActionResult(True, message)


def _swallow(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


def _first_line(exc: BaseException) -> str:
    """The first line, without Playwright's method prefix ("Locator.click: ...")."""
    line = first_line(exc)
    for prefix in ("Locator.", "Page.", "Frame.", "ElementHandle."):
        if line.startswith(prefix):
            line = line.split(": ", 1)[-1]
    return line


async def _settle(session: BrowserSession) -> None:
    """Give a navigation the action started a moment to load."""
    try:
        await session.page.wait_for_load_state("load", timeout=5_000)
    except PlaywrightError:
        pass


def _locate(session: BrowserSession, element: str) -> Locator:
    scope: Any = session.page
    for key in session.frame_chain(element):
        scope = scope.frame_locator(f'[data-mira-frame="{key}"]')
    return scope.locator(f'[data-mira-id="{element}"]')


async def _element(session: BrowserSession, action: Action, *, visible: bool = True) -> Locator:
    element = action.element
    assert element is not None
    locator = _locate(session, element)
    if await locator.count() == 0:
        raise ActionFailed(
            f"there is no element [{element}] on the page now;"
            " use an id from the latest observation"
        )
    if visible and not await locator.first.is_visible():
        raise ActionFailed(f"element [{element}] is hidden, so it cannot be used now")
    return locator.first


@handler("click")
async def _click(session: BrowserSession, action: Action) -> str:
    locator = await _element(session, action)
    if await locator.is_disabled():
        raise ActionFailed(f"element [{action.element}] is disabled")
    tabs = len(session.pages)
    if await locator.evaluate(_OPENS_TAB):
        # A link or form that targets another window: wait for its tab to be reported.
        popup = asyncio.ensure_future(session.page.wait_for_event("popup", timeout=POPUP_WAIT_MS))
        try:
            await locator.click()
            await popup
        except PlaywrightTimeout:
            if not popup.done():  # the click itself timed out
                raise
        finally:
            popup.cancel()
    else:
        page = session.page
        await locator.click()
        if await _called_window_open(page):
            # A click handler opened a window: it is reported a moment after the click.
            await _tab_reported(session, tabs)
    await _settle(session)
    return f"clicked [{action.element}]"


async def _called_window_open(page: Page) -> bool:
    try:
        return bool(await page.evaluate(_TOOK_OPENED))
    except PlaywrightError:  # the click navigated away and took the flag with it
        return False


async def _tab_reported(session: BrowserSession, tabs: int) -> None:
    """Wait until the session tracks more than `tabs` tabs, or POPUP_WAIT_MS passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + POPUP_WAIT_MS / 1000
    while len(session.pages) <= tabs and loop.time() < deadline:
        await asyncio.sleep(0.01)


_EDITABLE = """e => e.isContentEditable || (!e.readOnly && !e.disabled && (e.tagName === 'TEXTAREA'
  || (e.tagName === 'INPUT' && !['button', 'submit', 'reset', 'image', 'checkbox', 'radio', 'file',
      'range', 'color', 'hidden'].includes(e.type))))"""


# What `fill` needs to know of a field, in one round trip: its kind and whether it takes text.
_KIND = f"e => [e.tagName === 'INPUT' ? e.type : e.tagName, ({_EDITABLE})(e)]"


@handler("type")
async def _type(session: BrowserSession, action: Action) -> str:
    locator = await _element(session, action)
    if not await locator.evaluate(_EDITABLE):
        raise ActionFailed(f"element [{action.element}] is not a field you can type in")
    await locator.fill(action.args["text"])
    if action.args.get("enter"):
        await locator.press("Enter")
        await _settle(session)
        return f"typed into [{action.element}] and pressed Enter"
    return f"typed into [{action.element}]"


@handler("select")
async def _select(session: BrowserSession, action: Action) -> str:
    locator = await _element(session, action)
    tag = await locator.evaluate("e => e.tagName")
    if tag != "SELECT":
        raise ActionFailed(f"element [{action.element}] is not a drop-down list; click it instead")
    label = await _choose(locator, str(action.element), action.args["option"])
    await _settle(session)
    return f"selected {label!r} in [{action.element}]"


async def _choose(locator: Locator, element: str, option: str) -> str:
    """Select `option` (its visible text or value, any case) in a <select>; its label."""
    choices: list[str] = await locator.evaluate(
        "e => Array.from(e.options).map(o => [o.label || o.textContent.trim(), o.value])"
    )
    for label, value in choices:
        if option.strip().lower() in (label.strip().lower(), value.strip().lower()):
            await locator.select_option(value=value)
            return label
    names = ", ".join(repr(label) for label, _ in choices[:20])
    raise ActionFailed(f"[{element}] has no option {option!r}; its options: {names}")


ON = ("true", "yes", "on", "checked", "1")
OFF = ("false", "no", "off", "unchecked", "0")


@handler("fill")
async def _fill(session: BrowserSession, action: Action) -> str:
    done: list[str] = []
    for element, value in zip(action.args["elements"], action.args["values"], strict=True):
        try:
            done.append(await _fill_one(session, element, value))
        except (ActionFailed, PlaywrightError) as exc:
            so_far = f"{'; '.join(done)}; then " if done else ""
            raise ActionFailed(f"{so_far}[{element}]: {_first_line(exc)}") from None
    await _settle(session)
    typed = [d.removeprefix("typed into ") for d in done if d.startswith("typed into ")]
    others = [d for d in done if not d.startswith("typed into ")]
    return "; ".join(([f"filled {', '.join(typed)}"] if typed else []) + others)


async def _fill_one(session: BrowserSession, element: str, value: str) -> str:
    locator = await _element(session, Action("click", {"element": element}))
    kind, editable = await locator.evaluate(_KIND)
    if kind == "SELECT":
        return f"selected {await _choose(locator, element, value)!r} in [{element}]"
    if kind in ("checkbox", "radio"):
        wanted = value.strip().lower()
        if wanted not in ON + OFF:
            raise ActionFailed(f"a {kind} takes true or false, not {value!r}")
        await locator.set_checked(wanted in ON)
        return f"{'checked' if wanted in ON else 'unchecked'} [{element}]"
    if not editable:
        raise ActionFailed("not a field you can fill: click it instead")
    await locator.fill(value)
    return f"typed into [{element}]"


@handler("hover")
async def _hover(session: BrowserSession, action: Action) -> str:
    await (await _element(session, action)).hover()
    return f"hovered over [{action.element}]"


@handler("press")
async def _press(session: BrowserSession, action: Action) -> str:
    key = action.args["key"]
    try:
        await session.page.keyboard.press(key)
    except PlaywrightError as exc:
        if "Unknown key" in str(exc):
            raise ActionFailed(
                f"unknown key {key!r}; use names like Enter, Tab, ArrowDown, Control+A"
            ) from None
        raise
    await _settle(session)
    return f"pressed {key}"


@handler("scroll")
async def _scroll(session: BrowserSession, action: Action) -> str:
    direction = action.args["direction"]
    dx, dy = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}[direction]
    script = """([dx, dy, e]) => {
      const w = e ? e.clientWidth : innerWidth, h = e ? e.clientHeight : innerHeight;
      (e || window).scrollBy(dx * w * 0.8, dy * h * 0.8);
    }"""
    if action.element:
        locator = await _element(session, action)
        await locator.evaluate(f"(e, a) => ({script})([a[0], a[1], e])", [dx, dy])
        return f"scrolled [{action.element}] {direction}"
    await session.page.evaluate(script, [dx, dy, None])
    return f"scrolled {direction}"


def _checked_url(url: str) -> str:
    parsed = urlparse(url)
    if not parsed.scheme and parsed.path and "." in parsed.path.split("/")[0]:
        return "https://" + url
    if parsed.scheme not in ("http", "https", "file", "about", "data"):
        raise ActionFailed(f"cannot open {url!r}: only http(s), file and about: URLs")
    return url


@handler("goto")
async def _goto(session: BrowserSession, action: Action) -> str:
    url = _checked_url(action.args["url"])
    try:
        await session.page.goto(url)
    except PlaywrightTimeout:
        raise ActionFailed(f"{url} did not finish loading in time") from None
    except PlaywrightError as exc:
        # Chromium shows its error page after a failed load; let that land before going on.
        await asyncio.sleep(0.2)
        await _settle(session)
        raise ActionFailed(f"could not open {url}: {_first_line(exc)}") from None
    return f"opened {session.page.url}"


@handler("back")
async def _back(session: BrowserSession, action: Action) -> str:
    if await session.page.go_back() is None and session.page.url in ("about:blank", ""):
        raise ActionFailed("there is no earlier page in this tab")
    return f"went back to {session.page.url}"


@handler("forward")
async def _forward(session: BrowserSession, action: Action) -> str:
    before = session.page.url
    response = await session.page.go_forward()
    if response is None and session.page.url == before:
        raise ActionFailed("there is no later page in this tab")
    return f"went forward to {session.page.url}"


@handler("new_tab")
async def _new_tab(session: BrowserSession, action: Action) -> str:
    url = action.args.get("url")
    checked = _checked_url(url) if url else None
    session.expect_new_page()
    page = await session.context.new_page()
    await asyncio.sleep(0)
    session.adopt(page)
    if checked:
        try:
            await page.goto(checked)
        except PlaywrightError as exc:
            raise ActionFailed(
                f"opened a tab but could not load {checked}: {_first_line(exc)}"
            ) from None
    return f"opened tab {session.active_index}"


@handler("switch_tab")
async def _switch_tab(session: BrowserSession, action: Action) -> str:
    index = int(action.args["index"])
    if not 0 <= index < len(session.pages):
        raise ActionFailed(f"there is no tab {index}; tabs are 0 to {len(session.pages) - 1}")
    session.set_active(index)
    await session.page.bring_to_front()
    return f"switched to tab {index}"


@handler("close_tab")
async def _close_tab(session: BrowserSession, action: Action) -> str:
    index = int(action.args.get("index", session.active_index))
    pages = session.pages
    if not 0 <= index < len(pages):
        raise ActionFailed(f"there is no tab {index}; tabs are 0 to {len(pages) - 1}")
    if len(pages) == 1:
        session.expect_new_page()
        blank = await session.context.new_page()
        await asyncio.sleep(0)
        session.adopt(blank)
    await pages[index].close()
    return f"closed tab {index}; tab {session.active_index} is active"


@handler("answer_dialog")
async def _answer_dialog(session: BrowserSession, action: Action) -> str:
    dialog = session.pending_dialog()
    if dialog is None:
        raise ActionFailed("no dialog is open")
    accept = bool(action.args["accept"])
    session.clear_dialog()
    if accept:
        text = action.args.get("text")
        await (dialog.accept(text) if text is not None else dialog.accept())
    else:
        await dialog.dismiss()
    await _settle(session)
    return "accepted the dialog" if accept else "dismissed the dialog"


@handler("upload")
async def _upload(session: BrowserSession, action: Action) -> str:
    path = Path(action.args["path"]).expanduser()
    if not path.is_file():
        raise ActionFailed(f"no file at {path}")
    locator = await _element(session, action, visible=False)
    if await locator.evaluate("e => !(e.tagName === 'INPUT' && e.type === 'file')"):
        raise ActionFailed(f"element [{action.element}] is not a file input")
    await locator.set_input_files(str(path))
    return f"gave [{action.element}] the file {path.name}"


@handler("wait")
async def _wait(session: BrowserSession, action: Action) -> str:
    seconds = float(action.args.get("seconds", 1))
    await asyncio.sleep(seconds)
    return f"waited {seconds:g} s"


@handler("stop")
async def _stop(session: BrowserSession, action: Action) -> str:
    return "stopped"  # handled before dispatch; declared here so every action has a handler


@handler("replan")
async def _replan(session: BrowserSession, action: Action) -> str:
    return "asked for a new plan"  # handled before dispatch, like stop


@handler("ask_user")
async def _ask_user(session: BrowserSession, action: Action) -> str:
    return "asked the user"  # handled before dispatch, like stop
