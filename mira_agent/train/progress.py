"""How training reports progress: a rich progress bar in the CLI, nothing in tests."""

from __future__ import annotations

from typing import Any, Protocol


class Reporter(Protocol):
    """Where progress goes: a rich progress bar in the CLI, nothing in tests."""

    def stage(self, name: str, total: int | None) -> None: ...

    def advance(self, amount: int = 1, **fields: Any) -> None: ...

    def note(self, text: str) -> None: ...


class Silent:
    def stage(self, name: str, total: int | None) -> None:
        pass

    def advance(self, amount: int = 1, **fields: Any) -> None:
        pass

    def note(self, text: str) -> None:
        pass
