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


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM): it unwinds as Ctrl-C does, so that
    everything already logged is kept, but is reported as terminated, not as Ctrl-C."""


def interruption(exc: KeyboardInterrupt) -> str:
    """What stopped the run, in the words its episode or training run records."""
    if isinstance(exc, Terminated):
        return "terminated (SIGTERM)"
    return "interrupted by the user (Ctrl-C)"


def interruption_code(exc: KeyboardInterrupt) -> int:
    """The shell's exit code for the signal: 128 + SIGTERM's 15, or + SIGINT's 2."""
    return 143 if isinstance(exc, Terminated) else 130


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name if it has none): a
    third-party error, reduced to what fits in a one-line `mira: error:`."""
    text = str(exc).strip().splitlines()
    return text[0].strip() if text else type(exc).__name__
