"""One fine-tuning phase: episodes in, a better policy (and its critics) out.

The order is MiRA's: (1) the reference policy π_ref, the model before this phase, reads
every logged state once, giving each action's reference log-probability and each
state's features; (2) the value and potential critics are fitted on those features;
(3) shaped rewards and advantages are computed from the critics' estimates; (4) the
policy is updated on the squared log-ratio loss (or the chosen objective); (5) the
adapter, the merged model, its GGUF export, the critics, a model card and plots are
written, and every metric goes to the `training_runs` tables beside the episodes.

Ctrl-C during the update saves a checkpoint; `resume=True` continues it from the same
batches, with the same reference and critics.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mira_agent.errors import MiraError, UsageError, first_line, interruption, interruption_code
from mira_agent.store.database import EpisodeFilter, EpisodeStore
from mira_agent.train.base_model import (
    BaseModel,
    load_model,
    pick_device,
    pick_dtype,
    resolve_base,
)
from mira_agent.train.episodes import load_episodes
from mira_agent.train.memory import HINT, OutOfMemory, check_fits, estimate_bytes, is_out_of_memory
from mira_agent.train.outputs import (
    CHECKPOINT,
    PhaseData,
    append_jsonl,
    data_summary,
    read_checkpoint,
    save_checkpoint,
    settings_fields,
    summarize,
    write_outputs,
    write_signals,
)
from mira_agent.train.progress import Reporter, Silent
from mira_agent.train.samples import Renderer, Sample, build_samples, micro_batches, optimiser_steps
from mira_agent.train.settings import TrainSettings
from mira_agent.train.signals import action_advantages, critic_targets


class TrainingError(MiraError):
    exit_code = 2


class Interrupted(MiraError):
    exit_code = 130


@dataclass
class Result:
    out_dir: Path
    run_id: int
    summary: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)


def finetune(
    *,
    store: EpisodeStore,
    base: str | None,
    out_dir: Path,
    settings: TrainSettings,
    which: EpisodeFilter | None = None,
    sources: tuple[str, ...] = ("checker", "judge", "user"),
    resume: bool = False,
    reporter: Reporter | None = None,
    parent: str | None = None,
    phase: int | None = None,
) -> Result:
    """Train one phase and write everything to `out_dir`; see the module docstring."""
    reporter = reporter or Silent()
    out_dir = Path(out_dir).expanduser()
    state: dict[str, Any] = {}
    if resume:
        state = read_checkpoint(out_dir)
        settings = TrainSettings(**settings_fields(state["settings"]))
        which = EpisodeFilter(ids=state["episode_ids"])
    elif out_dir.exists() and any(out_dir.iterdir()):
        raise UsageError(f"{out_dir} is not empty: choose a new --out, or --resume a run there")
    data = _load_data(store, which, sources, settings)
    model_ref = resolve_base(state.get("base", base))
    if settings.critic_base:
        resolve_base(settings.critic_base)  # a wrong path is refused now, not after the update

    import torch

    torch.manual_seed(settings.seed)
    random.seed(settings.seed)
    device = pick_device(settings.device)
    dtype = pick_dtype(settings.dtype, device)
    checkpointing = (
        settings.gradient_checkpointing
        if settings.gradient_checkpointing is not None
        else device.startswith("cuda")
    )
    _preflight(model_ref, settings, device, dtype, checkpointing)
    out_dir.mkdir(parents=True, exist_ok=True)
    run_id = state.get("run_id") or store.start_training(
        {
            "algo": settings.algo,
            "base": model_ref.label,
            "out_dir": str(out_dir.resolve()),
            "settings": settings.as_dict(),
            "data": data_summary(data),
            "parent": parent,
            "phase": phase,
        }
    )
    if resume:
        store.update_training(run_id, status="running", pid=os.getpid(), reason=None)
    try:
        result = _run(
            store,
            run_id,
            model_ref,
            data,
            settings,
            out_dir,
            device,
            dtype,
            checkpointing,
            state,
            reporter,
        )
    except KeyboardInterrupt as exc:
        why, code = interruption(exc), interruption_code(exc)
        store.update_training(run_id, status="interrupted", reason=why, ended_at=_now())
        if (out_dir / CHECKPOINT / "state.json").is_file():
            raise Interrupted(
                f"{why}: checkpoint saved in {out_dir / CHECKPOINT};"
                f" `mira finetune --resume --out {out_dir}` continues it",
                exit_code=code,
            ) from None
        raise Interrupted(
            f"{why} before the policy update, nothing to resume: delete {out_dir} or"
            " choose another --out",
            exit_code=code,
        ) from None
    except BaseException as exc:
        reason = "out of memory" if is_out_of_memory(exc) else first_line(exc)
        store.update_training(run_id, status="failed", reason=reason, ended_at=_now())
        if is_out_of_memory(exc) and not isinstance(exc, OutOfMemory):
            raise OutOfMemory(f"out of memory while training on {device}: {HINT}") from None
        raise
    store.update_training(run_id, status="finished", summary=result.summary, ended_at=_now())
    return result


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
    return PhaseData(episodes, [], skipped)


def _preflight(
    model_ref: BaseModel, settings: TrainSettings, device: str, dtype: Any, checkpointing: bool
) -> None:
    needed = estimate_bytes(
        model_ref.shape(),
        dtype_bytes=dtype.itemsize,
        trainable_fraction=0.01 if settings.lora else 1.0,
        tokens=settings.micro_batch_tokens,
        checkpointing=checkpointing,
        four_bit=settings.load_4bit,
    )
    check_fits(needed, device, HINT)


# -- the phase -------------------------------------------------------------------------


def _run(
    store: EpisodeStore,
    run_id: int,
    model_ref: BaseModel,
    data: PhaseData,
    settings: TrainSettings,
    out_dir: Path,
    device: str,
    dtype: Any,
    checkpointing: bool,
    state: dict[str, Any],
    reporter: Reporter,
) -> Result:
    import torch

    reporter.stage("loading the model", None)
    model, tokenizer = load_model(
        model_ref, device=device, dtype=dtype, load_4bit=settings.load_4bit, reporter=reporter
    )
    renderer = Renderer(tokenizer, str(model.config.model_type))
    data.samples = build_samples(data.episodes, renderer, settings.max_tokens)
    reporter.note(
        f"{len(data.episodes)} episodes, {len(data.samples)} actions,"
        f" {sum(len(s.ids) for s in data.samples):,} tokens"
        + "".join(f"; left out {n} ({why})" for why, n in data.skipped.items())
    )
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    model = _trainable(model, settings, checkpointing, out_dir if state else None)

    reference = _reference(model, data.samples, settings, pad_id, device, out_dir, reporter)
    signals: dict[str, Any] = {}
    if settings.algo != "sft":
        features = reference["features"]
        if settings.critic_base:
            features = _critic_features(data, settings, device, dtype, out_dir, reporter)
        signals = _critics(store, run_id, data, features, settings, out_dir, reporter)
    advantages = signals.get("advantages")

    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=settings.lr, weight_decay=settings.weight_decay)
    if state:
        optimiser.load_state_dict(torch.load(out_dir / CHECKPOINT / "optimiser.pt"))
    lengths = [len(s.ids) for s in data.samples]
    plan = [
        list(
            optimiser_steps(
                micro_batches(
                    range(len(lengths)),
                    lengths,
                    settings.micro_batch_tokens,
                    settings.seed + epoch,
                    max_size=settings.batch_size,
                ),
                settings.batch_size,
            )
        )
        for epoch in range(settings.epochs)
    ]
    total = sum(len(steps) for steps in plan)
    if settings.max_steps is not None:
        total = min(total, settings.max_steps)
    done = int(state.get("step", 0))
    reporter.stage("training the policy", total)
    reporter.advance(done)
    model.train()
    step = 0
    # A resumed run's summary covers the steps taken before the interruption too.
    losses = [row["metrics"]["loss"] for row in store.training_metrics(run_id, "policy")]
    try:
        for epoch_steps in plan:
            for groups in epoch_steps:
                if step >= total:
                    break
                step += 1
                if step <= done:
                    continue
                metrics = _step(
                    model,
                    optimiser,
                    trainable,
                    groups,
                    data.samples,
                    reference,
                    advantages,
                    settings,
                    pad_id,
                    device,
                    step,
                )
                done = step  # the update is in the weights: a checkpoint now includes it
                losses.append(metrics["loss"])
                store.log_metrics(run_id, "policy", step, metrics)
                append_jsonl(
                    out_dir / "metrics.jsonl", {"stage": "policy", "step": step, **metrics}
                )
                reporter.advance(1, loss=metrics["loss"], tokens_per_s=metrics["tokens_per_s"])
    except KeyboardInterrupt:
        save_checkpoint(model, optimiser, out_dir, settings, model_ref, data, run_id, done)
        raise

    reporter.stage("measuring the update", None)
    after = _logprobs(model, data.samples, settings, pad_id, device)
    summary = summarize(data, reference, signals, after, losses, settings)
    write_signals(out_dir / "signals.jsonl", data, reference, signals, after)
    files = write_outputs(
        model, tokenizer, model_ref, out_dir, settings, data, signals, summary, reporter
    )
    shutil.rmtree(out_dir / CHECKPOINT, ignore_errors=True)
    return Result(out_dir, run_id, summary, files)


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


def _forward_all(
    model: Any,
    samples: Sequence[Sample],
    settings: TrainSettings,
    pad_id: int,
    device: str,
    *,
    features: bool,
    reporter: Reporter | None = None,
) -> tuple[Any, Any]:
    import torch

    from mira_agent.train.policy import action_logprobs, collate

    lengths = [len(s.ids) for s in samples]
    logps = torch.zeros(len(samples))
    feats: Any = None
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for group in micro_batches(range(len(samples)), lengths, settings.micro_batch_tokens, None):
            batch = collate([samples[i] for i in group], pad_id, device)
            sums, _counts, state = action_logprobs(model, batch, features=features)
            logps[group] = sums.float().cpu()
            if features and state is not None:
                if feats is None:
                    feats = torch.zeros(len(samples), state.shape[1])
                feats[group] = state.cpu()
            if reporter:
                reporter.advance(len(group))
    model.train(was_training)
    return logps, feats


def _reference(
    model: Any,
    samples: Sequence[Sample],
    settings: TrainSettings,
    pad_id: int,
    device: str,
    out_dir: Path,
    reporter: Reporter,
) -> dict[str, Any]:
    """π_ref's log-probability of each action and each state's features, computed once
    before any update (LoRA starts as the identity, so the model is still π_ref) and
    kept on disk for a resumed run."""
    import torch

    path = out_dir / "reference.pt"
    if path.is_file():
        return dict(torch.load(path))
    reporter.stage("reference pass", len(samples))
    logps, feats = _forward_all(
        model, samples, settings, pad_id, device, features=True, reporter=reporter
    )
    reference = {"logp": logps, "features": feats}
    torch.save(reference, path)
    return reference


def _critic_features(
    data: PhaseData,
    settings: TrainSettings,
    device: str,
    dtype: Any,
    out_dir: Path,
    reporter: Reporter,
) -> Any:
    """Each state's features from the separate critic model (`--critic-base`): its own
    tokenizer renders the same prompts, and its last prompt token's hidden state is read
    once, like the reference pass, then the model is let go."""
    import torch

    path = out_dir / "critic_features.pt"
    if path.is_file():
        return torch.load(path)
    assert settings.critic_base is not None
    critic, tokenizer = load_model(
        resolve_base(settings.critic_base), device=device, dtype=dtype, reporter=reporter
    )
    samples = build_samples(
        data.episodes, Renderer(tokenizer, str(critic.config.model_type)), settings.max_tokens
    )
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    reporter.stage("critic model pass", len(samples))
    _, features = _forward_all(
        critic, samples, settings, pad_id, device, features=True, reporter=reporter
    )
    del critic
    torch.save(features, path)
    return features


def _logprobs(
    model: Any, samples: Sequence[Sample], settings: TrainSettings, pad_id: int, device: str
) -> Any:
    return _forward_all(model, samples, settings, pad_id, device, features=False)[0]


def _critics(
    store: EpisodeStore,
    run_id: int,
    data: PhaseData,
    features: Any,
    settings: TrainSettings,
    out_dir: Path,
    reporter: Reporter,
) -> dict[str, Any]:
    """Fit V and P on the reference features; the advantages follow from them."""
    import torch

    from mira_agent.train.critics import fit_head

    targets = critic_targets(data.episodes, settings)
    reporter.stage("fitting the critics", None)
    value_fit = fit_head(
        features,
        torch.tensor(targets.value),
        loss="bce",
        epochs=settings.critic_epochs,
        lr=settings.critic_lr,
        hidden=settings.critic_hidden,
        seed=settings.seed,
    )
    values = value_fit.head.predict(features).tolist()
    heads = {"value": value_fit.head.state_dict()}
    for epoch, loss in enumerate(value_fit.losses, 1):
        if epoch % 20 == 0 or epoch == len(value_fit.losses):
            store.log_metrics(run_id, "value", epoch, {"loss": loss})
    potentials = None
    potential_losses: list[float] = []
    used = [i for i, flag in enumerate(targets.potential_used) if flag]
    if settings.use_potential and used:
        potential_fit = fit_head(
            features[used],
            torch.tensor([targets.potential[i] for i in used]),
            loss="mse",
            epochs=settings.critic_epochs,
            lr=settings.critic_lr,
            hidden=settings.critic_hidden,
            seed=settings.seed,
        )
        potentials = potential_fit.head.predict(features).tolist()
        potential_losses = potential_fit.losses
        heads["potential"] = potential_fit.head.state_dict()
        for epoch, loss in enumerate(potential_losses, 1):
            if epoch % 20 == 0 or epoch == len(potential_losses):
                store.log_metrics(run_id, "potential", epoch, {"loss": loss})
    elif settings.use_potential:
        reporter.note(
            "no successful episode with milestones: the potential critic is skipped and"
            " the rewards are sparse"
        )
    advantages, rewards = action_advantages(data.episodes, values, potentials, settings)
    torch.save({"heads": heads, "settings": settings.as_dict()}, out_dir / "critics.pt")
    held_out = held_out_calibration(data, features, targets, settings)
    if held_out:
        store.log_metrics(run_id, "critics held out", 1, held_out["metrics"])
    return {
        "targets": targets,
        "values": values,
        "potentials": potentials,
        "advantages": advantages,
        "rewards": rewards,
        "value_losses": value_fit.losses,
        "potential_losses": potential_losses,
        "held_out": held_out,
    }


def held_out_calibration(
    data: PhaseData, features: Any, targets: Any, settings: TrainSettings
) -> dict[str, Any]:
    """How well the critics predict episodes they were not fitted on: every fifth
    episode is left out of a second fit. On the fitted data both critics look perfect
    (a few hundred states, a head of 200k weights), so this is the calibration to read.
    The critics used for the advantages are the ones fitted on everything."""
    import torch

    from mira_agent.train.critics import fit_head

    if len(data.episodes) < 5:
        return {}
    held = [i for i, s in enumerate(data.samples) if s.episode % 5 == 4]
    kept = [i for i, s in enumerate(data.samples) if s.episode % 5 != 4]
    options = {
        "epochs": settings.critic_epochs,
        "lr": settings.critic_lr,
        "hidden": settings.critic_hidden,
        "seed": settings.seed,
    }
    value_head = fit_head(
        features[kept], torch.tensor([targets.value[i] for i in kept]), loss="bce", **options
    ).head
    predicted = value_head.predict(features[held])
    truth = torch.tensor([targets.value[i] for i in held])
    out: dict[str, Any] = {
        "values": predicted.tolist(),
        "value_targets": truth.tolist(),
        "metrics": {
            "value_bce": float(torch.nn.functional.binary_cross_entropy(predicted, truth)),
            "states": len(held),
        },
    }
    kept_p = [i for i in kept if targets.potential_used[i]]
    if settings.use_potential and kept_p:
        head = fit_head(
            features[kept_p],
            torch.tensor([targets.potential[i] for i in kept_p]),
            loss="mse",
            **options,
        ).head
        p_held = [i for i in held if targets.potential_used[i]] or held
        guess = head.predict(features[p_held])
        labels = torch.tensor([targets.potential[i] for i in p_held])
        out["potentials"] = guess.tolist()
        out["potential_targets"] = labels.tolist()
        out["metrics"]["potential_mse"] = float(((guess - labels) ** 2).mean())
    return out


def _step(
    model: Any,
    optimiser: Any,
    trainable: list[Any],
    groups: list[list[int]],
    samples: Sequence[Sample],
    reference: dict[str, Any],
    advantages: Sequence[float] | None,
    settings: TrainSettings,
    pad_id: int,
    device: str,
    step: int,
) -> dict[str, float]:
    """One optimiser step over its micro-batches (gradient accumulation)."""
    import torch

    from mira_agent.train.policy import action_logprobs, collate
    from mira_agent.train.rewards import policy_loss

    started = time.perf_counter()
    count = sum(len(g) for g in groups)
    warm = min(1.0, step / settings.warmup_steps) if settings.warmup_steps else 1.0
    for group in optimiser.param_groups:
        group["lr"] = settings.lr * warm
    optimiser.zero_grad(set_to_none=True)
    total_loss = 0.0
    ratios: list[float] = []
    tokens = 0
    for group in groups:
        batch = collate([samples[i] for i in group], pad_id, device)
        tokens += int(batch.attention_mask.sum())
        logp, counts, _ = action_logprobs(model, batch)
        if settings.algo == "sft":
            loss = -(logp / counts).sum()
        else:
            ref = reference["logp"][group].to(logp.device)
            adv = torch.tensor([advantages[i] for i in group], device=logp.device)  # type: ignore[index]
            per_action = policy_loss(
                logp,
                ref,
                adv,
                settings.beta,
                settings.objective,
                exp=torch.exp,
                awr_clip=settings.awr_clip,
            )
            loss = per_action.sum()
            ratios += (logp.detach() - ref).tolist()
        (loss / count).backward()
        total_loss += float(loss.detach())
    norm = torch.nn.utils.clip_grad_norm_(trainable, settings.max_grad_norm)
    optimiser.step()
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
