"""Find Odoo 18, install the system tools and build the cached virtualenv.

Everything the test, demo and bench commands need is prepared here, so that a
fresh clone on a machine with only the Odoo source works with one command.
"""

import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import odoo_fetch
from .progress import Progress, use_venv_libraries

# Odoo's requirements that cannot or need not be installed on Linux.
SKIPPED_REQUIREMENTS = ("python-ldap", "pypiwin32", "rl-renderPM")
# Needed by the runner but absent from Odoo's requirements.txt:
# websocket-client drives Chromium for the browser tours (without it Odoo
# silently skips them); phonenumbers lets Odoo sanitize SMS numbers (without
# it any text passes as a number).
# rich draws the runner's progress line; aiosmtpd is the demo's local mail
# server (see mail_sink.py).
EXTRA_REQUIREMENTS = ("websocket-client==1.8.0", "phonenumbers==9.0.43", "rich==15.0.0", "aiosmtpd==1.4.6")
# Installed first, so that the rest of the build can show its progress.
PROGRESS_REQUIREMENT = "rich==15.0.0"
# Old source distributions still import pkg_resources during their build.
PIP_CONSTRAINTS = "setuptools<70\n"
# System programs: command -> Debian package.
SYSTEM_PROGRAMS = {
    "initdb": "postgresql",
    "wkhtmltopdf": "wkhtmltopdf",
    "pdftotext": "poppler-utils",
    "chromium": "chromium",
    "pg_config": "libpq-dev",
}
PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)

ODOO_HELP = """\
Provide an Odoo 18.0 source tree in one of these ways:
  --odoo-src DIR          on the command line, or
  ODOO_SRC=DIR            in the environment, or
  make `import odoo` work for python3 (e.g. `pip install -e DIR` or a .pth file), or
  DUNNING_ODOO_URL=URL    an Odoo 18.0 source archive (.tar.gz) to download
                          (with DUNNING_ODOO_SHA256=HEX to check it).
DIR is the root of Odoo's official 18.0 source: a git checkout of
https://github.com/odoo/odoo (branch 18.0) or the extracted 18.0 source tarball
from https://nightly.odoo.com/18.0/nightly/src/ -- the folder holding odoo-bin
or setup/odoo and requirements.txt."""


class SetupError(Exception):
    """A set-up step failed; the message says what the user must do."""

    def __init__(self, message, exit_code=2):
        super().__init__(message)
        self.exit_code = exit_code


def log(message):
    print(f"[dunning] {message}", flush=True)


def find_odoo(cli_value=None, fetch=True):
    """Return the Odoo source root (the folder that contains the `odoo` package):
    the one given, else an importable one, else the official source archive
    downloaded once (None instead when `fetch` is false)."""
    for candidate in (cli_value, os.environ.get("ODOO_SRC")):
        if candidate:
            root = Path(candidate).expanduser().resolve()
            if (root / "odoo" / "release.py").is_file():
                return _check_version(root)
            raise SetupError(f"{root} is not an Odoo source tree (no odoo/release.py).\n\n{ODOO_HELP}")
    spec = importlib.util.find_spec("odoo")
    if spec and spec.submodule_search_locations:
        root = Path(list(spec.submodule_search_locations)[0]).resolve().parent
        if (root / "odoo" / "release.py").is_file():
            return _check_version(root)
    if not fetch:
        url, _sha256 = odoo_fetch.configured()
        return odoo_fetch.cached_tree(venv_cache_dir(), url)
    return _fetched_odoo()


def _fetched_odoo():
    """No tree given: the official 18.0 source archive, downloaded once into the cache."""
    url, sha256 = odoo_fetch.configured()
    cache = venv_cache_dir()
    if not odoo_fetch.cached_tree(cache, url):
        log(f"no Odoo 18.0 source given: downloading {url} into {cache} (once)")
    try:
        return odoo_fetch.fetch_odoo(cache, url, sha256)
    except odoo_fetch.FetchError as exc:
        raise SetupError(f"Odoo 18.0 was not found, and {exc}.\n\n{ODOO_HELP}") from exc


def _check_version(root):
    release = (root / "odoo" / "release.py").read_text(encoding="utf-8")
    if "version_info = (18, 0," not in release:
        raise SetupError(f"{root} is not Odoo 18.0.\n\n{ODOO_HELP}")
    return root


def pg_bin(program):
    """Path of a PostgreSQL server program (they are not on PATH on Debian)."""
    for directory in PG_BIN_DIRS:
        if (directory / program).is_file():
            return str(directory / program)
    found = shutil.which(program)
    if found:
        return found
    raise SetupError(f"PostgreSQL's {program} was not found; install the postgresql package.")


def _have(program):
    if program == "initdb":
        return any((d / "initdb").is_file() for d in PG_BIN_DIRS) or shutil.which("initdb")
    return shutil.which(program)


def ensure_system_packages(programs=tuple(SYSTEM_PROGRAMS)):
    """Install missing Debian packages when root, else explain what is missing."""
    missing = sorted({SYSTEM_PROGRAMS[p] for p in programs if not _have(p)})
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SetupError(
            "Missing system packages: {0}\nInstall them with: sudo apt-get install {0}".format(" ".join(missing))
        )
    log(f"installing system packages: {' '.join(missing)}")
    _apt_with_progress(["apt-get", "update"], "updating the package lists")
    _apt_with_progress(
        ["apt-get", "install", "-y", "--no-install-recommends", *missing, "fonts-dejavu-core"],
        "installing system packages",
    )


APT_COUNTS_RE = re.compile(r"^(\d+) upgraded, (\d+) newly installed(?:, (\d+) reinstalled)?")
APT_STEP_RE = re.compile(r"^(Get:\d+ \S+ \S+ \S+|Unpacking|Setting up) (\S+)")
APT_ACTIONS = {"Get": "downloading", "Unpacking": "unpacking", "Setting up": "setting up"}


def _apt_with_progress(command, label):
    """Run apt-get, showing the package it is on (packages set up of those
    to install); its output is shown only when it fails."""
    output = []
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with Progress(label) as bar:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        for line in proc.stdout:
            output.append(line)
            if counts := APT_COUNTS_RE.match(line):
                bar.update(total=sum(int(n or 0) for n in counts.groups()) or None)
            elif step := APT_STEP_RE.match(line):
                action = APT_ACTIONS[step.group(1).split(":")[0]]
                bar.update(advance=action == "setting up", text=f"{action} {step.group(2)}")
        if proc.wait():
            raise SetupError(f"{''.join(output[-40:])}\n{' '.join(command)} failed; see above.", exit_code=1)


def warm_up_wkhtmltopdf():
    """Print one trivial page: on a new machine the very first wkhtmltopdf
    run can fail ("unknown error") while fontconfig builds its cache."""
    with tempfile.TemporaryDirectory(prefix="dunning-wk-") as tmp:
        source, target = Path(tmp) / "warm.html", Path(tmp) / "warm.pdf"
        source.write_text("<html><body><p>warm-up</p></body></html>", encoding="utf-8")
        for _attempt in range(2):
            done = subprocess.run(
                ["wkhtmltopdf", "--quiet", str(source), str(target)],
                capture_output=True,
                check=False,
                env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
            )
            if done.returncode in (0, 1) and target.exists():
                return


def _requirements(odoo_root):
    lines = []
    for line in (odoo_root / "requirements.txt").read_text(encoding="utf-8").splitlines():
        name = line.split("#")[0].strip()
        if name and not name.startswith(SKIPPED_REQUIREMENTS):
            lines.append(name)
    return "\n".join([*lines, *EXTRA_REQUIREMENTS]) + "\n"


def venv_cache_dir():
    base = os.environ.get("DUNNING_CACHE") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "account_dunning"


def venv_path(odoo_root):
    """The cached venv for this Odoo tree's requirements (built or not)."""
    key = hashlib.sha256((_requirements(odoo_root) + PIP_CONSTRAINTS + sys.version).encode()).hexdigest()[:16]
    return venv_cache_dir() / f"venv-{key}"


def ready_venv_python(odoo_root):
    """The cached venv's python when it is already built, else None."""
    venv = venv_path(odoo_root)
    return str(venv / "bin" / "python") if (venv / ".ready").is_file() else None


def ensure_venv(odoo_root):
    """Return the venv's python, building the venv once per requirements hash."""
    requirements = _requirements(odoo_root)
    venv = venv_path(odoo_root)
    key = venv.name.removeprefix("venv-")
    python = venv / "bin" / "python"
    ready = venv / ".ready"
    if not ready.is_file():
        log(f"building the virtualenv {venv} (first run only, takes a few minutes)")
        shutil.rmtree(venv, ignore_errors=True)
        venv.mkdir(parents=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        (venv / "requirements.txt").write_text(requirements, encoding="utf-8")
        (venv / "constraints.txt").write_text(PIP_CONSTRAINTS, encoding="utf-8")
        pip = [str(python), "-m", "pip", "--disable-pip-version-check"]
        env = dict(os.environ, PIP_CONSTRAINT=str(venv / "constraints.txt"))
        _pip_with_progress([*pip, "install", "wheel", "setuptools<70", PROGRESS_REQUIREMENT], env, "preparing pip")
        use_venv_libraries(python)  # from here on, the progress line is live
        _pip_with_progress([*pip, "install", "-r", str(venv / "requirements.txt")], env, "installing packages")
        ready.write_text(key, encoding="utf-8")
    # Point the venv at this Odoo tree (cheap; also follows a moved tree).
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "odoo18-source.pth").write_text(f"{odoo_root}\n", encoding="utf-8")
    use_venv_libraries(python)
    return str(python)


def _pip_with_progress(command, env, label):
    """Run pip, showing the package it is on; its full output is shown only
    when it fails."""
    output = []
    with Progress(label) as bar:
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", env=env
        )
        for line in proc.stdout:
            output.append(line)
            words = line.split()
            if line.startswith("Collecting "):
                bar.update(advance=1, text=f"collecting {words[1]}")
            elif line.startswith("  Building wheel for "):
                bar.update(text=f"building {words[3]}")
            elif line.startswith("Installing collected packages:"):
                bar.update(text=f"installing {len(line.split(':', 1)[1].split(','))} packages")
        if proc.wait():
            raise SetupError(f"{''.join(output[-60:])}\npip failed ({label}); see above.", exit_code=1)


def pip_install(python, *packages):
    """Install extra packages (the peers for --compare) without their dependencies."""
    subprocess.run(
        [python, "-m", "pip", "--disable-pip-version-check", "-q", "install", "--no-deps", *packages],
        check=True,
    )
