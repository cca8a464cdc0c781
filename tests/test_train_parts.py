"""The training pieces that need no model: settings, samples and batching, per-action
signals, the memory estimate, the model card and the calibration bins."""

from __future__ import annotations

import pytest

from mira_agent.errors import UsageError
from mira_agent.train.card import model_card
from mira_agent.train.episodes import Episode, Step
from mira_agent.train.memory import GIB, ModelShape, estimate_bytes, is_out_of_memory
from mira_agent.train.plots import calibration
from mira_agent.train.rewards import advantages, returns
from mira_agent.train.samples import build_samples, micro_batches, optimiser_steps
from mira_agent.train.settings import preset
from mira_agent.train.signals import action_advantages, critic_targets


def episode(steps: int, outcome: float, completions: list[int | None], total: int) -> Episode:
    return Episode(
        episode_id=1,
        task_id="t",
        outcome=outcome,
        label_source="checker",
        steps=[Step([{"role": "user", "content": f"s{i}"}], f"a{i}") for i in range(steps)],
        completions=completions,
        milestones=total,
    )


# -- settings ---------------------------------------------------------------------------


def test_presets_set_the_ablations_and_overrides_win() -> None:
    assert preset("mira").use_potential and preset("mira").objective == "sqlogratio"
    assert not preset("webrl").use_potential
    assert preset("awr").objective == "awr"
    assert preset("sft").epochs == 3
    assert preset("mira", use_potential=False).use_potential is False
    assert preset("mira", epochs=None).epochs == 1  # None leaves the preset
    assert preset("mira").lr == 1e-5 and preset("mira", lora=False).lr == 1e-6
    assert preset("sft").lr == 1e-4 and preset("sft", learning_rate=3e-4).lr == 3e-4


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"advantage": "gae"}, "--advantage"),
        ({"objective": "ppo"}, "--objective"),
        ({"gamma": 0.0}, "--gamma"),
        ({"beta": -1.0}, "--beta"),
        ({"max_tokens": 8192, "micro_batch_tokens": 4096}, "--max-tokens"),
        ({"load_4bit": True, "lora": False}, "LoRA"),
        ({"batch_size": 0}, "--batch-size"),
    ],
)
def test_settings_that_cannot_work_are_refused(overrides: dict, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        preset("mira", **overrides)


def test_an_unknown_algo_is_refused() -> None:
    with pytest.raises(UsageError, match="--algo"):
        preset("ppo")


# -- samples ----------------------------------------------------------------------------


class CharTokenizer:
    """One token per character: enough to check what is kept and what is cut."""

    chat_template = None
    eos_token = "$"

    def __call__(self, text: str, add_special_tokens: bool = True) -> dict:
        return {"input_ids": [ord(c) for c in text]}


def test_samples_keep_the_action_and_the_prompts_both_ends_and_cut_its_middle() -> None:
    from mira_agent.train.samples import Renderer

    renderer = Renderer(CharTokenizer(), "gemma3_text")
    data = [episode(2, 1.0, [1], 1)]
    full = build_samples(data, renderer, 10_000)
    assert [s.step for s in full] == [0, 1] and not any(s.truncated for s in full)
    text = "".join(chr(i) for i in full[0].ids)
    assert text.startswith("<bos><start_of_turn>user\ns0<end_of_turn>\n<start_of_turn>model\n")
    assert text[full[0].prompt_len :] == "a0<end_of_turn>"
    cut = build_samples(data, renderer, 40)
    assert all(len(s.ids) == 40 and s.truncated for s in cut)
    prompt = full[0].ids[: full[0].prompt_len]
    kept = cut[0].ids[: cut[0].prompt_len]
    # 40 tokens less the 15 of the answer: the prompt's first 12 and its last 13.
    assert kept == prompt[:12] + prompt[-13:]
    assert "".join(chr(i) for i in kept) == "<bos><start_f_turn>model\n"
    assert "".join(chr(i) for i in cut[0].ids[cut[0].prompt_len :]) == "a0<end_of_turn>"


def test_cut_middle_keeps_a_prompt_that_fits_and_both_ends_of_one_that_does_not() -> None:
    from mira_agent.train.samples import cut_middle

    ids = list(range(10))
    assert cut_middle(ids, 10) == ids
    assert cut_middle(ids, 5) == [0, 1, 7, 8, 9]
    assert cut_middle(ids, 1) == [9]


def test_a_tokenizer_without_a_template_is_refused_for_other_models() -> None:
    from mira_agent.errors import MiraError
    from mira_agent.train.samples import Renderer

    with pytest.raises(MiraError, match="no chat template"):
        Renderer(CharTokenizer(), "llama")


def test_micro_batches_stay_within_the_token_budget_and_cover_everything() -> None:
    lengths = [100, 900, 120, 400, 380, 1000, 50]
    groups = micro_batches(range(len(lengths)), lengths, 1000, seed=3)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    for group in groups:
        assert max(lengths[i] for i in group) * len(group) <= 1000 or len(group) == 1
    assert groups == micro_batches(range(len(lengths)), lengths, 1000, seed=3)
    assert len(micro_batches(range(3), [10, 10, 10], 1000, None)) == 1
    assert micro_batches(range(3), [10, 10, 10], 1000, None, max_size=2) == [[0, 1], [2]]


def test_optimiser_steps_gather_micro_batches_to_the_batch_size() -> None:
    steps = list(optimiser_steps([[0, 1], [2], [3, 4, 5], [6]], batch_size=3))
    assert steps == [[[0, 1], [2]], [[3, 4, 5]], [[6]]]


# -- signals ----------------------------------------------------------------------------


def test_the_action_that_completes_a_task_is_not_charged_the_potential_it_leaves() -> None:
    settings = preset("mira", gamma=1.0, advantage="td")
    won = episode(2, 1.0, [1, 2], 2)
    values = [0.5, 1.0]  # a calibrated value critic: the last state surely wins
    potentials = [0.0, 0.5]
    got, rewards = action_advantages([won], values, potentials, settings)
    assert rewards == pytest.approx([0.5, 1.5])  # 1 + (1.0 − 0.5): the last milestone too
    assert got == pytest.approx([1.0, 0.5])  # both positive: this episode is a good one


def test_critic_targets_discount_the_outcome_and_label_progress() -> None:
    settings = preset("mira", gamma=0.5)
    won = episode(3, 1.0, [1, 3], 2)
    lost = episode(2, 0.0, [1, None], 2)
    targets = critic_targets([won, lost], settings)
    assert targets.value == [0.25, 0.5, 1.0, 0.0, 0.0]
    assert targets.potential[:3] == [0.0, 0.5, pytest.approx(0.75)]
    assert targets.potential[3:] == [0.0, 0.5]
    # Only successful episodes teach the potential critic, unless asked otherwise.
    assert targets.potential_used == [True] * 3 + [False] * 2
    assert all(critic_targets([won, lost], preset("mira", potential_data="all")).potential_used)


def test_without_potentials_the_advantage_is_webrls_on_the_sparse_reward() -> None:
    settings = preset("webrl", gamma=0.9, lam=0.5)
    won = episode(3, 1.0, [None], 1)
    values = [0.2, 0.4, 0.7]
    got, rewards = action_advantages([won], values, None, settings)
    sparse = [0.0, 0.0, 1.0]
    assert rewards == sparse
    assert got == pytest.approx(
        advantages(sparse, returns(sparse, 0.9), [*values, 0.0], 0.9, 0.5, "mixed")
    )


def test_potentials_raise_the_advantage_of_the_action_that_completes_a_milestone() -> None:
    settings = preset("mira", gamma=1.0, advantage="td")
    lost = episode(3, 0.0, [2, None], 2)
    flat_values = [0.0, 0.0, 0.0]
    potentials = [0.0, 0.0, 0.5]  # the critic sees the milestone done in s_2
    got, rewards = action_advantages([lost], flat_values, potentials, settings)
    # The last page shows one milestone of two: the terminal potential is its label.
    assert rewards == pytest.approx([0.0, 0.5, 0.0])
    assert got[1] > got[0] and got[1] > 0
    sparse, _ = action_advantages([lost], flat_values, None, settings)
    assert sparse == [0.0, 0.0, 0.0]  # a failure with sparse rewards teaches nothing here


# -- memory guard -----------------------------------------------------------------------


def gemma3_12b() -> ModelShape:
    return ModelShape(hidden=3840, layers=48, inner=15360, vocab=262_208)


def test_the_memory_estimate_separates_what_fits_from_what_cannot() -> None:
    lora = estimate_bytes(
        gemma3_12b(), dtype_bytes=2, trainable_fraction=0.01, tokens=4096, checkpointing=True
    )
    full = estimate_bytes(
        gemma3_12b(), dtype_bytes=4, trainable_fraction=1.0, tokens=4096, checkpointing=False
    )
    assert 20 * GIB < lora < 60 * GIB  # a 12B model in bf16 with LoRA fits an 80 GB card
    assert full > 150 * GIB  # full fp32 fine-tuning of it does not
    four_bit = estimate_bytes(
        gemma3_12b(),
        dtype_bytes=2,
        trainable_fraction=0.01,
        tokens=4096,
        checkpointing=True,
        four_bit=True,
    )
    assert four_bit < 24 * GIB < lora


def test_out_of_memory_errors_are_recognised() -> None:
    assert is_out_of_memory(MemoryError())
    assert is_out_of_memory(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert is_out_of_memory(RuntimeError("DefaultCPUAllocator: can't allocate memory"))
    assert not is_out_of_memory(RuntimeError("shape mismatch"))


# -- card and plots ---------------------------------------------------------------------


def test_the_model_card_names_base_method_data_and_every_setting() -> None:
    settings = preset("webrl", beta=0.25)
    data = {
        "episodes": 4,
        "succeeded": 1,
        "actions": 9,
        "with_milestones": 4,
        "skipped": {"no outcome label": 2},
    }
    card = model_card("gemma3-270m", settings, data, {"last_loss": 0.5}, {"gguf": "model.gguf"})
    assert card.startswith("# gemma3-270m, fine-tuned by mira (webrl)")
    assert "potential critic off" in card and "4 (1 succeeded)" in card
    assert "2 (no outcome label)" in card and "| beta | 0.25 |" in card
    assert "mira run --actor local --model DIR/model.gguf" in card


def test_calibration_bins_average_predictions_and_targets() -> None:
    bins = calibration([0.05, 0.15, 0.9, 0.95], [0.0, 1.0, 1.0, 1.0], bins=5)
    assert bins == [(pytest.approx(0.1), 0.5, 2), (pytest.approx(0.925), 1.0, 2)]


def test_critics_are_judged_on_episodes_they_were_not_fitted_on() -> None:
    """Features that carry the outcome: the held-out value critic must beat a coin."""
    torch = pytest.importorskip("torch")
    from mira_agent.train.critics import held_out_calibration
    from mira_agent.train.phase import PhaseData
    from mira_agent.train.samples import Sample

    episodes = [episode(3, float(i % 2), [1, None], 2) for i in range(10)]
    samples = [Sample(e, s, [1, 2, 3], 2, False) for e in range(10) for s in range(3)]
    torch.manual_seed(0)
    features = torch.randn(len(samples), 16)
    for index, sample in enumerate(samples):
        features[index, 0] += 3.0 * episodes[sample.episode].outcome  # the tell
    data = PhaseData(episodes, samples, {})
    settings = preset("mira", potential_data="all", critic_epochs=150)
    held = held_out_calibration(data, features, critic_targets(episodes, settings), settings)
    assert held is not None
    assert held.metrics["states"] == 6  # episodes 4 and 9, three states each
    g = settings.gamma
    assert held.value_targets == pytest.approx([0.0, 0.0, 0.0, g * g, g, 1.0])  # 4 failed, 9 won
    assert len(held.values) == 6 and all(0 <= v <= 1 for v in held.values)
    assert held.metrics["value_bce"] < 0.69  # better than predicting 0.5
    assert "potential_mse" in held.metrics
    few = PhaseData(episodes[:4], samples[:12], {})
    assert (
        held_out_calibration(few, features[:12], critic_targets(episodes[:4], settings), settings)
        is None
    )


def test_the_corpus_digest_changes_with_any_token_and_only_then() -> None:
    from mira_agent.train.outputs import corpus_digest
    from mira_agent.train.samples import Sample

    samples = [Sample(0, 0, [2, 10, 11, 12], 3, False), Sample(1, 0, [2, 20, 21], 2, False)]
    same = [Sample(5, 3, [2, 10, 11, 12], 3, False), Sample(9, 1, [2, 20, 21], 2, False)]
    assert corpus_digest(samples) == corpus_digest(same)  # db ids do not matter
    one_token = [samples[0], Sample(1, 0, [2, 20, 22], 2, False)]
    other_split = [samples[0], Sample(1, 0, [2, 20, 21], 1, False)]
    other_role = [samples[0], Sample(1, 0, [2, 20, 21], 2, False, role="checker")]
    digests = {corpus_digest(s) for s in (samples, one_token, other_split, other_role)}
    assert len(digests) == 4
    assert corpus_digest(samples[::-1]) != corpus_digest(samples)


def test_auto_dtype_takes_bf16_on_a_cpu_only_for_sft_with_bf16_instructions(tmp_path) -> None:
    import torch

    from mira_agent.train.base_model import cpu_flags, pick_dtype

    zen4 = frozenset({"avx2", "avx512f", "avx512_bf16"})
    older = frozenset({"avx2", "avx512f"})
    assert pick_dtype("auto", "cpu", sft=True, flags=zen4) is torch.bfloat16
    assert pick_dtype("auto", "cpu", sft=True, flags=older) is torch.float32
    assert pick_dtype("auto", "cpu", sft=False, flags=zen4) is torch.float32  # the RL update
    assert pick_dtype("auto", "cuda", sft=False, flags=older) is torch.bfloat16
    assert pick_dtype("fp32", "cpu", sft=True, flags=zen4) is torch.float32

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 amx_bf16 amx_tile\n")
    assert "amx_bf16" in cpu_flags(cpuinfo)
    assert cpu_flags(tmp_path / "absent") == frozenset()
