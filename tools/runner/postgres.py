"""A private, throwaway PostgreSQL cluster listening on a Unix socket only.

The cluster lives in a temporary folder and is stopped and deleted when the
context manager exits, also on Ctrl-C or on failure.  When run as root the
server runs as an unprivileged system user, as PostgreSQL requires.
"""

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile

from .setup_env import SetupError, log, pg_bin

DB_USER = "odoo"  # Odoo refuses to connect as "postgres".
PORT = 5432  # Only names the socket file; no TCP port is opened.
SERVER_SETTINGS = {
    # A throwaway test cluster: durability is not needed, speed is.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "listen_addresses": "''",
    "max_connections": "64",
    "shared_buffers": "256MB",
}


def _server_user():
    """(uid, gid, name) to run the server as; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid, name
    raise SetupError("Running as root but no unprivileged user (postgres, nobody) exists for the PostgreSQL server.")


def _as_server_user(user):
    if user is None:
        return None

    def demote():
        os.setgid(user[1])
        os.setuid(user[0])

    return demote


class Cluster:
    """Connection facts for Odoo and the psql-like helpers."""

    def __init__(self, socket_dir):
        self.host = socket_dir
        self.port = PORT
        self.user = DB_USER

    def odoo_args(self):
        return [f"--db_host={self.host}", f"--db_port={self.port}", f"--db_user={self.user}"]

    def env(self):
        return dict(os.environ, PGHOST=self.host, PGPORT=str(self.port), PGUSER=self.user)

    def psql(self, dbname, sql):
        result = subprocess.run(
            [pg_bin("psql"), "-X", "-q", "-A", "-t", "-d", dbname, "-c", sql],
            env=self.env(),
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()


@contextlib.contextmanager
def private_cluster(keep=False, root=None):
    """Start a cluster, yield a Cluster, always stop it afterwards.

    Without `root` the cluster is throwaway: created in a temporary folder and
    deleted afterwards (unless `keep`).  With `root` (the demo) it persists
    there and is reused by the next call.
    """
    user = _server_user()
    keep = keep or bool(root)
    if root:
        os.makedirs(root, exist_ok=True)
    else:
        root = tempfile.mkdtemp(prefix="dunning-pg-")
    data = os.path.join(root, "data")
    os.chmod(root, 0o755)
    if user:
        os.chown(root, user[0], user[1])
    demote = _as_server_user(user)
    log_file = os.path.join(root, "server.log")
    started = False
    # Ctrl-C and CI time-outs send SIGTERM: turn it into an exception so that
    # the `finally` below stops the server.
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        _start(root, data, demote, log_file)
        started = True
        log(f"PostgreSQL cluster on socket {root}")
        yield Cluster(root)
    finally:
        signal.signal(signal.SIGTERM, previous)
        if started:
            subprocess.run(
                [pg_bin("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"],
                preexec_fn=demote,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=root,
                check=False,
            )
        if keep:
            log(f"cluster data kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def _start(root, data, demote, log_file):
    try:
        if not os.path.exists(os.path.join(data, "PG_VERSION")):
            subprocess.run(
                [pg_bin("initdb"), "-D", data, "-U", DB_USER, "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"],
                check=True,
                preexec_fn=demote,
                stdout=subprocess.DEVNULL,
                cwd=root,
            )
        options = " ".join(f"-c {k}={v}" for k, v in SERVER_SETTINGS.items())
        subprocess.run(
            [
                pg_bin("pg_ctl"),
                "-D",
                data,
                "-l",
                log_file,
                "-w",
                "-t",
                "60",
                "-o",
                f"-k {root} -p {PORT} {options}",
                "start",
            ],
            check=True,
            preexec_fn=demote,
            stdout=subprocess.DEVNULL,
            cwd=root,
        )
    except subprocess.CalledProcessError as exc:
        tail = ""
        if os.path.exists(log_file):
            with open(log_file, encoding="utf-8", errors="replace") as f:
                tail = f.read()[-2000:]
        raise SetupError(f"PostgreSQL failed to start: {exc}\n{tail}", exit_code=1) from exc


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt
