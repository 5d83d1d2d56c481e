"""Where a long step is: one line updated in place on a terminal (with `rich`,
installed in the runner's virtualenv), plain lines when the output is not a
terminal (CI logs) or while `rich` is not installed yet.

    with Progress("installing modules", total=None) as bar:
        bar.update(done=12, total=80, text="account")
        bar.echo("a log line")          # printed above the live line
"""

# A command-line program: it talks to its user with print().
# pylint: disable=print-used

import os
import sys
import time
from pathlib import Path

# Plain mode: a line at most this often (seconds), plus the first and last.
PLAIN_INTERVAL = 15.0
# Plain mode: a step shorter than this (seconds) prints nothing.
QUICK = 3.0

_rich = None


def use_venv_libraries(python):
    """Make the libraries of the runner's virtualenv (same Python version as
    this one) importable here, after the system's own; then try `rich`."""
    venv = Path(python).parent.parent
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for site in (venv / "lib" / version / "site-packages", venv / "lib64" / version / "site-packages"):
        if site.is_dir() and str(site) not in sys.path:
            sys.path.append(str(site))
    return rich_available()


def rich_available():
    global _rich  # noqa: PLW0603 - imported once, when the venv has it
    if _rich is None:
        try:
            from rich import console, progress  # noqa: PLC0415

            _rich = (console, progress)
        except ImportError:
            return False
    return True


def live_output():
    """True when progress can redraw one line: a terminal and `rich`."""
    if os.environ.get("DUNNING_PLAIN") or os.environ.get("CI"):
        return False
    return sys.stdout.isatty() and rich_available()


class Progress:
    """One long step: `done` of `total` (None when unknown) and what it is on."""

    def __init__(self, label, total=None, text=""):
        self.label = label
        self.total = total
        self.done = 0
        self.text = text
        self.started = time.monotonic()
        self._last_plain = None
        self._closed = False
        self._live = None
        if live_output():
            console_mod, progress_mod = _rich
            self._live = progress_mod.Progress(
                progress_mod.SpinnerColumn(),
                progress_mod.TextColumn("[bold]{task.description}"),
                progress_mod.BarColumn(bar_width=24),
                progress_mod.TextColumn("{task.fields[count]}", markup=False),
                progress_mod.TextColumn("{task.fields[text]}", markup=False),
                progress_mod.TimeElapsedColumn(),
                console=console_mod.Console(highlight=False),
                transient=True,
            )
            self._task = self._live.add_task(label, total=total, text=text, count="")
            self._live.start()

    def __enter__(self):
        return self

    def __exit__(self, kind, _value, _traceback):
        self.close(failed=kind is not None)

    def update(self, done=None, total=None, text=None, advance=0, label=None):
        if label is not None and label != self.label:
            self.label = label
            # A new phase counts (and times) anew, and says so at once.
            self.done, self.total, self.text = 0, None, ""
            self.started = time.monotonic()
            if self._live:
                self._live.reset(self._task, description=label, count="", text="")
            else:
                print(f"[dunning] {label} ...", flush=True)
                self._last_plain = self.started
        if total is not None:
            self.total = total
        if done is not None:
            self.done = done
        self.done += advance
        if self.total is not None and self.done > self.total:
            self.total = self.done
        if text is not None:
            self.text = text
        if self._live:
            self._live.update(self._task, completed=self.done, total=self.total, text=self.text, count=self._count())
        else:
            self._plain()

    def echo(self, line):
        """Print a line of output (e.g. a log line) without breaking the live line."""
        if self._live:
            self._live.console.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            print(line, flush=True)

    def close(self, text=None, failed=False):
        if self._closed:
            return
        self._closed = True
        if text is not None:
            self.text = text
        if self._live:
            self._live.stop()
            self._live = None
        elif self._last_plain is None and time.monotonic() - self.started < QUICK:
            return  # too quick to be worth a line
        if not failed:
            position = self._position()
            where = f": {position}" if position else ""
            print(f"[dunning] {self.label}{where} ({time.monotonic() - self.started:.0f}s)", flush=True)

    # ---- plain output ----
    def _count(self):
        return f"{self.done}/{self.total}" if self.total else str(self.done or "")

    def _position(self):
        return f"{self._count()} {self.text}".strip()

    def _plain(self):
        now = time.monotonic()
        if now - (self._last_plain or self.started) < PLAIN_INTERVAL:
            return
        self._last_plain = now
        print(f"[dunning] {self.label}: {self._position()}", flush=True)
