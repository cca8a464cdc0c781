"""One fine-tuning phase: episodes in, a better policy (and its critics) out.

The order is MiRA's: (1) the reference policy π_ref, the model before this phase, reads
every logged state once, giving each action's reference log-probability and each
state's features; (2) the value and potential critics are fitted on those features;
(3) shaped rewards and advantages are computed from the critics' estimates; (4) the
policy is updated on the squared log-ratio loss (or the chosen objective; SFT's is the
actions' likelihood, with no critics); (5) the adapter, the merged model, its GGUF
export, the critics, a model card and plots are written, and every metric goes to the
`training_runs` tables beside the episodes.

The phase's state is one `Phase` (see `phase.py`); the model being trained and its
optimiser are one `Learner`. Ctrl-C during the update saves a checkpoint; a resumed
phase continues it from the same batches, with the same reference and critics.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira_agent.errors import MiraError, UsageError, first_line, interruption, interruption_code
from mira_agent.store.database import EpisodeFilter, EpisodeStore
from mira_agent.train.base_model import load_model, pick_device, pick_dtype, resolve_base
from mira_agent.train.episodes import load_episodes
from mira_agent.train.memory import HINT, OutOfMemory, check_fits, estimate_bytes, is_out_of_memory
from mira_agent.train.outputs import (
    CHECKPOINT,
    append_jsonl,
    data_summary,
    find_adapter,
    read_checkpoint,
    save_checkpoint,
    settings_fields,
    summarize,
    write_adapter_gguf,
    write_outputs,
    write_signals,
)
from mira_agent.train.phase import Phase, PhaseData, PhaseSpec, Result
from mira_agent.train.progress import Reporter, Silent
from mira_agent.train.samples import (
    Renderer,
    Sample,
    build_samples,
    describe_roles,
    micro_batches,
    optimiser_steps,
    role_counts,
)
from mira_agent.train.settings import TrainSettings
from mira_agent.train.signals import Signals, action_advantages, critic_targets

if TYPE_CHECKING:
    from mira_agent.train.policy import Reference


class TrainingError(MiraError):
    exit_code = 2


class Interrupted(MiraError):
    exit_code = 130


def finetune(store: EpisodeStore, spec: PhaseSpec, reporter: Reporter | None = None) -> Result:
    """Train one phase and write everything to `spec.out_dir`; see the module docstring.
    The run is recorded in `store` as running, then finished, interrupted or failed."""
    phase = _start(store, spec, reporter or Silent())
    try:
        result = _run(phase)
    except KeyboardInterrupt as exc:
        why, code = interruption(exc), interruption_code(exc)
        store.update_training(phase.run_id, status="interrupted", reason=why, ended_at=_now())
        folder = phase.out_dir / CHECKPOINT
        if (folder / "state.json").is_file():
            raise Interrupted(
                f"{why}: checkpoint saved in {folder};"
                f" `mira finetune --resume --out {phase.out_dir}` continues it",
                exit_code=code,
            ) from None
        raise Interrupted(
            f"{why} before the policy update, nothing to resume: delete {phase.out_dir} or"
            " choose another --out",
            exit_code=code,
        ) from None
    except BaseException as exc:
        reason = "out of memory" if is_out_of_memory(exc) else first_line(exc)
        store.update_training(phase.run_id, status="failed", reason=reason, ended_at=_now())
        if is_out_of_memory(exc) and not isinstance(exc, OutOfMemory):
            raise OutOfMemory(f"out of memory while training on {phase.device}: {HINT}") from None
        raise
    store.update_training(phase.run_id, status="finished", summary=result.summary, ended_at=_now())
    return result


def _start(store: EpisodeStore, spec: PhaseSpec, reporter: Reporter) -> Phase:
    """Everything checked that can be checked before the model loads, then the run
    recorded: a resumed phase takes its settings, episodes and run from the checkpoint."""
    out_dir = Path(spec.out_dir).expanduser()
    settings, which, state = spec.settings, spec.which, {}
    if spec.resume:
        state = read_checkpoint(out_dir)
        settings = TrainSettings(**settings_fields(state["settings"]))
        which = EpisodeFilter(ids=state["episode_ids"])
    elif out_dir.exists() and any(out_dir.iterdir()):
        raise UsageError(f"{out_dir} is not empty: choose a new --out, or --resume a run there")
    if settings.init_adapter is not None:
        if not settings.lora:
            raise UsageError("--init-adapter continues a LoRA: it cannot go with --full")
        find_adapter(settings.init_adapter)  # a wrong path is refused before the model loads
    data = _load_data(store, which, spec.sources, settings)
    model_ref = resolve_base(state.get("base", spec.base))
    if settings.critic_base:
        resolve_base(settings.critic_base)  # a wrong path is refused now, not after the update

    import torch

    torch.manual_seed(settings.seed)
    random.seed(settings.seed)
    device = pick_device(settings.device)
    dtype = pick_dtype(settings.dtype, device, sft=settings.algo == "sft")
    checkpointing = (
        settings.gradient_checkpointing
        if settings.gradient_checkpointing is not None
        else device.startswith("cuda")
    )
    needed = estimate_bytes(
        model_ref.shape(),
        dtype_bytes=dtype.itemsize,
        trainable_fraction=0.01 if settings.lora else 1.0,
        tokens=settings.micro_batch_tokens,
        checkpointing=checkpointing,
        four_bit=settings.load_4bit,
    )
    check_fits(needed, device, HINT)
    out_dir.mkdir(parents=True, exist_ok=True)
    run_id = state.get("run_id") or store.start_training(
        {
            "algo": settings.algo,
            "base": model_ref.label,
            "out_dir": str(out_dir.resolve()),
            "settings": settings.as_dict(),
            "data": data_summary(data),
            "parent": spec.parent,
            "phase": spec.number,
        }
    )
    if spec.resume:
        store.update_training(run_id, status="running", pid=os.getpid(), reason=None)
    return Phase(
        store=store,
        run_id=run_id,
        model_ref=model_ref,
        settings=settings,
        out_dir=out_dir,
        device=device,
        dtype=dtype,
        checkpointing=checkpointing,
        data=data,
        reporter=reporter,
        resumed_from=int(state["step"]) if spec.resume else None,
    )


# -- data ------------------------------------------------------------------------------


def _load_data(
    store: EpisodeStore,
    which: EpisodeFilter | None,
    sources: tuple[str, ...],
    settings: TrainSettings,
) -> PhaseData:
    loaded = load_episodes(store, which, sources=sources)
    episodes = loaded.episodes
    skipped = dict(loaded.skipped)
    if settings.algo == "sft":
        failed = [e for e in episodes if e.outcome <= 0]
        if failed:
            skipped["failed (sft learns from successes)"] = len(failed)
        episodes = [e for e in episodes if e.outcome > 0]
    if not episodes:
        why = ", ".join(f"{n} {reason}" for reason, n in skipped.items()) or "none matched"
        raise TrainingError(f"no episodes to train on in {store.path} ({why})")
    if "actor" not in settings.roles and not any(
        d.role in settings.roles for e in episodes for d in e.demonstrations
    ):
        raise TrainingError(
            f"no {'/'.join(settings.roles)} demonstrations in the {len(episodes)} episodes"
            " chosen: only site-checked episodes (`mira bench … --milestones site`) record them"
        )
    return PhaseData(episodes, [], skipped)


# -- the phase -------------------------------------------------------------------------


@dataclass
class Learner:
    """The model being trained, its tokenizer, and (once made) its optimiser."""

    model: Any
    tokenizer: Any
    pad_id: int
    optimiser: Any = None

    @property
    def trainable(self) -> list[Any]:
        return [p for p in self.model.parameters() if p.requires_grad]


def _run(phase: Phase) -> Result:
    learner = _load(phase)
    after = None
    if phase.settings.loss.uses_advantages:
        # RL needs π_ref's log-probabilities and features before any update, and what
        # the update did to each action after it. SFT's likelihood needs neither: on two
        # cores the two passes took 13 of a 32-minute SFT.
        phase.reference = _reference(phase, learner)
        features = phase.reference.features
        if phase.settings.critic_base:
            features = _critic_features(phase)
        phase.signals = _signals(phase, features)
    losses = _update(phase, learner)
    if phase.reference is not None:
        phase.reporter.stage("measuring the update", None)
        after = _read(learner.model, phase.data.samples, learner.pad_id, phase).logp
        write_signals(phase, after)
    summary = summarize(phase, after, losses)
    files = write_outputs(phase, learner.model, learner.tokenizer, summary)
    shutil.rmtree(phase.out_dir / CHECKPOINT, ignore_errors=True)
    return Result(phase.out_dir, phase.run_id, summary, files)


def _load(phase: Phase) -> Learner:
    """The model loaded and made trainable, and the episodes rendered into its tokens."""
    settings, data = phase.settings, phase.data
    phase.reporter.stage("loading the model", None)
    model, tokenizer = load_model(
        phase.model_ref,
        device=phase.device,
        dtype=phase.dtype,
        load_4bit=settings.load_4bit,
        reporter=phase.reporter,
    )
    renderer = Renderer(tokenizer, str(model.config.model_type))
    data.samples = build_samples(data.episodes, renderer, settings.max_tokens, settings.roles)
    phase.reporter.note(
        f"{len(data.episodes)} episodes, {len(data.samples)} samples:"
        f" {describe_roles(role_counts(data.samples))}"
        + "".join(f"; left out {n} ({why})" for why, n in data.skipped.items())
    )
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    resume_dir = phase.out_dir if phase.resumed_from is not None else None
    model = _trainable(model, settings, phase.checkpointing, resume_dir)
    return Learner(model, tokenizer, pad_id)


def _update(phase: Phase, learner: Learner) -> list[float]:
    """The optimiser steps of every epoch; returns every step's loss, a resumed run's
    earlier steps included. Ctrl-C saves a checkpoint of the steps taken."""
    import torch

    settings, out_dir = phase.settings, phase.out_dir
    learner.optimiser = torch.optim.AdamW(
        learner.trainable, lr=settings.lr, weight_decay=settings.weight_decay
    )
    if phase.resumed_from is not None:
        learner.optimiser.load_state_dict(torch.load(out_dir / CHECKPOINT / "optimiser.pt"))
    plan = _plan(phase.data.samples, settings)
    done = phase.resumed_from or 0
    if phase.resumed_from is not None:
        _forget_steps_after(phase, done)
    phase.reporter.stage("training the policy", len(plan))
    phase.reporter.advance(done)
    learner.model.train()
    losses = [
        row["metrics"]["loss"] for row in phase.store.training_metrics(phase.run_id, "policy")
    ]
    every = settings.checkpoint_minutes * 60
    saved = time.monotonic()
    try:
        for step, groups in enumerate(plan[done:], done + 1):
            metrics = _step(phase, learner, groups, step)
            done = step  # the update is in the weights: a checkpoint now includes it
            losses.append(metrics["loss"])
            phase.store.log_metrics(phase.run_id, "policy", step, metrics)
            append_jsonl(out_dir / "metrics.jsonl", {"stage": "policy", "step": step, **metrics})
            phase.reporter.advance(1, loss=metrics["loss"], tokens_per_s=metrics["tokens_per_s"])
            if every and step < len(plan) and time.monotonic() - saved >= every:
                # A hard stop (a killed process, a restarted machine) loses at most this.
                save_checkpoint(phase, learner.model, learner.optimiser, done)
                saved = time.monotonic()
    except KeyboardInterrupt:
        save_checkpoint(phase, learner.model, learner.optimiser, done)
        raise
    return losses


def _forget_steps_after(phase: Phase, step: int) -> None:
    """A resumed run redoes the steps taken after its checkpoint: their logged points go,
    so that each step is logged once."""
    phase.store.forget_metrics_after(phase.run_id, "policy", step)
    path = phase.out_dir / "metrics.jsonl"
    if path.is_file():
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        kept = [r for r in rows if r.get("stage") != "policy" or r.get("step", 0) <= step]
        path.write_text("".join(json.dumps(r) + "\n" for r in kept))


def _plan(samples: Sequence[Sample], settings: TrainSettings) -> list[list[list[int]]]:
    """Every optimiser step of the phase, in order: each a list of micro-batches of
    sample indices. Seeded per epoch, so a resumed run replays the same plan."""
    lengths = [len(s.ids) for s in samples]
    plan = [
        groups
        for epoch in range(settings.epochs)
        for groups in optimiser_steps(
            micro_batches(
                range(len(lengths)),
                lengths,
                settings.micro_batch_tokens,
                settings.seed + epoch,
                max_size=settings.batch_size,
            ),
            settings.batch_size,
        )
    ]
    return plan if settings.max_steps is None else plan[: settings.max_steps]


def _trainable(model: Any, settings: TrainSettings, checkpointing: bool, resume_dir: Path | None):
    """LoRA adapters (or every weight) made trainable; a resumed run's adapter loaded."""
    if checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if not settings.lora:
        if resume_dir is not None:
            import torch

            model.load_state_dict(torch.load(resume_dir / CHECKPOINT / "weights.pt"))
        for parameter in model.parameters():
            parameter.requires_grad_(True)
        return model
    from peft import LoraConfig, PeftModel, get_peft_model

    if resume_dir is not None:
        return PeftModel.from_pretrained(
            model, resume_dir / CHECKPOINT / "adapter", is_trainable=True
        )
    if settings.init_adapter is not None:
        return PeftModel.from_pretrained(
            model, find_adapter(settings.init_adapter), is_trainable=True
        )
    config = LoraConfig(
        r=settings.lora_r,
        lora_alpha=settings.lora_alpha,
        lora_dropout=settings.lora_dropout,
        target_modules=list(settings.lora_targets),
        task_type="CAUSAL_LM",
    )
    try:
        return get_peft_model(model, config)
    except ValueError as exc:
        raise UsageError(f"--lora-targets: {first_line(exc)}") from None


def _read(
    model: Any,
    samples: Sequence[Sample],
    pad_id: int,
    phase: Phase,
    *,
    features: bool = False,
    progress: bool = False,
) -> Reference:
    """What `model` makes of every sample, with no gradient: each action's summed
    log-probability and, if asked, each prompt's last hidden state."""
    import torch

    from mira_agent.train.policy import Reference, action_logprobs, collate

    lengths = [len(s.ids) for s in samples]
    logps = torch.zeros(len(samples))
    feats: Any = None
    was_training = model.training
    model.eval()
    batches = micro_batches(range(len(samples)), lengths, phase.settings.micro_batch_tokens, None)
    with torch.no_grad():
        for group in batches:
            batch = collate([samples[i] for i in group], pad_id, phase.device)
            sums, _counts, state = action_logprobs(model, batch, features=features)
            logps[group] = sums.float().cpu()
            if features and state is not None:
                if feats is None:
                    feats = torch.zeros(len(samples), state.shape[1])
                feats[group] = state.cpu()
            if progress:
                phase.reporter.advance(len(group))
    model.train(was_training)
    return Reference(logps, feats)


def _reference(phase: Phase, learner: Learner) -> Reference:
    """π_ref's log-probability of each action and each state's features, computed once
    before any update (LoRA starts as the identity, so the model is still π_ref) and
    kept on disk for a resumed run."""
    from mira_agent.train.policy import Reference

    path = phase.out_dir / "reference.pt"
    if path.is_file():
        return Reference.load(path)
    phase.reporter.stage("reference pass", len(phase.data.samples))
    reference = _read(
        learner.model, phase.data.samples, learner.pad_id, phase, features=True, progress=True
    )
    reference.save(path)
    return reference


def _critic_features(phase: Phase) -> Any:
    """Each state's features from the separate critic model (`--critic-base`): its own
    tokenizer renders the same prompts, and its last prompt token's hidden state is read
    once, like the reference pass, then the model is let go."""
    import torch

    path = phase.out_dir / "critic_features.pt"
    if path.is_file():
        return torch.load(path)
    settings = phase.settings
    assert settings.critic_base is not None
    critic, tokenizer = load_model(
        resolve_base(settings.critic_base),
        device=phase.device,
        dtype=phase.dtype,
        reporter=phase.reporter,
    )
    renderer = Renderer(tokenizer, str(critic.config.model_type))
    samples = build_samples(phase.data.episodes, renderer, settings.max_tokens)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    phase.reporter.stage("critic model pass", len(samples))
    features = _read(critic, samples, pad_id, phase, features=True, progress=True).features
    del critic
    torch.save(features, path)
    return features


def _signals(phase: Phase, features: Any) -> Signals:
    """Fit V and P on the reference features; the advantages follow from them. The
    critics are saved, and their fits and held-out calibration logged."""
    import torch

    from mira_agent.train.critics import fit_critics, held_out_calibration

    settings, data = phase.settings, phase.data
    targets = critic_targets(data.episodes, settings)
    phase.reporter.stage("fitting the critics", None)
    critics = fit_critics(features, targets, settings)
    _log_fit(phase, "value", critics.value.losses)
    values = critics.value.head.predict(features).tolist()
    potentials = None
    if critics.potential is not None:
        _log_fit(phase, "potential", critics.potential.losses)
        potentials = critics.potential.head.predict(features).tolist()
    elif settings.use_potential:
        phase.reporter.note(
            "no successful episode with milestones: the potential critic is skipped and"
            " the rewards are sparse"
        )
    advantages, rewards = action_advantages(data.episodes, values, potentials, settings)
    torch.save(
        {"heads": critics.heads(), "settings": settings.as_dict()}, phase.out_dir / "critics.pt"
    )
    held_out = held_out_calibration(data, features, targets, settings)
    if held_out is not None:
        phase.store.log_metrics(phase.run_id, "critics held out", 1, held_out.metrics)
    return Signals(
        targets=targets,
        values=values,
        potentials=potentials,
        advantages=advantages,
        rewards=rewards,
        value_losses=critics.value.losses,
        potential_losses=critics.potential.losses if critics.potential else [],
        held_out=held_out,
    )


def _log_fit(phase: Phase, critic: str, losses: Sequence[float]) -> None:
    """A critic's loss every 20 epochs and at the last."""
    for epoch, loss in enumerate(losses, 1):
        if epoch % 20 == 0 or epoch == len(losses):
            phase.store.log_metrics(phase.run_id, critic, epoch, {"loss": loss})


def _step(phase: Phase, learner: Learner, groups: list[list[int]], step: int) -> dict[str, float]:
    """One optimiser step over its micro-batches (gradient accumulation)."""
    import torch

    from mira_agent.train.policy import action_logprobs, collate
    from mira_agent.train.rewards import policy_loss

    settings, samples, objective = phase.settings, phase.data.samples, phase.settings.loss
    started = time.perf_counter()
    count = sum(len(g) for g in groups)
    warm = min(1.0, step / settings.warmup_steps) if settings.warmup_steps else 1.0
    for group in learner.optimiser.param_groups:
        group["lr"] = settings.lr * warm
    learner.optimiser.zero_grad(set_to_none=True)
    total_loss = 0.0
    ratios: list[float] = []
    tokens = 0
    for group in groups:
        batch = collate([samples[i] for i in group], learner.pad_id, phase.device)
        tokens += int(batch.attention_mask.sum())
        logp, counts, _ = action_logprobs(learner.model, batch)
        ref = advantage = None
        if objective.uses_advantages:
            assert phase.reference is not None and phase.signals is not None
            ref = phase.reference.logp[group].to(logp.device)
            advantage = torch.tensor(
                [phase.signals.advantages[i] for i in group], device=logp.device
            )
            ratios += (logp.detach() - ref).tolist()
        loss = policy_loss(logp, ref, advantage, objective, tokens=counts).sum()
        (loss / count).backward()
        total_loss += float(loss.detach())
    norm = torch.nn.utils.clip_grad_norm_(learner.trainable, settings.max_grad_norm)
    learner.optimiser.step()
    elapsed = time.perf_counter() - started
    metrics = {
        "loss": total_loss / count,
        "grad_norm": float(norm),
        "actions": count,
        "tokens": tokens,
        "tokens_per_s": tokens / elapsed if elapsed else 0.0,
        "seconds": elapsed,
        "lr": settings.lr * warm,
    }
    if ratios:
        metrics["log_ratio"] = sum(ratios) / len(ratios)
    if not math.isfinite(metrics["loss"]):
        raise TrainingError(
            f"the loss became {metrics['loss']} at step {step}: lower --lr or raise --beta"
        )
    return metrics


def _now() -> str:
    from mira_agent.store.database import now

    return now()


def export_checkpoint_adapter(run_dir: Path, out: Path) -> Path:
    """The LoRA of RUN_DIR's last checkpoint as an adapter GGUF at `out`: a run still
    training (or stopped) can be evaluated at each checkpoint, which is how a curve of
    held-out success against training minutes is drawn."""
    import torch
    from peft import PeftModel

    if not (run_dir / CHECKPOINT / "adapter" / "adapter_config.json").is_file():
        raise UsageError(f"no LoRA checkpoint in {run_dir}")
    state = read_checkpoint(run_dir)
    base = resolve_base(state.get("base"))
    if base.gguf_template is None:
        raise UsageError(f"{run_dir} trained from a folder, not a GGUF: no adapter GGUF to write")
    model, _tokenizer = load_model(base, device="cpu", dtype=torch.float32)
    tuned = PeftModel.from_pretrained(model, run_dir / CHECKPOINT / "adapter")
    write_adapter_gguf(tuned, base, out, f"{base.label} + mira, step {state.get('step')}")
    return out
