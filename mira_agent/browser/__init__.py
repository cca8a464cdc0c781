"""The browser layer: find and launch Chromium, turn pages into text, and act on them.

This package is the only place that imports Playwright.
"""
