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
    addons_path = ",".join([str(odoo_root / "odoo" / "addons"), addons, *extra_addons])
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
    return env


def run(command, log_path=None, echo=True):
    """Run Odoo, mirror its output to stdout and optionally to a log file.
    Returns (returncode, list of lines)."""
    lines = []
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=odoo_env(),
        text=True,
        errors="replace",
        cwd=REPO_ROOT,
    ) as proc:
        log_file = open(log_path, "w", encoding="utf-8") if log_path else None  # noqa: SIM115
        try:
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))
                if echo:
                    print(line, end="", flush=True)
                if log_file:
                    log_file.write(line)
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait(30)
            raise
        finally:
            if log_file:
                log_file.close()
    return proc.returncode, lines
