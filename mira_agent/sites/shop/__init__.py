"""Corner Shop: a sandbox online store with a catalogue, cart, checkout, order history
and reviews, and tasks checked against its state."""

from mira_agent.sites.shop.server import ShopSite

__all__ = ["ShopSite"]
