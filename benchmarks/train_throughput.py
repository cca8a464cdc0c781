"""Training-step throughput of mira's trainer code paths: tokens/s, peak memory and MFU.

    python benchmarks/train_throughput.py                        # the CPU configurations
    python benchmarks/train_throughput.py --config 12b           # on a CUDA GPU (H100: 989 TFLOP/s)
    python benchmarks/train_throughput.py --config 270m-512 --seq 128 --steps 1 --json

Each step is the trainer's own: samples (`Sample`: prompt then action tokens, random ids
from the vocabulary, the last `--action-tokens` of each sequence are the action) grouped by
`micro_batches` into micro-batches of at most `--micro-batch-tokens`; per micro-batch
`collate`, `action_logprobs` (the backbone on every token, the LM head only at action
positions), `policy_loss(..., "sqlogratio")`, backward; then gradient clipping and an AdamW
step over the LoRA weights (peft `get_peft_model`, gradient checkpointing enabled first
where the configuration asks for it).

Configurations (`--config`, repeatable; the default runs the three CPU ones):

- `270m-512`: the embedded Gemma 3 270M (`resolve_base(None)`, `load_model`), LoRA r=8 on
  q,v, one sequence of 512 tokens, fp32 on the CPU; the time of one forward+backward (no
  optimiser step).
- `270m-4x1k`: the 270M, LoRA r=8 on q,k,v,o, an optimiser step over 4 sequences of 1,024
  tokens (one micro-batch at the default 4,096 tokens), fp32 on the CPU.
- `12b`: the Gemma 3 12B text architecture with random weights (none can be downloaded),
  built on the GPU in bf16; LoRA r=16 on q,k,v,o,gate,up,down, gradient checkpointing, one
  sequence of 4,096 tokens per optimiser step. Skipped, with one line, without CUDA.
- `12b-mini`: the same code path cut to 2 of the 48 layers (one local, one global), hidden
  size and vocabulary as the 12B, bf16 like it (`--dtype fp32` for fp32), 512 tokens on the
  CPU. Not a 12B measurement: it exists so the 12B path runs on machines without a GPU.

Measurement: `--warmup` steps (default 1) are not counted, then `--steps` (default 3) timed
steps, with `torch.cuda.synchronize()` around each on a GPU; the table gives the mean and
the fastest. Each configuration runs in a fresh child process, so that memory figures are
its own. Memory: on a GPU `torch.cuda.max_memory_allocated` over warm-up and timed steps
(weights included), and spare = the card's total − that peak. On the CPU the resident set
size is sampled every 5 ms from /proc/self/statm during the steps; "peak" is the process's
largest RSS (Python, torch and the model included) and "train" is that peak less the RSS
before the model was loaded. `estimate` is `mira_agent.train.memory.estimate_bytes` called
as the trainer's guard calls it (trainable fraction 0.01 with LoRA), with the micro-batch's
tokens, to be set beside the measured figure.

Model FLOPs per step (MFU = model FLOP/s ÷ the card's bf16 dense peak, `--peak-tflops`):
  tokens·(c·N + 6·N_lora) + c·V·H·A + Σ_layers 12·h·d·P(T, w)·B
with c = 4 for LoRA on a frozen base (forward 2N, backward to the activations 2N, no weight
gradients; 6 for full fine-tuning); N the weights of the decoder layers' linear projections
(embeddings and norm scales left out); N_lora the adapter weights (forward, input and weight
gradients: 6); the LM head (V×H, tied to the frozen embedding) applied at the A action
positions only; attention with h query heads of dimension d over P(T, w) causal query-key
pairs per sequence of T tokens: T(T+1)/2 for a global layer, w(w+1)/2 + (T−w)·w for a local
layer of window w < T; 4·h·d per pair forward (QKᵀ and PV), twice that backward. The
recomputation gradient checkpointing adds is not counted (that would be hardware FLOPs
utilisation), nor the masked-out half of a causal attention matrix, nor norms, softmax,
rotary embeddings or the optimiser.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GIB = 1024**3
RESULT_MARK = "TRAIN-THROUGHPUT-RESULT "
ALL_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class Config:
    name: str
    model: str  # "270m": the embedded model; "12b": the 12B architecture, random weights
    layers: int  # of the 12B architecture (48 for the real one); 0 for the 270M
    seq: int  # tokens per sequence
    sequences: int  # sequences per step
    lora_r: int
    targets: tuple[str, ...]
    device: str
    dtype: str
    checkpointing: bool
    optimiser: bool  # False: one forward+backward, no optimiser step
    note: str


CONFIGS = {
    c.name: c
    for c in (
        Config(
            "270m-512", "270m", 0, 512, 1, 8, ("q_proj", "v_proj"), "cpu", "fp32", False, False,
            "Gemma 3 270M, one forward+backward",
        ),
        Config(
            "270m-4x1k", "270m", 0, 1024, 4, 8, ALL_TARGETS[:4], "cpu", "fp32", False, True,
            "Gemma 3 270M, optimiser step",
        ),
        Config(
            "12b", "12b", 48, 4096, 1, 16, ALL_TARGETS, "cuda", "bf16", True, True,
            "Gemma 3 12B architecture, random weights, optimiser step",
        ),
        Config(
            "12b-mini", "12b", 2, 512, 1, 16, ALL_TARGETS, "cpu", "bf16", True, True,
            "NOT a 12B measurement: 2 of its 48 layers",
        ),
    )
}  # fmt: skip
CPU_DEFAULT = ["270m-512", "270m-4x1k", "12b-mini"]


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- models --------------------------------------------------------------------------------


def gemma3_12b_config(layers: int) -> Any:
    """The text part of Gemma 3 12B (google/gemma-3-12b-pt), with `layers` of its 48 layers.
    A cut model keeps one global layer at its end, so both attention kinds run."""
    from transformers import Gemma3TextConfig

    if layers >= 6:
        kinds = [
            "full_attention" if (i + 1) % 6 == 0 else "sliding_attention" for i in range(layers)
        ]
    else:
        kinds = ["sliding_attention"] * (layers - 1) + ["full_attention"]
    return Gemma3TextConfig(
        vocab_size=262_208,
        hidden_size=3840,
        intermediate_size=15_360,
        num_hidden_layers=layers,
        num_attention_heads=16,
        num_key_value_heads=8,
        head_dim=256,
        hidden_activation="gelu_pytorch_tanh",
        max_position_embeddings=131_072,
        rms_norm_eps=1e-6,
        query_pre_attn_scalar=256,
        sliding_window=1024,
        layer_types=kinds,  # 5 local : 1 global
        rope_parameters={
            "full_attention": {"rope_type": "linear", "factor": 8.0, "rope_theta": 1_000_000.0},
            "sliding_attention": {"rope_type": "default", "rope_theta": 10_000.0},
        },
        final_logit_softcapping=None,
        attn_logit_softcapping=None,
        tie_word_embeddings=True,
    )


def build_random(config: Any, device: str, dtype: Any) -> Any:
    """The model of `config` with random weights, allocated directly on `device` in `dtype`.

    transformers' own initialisation takes ~40 s for 1.5B parameters on 2 CPU cores, so the
    weights are allocated uninitialised and filled with tiles of one block of uniform noise of
    std 0.02 (a block of a size no row length divides, so rows differ), norm scales with 0
    (Gemma's RMSNorm multiplies by 1 + w). The values do not change the work a step does."""
    import torch
    from transformers import AutoModelForCausalLM

    try:
        from transformers.initialization import no_init_weights
    except ImportError:  # an older transformers: let it initialise
        no_init_weights = contextlib.nullcontext
    with torch.device(device), no_init_weights():
        model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    model.tie_weights()  # done by the initialisation that was left out
    bound = 0.02 * 3**0.5
    block = torch.empty(4_194_301, device=device, dtype=dtype).uniform_(-bound, bound)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            flat = parameter.view(-1)
            if name.endswith("norm.weight"):
                flat.zero_()
                continue
            for start in range(0, flat.numel(), block.numel()):
                end = min(flat.numel(), start + block.numel())
                flat[start:end].copy_(block[: end - start])
    return model


def load(cfg: Config, device: str, dtype: Any) -> tuple[Any, int, str]:
    """The model, its pad id and what it is."""
    if cfg.model == "270m":
        from mira_agent.train.base_model import load_model, resolve_base

        base = resolve_base(None)
        model, tokenizer = load_model(base, device=device, dtype=dtype)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        return model, pad, f"{base.label} ({base.folder().name})"
    model = build_random(gemma3_12b_config(cfg.layers), device, dtype)
    return model, 0, f"Gemma 3 12B text architecture, {cfg.layers} of 48 layers, random weights"


def trainable(model: Any, cfg: Config) -> Any:
    """As the trainer makes it trainable: checkpointing first, then the LoRA wrapper."""
    from peft import LoraConfig, get_peft_model

    if cfg.checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    config = LoraConfig(
        r=cfg.lora_r,
        lora_alpha=2 * cfg.lora_r,
        lora_dropout=0.05,
        target_modules=list(cfg.targets),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)


# -- FLOPs ---------------------------------------------------------------------------------


def causal_pairs(tokens: int, window: int | None) -> int:
    """Query-key pairs a causal attention over `tokens` computes, with a sliding window of
    `window` keys (the query's own included) or none."""
    if window is None or window >= tokens:
        return tokens * (tokens + 1) // 2
    return window * (window + 1) // 2 + (tokens - window) * window


def model_flops(
    config: Any, n_linear: int, n_lora: int, seq: int, sequences: int, action: int, full: bool
) -> dict[str, float]:
    """Model FLOPs of one training step (see the module docstring), by part."""
    c = 6 if full else 4
    tokens = seq * sequences
    attention = 0
    for kind in config.layer_types:
        window = config.sliding_window if kind == "sliding_attention" else None
        attention += 12 * config.num_attention_heads * config.head_dim * causal_pairs(seq, window)
    parts = {
        "linear": c * n_linear * tokens,
        "lora": 6 * n_lora * tokens,
        "lm_head": c * config.vocab_size * config.hidden_size * action * sequences,
        "attention": attention * sequences,
    }
    parts["total"] = sum(parts.values())
    return parts


def count_weights(model: Any) -> tuple[int, int, int]:
    """(linear weights of the decoder layers, LoRA weights, every parameter of the base)."""
    linear = lora = total = 0
    seen: set[int] = set()
    for name, parameter in model.named_parameters():
        if id(parameter) in seen:
            continue
        seen.add(id(parameter))
        if "lora_" in name:
            lora += parameter.numel()
            continue
        total += parameter.numel()
        if ".layers." in name and parameter.ndim == 2:
            linear += parameter.numel()
    return linear, lora, total


# -- memory --------------------------------------------------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class RssSampler:
    """The largest resident set size seen, sampled every `interval` seconds on a thread
    (torch releases the GIL in its kernels, so the thread runs during them)."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())


def busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has been busy (all processes), from /proc/stat."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def other_cores(before: tuple[float | None, float, float]) -> float | None:
    """How many cores other processes kept busy, on average, since `before`."""
    busy, own, wall = before
    now = busy_cpu_seconds()
    if busy is None or now is None:
        return None
    others = (now - busy) - (own_cpu_seconds() - own)
    return max(0.0, others / (time.perf_counter() - wall))


# -- one configuration ---------------------------------------------------------------------


def samples_for(cfg: Config, seq: int, action: int, vocab: int, seed: int) -> list[Any]:
    from mira_agent.train.samples import Sample

    rng = random.Random(seed)
    out = []
    for index in range(cfg.sequences):
        ids = [rng.randrange(4, vocab) for _ in range(seq)]  # 0-3: pad, eos, bos, unk
        out.append(Sample(index, 0, ids, seq - action, False))
    return out


def run_config(cfg: Config, args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from mira_agent.train.base_model import quiet_transformers
    from mira_agent.train.memory import ModelShape, estimate_bytes
    from mira_agent.train.policy import action_logprobs, collate
    from mira_agent.train.rewards import Objective, policy_loss
    from mira_agent.train.samples import micro_batches

    quiet_transformers()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    device = cfg.device
    dtype_name = args.dtype or cfg.dtype
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype_name]
    seq = args.seq or cfg.seq
    action = min(args.action_tokens, seq - 1)
    gpu = device.startswith("cuda")

    rss_start = rss_bytes()
    started = time.perf_counter()
    model, pad_id, what = load(cfg, device, dtype)
    model = trainable(model, cfg)
    model.train()
    load_s = time.perf_counter() - started
    config = model.config
    n_linear, n_lora, n_base = count_weights(model)
    attn = getattr(config, "_attn_implementation", "?")
    log(
        f"{cfg.name}: {what}; {n_base / 1e6:,.0f}M parameters, LoRA {n_lora / 1e6:.2f}M"
        f" trainable; {device} {dtype_name}, {args.threads} threads, attention {attn};"
        f" loaded in {load_s:.1f} s"
    )

    samples = samples_for(cfg, seq, action, int(config.vocab_size), seed=0)
    lengths = [len(s.ids) for s in samples]
    groups = micro_batches(range(len(samples)), lengths, args.micro_batch_tokens, None)
    count = len(samples)
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=1e-5) if cfg.optimiser else None
    reference = torch.zeros(count)
    advantage = torch.linspace(-1.0, 1.0, count)

    def step() -> torch.Tensor:
        for parameter in params:
            parameter.grad = None
        logps = []
        for group in groups:
            batch = collate([samples[i] for i in group], pad_id, device)
            logp, _counts, _ = action_logprobs(model, batch)
            ref = reference[group].to(logp.device)
            adv = advantage[group].to(logp.device)
            loss = policy_loss(logp, ref, adv, Objective("sqlogratio", 0.5)).sum()
            (loss / count).backward()
            logps.append(logp.detach())
        if optimiser is not None:
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
        return torch.cat(logps)

    if gpu:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    rss_loaded = rss_bytes()
    cpu_before = busy_cpu_seconds(), own_cpu_seconds(), time.perf_counter()
    times = []
    with RssSampler() as sampler:
        for index in range(args.warmup + args.steps):
            if gpu:
                torch.cuda.synchronize()
            began = time.perf_counter()
            logp = step()
            if gpu:
                torch.cuda.synchronize()
            seconds = time.perf_counter() - began
            if index == 0:  # realistic reference log-probabilities from then on
                order = [i for group in groups for i in group]
                reference[order] = logp.float().cpu()
            counted = index >= args.warmup
            log(f"  step {index + 1}: {seconds:.2f} s{'' if counted else ' (warm-up)'}")
            if counted:
                times.append(seconds)

    tokens = seq * count
    largest = max(max(lengths[i] for i in g) * len(g) for g in groups)
    flops = model_flops(config, n_linear, n_lora, seq, count, action, full=False)
    mean = statistics.mean(times)
    estimate = estimate_bytes(
        ModelShape.from_config(config.to_dict(), Path(cfg.name)),
        dtype_bytes=dtype.itemsize,
        trainable_fraction=0.01,
        tokens=largest,
        checkpointing=cfg.checkpointing,
    )
    result: dict[str, Any] = {
        "config": cfg.name,
        "note": cfg.note,
        "model": what,
        "device": torch.cuda.get_device_name() if gpu else f"cpu ({args.threads} threads)",
        "threads": args.threads,
        "dtype": dtype_name,
        "attention": attn,
        "measures": "optimiser step" if cfg.optimiser else "forward+backward",
        "seq": seq,
        "sequences": count,
        "action_tokens": action,
        "micro_batches": len(groups),
        "tokens_per_step": tokens,
        "lora_r": cfg.lora_r,
        "lora_targets": list(cfg.targets),
        "gradient_checkpointing": cfg.checkpointing,
        "parameters": n_base,
        "linear_weights": n_linear,
        "lora_weights": n_lora,
        "warmup_steps": args.warmup,
        "steps": len(times),
        "step_s_mean": mean,
        "step_s_min": min(times),
        "step_times_s": times,
        "tokens_per_s": tokens / mean,
        "model_flops_per_step": flops["total"],
        "model_flops_parts": {k: v for k, v in flops.items() if k != "total"},
        "achieved_tflops": flops["total"] / mean / 1e12,
        "estimate_bytes": estimate,
        "load_s": load_s,
        "other_processes_cores": other_cores(cpu_before),
    }
    if gpu:
        total = torch.cuda.get_device_properties(torch.device(device)).total_memory
        peak = torch.cuda.max_memory_allocated()
        result.update(
            memory_kind="cuda max_memory_allocated (weights included)",
            peak_bytes=peak,
            reserved_bytes=torch.cuda.max_memory_reserved(),
            total_bytes=total,
            spare_bytes=total - peak,
            peak_tflops=args.peak_tflops,
            mfu=result["achieved_tflops"] / args.peak_tflops,
        )
    else:
        result.update(
            memory_kind="sampled RSS (process: Python, torch and the model included)",
            peak_bytes=sampler.peak,
            rss_before_load_bytes=rss_start,
            rss_after_load_bytes=rss_loaded,
            train_bytes=sampler.peak - rss_start,
            ru_maxrss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            peak_tflops=None,
            mfu=None,
        )
    return result


# -- the driver ----------------------------------------------------------------------------


def child_command(name: str, args: argparse.Namespace) -> list[str]:
    command = [sys.executable, os.path.abspath(__file__), "--config", name, "--child"]
    for option in ("steps", "warmup", "threads", "seq", "action_tokens", "micro_batch_tokens"):
        value = getattr(args, option)
        if value is not None:
            command += [f"--{option.replace('_', '-')}", str(value)]
    command += ["--peak-tflops", str(args.peak_tflops)]
    if args.dtype:
        command += ["--dtype", args.dtype]
    return command


def run_isolated(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """One configuration in a fresh process: its memory figures are its own."""
    done = subprocess.run(child_command(name, args), stdout=subprocess.PIPE, text=True)
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return dict(json.loads(line[len(RESULT_MARK) :]))
    return {"config": name, "error": f"the benchmark process exited with {done.returncode}"}


def unavailable(cfg: Config) -> str | None:
    import torch

    if cfg.device.startswith("cuda") and not torch.cuda.is_available():
        return "needs a CUDA GPU, and there is none here"
    return None


def gib(value: float | None) -> str:
    return "-" if value is None else f"{value / GIB:.2f} GiB"


def table(results: list[dict[str, Any]], peak_tflops: float) -> str:
    head = (
        f"{'config':<10} {'measures':<17} {'device':<18} {'dtype':<5} {'tokens':>6}"
        f" {'mean s':>7} {'min s':>7} {'tokens/s':>9} {'TFLOP':>7} {'TFLOP/s':>8} {'MFU':>6}"
        f" {'peak mem':>10} {'train mem':>10} {'estimate':>10} {'spare':>10}"
    )
    lines = [head, "-" * len(head)]
    notes = []
    for r in results:
        if "skipped" in r or "error" in r:
            lines.append(f"{r['config']:<10} {r.get('skipped') or r['error']}")
            continue
        mfu = "-" if r["mfu"] is None else f"{100 * r['mfu']:.1f}%"
        lines.append(
            f"{r['config']:<10} {r['measures']:<17} {r['device'][:18]:<18} {r['dtype']:<5}"
            f" {r['tokens_per_step']:>6} {r['step_s_mean']:>7.2f} {r['step_s_min']:>7.2f}"
            f" {r['tokens_per_s']:>9.0f} {r['model_flops_per_step'] / 1e12:>7.3f}"
            f" {r['achieved_tflops']:>8.3f} {mfu:>6} {gib(r['peak_bytes']):>10}"
            f" {gib(r.get('train_bytes')):>10} {gib(r['estimate_bytes']):>10}"
            f" {gib(r.get('spare_bytes')):>10}"
        )
        notes.append(
            f"  {r['config']}: {r['note']}; {r['sequences']} x {r['seq']} tokens"
            f" ({r['action_tokens']} action tokens each) in {r['micro_batches']} micro-batch(es);"
            f" LoRA r={r['lora_r']} on {','.join(t[:-5] for t in r['lora_targets'])};"
            f" checkpointing {'on' if r['gradient_checkpointing'] else 'off'};"
            f" attention {r['attention']}; {r['warmup_steps']} warm-up + {r['steps']} timed"
            f" steps; peak mem = {r['memory_kind']}"
        )
        others = r.get("other_processes_cores")
        if others is not None and others > 0.25:
            notes.append(
                f"  {r['config']}: the machine was busy: other processes kept {others:.1f} of"
                f" its {os.cpu_count()} cores busy on average during the steps, so the times"
                " above are slower than this code on an idle machine"
            )
    if not notes:  # nothing was measured
        return "\n".join(lines)
    lines += ["", *notes, ""]
    lines.append(
        "TFLOP = model FLOPs per step: 4·N·tokens (LoRA, frozen base: forward 2N + backward to"
        " activations 2N; N = decoder linear weights) + 6·N_lora·tokens + 4·V·H per action"
        " token (LM head) + 12·heads·head_dim per causal query-key pair and layer (sliding"
        " layers: pairs within the window); checkpointing's recompute not counted."
    )
    lines.append(
        f"MFU = (TFLOP / mean s) / peak; peak used: {peak_tflops:g} TFLOP/s bf16 dense"
        " (--peak-tflops; 989 = H100 SXM, the targets doc uses ~800); none on a CPU."
    )
    lines.append(
        "train mem (CPU) = peak RSS − RSS before the model was loaded; estimate ="
        " estimate_bytes(trainable_fraction=0.01, tokens=the micro-batch), the trainer's guard."
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--config",
        nargs="+",
        action="extend",
        choices=list(CONFIGS),
        help=f"configurations to run (default: {' '.join(CPU_DEFAULT)})",
    )
    parser.add_argument("--steps", type=int, default=3, help="timed steps (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps first (default 1)")
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count() or 1, help="torch threads (default: all)"
    )
    parser.add_argument(
        "--seq", type=int, default=None, help="tokens per sequence (default: the config's)"
    )
    parser.add_argument(
        "--action-tokens", type=int, default=64, help="trained tokens at each sequence's end"
    )
    parser.add_argument(
        "--micro-batch-tokens", type=int, default=4096, help="tokens per forward (default 4096)"
    )
    parser.add_argument(
        "--dtype", choices=["fp32", "bf16"], default=None, help="default: the config's"
    )
    parser.add_argument(
        "--peak-tflops",
        type=float,
        default=989.0,
        help="the GPU's bf16 dense peak for MFU (default 989, an H100 SXM)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps < 1 or args.warmup < 0:
        parser.error("--steps must be at least 1 and --warmup at least 0")
    if (args.seq is not None and args.seq < 2) or args.action_tokens < 1:
        parser.error("--seq must be at least 2 and --action-tokens at least 1")
    names = list(dict.fromkeys(args.config or CPU_DEFAULT))

    if args.child:
        result = run_config(CONFIGS[names[0]], args)
        print(RESULT_MARK + json.dumps(result), flush=True)
        return 0

    results = []
    for name in names:
        cfg = CONFIGS[name]
        why = unavailable(cfg)
        if why:
            log(f"{name}: skipped: {why}")
            results.append({"config": name, "skipped": f"skipped: {why}"})
            continue
        results.append(run_isolated(name, args))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(table(results, args.peak_tflops))
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
