"""What an action changed, read off the observations before and after it.

"clicked [12]" tells a model nothing about whether the click worked; "the page is now
…/checkout" or "[31] textbox "Name": "" → "Ada"" does. The comparison is pure, over two
`Observation`s, so it can be tested without a browser; what only the browser knows (a
download, a crashed page) arrives as the after-observation's notices, which are shown
beside it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from urllib.parse import urlparse

from mira_agent.browser.observation import ElementRef, Observation

SHOWN = 4  # elements named per kind of change; the rest are counted
EDITS_SHOWN = 8  # fields named with their change (a filled form is read whole)
TOGGLES = ("checked", "selected", "expanded", "collapsed", "pressed", "disabled")


def _named(element: ElementRef) -> str:
    return f"[{element.id}] {element.role}{f' {_quoted(element.name)}' if element.name else ''}"


def _quoted(text: str, most: int = 40) -> str:
    return '"' + (text if len(text) <= most else text[: most - 1] + "…") + '"'


def _listed(elements: Sequence[ElementRef]) -> str:
    names = ", ".join(_named(e) for e in elements[:SHOWN])
    more = len(elements) - SHOWN
    return names + (f" and {more} more" if more > 0 else "")


def _state(element: ElementRef) -> str:
    """The part of an element a person changes: its value and its on/off states."""
    flags = " ".join(flag for flag in TOGGLES if flag in element.flags)
    return f"{_quoted(element.value)}{f' {flags}' if flags else ''}"


def describe_changes(before: Observation, after: Observation) -> list[str]:
    """One phrase per kind of change, most telling first; empty when nothing changed."""
    out: list[str] = []
    if after.dialog is not None and before.dialog is None:
        out.append(f'a {after.dialog.kind} dialog opened: "{after.dialog.message}"')
    if len(after.tabs) > len(before.tabs):
        added = [t for t in after.tabs if t.url not in {b.url for b in before.tabs}]
        shown = added[-1] if added else after.tabs[-1]
        out.append(f"a new tab opened (tab {shown.index}: {shown.title or shown.url})")
    elif len(after.tabs) < len(before.tabs):
        out.append(f"{len(before.tabs) - len(after.tabs)} tab(s) closed")
    active = next((t.index for t in after.tabs if t.active), None)
    was = next((t.index for t in before.tabs if t.active), None)
    if after.url != before.url:
        out.append(f"the page is now {after.url}")
    elif active != was:
        out.append(f"tab {active} is active")
    if active != was or not _same_page(before.url, after.url):
        return out  # another document: its elements are all new, and say nothing
    old = {e.id: e for e in before.elements()}
    new = {e.id: e for e in after.elements()}
    edited = [
        f"{_named(e)}: {_state(old[e.id])} → {_state(e)}"
        for e in new.values()
        if e.id in old and _state(old[e.id]) != _state(e)
    ]
    if edited:
        more = len(edited) - EDITS_SHOWN
        out.append(
            "changed: "
            + "; ".join(edited[:EDITS_SHOWN])
            + (f"; and {more} more" if more > 0 else "")
        )
    # A reload gives every element a new id: what appeared or went is told by role and
    # name, so an unchanged header is neither, and a removed row is "gone".
    appeared = _unmatched(list(new.values()), list(old.values()))
    gone = _unmatched(list(old.values()), list(new.values()))
    if appeared:
        out.append(f"appeared: {_listed(appeared)}")
    if gone:
        out.append(f"gone: {_listed(gone)}")
    if not (edited or appeared or gone) and before.text != after.text:
        out.append("the page's text changed")
    return out


def _same_page(before: str, after: str) -> bool:
    """The same page, perhaps reloaded with another query (a sort, a filter, a form)."""
    a, b = urlparse(before), urlparse(after)
    return (a.scheme, a.netloc, a.path) == (b.scheme, b.netloc, b.path)


def _signature(element: ElementRef) -> tuple[str, str]:
    return element.role, element.name


def _unmatched(these: list[ElementRef], those: list[ElementRef]) -> list[ElementRef]:
    """The elements of `these` with no counterpart (same role and name) in `those`,
    counting repeats: a list that lost one of three "Remove" buttons lost one."""
    left = Counter(_signature(e) for e in those)
    out = []
    for element in these:
        if left[_signature(element)] > 0:
            left[_signature(element)] -= 1
        else:
            out.append(element)
    return out


def new_element_ids(before: Observation | None, after: Observation) -> frozenset[str]:
    """The elements of `after` that `before` did not show, by role and name, for marking
    with `*` (none on the first observation or another page, where all would be new)."""
    if before is None or not _same_page(before.url, after.url):
        return frozenset()
    return frozenset(e.id for e in _unmatched(after.elements(), before.elements()))
