"""Shop sandbox site (being built)."""
