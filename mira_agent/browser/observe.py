"""Turn the active tab into an `Observation`.

The heavy lifting happens in one in-page script (`js/observe.js`), which walks the DOM
once, stamps ids on interactive elements and returns the text. One round trip per
frame keeps it fast; the Python side only stitches cross-origin frames in and adds
the browser-level facts (tabs, dialogs, notices).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page

from mira_agent.browser.capture import capture_png
from mira_agent.browser.observation import Dialog, Observation, Scroll, Tab
from mira_agent.browser.session import BrowserSession
from mira_agent.errors import first_line

ID_PATTERN = re.compile(r"\[([0-9][0-9.]*)\] ")
OPAQUE_FRAME = re.compile(r"^\x00frame:([^:]*):(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class ObserveOptions:
    """Limits on the rendered text. The defaults keep a busy page near 4k tokens."""

    max_chars: int = 16_000
    max_list_items: int = 50
    max_text_length: int = 300
    screenshot: bool = False
    marks: bool = False


@cache
def _script() -> str:
    return resources.files("mira_agent.browser").joinpath("js/observe.js").read_text()


def observe(
    session: BrowserSession,
    options: ObserveOptions | None = None,
    *,
    last_error: str | None = None,
) -> Observation:
    """Observe the active tab of `session` (synchronous wrapper)."""
    return session.run(observe_async(session, options or ObserveOptions(), last_error))


async def observe_async(
    session: BrowserSession, options: ObserveOptions, last_error: str | None = None
) -> Observation:
    page = session.page
    dialog = session.dialog_info()
    tabs = tuple(Tab(t.index, t.title, t.url, t.active) for t in await session.tabs_async())
    title = next((t.title for t in tabs if t.active), "")
    notices = tuple(session.take_notices())
    if dialog is not None:
        # The page's scripts are frozen until the dialog is answered: do not touch the DOM.
        return Observation(
            url=page.url,
            title=title,
            tabs=tabs,
            text="(the page is blocked by the dialog)",
            dialog=Dialog(dialog.kind, dialog.message, dialog.default_value),
            notices=notices,
            last_error=last_error,
        )
    try:
        raw = await _evaluate(
            page.main_frame, options, session.next_element_id, [], "", bool(options.marks)
        )
    except PlaywrightError as exc:
        return Observation(
            url=page.url,
            title=title,
            tabs=tabs,
            text=f"(the page could not be read: {first_line(exc)})",
            notices=notices,
            last_error=last_error,
        )
    session.note_element_ids(int(raw["nextId"]))
    text = raw["text"]
    framed: dict[str, list[str]] = dict(raw["framed"])
    if raw["opaque"]:
        text = await _fill_opaque_frames(page, text, raw["opaque"], options, framed)
    session.remember_frames(framed)
    truncated = bool(raw["cut"])
    if truncated:
        text = _cut(text, options.max_chars)
    screenshot = None
    if options.screenshot or options.marks:
        screenshot = await capture_png(page)
        if options.marks and raw["boxes"]:
            from mira_agent.browser.marks import draw_marks

            scale = await page.evaluate("window.devicePixelRatio") or 1
            screenshot = draw_marks(screenshot, raw["boxes"], scale=float(scale))
    scroll = raw["scroll"]
    return Observation(
        url=page.url,
        title=title,
        tabs=tabs,
        text=text,
        element_ids=tuple(ID_PATTERN.findall(text + "\n" + (raw["focusedText"] or ""))),
        focused=raw["focused"],
        focused_text=raw["focusedText"],
        scroll=Scroll(
            scroll["x"],
            scroll["y"],
            scroll["width"],
            scroll["height"],
            scroll["viewportWidth"],
            scroll["viewportHeight"],
        ),
        notices=notices,
        last_error=last_error,
        truncated=truncated,
        screenshot=screenshot,
    )


async def _evaluate(
    frame: Frame,
    options: ObserveOptions,
    start_id: int,
    frames: list[str],
    prefix: str,
    boxes: bool,
) -> dict[str, Any]:
    return await frame.evaluate(
        _script(),
        {
            "maxChars": options.max_chars,
            "maxListItems": options.max_list_items,
            "maxTextLength": options.max_text_length,
            "startId": start_id,
            "frames": frames,
            "prefix": prefix,
            "boxes": boxes,
        },
    )


async def _fill_opaque_frames(
    page: Page,
    text: str,
    opaque: list[dict[str, Any]],
    options: ObserveOptions,
    framed: dict[str, list[str]],
) -> str:
    """Render cross-origin iframes, which the page's own script cannot reach, in place."""
    by_key: dict[str, Frame] = {}
    for frame in page.frames[1:]:
        try:
            element = await frame.frame_element()
            key = await element.get_attribute("data-mira-frame")
        except PlaywrightError:
            continue
        if key:
            by_key[key] = frame
    rendered: dict[str, str] = {}
    for item in opaque:
        key = item["key"]
        frame = by_key.get(key)
        if frame is None:
            rendered[key] = "(a frame that could not be read)"
            continue
        try:
            raw = await _evaluate(frame, options, 1, [*item["frames"], key], f"{key}.", False)
            rendered[key] = raw["text"]
            framed.update(raw["framed"])
        except PlaywrightError as exc:
            rendered[key] = f"(a frame that could not be read: {first_line(exc)})"

    def fill(match: re.Match[str]) -> str:
        title = match.group(2)
        head = f'frame "{title}":' if title else "frame:"
        return f"{head}\n{rendered.get(match.group(1), '')}\nend of frame"

    return OPAQUE_FRAME.sub(fill, text)


def _cut(text: str, max_chars: int) -> str:
    """Cut at a line boundary and say so: a silently shortened page misleads the model."""
    if len(text) <= max_chars:
        kept, rest = text, 0
    else:
        cut_at = text.rfind("\n", 0, max_chars)
        cut_at = cut_at if cut_at > 0 else max_chars
        kept, rest = text[:cut_at], len(text) - cut_at
    more = f" and {rest} more characters" if rest else ""
    return (
        f"{kept}\n… the page goes on{more}; not shown to keep the observation short"
        " (scroll down to see more)"
    )
