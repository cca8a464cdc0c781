"""Corner Shop as a served sandbox: its data, its state, its pages and its tasks."""

from __future__ import annotations

from mira_agent.sites.serving import SandboxSite
from mira_agent.sites.shop.data import ShopData
from mira_agent.sites.shop.oracle import ShopOracle
from mira_agent.sites.shop.state import ShopState
from mira_agent.sites.shop.tasks import build_tasks
from mira_agent.sites.shop.templates import TEMPLATES
from mira_agent.sites.shop.views import ShopApp


class ShopSite(SandboxSite):
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
    data_class = ShopData
    state_class = ShopState
    app_class = ShopApp
    oracle_class = ShopOracle
    task_builder = staticmethod(build_tasks)
    template_table = TEMPLATES
