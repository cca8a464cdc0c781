"""Small helpers shared by the tests."""

from __future__ import annotations

import re


def id_of(text: str, name: str) -> str:
    """The id of the element called `name` in an observation's text."""
    match = re.search(r"\[([0-9.]+)\] [a-z]+ \"" + re.escape(name) + '"', text)
    assert match, f"no element named {name!r} in:\n{text}"
    return match.group(1)
