"""The turn format: picked from the model by one rule, so that the local backend and
training render the same prompt, for Gemma (mira's own turns) and for a model that
brings its own chat template (ChatML here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mira_agent.llm.base import LLMError, Message
from mira_agent.llm.chat_format import GEMMA, render_gemma, turn_format
from mira_agent.llm.llamacpp import LocalBackend, gguf_turn_format

# Qwen2's ChatML template, as its tokenizer_config.json carries it (tools left out).
CHATML = (
    "{% for message in messages %}"
    "{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}"
    "{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
MESSAGES = [Message("system", "Answer with one action."), Message("user", "Task: book it.")]
CHATML_PROMPT = (
    "<|im_start|>system\nAnswer with one action.<|im_end|>\n"
    "<|im_start|>user\nTask: book it.<|im_end|>\n<|im_start|>assistant\n"
)


def test_a_chatml_template_renders_the_model_s_own_turns() -> None:
    turns = turn_format("qwen2", CHATML, bos_token="", eos_token="<|im_end|>")
    assert turns.render(MESSAGES) == CHATML_PROMPT
    assert turns.end == "<|im_end|>"
    alone = turns.render([Message("user", "hi")])  # the template's own default system turn
    assert alone.startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n")


def test_gemma_models_keep_mira_s_gemma_turns_whatever_their_file_carries() -> None:
    for architecture, template in (("gemma3", None), ("gemma3_text", None), ("gemma3", CHATML)):
        turns = turn_format(architecture, template, bos_token="<bos>", eos_token="<eos>")
        assert turns is GEMMA
        assert turns.render(MESSAGES) == render_gemma(MESSAGES)
    assert GEMMA.end == "<end_of_turn>"


def test_the_manifest_s_chat_format_wins_and_must_be_known() -> None:
    assert turn_format("qwen2", CHATML, bos_token="", eos_token="", named="gemma") is GEMMA
    with pytest.raises(LLMError, match="unknown chat format 'vicuna'"):
        turn_format("llama", CHATML, bos_token="", eos_token="", named="vicuna")


def test_a_model_that_is_not_gemma_and_has_no_template_is_refused() -> None:
    with pytest.raises(LLMError, match="llama model carries no chat template"):
        turn_format("llama", None, bos_token="", eos_token="")
    with pytest.raises(LLMError, match="no chat template"):
        gguf_turn_format({"general.architecture": "llama"}, bos_token="", eos_token="")


def test_the_gguf_metadata_picks_the_format() -> None:
    metadata = {"general.architecture": "qwen2", "tokenizer.chat_template": CHATML}
    turns = gguf_turn_format(metadata, bos_token="", eos_token="<|im_end|>")
    assert turns.render(MESSAGES) == CHATML_PROMPT


# -- a real ChatML model, end to end ----------------------------------------------------


def _byte_level_alphabet() -> list[str]:
    """GPT-2's byte-to-character table: the 256 base tokens of a byte-level BPE."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    printable += range(ord("®"), ord("ÿ") + 1)
    mapped = {b: b for b in printable}
    extra = 256
    for b in range(256):
        if b not in mapped:
            mapped[b] = extra
            extra += 1
    return [chr(mapped[b]) for b in range(256)]


def write_tiny_chatml_gguf(path: Path) -> Path:
    """A one-layer Qwen2 GGUF with random weights, a byte-level BPE vocabulary with
    ChatML's special tokens, and the ChatML chat template: small enough to load in a
    blink in both llama.cpp and transformers."""
    import gguf

    tokens = [*_byte_level_alphabet(), "hi", "Ġt", "<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    kinds = [int(gguf.TokenType.NORMAL)] * (len(tokens) - 3) + [int(gguf.TokenType.CONTROL)] * 3
    vocab, width, hidden = len(tokens), 64, 64
    writer = gguf.GGUFWriter(str(path), "qwen2")
    writer.add_context_length(256)
    writer.add_embedding_length(width)
    writer.add_block_count(1)
    writer.add_feed_forward_length(hidden)
    writer.add_head_count(2)
    writer.add_head_count_kv(2)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_rope_freq_base(10000.0)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types(kinds)
    writer.add_token_merges(["h i", "Ġ t"])
    writer.add_bos_token_id(tokens.index("<|endoftext|>"))
    writer.add_eos_token_id(tokens.index("<|im_end|>"))
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHATML)
    rng = np.random.default_rng(0)

    def weights(name: str, *shape: int) -> None:
        writer.add_tensor(name, (rng.standard_normal(shape) * 0.02).astype(np.float32))

    weights("token_embd.weight", vocab, width)
    for norm in ("output_norm", "blk.0.attn_norm", "blk.0.ffn_norm"):
        writer.add_tensor(f"{norm}.weight", np.ones(width, dtype=np.float32))
    for part in "qkv":
        weights(f"blk.0.attn_{part}.weight", width, width)
        writer.add_tensor(f"blk.0.attn_{part}.bias", np.zeros(width, dtype=np.float32))
    weights("blk.0.attn_output.weight", width, width)
    weights("blk.0.ffn_gate.weight", hidden, width)
    weights("blk.0.ffn_up.weight", hidden, width)
    weights("blk.0.ffn_down.weight", width, hidden)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_a_chatml_model_trains_on_the_very_prompt_tokens_it_ran_with(tmp_path: Path) -> None:
    import torch

    from mira_agent.train.base_model import load_model, resolve_base
    from mira_agent.train.episodes import Episode, Step
    from mira_agent.train.samples import Renderer, build_samples

    path = write_tiny_chatml_gguf(tmp_path / "tiny-chatml.gguf")
    backend = LocalBackend(str(path), context=256, threads=1)
    completion = backend.complete(MESSAGES, max_tokens=3)
    assert completion.prompt == CHATML_PROMPT  # the GGUF's template, not Gemma's turns

    model, tokenizer = load_model(resolve_base(str(path)), device="cpu", dtype=torch.float32)
    renderer = Renderer(tokenizer, str(model.config.model_type))
    logged = [m.to_json() for m in MESSAGES]  # what the episode store keeps of a step
    assert renderer.prompt(logged) == completion.prompt
    # mira's renderer writes what the tokenizer's own template would
    own = tokenizer.apply_chat_template(logged, add_generation_prompt=True, tokenize=False)
    assert own == completion.prompt

    episode = Episode(1, "t", 1.0, "checker", [Step(logged, completion.text)], [], 0)
    [sample] = build_samples([episode], renderer, 10_000)
    assert sample.ids[: sample.prompt_len] == backend.tokenize(completion.prompt)
    assert sample.ids[sample.prompt_len :] == backend.tokenize(completion.text + "<|im_end|>")
    assert backend.tokenize("<|im_end|>") == sample.ids[-1:]  # the action ends the turn
