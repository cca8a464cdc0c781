"""Forum sandbox site (being built)."""
