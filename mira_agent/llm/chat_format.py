"""Render chat messages into the exact text a model is given: its turn format.

The local backend feeds this text to llama.cpp as a raw completion, and training rebuilds
the same text from the logged messages with the same `TurnFormat`, picked by the same
rule (`turn_format`), so what training sees is byte for byte what inference saw.

Gemma's turns are written here by hand: the embedded Gemma 3 270M GGUF carries no chat
template, and every Gemma model keeps this one rendering whether its file has a template
or not. Any other model is rendered with its own chat template, the Jinja text its GGUF
(`tokenizer.chat_template`) or its tokenizer carries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mira_agent.llm.base import LLMError, Message

BOS = "<bos>"
START = "<start_of_turn>"
END = "<end_of_turn>"


def render_gemma(messages: Sequence[Message], *, add_generation_prompt: bool = True) -> str:
    """Gemma 3's chat format. Gemma has no system role: a system message opens the first
    user turn, as Gemma's own template does."""
    turns: list[tuple[str, str]] = []
    pending_system = ""
    for message in messages:
        if message.role == "system":
            pending_system += message.content.strip() + "\n\n"
            continue
        role = "model" if message.role == "assistant" else "user"
        content = message.content
        if role == "user" and pending_system:
            content = pending_system + content
            pending_system = ""
        turns.append((role, content))
    if pending_system:
        turns.append(("user", pending_system.rstrip()))
    text = BOS + "".join(f"{START}{role}\n{content.strip()}{END}\n" for role, content in turns)
    if add_generation_prompt:
        text += f"{START}model\n"
    return text


@dataclass(frozen=True)
class TurnFormat:
    """How one model's chat is written as text.

    `render` gives the prompt up to where the model's answer begins; `end` is the text
    that closes the model's own turn: the backend stops there, and training appends it to
    each action so that the model learns to stop."""

    name: str
    render: Callable[[Sequence[Message]], str]
    end: str


GEMMA = TurnFormat("gemma", render_gemma, END)

CHAT_FORMATS = {"gemma": GEMMA}  # the formats a model manifest may name (`chat_format`)


def template_format(template: str, *, bos_token: str, eos_token: str) -> TurnFormat:
    """A model's own Jinja chat template as a turn format; its turns end with the end-of-
    sequence token, as the template's own assistant turns do."""
    from mira_agent.templates import render_chat_template

    def render(messages: Sequence[Message]) -> str:
        return render_chat_template(
            template,
            messages=[m.to_json() for m in messages],
            add_generation_prompt=True,
            bos_token=bos_token,
            eos_token=eos_token,
        )

    return TurnFormat("template", render, eos_token)


def turn_format(
    architecture: str,
    chat_template: str | None,
    *,
    bos_token: str,
    eos_token: str,
    named: str | None = None,
) -> TurnFormat:
    """The turn format of a model: the one its manifest names, else Gemma's for any Gemma
    architecture, else the model's own chat template. Inference passes what the GGUF says
    (`general.architecture`, `tokenizer.chat_template`), training what the tokenizer and
    config say: one rule, so the two cannot pick differently."""
    if named is not None:
        if named not in CHAT_FORMATS:
            known = ", ".join(CHAT_FORMATS)
            raise LLMError(f"unknown chat format {named!r} (known: {known})", exit_code=2)
        return CHAT_FORMATS[named]
    if architecture.lower().startswith("gemma"):
        return GEMMA
    if chat_template:
        return template_format(chat_template, bos_token=bos_token, eos_token=eos_token)
    raise LLMError(
        f"the {architecture} model carries no chat template: mira cannot know its turn"
        " format (use a model file with a chat template)",
        exit_code=2,
    )
