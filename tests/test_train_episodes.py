"""Episodes read back as training data: exact prompts and completions per step, the
states where milestones were completed, outcome labels, and a count of what was left out."""

from __future__ import annotations

from pathlib import Path

from mira_agent.store.database import EpisodeFilter, EpisodeStore
from mira_agent.train.episodes import completion_states, load_episodes
from mira_agent.train.rewards import progress_labels
from tests.helpers import oracle_episode
from tests.test_store import recorder_of, synthetic_run


def test_completion_states_come_from_the_progress_vectors() -> None:
    rows = [
        {"progress": [False, False], "progress_after": [False, False]},
        {"progress": [False, False], "progress_after": [True, False]},
        {"progress": [True, False], "progress_after": [True, False]},
        {"progress": [True, False], "progress_after": [True, True]},
    ]
    assert completion_states(rows, 2) == [2, 4]
    assert completion_states(rows[:2], 2) == [2, None]
    assert completion_states([], 2) == [None, None]


def test_oracle_demonstrations_load_with_their_milestones_and_outcome(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    task, result = oracle_episode(db, "flights-price-cheapest-atl-dfw", milestones="site")
    store = EpisodeStore(db)
    synthetic_run(recorder_of(store), 2, "unlabelled")  # ended by a guard: no label
    loaded = load_episodes(store)
    (episode,) = loaded.episodes
    assert loaded.skipped == {"no outcome label": 1}
    assert episode.outcome == 1.0 and episode.label_source == "checker"
    assert len(episode.steps) == result.steps and episode.milestones == len(task.milestones)
    assert episode.steps[0].messages[-1]["role"] == "user"
    assert '"action"' in episode.steps[0].completion
    # Every milestone completed, in order, and the potential targets climb to 1.
    states = episode.completions
    assert None not in states and states == sorted(states)
    labels = progress_labels(episode.states, states, episode.milestones)
    assert labels[0] == 0.0 and labels[-1] == 1.0 and labels == sorted(labels)
    only_users = load_episodes(store, EpisodeFilter(), sources=("user",))
    assert not only_users.episodes and only_users.skipped["label from checker"] == 1
