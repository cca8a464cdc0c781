"""The errors mira reports to its user.

Each one carries a message a person can act on and the exit code the CLI returns.
The CLI catches `MiraError` once and prints its message on one line; anything else
is a bug and shows a traceback only with `--debug`.
"""

from __future__ import annotations


class MiraError(Exception):
    """An error the user can do something about."""

    exit_code: int = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(MiraError):
    """Bad input on the command line or in a configuration file."""

    exit_code = 2


class BrowserNotFoundError(MiraError):
    """No Chromium could be found to drive."""

    exit_code = 2


class BrowserError(MiraError):
    """The browser could not be started, or died under us."""

    exit_code = 3


class DisplayError(MiraError):
    """A virtual display was asked for and could not be started."""

    exit_code = 3


class SiteError(MiraError):
    """A sandbox site is unknown or could not be served."""

    exit_code = 2
