"""Screenshots that a busy machine does not turn into a failed step.

Playwright asks Chromium for a new compositor frame and copies it
(`Page.captureScreenshot`). A headed window on a loaded machine (Xvfb with a browser
and a model sharing two cores) can miss that frame, and Chromium then answers "Unable
to capture screenshot" although nothing is wrong with the page. Waiting until the page
has painted two animation frames and asking again gets the picture; only an error that
persists is reported.
"""

from __future__ import annotations

import asyncio

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

TRANSIENT = "Unable to capture screenshot"
ATTEMPTS = 4

# Resolves once the page has produced two new frames: the first may already be under way
# when the call arrives, the second is painted after it.
_TWO_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


async def capture_png(page: Page, *, attempts: int = ATTEMPTS) -> bytes:
    """A PNG of `page`'s viewport, asking again after a painted frame when Chromium
    missed the frame; the last error is raised if every attempt failed."""
    for attempt in range(1, attempts):
        try:
            return await page.screenshot(type="png")
        except PlaywrightError as exc:
            if TRANSIENT not in str(exc):
                raise
        await wait_for_paint(page, timeout=0.5 * attempt)
    return await page.screenshot(type="png")


async def wait_for_paint(page: Page, *, timeout: float) -> None:
    """Until the page has painted two frames, or `timeout` seconds (a page that paints
    nothing, such as a hidden one, does not hold the caller up for longer)."""
    try:
        await asyncio.wait_for(page.evaluate(_TWO_FRAMES), timeout)
    except (TimeoutError, PlaywrightError):
        await asyncio.sleep(0.1)
