"""Corner Shop as a served sandbox: its data, its state, its pages and its tasks."""

from __future__ import annotations

from mira_agent.sites.base import Oracle, Task
from mira_agent.sites.serving import ServedSite
from mira_agent.sites.shop.data import ShopData
from mira_agent.sites.shop.oracle import ShopOracle
from mira_agent.sites.shop.state import ShopState
from mira_agent.sites.shop.tasks import build_tasks
from mira_agent.sites.shop.views import ShopApp


class ShopSite(ServedSite):
    """The online store sandbox: search, compare, cart, checkout, orders and reviews.

    Everything is deterministic for a given seed: the catalogue, the reviews, the
    customer's order history, the tasks and their expected answers, and the numbers
    given to new orders after `reset()`.
    """

    name = "shop"
    description = (
        "Corner Shop: search a store's catalogue, fill a cart, check out, "
        "and manage past orders and reviews."
    )

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.seed = seed
        self.data = ShopData(seed)
        self._state = ShopState(self.data)
        self.app = ShopApp(self.data, self._state)
        self._tasks: list[Task] | None = None

    @property
    def state(self) -> ShopState:
        return self._state

    def reset(self) -> None:
        """Forget searches, cart changes, orders, cancellations and reviews: a fresh
        episode on the same catalogue and history."""
        self._state.reset()

    def tasks(self) -> list[Task]:
        if self._tasks is None:
            self._tasks = build_tasks(self.data)
        return list(self._tasks)

    def oracle(self, task: Task) -> Oracle:
        """The scripted policy that solves `task` (proof that it can be solved)."""
        return ShopOracle(task)
