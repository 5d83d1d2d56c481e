"""Run Odoo (odoo-bin equivalent) against the private cluster with this addon."""

import contextlib
import os
import socket
import subprocess
import tempfile
from pathlib import Path

MODULE = "account_dunning"
REPO_ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def addons_dir():
    """A temporary addons folder where this repository is named account_dunning,
    whatever the clone's folder is called."""
    with tempfile.TemporaryDirectory(prefix="dunning-addons-") as tmp:
        os.symlink(REPO_ROOT, os.path.join(tmp, MODULE))
        yield tmp


def base_command(python, odoo_root, cluster, addons, extra_addons=()):
    # A git checkout (or GitHub's archive) keeps most addons in addons/, the
    # nightly source tarball all of them in odoo/addons/.
    odoo_addons = [str(folder) for folder in (odoo_root / "odoo" / "addons", odoo_root / "addons") if folder.is_dir()]
    addons_path = ",".join([*odoo_addons, addons, *extra_addons])
    return [
        python,
        "-m",
        "odoo",
        f"--addons-path={addons_path}",
        *cluster.odoo_args(),
        "--data-dir",
        os.path.join(cluster.host, "filestore"),
        "--without-demo=all",
        "--http-interface=127.0.0.1",
        f"--http-port={free_port()}",
    ]


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_env():
    """Environment for Odoo: quiet Chromium/wkhtmltopdf, no stray proxies."""
    env = dict(os.environ)
    env.pop("PGUSER", None)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    # wkhtmltopdf's Qt wants a private runtime folder and complains on every
    # letter when there is none (as under sudo, cron or CI).
    if not env.get("XDG_RUNTIME_DIR"):
        env["XDG_RUNTIME_DIR"] = _runtime_dir()
    return env


def _runtime_dir():
    path = Path(tempfile.gettempdir()) / f"account_dunning-runtime-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    path.chmod(0o700)  # Qt refuses a folder others can read
    return str(path)


def run(command, log_path=None, echo=True, watcher=None, input_text=None, env=None):
    """Run Odoo, mirror its output to stdout (above the progress line of
    `watcher.bar`, when given) and optionally to a log file; `input_text`
    goes to its standard input (`odoo shell` scripts).
    Returns (returncode, list of lines)."""
    lines = []
    bar = watcher.bar if watcher else None
    with subprocess.Popen(
        command,
        stdin=subprocess.PIPE if input_text is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env or odoo_env(),
        text=True,
        errors="replace",
        cwd=REPO_ROOT,
    ) as proc:
        if input_text is not None:
            # Odoo's shell reads the whole script before it prints anything.
            proc.stdin.write(input_text)
            proc.stdin.close()
        log_file = open(log_path, "a" if input_text is not None else "w", encoding="utf-8") if log_path else None  # noqa: SIM115
        try:
            for line in proc.stdout:
                line = line.rstrip("\n")
                if watcher and watcher.feed(line):
                    continue
                lines.append(line)
                if echo:
                    (bar.echo if bar else _print)(line)
                if log_file:
                    log_file.write(line + "\n")
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait(30)
            raise
        finally:
            if log_file:
                log_file.close()
    return proc.returncode, lines


def _print(line):
    print(line, flush=True)
