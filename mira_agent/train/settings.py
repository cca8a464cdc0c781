"""Every knob of a fine-tuning run, with its default and the reason for it.

The CLI builds one `TrainSettings` from its options; the trainer, the model card and the
`training_runs` row all read the same object, so what is documented is what ran.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from mira_agent.errors import UsageError
from mira_agent.train.rewards import ADVANTAGES, OBJECTIVES

ALGOS = ("mira", "webrl", "awr", "sft")


@dataclass(frozen=True)
class TrainSettings:
    """A fine-tuning run's settings. `algo` presets the learning signal:

    - "mira": milestone-shaped rewards (potential critic) + WebRL's mixed advantage and
      squared log-ratio loss;
    - "webrl": the same without the potential critic (sparse outcome reward);
    - "awr": shaped rewards, advantage-weighted regression;
    - "sft": behaviour cloning on the successful episodes' actions.

    The switches (`use_potential`, `advantage`, `objective`) then override the preset,
    so every ablation of the paper is one flag away."""

    algo: str = "mira"
    use_potential: bool = True
    advantage: str = "mixed"
    objective: str = "sqlogratio"
    # Rewards and advantage. γ and λ are WebRL's published values; β sets how far one
    # phase may move the policy: the loss is minimal at log π/π_ref = A/β.
    gamma: float = 0.9
    lam: float = 0.5
    beta: float = 0.5
    awr_clip: float = 20.0
    # Which episodes teach the potential critic: the paper fits it on successful ones,
    # whose milestone progress is known to lead to the goal.
    potential_data: str = "successful"
    # Optimisation. LoRA learns at a far higher rate than full fine-tuning (WebRL's 1e-6);
    # None picks 1e-5 for LoRA and 1e-6 for full weights. The loss acts on log-probabilities
    # summed over the action (tens of tokens), so Adam's first, sign-sized steps already
    # move them by tenths of a nat at 1e-5; 1e-4 overshoots the optimum A/β on the first step.
    learning_rate: float | None = None
    epochs: int = 1
    batch_size: int = 16  # actions per optimiser step (gradient accumulation)
    micro_batch_tokens: int = 4096  # tokens per forward pass (length-grouped, padded)
    max_tokens: int = 2048  # per action: prompt truncated from the left, action kept
    max_steps: int | None = None  # stop after this many optimiser steps
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    warmup_steps: int = 0
    seed: int = 0
    # Critics: small heads on the reference policy's last-token hidden state.
    critic_epochs: int = 200
    critic_lr: float = 1e-3
    critic_hidden: int = 256
    # The critics read the policy's own reference features by default; a separate model
    # (a GGUF, a folder, or gemma3-270m) gives them features of its own instead.
    critic_base: str | None = None
    # Efficiency.
    lora: bool = True
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.05
    lora_targets: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    device: str = "auto"
    dtype: str = "auto"  # bf16 on a GPU, fp32 on a CPU
    gradient_checkpointing: bool | None = None  # None: on with a GPU
    load_4bit: bool = False
    # Output.
    merge: bool = True
    gguf: bool = True
    gguf_type: str = "f16"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def lr(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        if self.algo == "sft":
            # Behaviour cloning's loss is a per-token mean, not a sum pulled towards A/β:
            # the usual LoRA rate. (1e-5 moved a 270M's action tokens by 0.5 nat in 9 steps.)
            return 1e-4 if self.lora else 1e-5
        return 1e-5 if self.lora else 1e-6

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["lora_targets"] = list(self.lora_targets)
        data["lr"] = self.lr
        return data


def preset(algo: str, **overrides: Any) -> TrainSettings:
    """Settings for `algo`, then `overrides` (None values are left at the preset), checked."""
    if algo not in ALGOS:
        raise UsageError(f"--algo is one of {', '.join(ALGOS)}, not {algo!r}")
    base: dict[str, Any] = {"algo": algo}
    if algo == "webrl":
        base["use_potential"] = False
    elif algo == "awr":
        base["objective"] = "awr"
    elif algo == "sft":
        base.update(use_potential=False, epochs=3)
    given = {key: value for key, value in overrides.items() if value is not None}
    settings = replace(TrainSettings(), **{**base, **given})
    check(settings)
    return settings


def check(settings: TrainSettings) -> None:
    """One clear error for the first setting that cannot work."""
    s = settings
    if s.advantage not in ADVANTAGES:
        raise UsageError(f"--advantage is one of {', '.join(ADVANTAGES)}, not {s.advantage!r}")
    if s.objective not in OBJECTIVES:
        raise UsageError(f"--objective is one of {', '.join(OBJECTIVES)}, not {s.objective!r}")
    if s.potential_data not in ("successful", "all"):
        raise UsageError("--potential-data is 'successful' or 'all'")
    if not 0 < s.gamma <= 1:
        raise UsageError("--gamma must be in (0, 1]")
    if not 0 <= s.lam <= 1:
        raise UsageError("--lam must be in [0, 1]")
    if s.beta <= 0:
        raise UsageError("--beta must be positive")
    for name in ("epochs", "batch_size", "micro_batch_tokens", "max_tokens", "critic_hidden"):
        if getattr(s, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if s.max_tokens > s.micro_batch_tokens:
        raise UsageError("--max-tokens cannot exceed --micro-batch-tokens")
    if s.lr <= 0:
        raise UsageError("--lr must be positive")
    if s.dtype not in ("auto", "fp32", "bf16", "fp16"):
        raise UsageError("--dtype is auto, fp32, bf16 or fp16")
    if s.load_4bit and not s.lora:
        raise UsageError("--load-4bit needs LoRA: 4-bit base weights cannot be trained directly")
