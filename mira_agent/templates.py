"""Load and render the prompt templates in the repository's `prompts/` folder.

A template is a Jinja2 file: a comment at the top names its variables, a line
``=== user ===`` separates the system message from the user message. Rendering is
strict: a variable the caller forgot is an error, not an empty string.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import jinja2

from mira_agent.llm.base import Message

SPLIT = "=== user ==="
_VARIABLES = re.compile(r"\{#\s*variables:\s*(.*?)#\}", re.DOTALL)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


@cache
def template_source(name: str) -> str:
    return resources.files("mira_agent.prompts").joinpath(f"{name}.md").read_text()


def declared_variables(name: str) -> set[str]:
    """The variables a template says it takes (its header comment)."""
    match = _VARIABLES.search(template_source(name))
    if not match:
        return set()
    return {v.strip() for v in re.split(r"[,\s]+", match.group(1)) if v.strip()}


def render_prompt(name: str, **variables: object) -> list[Message]:
    """Render `prompts/NAME.md` into a system and a user message."""
    source = template_source(name)
    system, _, user = source.partition(SPLIT)
    env = _environment()
    messages = []
    system_text = env.from_string(system).render(**variables).strip()
    if system_text:
        messages.append(Message("system", system_text))
    messages.append(Message("user", env.from_string(user).render(**variables).strip()))
    return messages
