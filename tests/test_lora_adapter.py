"""A trained LoRA written as llama.cpp's adapter GGUF and loaded beside the base GGUF.

What llama.cpp computes with the embedded (Q4_K_M) base and the adapter must be what
transformers computes with the same base weights (its reading of that GGUF) and the
LoRA: the adapter moves llama.cpp's logits to the LoRA model's, not elsewhere. Files that
do not fit are refused with a one-line reason before llama.cpp sees them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gguf
import numpy as np
import pytest

from mira_agent.errors import MiraError
from mira_agent.llm.adapters import AdapterError, check_adapter, is_adapter, read_adapter
from mira_agent.llm.models import EMBEDDED, default_local_model, resolve_local

torch = pytest.importorskip("torch")
peft = pytest.importorskip("peft")
llama_cpp = pytest.importorskip("llama_cpp")

pytestmark = pytest.mark.usefixtures("converted_base")

PROMPT = b"The capital of France is Paris. The capital of Germany is"
TARGETS = ["q_proj", "v_proj", "down_proj"]


@pytest.fixture(scope="module")
def base_gguf() -> Path:
    return default_local_model()


@pytest.fixture(scope="module")
def lora_model() -> Any:
    """The base model with a rank-4 LoRA whose B halves are random (a fresh LoRA's are 0,
    which would change nothing), as if trained. The LoRA is strong on purpose: llama.cpp
    quantises activations for its Q4 matmuls, which moves its logits about 0.2 from
    transformers' and reshuffles with any change to the residual stream, so a weak LoRA's
    effect would be lost in that noise."""
    from mira_agent.train.base_model import load_model, resolve_base

    model, _tokenizer = load_model(resolve_base(None), device="cpu", dtype=torch.float32)
    config = peft.LoraConfig(r=4, lora_alpha=8, target_modules=TARGETS, lora_dropout=0.0)
    wrapped = peft.get_peft_model(model, config)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, parameter in wrapped.named_parameters():
            if "lora_B" in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.05)
    return wrapped.eval()


@pytest.fixture(scope="module")
def tokens(base_gguf: Path) -> list[int]:
    vocab = llama_cpp.Llama(model_path=str(base_gguf), vocab_only=True, verbose=False)
    try:
        return vocab.tokenize(PROMPT, add_bos=True)
    finally:
        vocab.close()


@pytest.fixture(scope="module")
def adapter(lora_model: Any, base_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mira_agent.train.gguf_adapter import export_lora_adapter

    out = tmp_path_factory.mktemp("adapter") / "adapter.gguf"
    export_lora_adapter(lora_model, base_gguf, out, base_name=EMBEDDED)
    return out


def hf_logits(model: Any, tokens: list[int]) -> np.ndarray:
    with torch.no_grad():
        return model(torch.tensor([tokens])).logits[0].float().numpy()


def llama_logits(base: Path, tokens: list[int], lora: Path | None = None) -> np.ndarray:
    llm = llama_cpp.Llama(
        model_path=str(base),
        lora_path=str(lora) if lora else None,
        n_ctx=256,
        verbose=False,
        seed=0,
        logits_all=True,
    )
    try:
        llm.eval(tokens)
        return np.array(llm.scores[: len(tokens)], dtype=np.float32)
    finally:
        llm.close()


def test_llama_cpp_with_the_adapter_computes_what_the_lora_model_computes(
    lora_model: Any, adapter: Path, base_gguf: Path, tokens: list[int]
) -> None:
    with lora_model.disable_adapter():
        base = hf_logits(lora_model, tokens)
    tuned = hf_logits(lora_model, tokens)
    with_adapter = llama_logits(base_gguf, tokens, adapter)
    without = llama_logits(base_gguf, tokens)
    moved = np.abs(tuned - base).mean()
    noise = np.abs(without - base).mean()
    assert moved > 4 * noise, "the random LoRA should move the logits well past Q4 noise"
    # llama.cpp's Q4 arithmetic is not transformers' fp32, but the adapter must take it
    # most of the way from the base's logits to the LoRA model's, in the same direction.
    assert np.abs(with_adapter - tuned).mean() < 0.35 * np.abs(without - tuned).mean()
    change = np.corrcoef((with_adapter - without).ravel(), (tuned - base).ravel())[0, 1]
    assert change > 0.9


def test_the_adapter_file_is_small_and_describes_itself(adapter: Path, lora_model: Any) -> None:
    info = read_adapter(adapter)
    assert is_adapter(adapter) and info.architecture == "gemma3" and info.base == EMBEDDED
    assert info.ranks == {4} and info.alpha == pytest.approx(8.0)
    layers = lora_model.base_model.model.config.num_hidden_layers
    assert len(info.targets) == layers * len(TARGETS)
    assert "blk.0.attn_q.weight" in info.targets and "blk.0.ffn_down.weight" in info.targets
    assert adapter.stat().st_size < 5_000_000


def test_an_adapter_path_as_the_model_runs_on_its_base(adapter: Path, base_gguf: Path) -> None:
    weights = resolve_local(str(adapter))
    assert weights.model == base_gguf and weights.adapter == adapter
    assert weights.manifest == EMBEDDED  # rendered in the base's turn format


def test_the_local_backend_answers_with_the_adapter(adapter: Path) -> None:
    from mira_agent.llm.base import Message
    from mira_agent.llm.llamacpp import LocalBackend

    backend = LocalBackend(str(adapter), context=512)
    assert backend.adapter == adapter and adapter.name in backend.model
    completion = backend.complete([Message("user", "Say hello.")], max_tokens=4)
    assert completion.usage.completion_tokens > 0


# -- files that do not fit ----------------------------------------------------------------


def write_adapter(
    path: Path, arch: str = "gemma3", kind: str = "adapter", pairs: dict | None = None
) -> Path:
    writer = gguf.GGUFWriter(path, arch)
    writer.add_type(kind)
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", 8.0)
    for name, array in (pairs or {}).items():
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def zeros(*shape: int) -> np.ndarray:
    return np.zeros(shape, dtype=np.float32)


@pytest.fixture(scope="module")
def q_shape(base_gguf: Path) -> tuple[int, int]:
    from mira_agent.llm.gguf_header import read_header

    shapes = {t.name: t.shape for t in read_header(base_gguf).tensors}
    outputs, inputs = shapes["blk.0.attn_q.weight"]
    return outputs, inputs


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "no adapter file at"),
        ("not gguf", "is not a GGUF file"),
        ("a model", "is not a LoRA adapter"),
        ("llama", "an adapter for a llama model, but .* is a gemma3 model"),
        ("half", "has only its lora_a"),
        ("rank", "disagree on the rank"),
        ("width", "made for another base"),
        ("no tensor", "blk.99.attn_q.weight is not in the base"),
    ],
)
def test_an_adapter_that_does_not_fit_is_refused_in_one_line(
    case: str, message: str, tmp_path: Path, base_gguf: Path, q_shape: tuple[int, int]
) -> None:
    outputs, inputs = q_shape
    path = tmp_path / "adapter.gguf"
    good = {"blk.0.attn_q.weight.lora_a": zeros(4, inputs)}
    good["blk.0.attn_q.weight.lora_b"] = zeros(outputs, 4)
    if case == "not gguf":
        path.write_text("hello")
    elif case == "a model":
        write_adapter(path, kind="model", pairs=good)
    elif case == "llama":
        write_adapter(path, arch="llama", pairs=good)
    elif case == "half":
        write_adapter(path, pairs={"blk.0.attn_q.weight.lora_a": zeros(4, inputs)})
    elif case == "rank":
        write_adapter(path, pairs={**good, "blk.0.attn_q.weight.lora_b": zeros(outputs, 8)})
    elif case == "width":
        write_adapter(path, pairs={**good, "blk.0.attn_q.weight.lora_a": zeros(4, inputs + 1)})
    elif case == "no tensor":
        write_adapter(
            path,
            pairs={
                "blk.99.attn_q.weight.lora_a": zeros(4, 8),
                "blk.99.attn_q.weight.lora_b": zeros(8, 4),
            },
        )
    with pytest.raises(AdapterError, match=message) as raised:
        check_adapter(path, base_gguf)
    assert isinstance(raised.value, MiraError) and "\n" not in str(raised.value)


def test_a_missing_adapter_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(AdapterError, match="no adapter file at"):
        resolve_local(None, tmp_path / "nowhere.gguf")


@pytest.fixture
def no_stray_partial(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    assert not list(tmp_path.glob("*.partial"))


def test_a_model_without_lora_is_not_written_as_an_adapter(
    no_stray_partial: Path, base_gguf: Path
) -> None:
    from mira_agent.train.gguf_adapter import export_lora_adapter
    from mira_agent.train.gguf_export import GGUFExportError

    plain = torch.nn.Sequential(torch.nn.Linear(4, 4))
    with pytest.raises(GGUFExportError, match="no LoRA layers"):
        export_lora_adapter(plain, base_gguf, no_stray_partial / "a.gguf")
    assert not (no_stray_partial / "a.gguf").exists()


def test_pack_makes_the_adapter_a_model_on_its_base(adapter: Path, tmp_path: Path) -> None:
    import tomllib

    from mira_agent.llm.models import ModelInfo, model_info
    from mira_agent.train.pack import Listing, pack_adapter

    run = tmp_path / "run"
    run.mkdir()
    (run / "adapter.gguf").write_bytes(adapter.read_bytes())
    (run / "README.md").write_text("# card\n- corpus SHA-256 `abc`\n")
    packed = pack_adapter(run, "tiny-270m", tmp_path / "models", Listing("d", "compact"))
    info = ModelInfo(**tomllib.loads(packed.manifest.read_text()))
    base = model_info(EMBEDDED)
    assert base is not None
    assert (info.name, info.base, info.adapter, info.prompts) == (
        "tiny-270m",
        EMBEDDED,
        "tiny-270m.gguf",
        "compact",
    )
    assert (info.chat_format, info.context, info.package) == (
        base.chat_format,
        base.context,
        base.package,
    )
    assert packed.adapter.read_bytes() == adapter.read_bytes()
    assert "corpus SHA-256 `abc`" in packed.card.read_text()
    with pytest.raises(MiraError, match="already in"):
        pack_adapter(run, "tiny-270m", tmp_path / "models", Listing("d"))
    assert info.default is False

    # One default at a time: packing a second default beside the first is refused, and
    # repacking the default itself is not.
    pack_adapter(run, "tiny-270m", tmp_path / "models", Listing("d", default=True), overwrite=True)
    assert tomllib.loads(packed.manifest.read_text())["default"] is True
    with pytest.raises(MiraError, match=r"tiny-270m\.toml is the default"):
        pack_adapter(run, "other-270m", tmp_path / "models", Listing("d", default=True))
    pack_adapter(run, "tiny-270m", tmp_path / "models", Listing("d", default=True), overwrite=True)

    # Notes (an evaluation written after the run) follow the trainer's card, and a repack
    # without them leaves the trainer's card alone.
    notes = Listing("d", notes="## Evaluation\n\n| split | success |\n")
    card = pack_adapter(run, "tiny-270m", tmp_path / "models", notes, overwrite=True).card
    text = card.read_text()
    assert text.index("corpus SHA-256 `abc`") < text.index("## Evaluation")
    pack_adapter(run, "tiny-270m", tmp_path / "models", Listing("d"), overwrite=True)
    assert "## Evaluation" not in card.read_text()


def test_pack_with_a_missing_notes_file_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    import subprocess
    import sys

    into = tmp_path / "models"
    done = subprocess.run(
        [
            sys.executable, "-m", "mira_agent", "models", "pack", str(tmp_path / "run"),
            "--name", "tiny-270m", "--into", str(into), "--notes", str(tmp_path / "no.md"),
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert f"--notes: no file at {tmp_path / 'no.md'}" in done.stderr
    assert "Traceback" not in done.stderr and not into.exists()


def test_pack_exports_a_stopped_runs_last_checkpoint(
    lora_model: Any, adapter: Path, tmp_path: Path
) -> None:
    import json

    from mira_agent.train.pack import Listing, pack_adapter
    from mira_agent.train.settings import preset

    run = tmp_path / "run"
    lora_model.save_pretrained(run / "checkpoint" / "adapter")
    data = {"episodes": 2, "succeeded": 2, "actions": 9, "with_milestones": 2}
    data |= {"samples": 9, "tokens": 900, "corpus_sha256": "c0ffee"}
    state = {"step": 3, "base": None, "settings": preset("sft").as_dict(), "data": data}
    (run / "checkpoint" / "state.json").write_text(json.dumps(state))
    losses = [{"step": s, "loss": 4.0 - s} for s in (1, 2, 3, 4)]  # step 4 came after
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in losses))
    packed = pack_adapter(run, "curve-3", tmp_path / "models", Listing("d"))
    card = packed.card.read_text()
    assert "corpus SHA-256 `c0ffee`" in card and "checkpoint after step: 3" in card
    assert "last loss: 1" in card and "last loss: 0" not in card
    exported, reference = gguf.GGUFReader(packed.adapter), gguf.GGUFReader(adapter)
    tensors = {t.name: np.asarray(t.data) for t in reference.tensors}
    assert {t.name for t in exported.tensors} == set(tensors)
    for tensor in exported.tensors:
        np.testing.assert_allclose(np.asarray(tensor.data), tensors[tensor.name], atol=1e-6)


def test_the_default_local_model_is_mira_270m_and_its_adapter_fits_its_base() -> None:
    from mira_agent.llm.models import known_models, model_info, prompt_style, shipped_adapter

    assert [m.name for m in known_models() if m.default and m.backend == "local"] == ["mira-270m"]
    shipped = model_info("mira-270m")
    assert shipped is not None and shipped.base == EMBEDDED
    weights = resolve_local(None)
    assert weights.adapter == shipped_adapter(shipped) and weights.model == default_local_model()
    check_adapter(weights.adapter, weights.model)
    assert read_adapter(weights.adapter).base == EMBEDDED
    assert weights.adapter.stat().st_size <= 30 * 2**20
    assert prompt_style("local", None) == "compact"
    assert prompt_style("local", EMBEDDED) == "full"  # the base stays as it was
