"""The policy's side of training in torch: the log-probability of each logged action, and
the hidden state its critics read.

Only the action tokens' logits are computed: the vocabulary of Gemma 3 has 262k
entries, so logits for every position of a 2k-token prompt would take 2 GB in fp32.
The backbone runs on the whole sequence; the output layer only where an action token is
predicted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from mira_agent.train.samples import Sample


@dataclass
class Batch:
    input_ids: torch.Tensor  # [B, L], right-padded
    attention_mask: torch.Tensor  # [B, L]
    rows: torch.Tensor  # [N]: the sample of each action token
    positions: torch.Tensor  # [N]: the position whose output predicts it
    targets: torch.Tensor  # [N]: the action token
    last_prompt: torch.Tensor  # [B]: the position of each prompt's last token
    size: int


@dataclass
class Reference:
    """What π_ref, the model before this phase's update, makes of every logged action:
    its log-probability (the anchor of the RL objectives) and the hidden state at the
    prompt's last token (the critics' input)."""

    logp: torch.Tensor  # [actions]
    features: torch.Tensor | None  # [actions, hidden]

    def save(self, path: Path) -> None:
        torch.save({"logp": self.logp, "features": self.features}, path)

    @classmethod
    def load(cls, path: Path) -> Reference:
        saved = torch.load(path)
        return cls(saved["logp"], saved["features"])


def collate(samples: Sequence[Sample], pad_id: int, device: str) -> Batch:
    longest = max(len(s.ids) for s in samples)
    ids = torch.full((len(samples), longest), pad_id, dtype=torch.long)
    mask = torch.zeros((len(samples), longest), dtype=torch.long)
    rows, positions, targets, last = [], [], [], []
    for b, sample in enumerate(samples):
        ids[b, : len(sample.ids)] = torch.tensor(sample.ids)
        mask[b, : len(sample.ids)] = 1
        for p in range(sample.prompt_len, len(sample.ids)):
            rows.append(b)
            positions.append(p - 1)
            targets.append(sample.ids[p])
        last.append(sample.prompt_len - 1)
    return Batch(
        ids.to(device),
        mask.to(device),
        torch.tensor(rows, device=device),
        torch.tensor(positions, device=device),
        torch.tensor(targets, device=device),
        torch.tensor(last, device=device),
        len(samples),
    )


def causal_lm(model: Any) -> Any:
    """The transformers causal LM inside a peft wrapper (LoRA layers are injected in
    place, so calling it still runs the adapter)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def action_logprobs(
    model: Any, batch: Batch, *, features: bool = False
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Per sample: the summed log-probability of its action, the number of action tokens,
    and (if asked) the hidden state at the prompt's last token, the critics' input."""
    lm = causal_lm(model)
    hidden = lm.model(input_ids=batch.input_ids, attention_mask=batch.attention_mask)[0]
    logits = lm.lm_head(hidden[batch.rows, batch.positions]).float()
    cap = getattr(lm.config, "final_logit_softcapping", None)
    if cap:
        logits = torch.tanh(logits / cap) * cap
    token_logp = torch.log_softmax(logits, dim=-1).gather(1, batch.targets[:, None])[:, 0]
    sums = torch.zeros(batch.size, device=token_logp.device, dtype=token_logp.dtype)
    sums = sums.index_add(0, batch.rows, token_logp)
    counts = torch.zeros(batch.size, device=token_logp.device).index_add(
        0, batch.rows, torch.ones_like(token_logp)
    )
    state = None
    if features:
        index = torch.arange(batch.size, device=hidden.device)
        state = hidden[index, batch.last_prompt].detach().float()
    return sums, counts, state
