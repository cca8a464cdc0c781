"""A guard against running out of memory: an estimate before the run, and a clear
message if the estimate was wrong.

The estimate is deliberately rough (weights, gradients and AdamW state of the trainable
part, activations of one micro-batch, the action tokens' logits); it only stops runs
that cannot fit, such as a 12B model in full precision on a small card, before they
spend minutes loading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mira_agent.errors import MiraError

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


def estimate_bytes(
    config: Any,
    *,
    dtype_bytes: int,
    trainable_fraction: float,
    tokens: int,
    checkpointing: bool,
    four_bit: bool = False,
) -> int:
    """Bytes a training step needs, roughly, for a model of `config` (a transformers
    text config: hidden_size, intermediate_size, num_hidden_layers, vocab_size)."""
    text = getattr(config, "text_config", config)
    hidden = int(text.hidden_size)
    layers = int(text.num_hidden_layers)
    inner = int(getattr(text, "intermediate_size", 4 * hidden))
    vocab = int(text.vocab_size)
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
