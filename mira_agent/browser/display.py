"""Decide whether a visible browser can be shown, and start a virtual display when asked.

mira is headed by default (the user watches the agent). On a machine with no
display it says so and runs headless, or runs under Xvfb when asked (``--xvfb``),
which is also how the tests exercise the headed path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

from mira_agent.errors import DisplayError


def has_display(env: dict[str, str] | None = None) -> bool:
    """True where a headed browser has somewhere to draw."""
    env = os.environ if env is None else env
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


@dataclass
class VirtualDisplay:
    """An Xvfb server we started; `display` is the value for DISPLAY (":99")."""

    display: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> VirtualDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_xvfb(size: tuple[int, int] = (1280, 900), timeout: float = 10.0) -> VirtualDisplay:
    """Start Xvfb on a free display number and return once it accepts clients.

    ``-displayfd`` makes Xvfb pick the number and write it to a pipe when ready,
    which avoids both races on display numbers and sleeping.
    """
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise DisplayError(
            "Xvfb not found: install it (`sudo apt-get install xvfb`) or drop --xvfb"
        )
    read_fd, write_fd = os.pipe()
    screen = f"{size[0]}x{size[1]}x24"
    process = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", screen, "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        number = _read_display_number(read_fd, timeout)
    finally:
        os.close(read_fd)
    if number is None:
        process.kill()
        process.wait()
        raise DisplayError(f"Xvfb did not start within {timeout:.0f} s")
    return VirtualDisplay(f":{number}", process)


def _read_display_number(fd: int, timeout: float) -> str | None:
    import select

    data = b""
    while not data.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return None
        chunk = os.read(fd, 64)
        if not chunk:
            return None
        data += chunk
    return data.strip().decode() or None
