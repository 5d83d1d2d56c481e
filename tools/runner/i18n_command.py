"""`dunning i18n`: regenerate i18n/account_dunning.pot from a fresh install
and merge it into every translation (i18n/*.po); translators then fill the
empty entries."""

import shutil
import subprocess
import tempfile
from pathlib import Path

from . import odoo_process
from .log_watch import InstallWatcher
from .postgres import private_cluster
from .progress import Progress
from .setup_env import SetupError, ensure_system_packages, ensure_venv, log

I18N_DB = "dunning_i18n"


def run_i18n(args, odoo_root):
    ensure_system_packages()
    if not shutil.which("msgmerge"):
        raise SetupError("msgmerge (gettext) is needed to merge the translations")
    python = ensure_venv(odoo_root)
    i18n = odoo_process.REPO_ROOT / "i18n"
    pot = i18n / f"{odoo_process.MODULE}.pot"
    with private_cluster() as cluster, odoo_process.addons_dir() as addons, tempfile.TemporaryDirectory() as tmp:
        exported = Path(tmp) / pot.name
        base = odoo_process.base_command(python, odoo_root, cluster, addons)
        export = [f"--i18n-export={exported}", f"--modules={odoo_process.MODULE}"]
        for label, step in (
            ("installing the addon", ["-i", odoo_process.MODULE, "--stop-after-init"]),
            ("exporting its terms", [*export, "--stop-after-init"]),
        ):
            with Progress(label) as bar:
                returncode, lines = odoo_process.run(
                    [*base, "-d", I18N_DB, "--log-level=info", *step], echo=False, watcher=InstallWatcher(bar)
                )
            if returncode:
                raise SetupError("Odoo failed:\n" + "\n".join(lines[-30:]))
        shutil.copyfile(exported, pot)
    log(f"wrote {pot.relative_to(odoo_process.REPO_ROOT)}")
    for po in sorted(i18n.glob("*.po")):
        subprocess.run(
            ["msgmerge", "--quiet", "--update", "--no-fuzzy-matching", "--backup=none", str(po), str(pot)], check=True
        )
        subprocess.run(["msgattrib", "--no-obsolete", "-o", str(po), str(po)], check=True)
        untranslated = (
            subprocess.run(
                ["msgattrib", "--untranslated", "--no-obsolete", str(po)], capture_output=True, text=True, check=True
            ).stdout.count('msgid "')
            - 1
        )
        log(f"merged {po.name}: {max(untranslated, 0)} entries to translate")
    return 0
