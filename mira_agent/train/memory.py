"""A guard against running out of memory: an estimate before the run, and a clear
message if the estimate was wrong.

The estimate is deliberately rough (weights, gradients and AdamW state of the trainable
part, activations of one micro-batch, the action tokens' logits); it only stops runs
that cannot fit, such as a 12B model in full precision on a small card, before they
spend minutes loading.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mira_agent.errors import MiraError
from mira_agent.llm.gguf_header import GGUFHeader

GIB = 1024**3


class OutOfMemory(MiraError):
    exit_code = 3


def available_bytes(device: str) -> int | None:
    """Free memory on `device`: the GPU's, or the system's available RAM."""
    if device.startswith("cuda"):
        import torch

        free, _total = torch.cuda.mem_get_info(torch.device(device))
        return int(free)
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


@dataclass(frozen=True)
class ModelShape:
    """The dimensions the estimate needs, read without loading a single weight: from a
    GGUF header or a config.json (ValueError, one line, when they do not say)."""

    hidden: int
    layers: int
    inner: int
    vocab: int

    @classmethod
    def from_gguf(cls, header: GGUFHeader) -> ModelShape:
        arch = header.text("general.architecture")
        if arch is None:
            raise ValueError(f"{header.path} has no general.architecture: not a model")
        hidden = header.scalar(f"{arch}.embedding_length")
        layers = header.scalar(f"{arch}.block_count")
        if not isinstance(hidden, int) or not isinstance(layers, int):
            raise ValueError(f"{header.path} does not state its {arch} model's size")
        inner = header.scalar(f"{arch}.feed_forward_length")
        tokens = header.fields.get("tokenizer.ggml.tokens")
        embedding = next((t for t in header.tensors if t.name == "token_embd.weight"), None)
        vocab = len(tokens[1]) if tokens else embedding.shape[0] if embedding else 32_000
        return cls(hidden, layers, inner if isinstance(inner, int) else 4 * hidden, vocab)

    @classmethod
    def from_config(cls, config: dict[str, Any], where: Path) -> ModelShape:
        """From a transformers config.json's contents (a multimodal model's text part)."""
        text = config.get("text_config") or config
        try:
            hidden = int(text["hidden_size"])
            return cls(
                hidden,
                int(text["num_hidden_layers"]),
                int(text.get("intermediate_size") or 4 * hidden),
                int(text.get("vocab_size") or 32_000),
            )
        except (KeyError, TypeError, ValueError):
            raise ValueError(
                f"{where}/config.json does not state hidden_size and num_hidden_layers"
            ) from None


def estimate_bytes(
    shape: ModelShape,
    *,
    dtype_bytes: int,
    trainable_fraction: float,
    tokens: int,
    checkpointing: bool,
    four_bit: bool = False,
) -> int:
    """Bytes a training step needs, roughly, for a model of `shape`."""
    hidden, layers, inner, vocab = shape.hidden, shape.layers, shape.inner, shape.vocab
    params = layers * (4 * hidden * hidden + 3 * hidden * inner) + vocab * hidden
    weights = params * (0.5 if four_bit else dtype_bytes)
    trainable = params * trainable_fraction
    optimiser = trainable * (4 + 4 + 4 + dtype_bytes)  # fp32 master-free AdamW m, v, grad
    # Calibrated on the 270M in fp32 (benchmarks/train_throughput.py: 9.4 GiB measured).
    per_token_layer = (hidden if checkpointing else 14 * hidden + 4 * inner) * dtype_bytes
    activations = tokens * layers * per_token_layer
    logits = min(tokens, 1024) * vocab * 4 * 3  # action tokens only, fp32, with backward
    return int(weights + optimiser + activations + logits)


def check_fits(needed: int, device: str, hint: str) -> None:
    free = available_bytes(device)
    if free is not None and needed > free:
        raise OutOfMemory(
            f"training needs about {needed / GIB:.1f} GiB and {device} has"
            f" {free / GIB:.1f} GiB free: {hint}"
        )


def is_out_of_memory(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and (
        "out of memory" in text or "can't allocate memory" in text
    )


HINT = "lower --micro-batch-tokens or --max-tokens, or use LoRA, --load-4bit or a smaller model"
