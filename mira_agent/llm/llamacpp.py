"""The `local` backend: a GGUF model run in-process by llama.cpp (llama-cpp-python).

The model stays loaded for the whole run. llama.cpp keeps the tokens of the previous
prompt in its KV cache and evaluates only what differs after their common prefix, so
mira's prompts put what is stable (instructions, the task, the plan) first and what
changes (the latest observation) last. Each call reports how many prompt tokens were
really evaluated. Output is constrained by a grammar built from the JSON schema, so a
small model cannot produce an unparseable action.

The turn format comes from the model's manifest, else from the GGUF itself (its
architecture and chat template), by the rule training uses too (`chat_format.turn_format`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from mira_agent.llm.adapters import check_adapter
from mira_agent.llm.base import Backend, Completion, LLMError, Message, Request, Usage
from mira_agent.llm.chat_format import TurnFormat, turn_format
from mira_agent.llm.models import model_info, resolve_local


def _default_threads() -> int:
    """`MIRA_THREADS`, else every core. Bench workers set it to their share of the cores:
    llama.cpp threads that outnumber the cores spin against each other (two workers of
    two threads each on two cores ran three times slower than one)."""
    configured = os.environ.get("MIRA_THREADS", "")
    return int(configured) if configured.isdigit() and int(configured) > 0 else os.cpu_count() or 2


class LocalBackend(Backend):
    """llama.cpp on a GGUF file: the embedded Gemma 3 270M unless `model` names another."""

    name = "local"
    takes_images = False

    def __init__(
        self,
        model: str | None = None,
        *,
        adapter: str | os.PathLike[str] | None = None,
        context: int = 8192,
        threads: int | None = None,
        gpu_layers: int = -1,
        seed: int = 0,
        reuse_cache: bool = True,
    ) -> None:
        try:
            from mira_agent.llm.grammar_sampler import FastGrammarLlama as Llama
        except ImportError:
            raise LLMError(
                "the local backend needs llama-cpp-python: pip install 'mira-agent[local]'",
                exit_code=2,
            ) from None
        weights = resolve_local(model, adapter)
        path = weights.model
        self.model = path.name
        if weights.adapter is not None:
            # llama.cpp's own refusal comes as a null pointer; this one says why.
            check_adapter(weights.adapter, path)
            self.model += f" + {weights.adapter.name}"
        self.path = path
        self.adapter = weights.adapter
        self.context = context
        self.reuse_cache = reuse_cache  # False only to measure what the cache saves
        try:
            with _quiet_stderr():
                self._llm = Llama(
                    model_path=str(path),
                    n_ctx=context,
                    n_threads=threads or _default_threads(),
                    n_gpu_layers=gpu_layers,
                    seed=seed,
                    lora_path=str(weights.adapter) if weights.adapter else None,
                    verbose=False,
                )
        except (ValueError, RuntimeError) as exc:
            raise LLMError(f"llama.cpp could not load {path}: {exc}", exit_code=2) from None
        manifest = model_info(weights.manifest or "")
        self.turns = gguf_turn_format(
            self._llm.metadata,
            bos_token=self._token_text(self._llm.token_bos()),
            eos_token=self._token_text(self._llm.token_eos()),
            named=manifest.chat_format if manifest else None,
        )
        self._grammars: dict[str, Any] = {}
        # llama.cpp reports notes (cache layout, …) through a logger llama-cpp-python sets
        # to ERROR, but some arrive at level NONE and print anyway; failures raise instead.
        logging.getLogger("llama-cpp-python").setLevel(logging.CRITICAL + 1)

    def tokenize(self, text: str) -> list[int]:
        return self._llm.tokenize(text.encode(), add_bos=False, special=True)

    def _token_text(self, token: int) -> str:
        """A special token's text (what a chat template calls `bos_token`); "" for none."""
        if token < 0:
            return ""
        return self._llm.detokenize([token], special=True).decode(errors="replace")

    def render(self, messages: Sequence[Message]) -> str:
        return self.turns.render(messages)

    def _grammar(self, schema: dict[str, Any]) -> Any:
        from llama_cpp import LlamaGrammar

        # Key order matters: the grammar emits properties in the schema's order, so the
        # actor's "thought" comes before its "action".
        key = json.dumps(schema)
        grammar = self._grammars.get(key)
        if grammar is None:
            grammar = LlamaGrammar.from_json_schema(key, verbose=False)
            if len(self._grammars) > 64:
                self._grammars.clear()
            self._grammars[key] = grammar
        return grammar

    def cached_prefix(self, tokens: Sequence[int]) -> int:
        """How many leading tokens of `tokens` the KV cache already holds (llama.cpp's rule:
        the last prompt token is always evaluated again)."""
        held = self._llm.input_ids[: self._llm.n_tokens]
        prefix = 0
        for a, b in zip(held, tokens[:-1], strict=False):
            if a != b:
                break
            prefix += 1
        return prefix

    def answer(self, request: Request) -> Completion:
        prompt = self.render(request.messages)
        tokens = self.tokenize(prompt)
        if len(tokens) + request.max_tokens > self.context:
            raise LLMError(
                f"the prompt has {len(tokens)} tokens and the context holds {self.context}:"
                " shorten the observation (or raise --context)"
            )
        if not self.reuse_cache:
            self._llm.reset()
        reused = self.cached_prefix(tokens)
        started = time.perf_counter()
        result = self._llm.create_completion(
            tokens,
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            stop=[self.turns.end] if self.turns.end else [],
            grammar=self._grammar(request.schema) if request.schema is not None else None,
        )
        latency = time.perf_counter() - started
        text = result["choices"][0]["text"]
        usage = result.get("usage") or {}
        return Completion(
            text=text,
            usage=Usage(
                prompt_tokens=len(tokens),
                completion_tokens=int(usage.get("completion_tokens", 0)),
                prompt_evaluated=len(tokens) - reused,
                latency_s=latency,
            ),
            model=self.model,
            prompt=prompt,
        )


def gguf_turn_format(
    metadata: Mapping[str, str], *, bos_token: str, eos_token: str, named: str | None = None
) -> TurnFormat:
    """The turn format of a GGUF, from its metadata (llama.cpp's key/value pairs) and the
    chat format its manifest names, if it has one."""
    return turn_format(
        metadata.get("general.architecture", ""),
        metadata.get("tokenizer.chat_template"),
        bos_token=bos_token,
        eos_token=eos_token,
        named=named,
    )


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence what llama.cpp's C code writes to stderr while a model loads (notes about
    its cache layout that would land in the middle of mira's output). A failed load still
    raises, with its message."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
