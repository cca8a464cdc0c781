"""Every knob of a fine-tuning run, with its default and the reason for it.

The CLI builds one `TrainSettings` from its options, and the options from the fields
(each field's help, flag and choices are its metadata, as trl's config dataclasses keep
theirs); the trainer, the model card and the `training_runs` row all read the same object,
so what is documented is what ran.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from mira_agent.errors import UsageError
from mira_agent.train.gguf_export import GGUF_TYPES
from mira_agent.train.rewards import ADVANTAGES, OBJECTIVES, SFT, Objective

ALGOS = ("mira", "webrl", "awr", "sft")
# The roles a run can learn: the actor's recorded calls, and the site's demonstrations of
# the planner's three jobs (planning/demonstrations.py), by the names `mira run` shows.
ROLES = ("actor", "planner", "checker", "replanner")


POTENTIAL_DATA = ("successful", "all")
DTYPES = ("auto", "fp32", "bf16", "fp16")


def option(
    default: Any,
    help: str,
    *,
    flag: str | None = None,
    choices: tuple[str, ...] | None = None,
    switch: bool | None = None,
    shown: str | None = None,
) -> Any:
    """A setting that is also an option of `mira finetune` and `mira train`; the CLI
    builds the option from this, so each is declared once (cli/training.py).

    `flag` defaults to the field's name as --kebab-case; `switch` makes it a bare flag
    that sets the field to that value; `shown` is the default as the help states it,
    where the field's own default (None) means "depends on --algo"."""
    return field(
        default=default,
        metadata={"help": help, "flag": flag, "choices": choices, "switch": switch, "shown": shown},
    )


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

    algo: str = option(
        "mira",
        "mira (milestone-shaped rewards), webrl (sparse outcome rewards), awr"
        " (advantage-weighted regression), sft (behaviour cloning on successes).",
        choices=ALGOS,
    )
    roles: tuple[str, ...] = option(
        ("actor",),
        "Whose calls to learn, comma-separated: actor, planner, checker, replanner. The"
        " planner's roles learn from the site's demonstrations (site-checked episodes),"
        " with --algo sft only: the RL algos' rewards are for the actor's actions.",
    )
    use_potential: bool = option(
        True,
        "No potential critic: the sparse-reward ablation.",
        flag="--no-potential",
        switch=False,
    )
    advantage: str = option(
        "mixed", "mixed, td (one-step) or mc (Monte-Carlo).", choices=ADVANTAGES
    )
    objective: str = option(
        "sqlogratio",
        "sqlogratio ((β·log π/π_ref − A)²), kl or awr.",
        choices=OBJECTIVES,
    )
    # Rewards and advantage. γ and λ are WebRL's published values; β sets how far one
    # phase may move the policy: the loss is minimal at log π/π_ref = A/β.
    gamma: float = option(0.9, "Discount.")
    lam: float = option(0.5, "Weight of the one-step advantage.")
    beta: float = option(0.5, "How near π_ref the policy stays: larger is nearer.")
    awr_clip: float = 20.0
    # Which episodes teach the potential critic: the paper fits it on successful ones,
    # whose milestone progress is known to lead to the goal.
    potential_data: str = option(
        "successful", "Episodes the potential critic learns from.", choices=POTENTIAL_DATA
    )
    # Optimisation. LoRA learns at a far higher rate than full fine-tuning (WebRL's 1e-6);
    # None picks 1e-5 for LoRA and 1e-6 for full weights. The loss acts on log-probabilities
    # summed over the action (tens of tokens), so Adam's first, sign-sized steps already
    # move them by tenths of a nat at 1e-5; 1e-4 overshoots the optimum A/β on the first step.
    learning_rate: float | None = option(
        None, "Learning rate.", flag="--lr", shown="1e-5 with LoRA, 1e-6 full; sft 1e-4, 1e-5"
    )
    epochs: int = option(1, "Passes over the data.", shown="1; sft 3")
    batch_size: int = option(16, "Actions per optimiser step (gradient accumulation).")
    micro_batch_tokens: int = option(4096, "Tokens per forward pass (length-grouped, padded).")
    max_tokens: int = option(2048, "Per action; longer prompts lose their start, never the action.")
    max_steps: int | None = option(
        None,
        "Stop after this many optimiser steps.",
        flag="--max-updates",
        shown="every epoch's",
    )
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    warmup_steps: int = 0
    seed: int = option(0, "Random seed.")
    # Critics: small heads on the reference policy's last-token hidden state.
    critic_epochs: int = option(200, "Full-batch epochs of each critic.")
    critic_lr: float = 1e-3
    critic_hidden: int = 256
    # The critics read the policy's own reference features by default; a separate model
    # (a GGUF, a folder, or gemma3-270m) gives them features of its own instead.
    critic_base: str | None = option(
        None,
        "A separate model whose features the critics read (a GGUF, a folder or gemma3-270m).",
        shown="the policy's own",
    )
    # Efficiency.
    lora: bool = option(
        True, "Fine-tune every weight instead of LoRA.", flag="--full", switch=False
    )
    lora_r: int = option(8, "LoRA rank.")
    lora_alpha: int = option(16, "LoRA alpha.")
    lora_dropout: float = 0.05
    lora_targets: tuple[str, ...] = option(
        ("q_proj", "k_proj", "v_proj", "o_proj"), "Modules given adapters, comma-separated."
    )
    # Starting from a trained adapter continues its training on new data (a corpus grown
    # after a run finished) without paying again for what it already learnt.
    init_adapter: str | None = option(
        None,
        "Start the LoRA from this adapter: a finetune --out folder, its checkpoint, or a"
        " peft adapter folder (its rank and targets replace --lora-r and --lora-targets).",
        shown="a new LoRA",
    )
    device: str = option("auto", "auto (a GPU if any), cpu, cuda, cuda:1.")
    dtype: str = option(
        "auto",
        "auto (bf16 on a GPU; on a CPU, bf16 for SFT where it has avx512_bf16 or AMX, else fp32).",
        choices=DTYPES,
    )
    gradient_checkpointing: bool | None = option(
        None,
        "Recompute activations in the backward pass.",
        flag="--gradient-checkpointing/--no-gradient-checkpointing",
        shown="on with a GPU",
    )
    load_4bit: bool = option(False, "4-bit base weights (bitsandbytes, GPU).", switch=True)
    # Output.
    merge: bool = option(
        True, "Save the adapter only, not the merged model.", flag="--no-merge", switch=False
    )
    gguf: bool = option(True, "Skip the GGUF export.", flag="--no-gguf", switch=False)
    gguf_type: str = option("f16", "Type of the GGUF export's matrices.", choices=GGUF_TYPES)
    # A run can be ended at any moment (a restarted machine, a killed process): what the
    # last checkpoint holds is what --resume continues from.
    checkpoint_minutes: float = option(
        5.0, "Save a checkpoint this often while training, in minutes (0: only when stopped)."
    )
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

    @property
    def loss(self) -> Objective:
        """What the update minimises: SFT's likelihood, or the chosen RL objective."""
        if self.algo == "sft":
            return Objective(SFT)
        return Objective(self.objective, self.beta, self.awr_clip)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["lora_targets"] = list(self.lora_targets)
        data["roles"] = list(self.roles)
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
    check_roles(s.roles, s.algo)
    if s.advantage not in ADVANTAGES:
        raise UsageError(f"--advantage is one of {', '.join(ADVANTAGES)}, not {s.advantage!r}")
    if s.objective not in OBJECTIVES:
        raise UsageError(f"--objective is one of {', '.join(OBJECTIVES)}, not {s.objective!r}")
    if s.potential_data not in POTENTIAL_DATA:
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
    if s.dtype not in DTYPES:
        raise UsageError(f"--dtype is one of {', '.join(DTYPES)}, not {s.dtype!r}")
    if s.gguf_type not in GGUF_TYPES:
        raise UsageError(f"--gguf-type is one of {', '.join(GGUF_TYPES)}, not {s.gguf_type!r}")
    if s.gguf and not s.merge:
        raise UsageError("the GGUF export needs the merged model: drop --no-merge or add --no-gguf")
    if s.load_4bit and not s.lora:
        raise UsageError("--load-4bit needs LoRA: 4-bit base weights cannot be trained directly")


def check_roles(roles: tuple[str, ...], algo: str) -> None:
    """Known roles, at least one, and RL only for the actor: MiRA's rewards, critics and
    advantages are per action of an episode, and a plan or a check is no action (its
    demonstration is right by construction, so behaviour cloning is what it needs)."""
    if not roles:
        raise UsageError("--roles names at least one role, e.g. actor")
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise UsageError(f"--roles takes {', '.join(ROLES)}, not {unknown[0]!r}")
    others = [role for role in roles if role != "actor"]
    if others and algo != "sft":
        raise UsageError(
            f"--roles {','.join(others)} needs --algo sft: {algo}'s rewards are for the"
            " actor's actions only"
        )
