"""On a terminal the progress line is redrawn in place by rich."""

import importlib.util
import os
import pty
import re
import subprocess
import sys
import unittest
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[1]
HAS_RICH = importlib.util.find_spec("rich") is not None
SCRIPT = """
from runner.progress import Progress
with Progress("starting Odoo") as bar:
    bar.update(text="no count yet")
    bar.update(done=3, total=10, text="account", label="installing Odoo modules")
    bar.echo("a log line")
    bar.started -= 5
"""


def run_on_terminal(script):
    """Run `script` with its output on a pseudo-terminal; return what it drew."""
    main, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("DUNNING_PLAIN", "CI")}
    env.update(COLUMNS="120", TERM="xterm")
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=secondary, stderr=secondary, cwd=TOOLS, env=env
    ) as proc:
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(30)
    os.close(main)
    return proc.returncode, b"".join(chunks).decode(errors="replace")


@unittest.skipUnless(HAS_RICH, "rich is not installed for this Python (the runner's venv has it)")
class TestLiveProgress(unittest.TestCase):
    def test_line_redrawn_then_closed_with_its_final_position(self):
        returncode, output = run_on_terminal(SCRIPT)
        self.assertEqual(returncode, 0, output)
        self.assertIn("\x1b[", output, "drawn with terminal control sequences")
        plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output)
        self.assertIn("installing Odoo modules", plain)
        self.assertIn("3/10 account", plain)
        self.assertIn("a log line", plain)
        self.assertIn("[dunning] installing Odoo modules: 3/10 account (5s)", plain)


if __name__ == "__main__":
    unittest.main()
