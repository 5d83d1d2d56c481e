"""A private, throwaway PostgreSQL cluster listening on a Unix socket only.

The cluster lives in a temporary folder and is stopped and deleted when the
context manager exits, also on Ctrl-C or on failure.  When run as root the
server runs as an unprivileged system user, as PostgreSQL requires: the
folder is then made in the first of $TMPDIR, /tmp and /var/tmp that this user
can reach (a private $TMPDIR, mode 700, is not).
"""

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

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
        # Drop root's supplementary groups too, or the server would keep them.
        os.initgroups(user[2], user[1])
        os.setgid(user[1])
        os.setuid(user[0])

    return demote


def _server_can_use(directory, demote):
    """Whether the server user can enter and write `directory` (all its
    parents must be traversable by that user)."""
    if demote is None:
        return True
    done = subprocess.run(
        ["sh", "-c", 'test -x "$1" && test -w "$1"', "sh", directory],
        preexec_fn=demote,
        cwd="/",
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return done.returncode == 0


def _prepare(directory, user, demote):
    """Give `directory` to the server user; True when that user can use it."""
    os.chmod(directory, 0o755)
    if user:
        os.chown(directory, user[0], user[1])
    return _server_can_use(directory, demote)


def _unreachable_message(user, tried):
    places = ", ".join(tried)
    return (
        f"PostgreSQL runs as the unprivileged user '{user[2]}' when the runner is started as root, "
        f"and that user cannot enter or write a folder made in any of: {places}.\n"
        f"Point TMPDIR at a folder it can reach (e.g. `TMPDIR=/tmp ./tools/dunning ...`), "
        f"make one of those folders traversable by it (chmod o+x on each parent), or run the runner as a normal user."
    )


def _throwaway_root(user, demote):
    """A new folder for a throwaway cluster, where the server user can work."""
    candidates = []
    for base in (tempfile.gettempdir(), "/tmp", "/var/tmp"):
        if os.path.isdir(base) and os.path.realpath(base) not in candidates:
            candidates.append(os.path.realpath(base))
    for base in candidates:
        try:
            root = tempfile.mkdtemp(prefix="dunning-pg-", dir=base)
        except OSError:
            continue
        try:
            usable = _prepare(root, user, demote)
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            raise
        if usable:
            if base != candidates[0]:
                log(f"{candidates[0]} is not reachable by the '{user[2]}' user: the cluster goes to {base}")
            return root
        shutil.rmtree(root, ignore_errors=True)
    raise SetupError(_unreachable_message(user, candidates))


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
    demote = _as_server_user(user)
    keep = keep or bool(root)
    # Ctrl-C and CI time-outs send SIGTERM: turn it into an exception so that
    # the `finally` below stops the server and deletes the folder.
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    started = False
    try:
        if root:
            os.makedirs(root, exist_ok=True)
            if not _prepare(root, user, demote):
                raise SetupError(_unreachable_message(user, [str(Path(root).parent)]))
        else:
            root = _throwaway_root(user, demote)
        data = os.path.join(root, "data")
        log_file = os.path.join(root, "server.log")
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
        if root and not keep:
            shutil.rmtree(root, ignore_errors=True)
        elif root and started:
            log(f"cluster data kept in {root}")


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
