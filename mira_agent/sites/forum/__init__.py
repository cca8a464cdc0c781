"""Commons, the discussion forum sandbox site."""

from mira_agent.sites.forum.server import ForumSite

__all__ = ["ForumSite"]
