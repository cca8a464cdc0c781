"""Load and render the prompt templates in the repository's `prompts/` folder.

A template is a Jinja2 file: a comment at the top names its variables, a line
``=== user ===`` separates the system message from the user message. Rendering is
strict: a variable the caller forgot is an error, not an empty string.

A model's own chat template (Jinja too, carried by its GGUF or tokenizer) is rendered
here as well, so that Jinja stays behind this one module.
"""

from __future__ import annotations

import json
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


@cache
def _compiled(name: str) -> tuple[jinja2.Template, jinja2.Template]:
    """A prompt's system and user parts, compiled once (a step renders several)."""
    system, _, user = template_source(name).partition(SPLIT)
    env = _environment()
    return env.from_string(system), env.from_string(user)


def render_prompt(name: str, **variables: object) -> list[Message]:
    """Render `prompts/NAME.md` into a system and a user message."""
    system, user = _compiled(name)
    messages = []
    system_text = system.render(**variables).strip()
    if system_text:
        messages.append(Message("system", system_text))
    messages.append(Message("user", user.render(**variables).strip()))
    return messages


@cache
def _chat_template(source: str) -> jinja2.Template:
    """A model's own chat template, compiled as transformers and llama-cpp-python compile
    them (sandboxed, blocks trimmed, `loopcontrols`, and the `raise_exception`,
    `strftime_now` and `tojson` helpers templates call), so that it renders here to the
    text the model was trained on."""
    from datetime import datetime

    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise jinja2.TemplateError(message)

    def tojson(value: object, indent: int | None = None, **_: object) -> str:
        return json.dumps(value, ensure_ascii=False, indent=indent)

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols]
    )
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env.from_string(source)


def render_chat_template(source: str, **variables: object) -> str:
    """Render a chat template (`messages`, `add_generation_prompt`, `bos_token`,
    `eos_token`, …) into the model's prompt text."""
    return _chat_template(source).render(**variables)
