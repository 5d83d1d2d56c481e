"""`dunning selftest`: the runner's own tests (tools/tests), without Odoo.

`dunning test` runs them first, with the runner's virtualenv (which has
aiosmtpd for the mail server's tests); `dunning selftest` alone uses that
virtualenv when it is already built, else the current Python (then the tests
that need aiosmtpd are skipped, and say so)."""

# A command-line program: it talks to its user with print().
# pylint: disable=print-used

import re
import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[1]
RAN_RE = re.compile(r"^Ran (\d+) tests? in ", re.MULTILINE)
COUNTS_RE = re.compile(r"(failures|errors|skipped|expected failures|unexpected successes)=(\d+)")


def run_selftests(python=None, verbose=False):
    """Run tools/tests; print `runner selftest: N passed, N failed[, N skipped]`.
    Returns 0 when all passed."""
    command = [
        str(python or sys.executable),
        "-m",
        "unittest",
        "discover",
        "-s",
        str(TOOLS / "tests"),
        "-t",
        str(TOOLS),
    ]
    if verbose:
        command.append("-v")
    done = subprocess.run(command, capture_output=True, text=True, cwd=TOOLS, check=False)
    output = done.stderr + done.stdout
    ran = RAN_RE.search(output)
    last = output.strip().splitlines()[-1] if output.strip() else ""
    counts = {name: int(value) for name, value in COUNTS_RE.findall(last)}
    run = int(ran.group(1)) if ran else 0
    failed = counts.get("failures", 0) + counts.get("errors", 0) + counts.get("unexpected successes", 0)
    skipped = counts.get("skipped", 0)
    if done.returncode and not failed:
        failed = 1  # the test run itself broke
    if verbose or failed:
        print(output, end="")
    closing = f"{max(run - failed - skipped, 0)} passed, {failed} failed"
    if skipped:
        closing += f", {skipped} skipped"
        for reason in sorted(set(re.findall(r"skipped '([^']+)'", output))):
            print(f"selftest skipped: {reason}")
    print(f"runner selftest: {closing}", flush=True)
    return 1 if failed else 0
