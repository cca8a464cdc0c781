"""Episodes in SQLite: every run recorded step by step, as training needs it."""
