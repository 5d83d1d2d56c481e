"""`dunning demo`: build a demo database (French company, customers, overdue
invoices) in a persistent private cluster, and serve it with `--serve`.

The cluster lives in the system's temporary folder, not in the user's home:
when the runner is started as root, the PostgreSQL server runs as an
unprivileged user that must be able to reach it.
"""

# A command-line program: it talks to its user with print().
# pylint: disable=print-used

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from . import odoo_process
from .log_watch import InstallWatcher, ScriptWatcher
from .mail_sink import MailSink
from .postgres import private_cluster
from .progress import Progress
from .setup_env import SetupError, ensure_system_packages, ensure_venv, log

DEMO_DB = "dunning_demo"
WITH_MODULES = ("l10n_fr_account",)
DEMO_ROOT = Path(tempfile.gettempdir()) / "account_dunning-demo"
DEMO_LOG = Path(tempfile.gettempdir()) / "account_dunning-demo.log"
DATA_SCRIPT = Path(__file__).with_name("demo_data.py")
CUSTOMER_SCRIPT = Path(__file__).with_name("demo_customer_script.py")
EXPERIMENT_SCRIPT = Path(__file__).with_name("demo_experiment_script.py")
MAIL_SCRIPT = Path(__file__).with_name("demo_mail_script.py")
SCREENSHOT_SCRIPT = Path(__file__).with_name("screenshot_script.py")
LOG_TAIL_LINES = 40


def run_demo(args, odoo_root):
    if args.clean:
        return clean()
    ensure_system_packages()
    python = ensure_venv(odoo_root)
    if args.serve:
        _check_port_free(args.port)
    started_at = time.time()
    with private_cluster(root=str(DEMO_ROOT)) as cluster, odoo_process.addons_dir() as addons:
        base = odoo_process.base_command(python, odoo_root, cluster, addons)
        if not (args.serve or args.screenshots) or not _database_exists(cluster):
            build(cluster, base)
            send_mails(cluster, base, python)
            log(f"demo database built in {time.time() - started_at:.0f}s")
        else:
            update(cluster, base)
        if args.screenshots:
            return screenshots(base, python)
        if args.serve:
            return serve(base, args.port, python)
    print_how_to_open(args.port)
    return 0


def clean():
    if not DEMO_ROOT.exists():
        log(f"no demo cluster to delete ({DEMO_ROOT})")
        return 0
    if _server_running(DEMO_ROOT / "data"):
        raise SetupError("The demo cluster is in use (is `dunning demo --serve` running?). Stop it first.", exit_code=1)
    shutil.rmtree(DEMO_ROOT)
    log(f"deleted the demo cluster {DEMO_ROOT}")
    return 0


def build(cluster, base):
    """(Re)create the demo database: install the addon, then load the demo data."""
    cluster.psql("postgres", f'DROP DATABASE IF EXISTS "{DEMO_DB}" WITH (FORCE)')
    shutil.rmtree(DEMO_ROOT / "filestore" / "filestore" / DEMO_DB, ignore_errors=True)
    DEMO_LOG.write_text("", encoding="utf-8")

    modules = ",".join([odoo_process.MODULE, *WITH_MODULES])
    log(f"installing {modules} in {DEMO_DB} (a few minutes; log: {DEMO_LOG})")
    command = [
        *base,
        "-d",
        DEMO_DB,
        "-i",
        modules,
        "--stop-after-init",
        "--max-cron-threads=0",
        "--log-level=info",
    ]
    with Progress("starting Odoo") as bar:
        returncode, lines = odoo_process.run(command, log_path=DEMO_LOG, echo=False, watcher=InstallWatcher(bar))
    if returncode:
        _fail(cluster, "installing the addon", returncode, lines)

    # The letters go to ./out of the directory the command was started from.
    os.environ["DUNNING_DEMO_OUT"] = str(out_dir())
    returncode, lines = _shell_script(base, DATA_SCRIPT, "loading the demo data")
    if returncode:
        _fail(cluster, "loading the demo data", returncode)  # its output is already on screen
    returncode, lines = _shell_script(base, CUSTOMER_SCRIPT, "loading the customers' answers")
    if returncode:
        _fail(cluster, "loading the customers' answers", returncode)
    returncode, lines = _shell_script(base, EXPERIMENT_SCRIPT, "loading the letter experiments")
    if returncode:
        _fail(cluster, "loading the letter experiments", returncode)


def update(cluster, base):
    """Bring the kept demo database up to the addon's current code (new
    models, views, rights), as `-u` does on a server after an upgrade."""
    log(f"updating {odoo_process.MODULE} in the kept demo database (log: {DEMO_LOG})")
    command = [*base, "-d", DEMO_DB, "-u", odoo_process.MODULE, "--stop-after-init", "--max-cron-threads=0"]
    with Progress("updating the addon") as bar:
        returncode, lines = odoo_process.run(command, log_path=DEMO_LOG, echo=False, watcher=InstallWatcher(bar))
    if returncode:
        _fail(cluster, "updating the addon", returncode, lines)


def out_dir():
    return Path.cwd() / "out"


def send_mails(cluster, base, python):
    """Send the reminders queued by the demo through the local mail server
    into ./out/mails (emptied first), as Odoo's mail queue would."""
    mails = out_dir() / "mails"
    for old in mails.glob("*.eml"):
        old.unlink()
    with MailSink(python, mails) as sink:
        returncode, _lines = _shell_script(
            base, MAIL_SCRIPT, "sending the queued mails", DEMO_MAIL_PORT=str(sink.port), DEMO_MAIL_SEND="1"
        )
    if returncode:
        _fail(cluster, "sending the demo's mails", returncode)
    with_pdf = sum(1 for _path, attachments in sink.mails if attachments)
    log(f"{sink.count} mails sent by Odoo are in {_relative(mails)}/ ({with_pdf} reminders with their letter PDF)")


def screenshots(base, python):
    """Serve the demo on a free local port and let headless Chromium take the
    README screenshots into static/description/."""
    port = odoo_process.free_port()
    command = [_with_port(arg, port) for arg in base]
    command += ["-d", DEMO_DB, f"--db-filter=^{DEMO_DB}$", "--max-cron-threads=0", "--log-level=warn"]
    proc = subprocess.Popen(command, env=odoo_process.odoo_env(), cwd=odoo_process.REPO_ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(120):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.5)
        out = odoo_process.REPO_ROOT / "static" / "description"
        done = subprocess.run([str(python), str(SCREENSHOT_SCRIPT), url, str(out)], check=False)
    finally:
        _stop(proc)
    if done.returncode:
        raise SetupError("taking the screenshots failed (see above)", exit_code=1)
    return 0


def serve(base, port, python):
    mails = out_dir() / "mails"

    def captured(path, attachments):
        log(f"mail captured: {_relative(path)} ({attachments} attachment(s))")

    with MailSink(python, mails, on_mail=captured) as sink:
        returncode, _lines = _shell_script(
            base,
            MAIL_SCRIPT,
            "pointing the demo's mail at the local server",
            DEMO_MAIL_PORT=str(sink.port),
            DEMO_MAIL_SERVE="1",
        )
        if returncode:
            raise SetupError("pointing the demo's outgoing mail at the local server failed (see above).", exit_code=1)
        command = [_with_port(arg, port) for arg in base]
        command += ["-d", DEMO_DB, f"--db-filter=^{DEMO_DB}$", "--max-cron-threads=1"]
        print_how_to_open(port, serving=True)
        log(f"mail sent by the demo is kept in {_relative(mails)}/ (one .eml file per mail)")
        proc = subprocess.Popen(command, env=odoo_process.odoo_env(), cwd=odoo_process.REPO_ROOT)
        try:
            returncode = proc.wait()
        except KeyboardInterrupt:
            # Ctrl-C reaches Odoo too (same process group); SIGTERM only reaches us.
            _stop(proc)
            log(f"demo server stopped; {sink.count} mail(s) captured this time in {_relative(mails)}/")
            return 0
    if returncode:
        raise SetupError(f"Odoo exited with code {returncode} while serving the demo.", exit_code=1)
    return 0


def print_how_to_open(port, serving=False):
    url = f"http://127.0.0.1:{port}"
    if serving:
        log(f"serving the demo on {url} (login admin, password admin); Ctrl-C to stop")
        return
    port_arg = "" if port == 8069 else f" --port {port}"
    print(f"\nDemo ready. Serve it with:\n  ./tools/dunning demo --serve{port_arg}")
    print(f"then open {url} and log in as admin / admin.")
    print(f"The reminder mails are in {_relative(out_dir() / 'mails')}/: open an .eml file with a mail program")
    print("(Thunderbird, Outlook, Apple Mail, or `xdg-open FILE`); the letter PDF is attached.")


# ---- helpers ----
def _database_exists(cluster):
    return cluster.psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{DEMO_DB}'") == "1"


def _with_port(arg, port):
    return f"--http-port={port}" if arg.startswith("--http-port=") else arg


def _check_port_free(port):
    with socket.socket() as sock:
        # As Odoo does: connections closing from a previous run must not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            raise SetupError(f"Port {port} is busy ({exc.strerror}); choose another with --port.", exit_code=1) from exc


def _server_running(data):
    """True when a live PostgreSQL server owns the cluster folder."""
    pid_file = data / "postmaster.pid"
    if not pid_file.is_file():
        return False
    try:
        pid = int(pid_file.read_text(encoding="utf-8").split()[0])
        os.kill(pid, 0)
    except (ValueError, IndexError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _shell_script(base, script, label, **environ):
    """Run a runner script in `odoo shell` on the demo database, echoing its
    output and moving the progress line with its PROGRESS markers.
    Returns (returncode, list of lines)."""
    shell = [*base[:3], "shell", *base[3:], "-d", DEMO_DB, "--no-http", "--log-level=warn"]
    env = dict(odoo_process.odoo_env(), **environ)
    with Progress(label) as bar:
        return odoo_process.run(
            shell,
            log_path=DEMO_LOG,
            watcher=ScriptWatcher(bar),
            input_text=script.read_text(encoding="utf-8"),
            env=env,
        )


def _relative(path):
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _stop(proc):
    """Let Odoo finish a graceful shutdown, then insist.

    Ctrl-C in a terminal already reached Odoo; a SIGTERM sent to the runner
    only did not, so after a short grace period it is forwarded."""
    for sig, grace in ((None, 3), (signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        if sig is not None:
            proc.send_signal(sig)
        try:
            proc.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue
        except KeyboardInterrupt:
            continue


def _fail(cluster, step, returncode, lines=()):
    """Drop the half-built database (so that `--serve` rebuilds it) and stop."""
    with contextlib.suppress(subprocess.CalledProcessError):
        cluster.psql("postgres", f'DROP DATABASE IF EXISTS "{DEMO_DB}" WITH (FORCE)')
    tail = "\n".join(lines[-LOG_TAIL_LINES:])
    raise SetupError(
        f"{tail}\n\nOdoo failed while {step} (exit code {returncode}); full log: {DEMO_LOG}".lstrip(),
        exit_code=returncode if 0 < returncode < 126 else 1,
    )
