"""One fine-tuning phase as data: what was asked for (`PhaseSpec`), what it trains on
(`PhaseData`), everything it works with once started (`Phase`), and what it leaves
(`Result`). The trainer, the outputs and the critics all read the same `Phase`, so a
reader finds the phase's state in one place (as nanoGPT keeps its run in one file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mira_agent.store.database import EpisodeFilter, EpisodeStore
from mira_agent.train.base_model import BaseModel
from mira_agent.train.episodes import Episode
from mira_agent.train.progress import Reporter, Silent
from mira_agent.train.samples import Sample
from mira_agent.train.settings import TrainSettings
from mira_agent.train.signals import Signals

if TYPE_CHECKING:
    from mira_agent.train.policy import Reference

LABEL_SOURCES = ("checker", "judge", "user")


@dataclass(frozen=True)
class PhaseSpec:
    """What `mira finetune` (or one phase of `mira train`) is asked to do."""

    out_dir: Path
    settings: TrainSettings
    base: str | None = None  # a GGUF, a model folder, a finetune output; None: embedded
    which: EpisodeFilter | None = None  # the episodes to read; None: all of them
    sources: tuple[str, ...] = LABEL_SOURCES  # whose outcome labels count
    resume: bool = False  # continue the checkpoint in `out_dir`
    parent: str | None = None  # the `mira train` loop this phase belongs to
    number: int | None = None  # its phase number there


@dataclass
class PhaseData:
    episodes: list[Episode]
    samples: list[Sample]
    skipped: dict[str, int]  # episodes left out, by reason


@dataclass
class Phase:
    """A started phase: its run row, model, settings and folder, where it computes, and
    what it has learnt so far (the reference pass and the signals, once computed)."""

    store: EpisodeStore
    run_id: int
    model_ref: BaseModel
    settings: TrainSettings
    out_dir: Path
    device: str
    dtype: Any  # a torch dtype
    checkpointing: bool  # gradient checkpointing
    data: PhaseData
    reporter: Reporter = field(default_factory=Silent)
    resumed_from: int | None = None  # a resumed phase: the optimiser steps already taken
    reference: Reference | None = None
    signals: Signals | None = None  # None for SFT: nothing but the actions is taught


@dataclass
class Result:
    out_dir: Path
    run_id: int
    summary: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)
