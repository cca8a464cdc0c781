"""Webmail sandbox site (being built)."""
