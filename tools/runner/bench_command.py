"""`dunning bench`: time one dunning run on a generated receivables book.

Prints, per size: (a) selection + level computation + reminders created
(time, SQL queries, records) and (b) sending rates, reminders sent per second
on the same book: letters only, email with the letter PDF, email only; with
--compare, OCA account_credit_control's credit run on a copy of the same book.
With --outcomes it times the refresh of the reminders' outcomes instead: the
book's overdue invoices get two levels of reminders and payments, then the
full refresh and nights without and with payments are timed.
With --nightly it checks the real nightly scheduled action instead (see
bench_nightly.py).
"""

import json
import os
import subprocess
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import odoo_process
from .bench_nightly import run_nightly
from .log_watch import InstallWatcher, ScriptWatcher
from .postgres import private_cluster
from .progress import Progress
from .setup_env import SetupError, ensure_system_packages, ensure_venv, log, venv_cache_dir

SCRIPT = Path(__file__).with_name("bench_script.py")
OUTCOMES_SCRIPT = Path(__file__).with_name("bench_outcomes_script.py")
HELPERS = Path(__file__).with_name("bench_shell_helpers.py")
PEER = "odoo-addon-account-credit-control>=18.0,<18.1"


def _peer_addons(python):
    """Download the peer wheel (no dependencies) and unpack its addons folder."""
    target = venv_cache_dir() / "peers"
    addons = target / "odoo" / "addons"
    if not (addons / "account_credit_control").is_dir():
        wheels = target / "wheels"
        wheels.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                python,
                "-m",
                "pip",
                "-q",
                "--disable-pip-version-check",
                "download",
                "--no-deps",
                "-d",
                str(wheels),
                PEER,
            ],
            check=True,
        )
        for wheel in wheels.glob("*.whl"):
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(target)
    return str(addons)


def _start_shell(base, db, mode, sizes):
    """Start bench_script.py in `odoo shell` (the sub-command goes first)."""
    env = dict(os.environ, BENCH_MODE=mode, BENCH_INVOICES=str(sizes[0]), BENCH_PARTNERS=str(sizes[1]))
    proc = subprocess.Popen(
        [*base[:3], "shell", *base[3:], "-d", db, "--no-http", "--log-level=warn"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    return mode, proc


def _result(started, script, label=None):
    """Feed the script, wait for its BENCH_RESULT; with a label, show the
    script's PROGRESS markers on the progress line meanwhile."""
    mode, proc = started
    if label is None:
        stdout, stderr = proc.communicate(script)
    else:
        stdout, stderr = _follow(proc, script, label)
    if os.environ.get("BENCH_PROFILE"):
        print(stdout, stderr)
    lines = [line for line in stdout.splitlines() if line.startswith("BENCH_RESULT ")]
    if proc.returncode or not lines:
        raise SetupError(f"bench {mode} failed:\n{stdout[-3000:]}\n{stderr[-8000:]}", exit_code=1)
    return json.loads(lines[-1].split(" ", 1)[1])


def _follow(proc, script, label):
    errors = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)
    reader.start()
    with Progress(label) as bar:
        watcher = ScriptWatcher(bar)
        proc.stdin.write(script)
        proc.stdin.close()
        out = [line for line in proc.stdout if not watcher.feed(line.rstrip("\n"))]
        proc.wait()
    reader.join()
    return "".join(out), "".join(errors)


def _script(script=SCRIPT):
    """The text fed to `odoo shell`: the helpers, then the script."""
    return HELPERS.read_text(encoding="utf-8") + "\n" + script.read_text(encoding="utf-8")


def _shell(base, db, mode, sizes, label=None, script=SCRIPT):
    return _result(_start_shell(base, db, mode, sizes), _script(script), label)


def _race(base, cluster, db, sizes, processes):
    """Run the same day's dunning in `processes` processes at once on a copy
    of the book; report what each created and whether any customer got two."""
    cluster.psql("postgres", f"CREATE DATABASE {db}_race TEMPLATE {db}")
    script = _script()
    started = [_start_shell(base, f"{db}_race", "race", sizes) for _index in range(processes)]
    # Feed the scripts only once every process is up, so that the runs overlap.
    with ThreadPoolExecutor(processes) as pool:
        runs = list(pool.map(lambda process: _result(process, script), started))
    check = _shell(base, f"{db}_race", "check", sizes)
    log(
        f"{processes} concurrent runs: reminders created per process {[r['reminders'] for r in runs]}, "
        f"seconds {[r['seconds'] for r in runs]}; {check['reminders']} reminders for "
        f"{check['overdue_partners']} overdue customers, {check['duplicates']} duplicate(s)"
    )
    if check["duplicates"] or check["reminders"] != check["partners"]:
        raise SetupError("concurrent runs reminded a customer twice", exit_code=1)


def _sizes(args):
    invoices = [int(x) for x in str(args.invoices).split(",")]
    partners = [int(x) for x in str(args.partners).split(",")]
    if len(partners) == 1:
        partners *= len(invoices)
    if len(partners) != len(invoices):
        raise SetupError("--invoices and --partners need the same number of comma-separated values.")
    return list(zip(invoices, partners, strict=True))


def _check_options(args):
    nightly_only = ("kill_after", "batch_size", "batches_per_call")
    if not args.nightly and any(getattr(args, name) is not None for name in nightly_only):
        raise SetupError("--kill-after, --batch-size and --batches-per-call go with --nightly.")
    if args.outcomes and (args.nightly or args.compare or args.concurrent):
        raise SetupError("--outcomes times the outcome refresh only: leave out --nightly, --compare, --concurrent.")
    if args.nightly and args.compare:
        raise SetupError("--nightly does not time the run: leave out --compare.")
    if args.concurrent is not None and args.concurrent < 1:
        raise SetupError("--concurrent needs at least 1 process.")
    if args.kill_after is not None and args.kill_after < 0:
        raise SetupError("--kill-after needs a number of seconds >= 0.")
    if args.time_cap <= 0:
        raise SetupError("--time-cap needs a number of seconds > 0.")


def _nightly(base, cluster, db, args):
    options = {
        "processes": args.concurrent or 1,
        "kill_after": args.kill_after,
        "time_cap": args.time_cap,
        "batch_size": args.batch_size,
        "batches_per_call": args.batches_per_call,
    }
    return run_nightly(base, cluster, db, options)


def run_bench(args, odoo_root):
    _check_options(args)
    ensure_system_packages()
    python = ensure_venv(odoo_root)
    extra = [_peer_addons(python)] if args.compare else []
    modules = "account_dunning" + (",account_credit_control" if args.compare else "")
    rows, broken = [], 0
    with private_cluster(keep=args.keep_db) as cluster, odoo_process.addons_dir() as addons:
        base = odoo_process.base_command(python, odoo_root, cluster, addons, extra)
        log(f"installing {modules} in the template database")
        with Progress("starting Odoo") as bar:
            returncode, _lines = odoo_process.run(
                [*base, "-d", "bench_template", "-i", modules, "--stop-after-init", "--log-level=info"],
                echo=False,
                watcher=InstallWatcher(bar),
            )
        if returncode:
            raise SetupError("module installation failed", exit_code=1)
        _shell(base, "bench_template", "setup", (0, 0), label="preparing the company")
        for invoices, partners in _sizes(args):
            db = f"bench_{invoices}"
            cluster.psql("postgres", f"CREATE DATABASE {db} TEMPLATE bench_template")
            generated = _shell(base, db, "generate", (invoices, partners), label=f"generating {invoices} invoices")
            log(f"generated {invoices} invoices / {partners} partners in {generated['seconds']} s")
            if args.nightly:
                broken += not _nightly(base, cluster, db, args)
                continue
            if args.outcomes:
                _print_outcomes(
                    _shell(base, db, "outcomes", (invoices, partners), "reminder outcomes", OUTCOMES_SCRIPT)
                )
                continue
            if args.compare:
                cluster.psql("postgres", f"CREATE DATABASE {db}_peer TEMPLATE {db}")
            if args.concurrent:
                _race(base, cluster, db, (invoices, partners), args.concurrent)
            ours = _shell(base, db, "ours", (invoices, partners), label=f"timing the dunning run ({invoices} invoices)")
            peer = (
                _shell(base, f"{db}_peer", "peer", (invoices, partners), label=f"timing the peer ({invoices} invoices)")
                if args.compare
                else None
            )
            rows.append((invoices, partners, ours, peer))
            _print_row(invoices, partners, ours, peer)
    if args.nightly:
        return 1 if broken else 0
    if args.outcomes:
        return 0
    _print_table(rows)
    return 0


def _print_row(invoices, partners, ours, peer):
    log(f"{invoices} invoices / {partners} partners: ours {json.dumps(ours)}")
    if peer:
        log(f"{invoices} invoices / {partners} partners: peer {json.dumps(peer)}")


def _print_table(rows):
    print()
    print(
        "| invoices | partners | (a) run s | (a) queries | reminders | lines | letters/s | email+letter/s |"
        " % of letters | email/s | peer s | peer queries | peer lines | speed-up |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for invoices, partners, ours, peer in rows:
        peer_cells = (
            f"{peer['seconds']} | {peer['queries']} | {peer['lines']} |"
            f" {peer['seconds'] / max(ours['seconds'], 1e-6):.0f}x"
            if peer
            else "- | - | - | -"
        )
        print(
            f"| {invoices} | {partners} | {ours['seconds']} | {ours['queries']} | {ours['reminders']} |"
            f" {ours['lines']} |"
            f" {ours['letters_per_s']} | {ours['email_letter_per_s']} |"
            f" {100 * ours['email_letter_per_s'] / max(ours['letters_per_s'], 1e-6):.0f} |"
            f" {ours['email_per_s']} | {peer_cells} |"
        )


def _print_outcomes(found):
    log(
        f"{found['lines']} reminder lines, {found['invoices_paid']} invoices paid, "
        f"{found['paid_in_window']} lines paid within their window"
    )
    print()
    print("| refresh | seconds | queries | inserted | examined | updated |")
    print("|---|---:|---:|---:|---:|---:|")
    for key, label in (
        ("full", "full (first computation)"),
        ("quiet_night", "next night, no payment"),
        ("night_with_payments", f"a night with {found['night_with_payments']['payments']} invoices paid"),
        ("same_night_again", "the same night again"),
    ):
        row = found[key]
        print(
            f"| {label} | {row['seconds']} | {row['queries']} | {row['inserted']} | {row['examined']} |"
            f" {row['updated']} |"
        )
    print()
    print("| analytics, after the refreshes | seconds | queries |")
    print("|---|---:|---:|")
    for label, row in found["analytics"].items():
        print(f"| {label} | {row['seconds']} | {row['queries']} |")
