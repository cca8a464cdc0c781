"""Render chat messages into the exact text a model is given.

Gemma's turn format is rendered here and only here: the local backend feeds this text
to llama.cpp as a raw completion, and training rebuilds the same text from the logged
messages, so what training sees is byte for byte what inference saw. The embedded Gemma
3 270M GGUF carries no chat template, so nothing else can be trusted to do it.
"""

from __future__ import annotations

from collections.abc import Sequence

from mira_agent.llm.base import Message

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


CHAT_FORMATS = {"gemma": render_gemma}
