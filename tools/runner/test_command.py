"""`dunning test`: install the addon with its tests in a throwaway database and
report `N passed, N failed[, N skipped]`."""

import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from . import odoo_process
from .log_watch import TestWatcher, count_tests
from .postgres import private_cluster
from .progress import Progress
from .selftest import run_selftests
from .setup_env import ensure_system_packages, ensure_venv, log, warm_up_wkhtmltopdf

TEST_DB = "dunning_test"
UNINSTALL_SCRIPT = Path(__file__).with_name("uninstall_check.py")
# Modules installed with the addon: the French chart is what the addon is for.
WITH_MODULES = ("l10n_fr_account",)

START_RE = re.compile(r"odoo\.addons\.(\w+)\.tests\.[\w.]+: Starting (\S+) \.\.\.")
SKIP_RE = re.compile(r"odoo\.addons\.\w+\.tests\.[\w.]+: skipped (\S+) : (.*)")
SUMMARY_RE = re.compile(r"odoo\.tests\.result: (\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
LOG_LEVEL_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (ERROR|CRITICAL) ")
TOUR_SKIP_HINTS = ("websocket", "chrome", "chromium", "browser")


def summarize(lines):
    """Count tests from Odoo's log; the summary line is authoritative."""
    started = [m.group(2) for line in lines if (m := START_RE.search(line))]
    skipped = [(m.group(1), m.group(2)) for line in lines if (m := SKIP_RE.search(line))]
    summary = next((m for line in reversed(lines) if (m := SUMMARY_RE.search(line))), None)
    errors_logged = [line for line in lines if LOG_LEVEL_RE.match(line)]
    if summary:
        failed = int(summary.group(1)) + int(summary.group(2))
        run = int(summary.group(3))
    else:
        failed, run = 0, len(started)
    return {
        "run": run,
        "failed": failed,
        "skipped": skipped,
        "errors_logged": errors_logged,
        "has_summary": bool(summary),
    }


def run_tests(args, odoo_root):
    ensure_system_packages()
    warm_up_wkhtmltopdf()
    python = ensure_venv(odoo_root)
    # The runner's own tests first: seconds, and no point going on if they fail.
    if run_selftests(python):
        return 1
    tags = args.tags or f"/{odoo_process.MODULE}"
    started_at = time.time()
    with private_cluster(keep=args.keep_db) as cluster, odoo_process.addons_dir() as addons:
        command = [
            *odoo_process.base_command(python, odoo_root, cluster, addons),
            "-d",
            TEST_DB,
            "-i",
            ",".join([odoo_process.MODULE, *WITH_MODULES]),
            f"--test-tags={tags}",
            "--stop-after-init",
            "--log-level=info",
            "--max-cron-threads=0",
        ]
        # One log per run: several runs may share the machine.
        log_fd, log_name = tempfile.mkstemp(prefix="account_dunning-test-", suffix=".log")
        os.close(log_fd)
        log_path = Path(log_name)
        log(f"running: odoo -d {TEST_DB} -i {odoo_process.MODULE} --test-tags={tags} (log: {log_path})")
        expected = count_tests(odoo_process.REPO_ROOT / "tests", tags)
        with Progress("starting Odoo") as bar:
            watcher = TestWatcher(bar, expected)
            returncode, lines = odoo_process.run(command, log_path=log_path, echo=not args.quiet, watcher=watcher)
            bar.update(done=watcher.started)
            bar.close(f"tests, {len(watcher.failed)} failed")
        uninstall = None if args.tags else check_uninstall(python, odoo_root, cluster, addons)
    return report(returncode, lines, time.time() - started_at, uninstall)


def check_uninstall(python, odoo_root, cluster, addons):
    """Uninstall the addon from the test database; None when it went cleanly,
    else what went wrong."""
    base = odoo_process.base_command(python, odoo_root, cluster, addons)
    result = subprocess.run(
        [*base[:3], "shell", *base[3:], "-d", TEST_DB, "--no-http", "--log-level=warn"],
        input=UNINSTALL_SCRIPT.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        env=odoo_process.odoo_env(),
        check=False,
    )
    found = re.search(r"UNINSTALL_RESULT state=(\w+) tables=(\d+)", result.stdout)
    if result.returncode or not found:
        return f"uninstall failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    if found.group(1) != "uninstalled" or found.group(2) != "0":
        return f"uninstall left state={found.group(1)}, {found.group(2)} table(s)"
    log("uninstall check: module uninstalled, no table left")
    return None


def report(returncode, lines, seconds, uninstall=None):
    result = summarize(lines)
    problems = [uninstall] if uninstall else []
    if returncode:
        problems.append(f"Odoo exited with code {returncode}")
    if not result["has_summary"]:
        problems.append("Odoo printed no test summary (install or collection error?)")
    if result["errors_logged"]:
        problems.append(f"{len(result['errors_logged'])} ERROR/CRITICAL log line(s)")
    tour_skips = [s for s in result["skipped"] if any(h in s[1].lower() for h in TOUR_SKIP_HINTS)]
    if tour_skips:
        problems.append(f"{len(tour_skips)} browser tour(s) skipped")
    for test, reason in result["skipped"]:
        print(f"SKIPPED {test}: {reason}")
    for line in result["errors_logged"][:20]:
        print(f"ERROR LINE: {line[:300]}")
    failed = result["failed"]
    if problems and not failed:
        failed = 1  # count the harness failure itself so the line never says 0 failed
    skipped = len(result["skipped"])
    passed = max(result["run"] - result["failed"] - skipped, 0)
    print(f"Odoo test run took {seconds:.0f}s")
    for problem in problems:
        print(f"FAILED: {problem}")
    closing = f"{passed} passed, {failed} failed"
    if skipped:
        closing += f", {skipped} skipped"
    print(closing, flush=True)
    return 1 if (failed or problems) else 0
