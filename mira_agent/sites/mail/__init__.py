"""Postbox, the webmail sandbox site."""

from mira_agent.sites.mail.server import MailSite

__all__ = ["MailSite"]
