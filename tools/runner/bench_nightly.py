"""`dunning bench --nightly`: the real nightly scheduled action, run in
separate `odoo shell` processes on a copy of the bench book, optionally
several at once and with one of them killed (SIGKILL) and rerun; then the
guarantees are checked in the database.

Each process calls `_cron_process_overdue()` as Odoo's cron runner does (a
new call, after a commit, while the last call reported remaining work).
Mails and SMS are only queued: the copy has no outgoing mail server and its
sending queues are switched off.
"""

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from .setup_env import SetupError, log

SCRIPT = Path(__file__).with_name("nightly_script.py")
START_TIMEOUT = 300  # seconds for a shell to load the registry
KILL_GRACE = 300  # seconds past the time cap before a run is killed as hung


class NightlyRun:
    """One `odoo shell` process running the nightly action; its stdout is
    read by a thread, so that several runs (and a kill) overlap."""

    def __init__(self, label, base, db, env_vars):
        self.label = label
        self.started = threading.Event()
        self.reminder_ids = set()
        self.calls = []
        self.result = None
        self.output = []
        self.start_time = self.end_time = None
        self.killed = None
        self.proc = subprocess.Popen(
            [*base[:3], "shell", *base[3:], "-d", db, "--no-http", "--log-level=warn"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            env=dict(os.environ, **env_vars),
            start_new_session=True,  # its own process group: a kill also takes wkhtmltopdf
        )
        self.thread = threading.Thread(target=self._read, daemon=True)

    def go(self, script):
        self.thread.start()
        self.proc.stdin.write(script)
        self.proc.stdin.close()

    def _read(self):
        for line in self.proc.stdout:
            kind, _sep, payload = line.rstrip("\n").partition(" ")
            if kind == "BENCH_STARTED":
                self.start_time = time.monotonic()
                self.started.set()
            elif kind == "BENCH_BATCH":
                self.reminder_ids.update(json.loads(payload)["ids"])
            elif kind == "BENCH_CALL":
                self.calls.append(json.loads(payload))
            elif kind == "BENCH_RESULT":
                self.result = json.loads(payload)
            else:
                self.output = [*self.output[-200:], line.rstrip("\n")]
        self.proc.wait()
        self.end_time = self.end_time or time.monotonic()
        self.started.set()  # also when it died before starting

    def kill(self, reason="killed"):
        """SIGKILL the whole process group, as a crash would."""
        if self.proc.poll() is None:
            self.end_time = time.monotonic()
            self.killed = reason
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    def wait(self, timeout):
        self.thread.join(timeout)
        if self.thread.is_alive():
            self.kill("hung, killed")
            self.thread.join(30)
        return self

    def seconds(self):
        if self.start_time is None or self.end_time is None:
            return None
        return round(self.end_time - self.start_time, 1)

    def status(self):
        if self.killed:
            return self.killed
        if self.result:
            return self.result["status"]
        return f"crashed (exit code {self.proc.returncode})"

    def summary(self):
        errors = [c["error"] for c in self.calls if c.get("error")]
        text = (
            f"{self.label}: {self.status()}, {self.seconds()} s, {len(self.calls)} call(s), "
            f"{len(self.reminder_ids)} reminder(s) created"
        )
        return text + (f"; failed call(s): {errors}" if errors else "")


def _shell_result(base, db, mode):
    """Run nightly_script.py once in `mode` and return its BENCH_RESULT."""
    run = NightlyRun(mode, base, db, {"BENCH_MODE": mode})
    run.go(SCRIPT.read_text(encoding="utf-8"))
    run.wait(START_TIMEOUT + 600)
    if not run.result:
        tail = "\n".join(run.output[-60:])
        raise SetupError(f"bench {mode} failed:\n{tail}", exit_code=1)
    return run.result


def _state_counts(cluster, db):
    rows = cluster.psql(db, "SELECT state, count(*) FROM account_dunning_reminder GROUP BY state ORDER BY state")
    return {state: int(count) for state, count in (line.split("|") for line in rows.splitlines() if line)}


def run_nightly(base, cluster, db, options):
    """Run the nightly check on a copy of `db`; returns True when every
    guarantee holds.  `options`: processes, kill_after, time_cap,
    batch_size, batches_per_call."""
    copy = f"{db}_nightly"
    cluster.psql("postgres", f"CREATE DATABASE {copy} TEMPLATE {db}")
    setup = _shell_result(base, copy, "nightly_setup")
    log(f"nightly: mail servers disabled {setup['mail_servers_disabled']}, queues off {setup['crons_disabled']}")
    env_vars = {"BENCH_MODE": "nightly", "BENCH_TIME_CAP": str(options["time_cap"])}
    for name in ("batch_size", "batches_per_call"):
        if options.get(name):
            env_vars[f"BENCH_{name.upper()}"] = str(options[name])
    script = SCRIPT.read_text(encoding="utf-8")
    hard_limit = START_TIMEOUT + options["time_cap"] + KILL_GRACE
    runs = []
    try:
        runs = [NightlyRun(f"run {i + 1}", base, copy, env_vars) for i in range(options["processes"])]
        # Feed the scripts only once every process is up, so that the runs overlap.
        for run in runs:
            run.go(script)
        log(f"nightly: {len(runs)} run(s) started at once")
        before_rerun = None
        if options["kill_after"] is not None:
            victim = runs[0]
            victim.started.wait(START_TIMEOUT)
            victim.thread.join(options["kill_after"])
            if victim.proc.poll() is None:
                victim.kill()
                log(f"nightly: {victim.label} killed with SIGKILL after {victim.seconds()} s")
            else:
                log(f"nightly: WARNING {victim.label} ended before the kill ({victim.seconds()} s): nothing killed")
            for run in runs:
                run.wait(hard_limit)
            before_rerun = _state_counts(cluster, copy)
            log(f"nightly: reminders per state before the rerun {before_rerun}")
            rerun = NightlyRun("rerun", base, copy, env_vars)
            runs.append(rerun)
            rerun.go(script)
        for run in runs:
            run.wait(hard_limit)
    finally:
        for run in runs:
            run.kill("interrupted, killed")
    for run in runs:
        if run.result is None and not run.killed:
            log(f"nightly: {run.label} output:\n" + "\n".join(run.output[-40:]))
        elif any(call.get("error") for call in run.calls):
            # Where the failed call stopped, in the addon's code.
            frames = [
                'File "' + line.split("/account_dunning/", 1)[1]
                for line in run.output
                if "/account_dunning/" in line and "File " in line
            ]
            log(f"nightly: {run.label} failed in:\n  " + "\n  ".join(frames[-4:]))
    check = _shell_result(base, copy, "nightly_check")
    return _report(runs, check, before_rerun)


def _report(runs, check, before_rerun):
    created = [len(run.reminder_ids) for run in runs]
    attributed = set().union(*(run.reminder_ids for run in runs))
    overlap = sum(created) - len(attributed)
    states = {state: check["states"].get(state, 0) for state in ("sent", "failed", "to_send", "to_validate")}
    others = {k: v for k, v in check["states"].items() if k not in states}
    not_queued = sum(n for state, n in check["mail_states"].items() if state != "outgoing")
    for run in runs:
        log(f"nightly: {run.summary()}")
    log(f"nightly: reminders per process {dict(zip([r.label for r in runs], created, strict=True))}")
    log(
        f"nightly: wall time per run (s) {dict(zip([r.label for r in runs], [r.seconds() for r in runs], strict=True))}"
    )
    log(
        f"nightly: reminders in total {check['reminders']}, per state {states}"
        + (f", other states {others}" if others else "")
    )
    log(
        f"nightly: {check['overdue_customers']} overdue customers, {check['overdue_without_reminder']} of them "
        f"without a live reminder today; {len(set(check['ids']) - attributed)} reminder(s) not attributed to a "
        f"process; {check['mails']} mail(s) queued, per state {check['mail_states']}; "
        f"reminders with more than one letter: {check['multi_letter']}"
    )
    guarantees = {
        "customers with more than one live reminder the same day": check["duplicate_customers"],
        "reminders with more than one outgoing mail": check["multi_mail"],
        "reminders left 'to_send'" + (" after the rerun" if before_rerun is not None else ""): states["to_send"],
        "mails not left queued (sent or tried)": not_queued,
        "reminders created by two processes": overlap,
        "overdue customers without a reminder today": check["overdue_without_reminder"],
        "reminders failed (the bench book is valid)": states["failed"],
        "runs that crashed or whose calls failed (not killed)": sum(
            1 for run in runs if not run.killed and (run.status() != "done" or any(c.get("error") for c in run.calls))
        ),
    }
    broken = 0
    for name, count in guarantees.items():
        verdict = "ok" if count == 0 else "BROKEN"
        broken += count != 0
        log(f"nightly check: {name}: {count} (must be 0) {verdict}")
    log(f"nightly check: {'all guarantees hold' if not broken else f'{broken} guarantee(s) broken'}")
    return not broken
