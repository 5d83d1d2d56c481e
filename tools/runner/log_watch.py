"""Read Odoo's log (and the runner's scripts' output) line by line and move
the progress line: modules loaded, tests done and failed, script steps.

Each watcher's `feed(line)` returns True when the line is the watcher's own
(a progress marker of a runner script), which is then not echoed."""

import ast
import re
from pathlib import Path

MODULE_RE = re.compile(r"odoo\.modules\.loading: Loading module (\w+) \((\d+)/(\d+)\)")
TEST_START_RE = re.compile(r"odoo\.addons\.\w+\.tests\.[\w.]+: Starting (\S+) \.\.\.")
TEST_FAIL_RE = re.compile(r" ERROR \S+ odoo\.addons\.\w+\.tests\.[\w.]+: (?:FAIL|ERROR): (\S+)")
# Printed by the runner's scripts inside `odoo shell`:
#   PROGRESS <label> | <done>/<total> | <text>     (done/total may be empty)
MARKER = "PROGRESS "


def progress_marker(label, done=None, total=None, text=""):
    """The line a runner script prints to move the runner's progress line."""
    count = f"{done}/{total}" if done is not None else ""
    return f"{MARKER}{label} | {count} | {text}"


class InstallWatcher:
    """Modules loaded by `-i`: "Loading module account (24/81)"."""

    label = "installing Odoo modules"

    def __init__(self, bar):
        self.bar = bar

    def feed(self, line):
        found = MODULE_RE.search(line)
        if found:
            name, index, count = found.group(1), int(found.group(2)), int(found.group(3))
            self.bar.update(done=index, total=count, text=name, label=self.label)
        return False


class TestWatcher(InstallWatcher):
    """Modules, then tests done of the expected total and failures so far."""

    def __init__(self, bar, expected):
        super().__init__(bar)
        self.expected = expected or None
        self.started = 0
        self.failed = []

    def feed(self, line):
        if found := TEST_START_RE.search(line):
            self.started += 1
            self.bar.update(
                done=self.started - 1, total=self.expected, text=self._text(found.group(1)), label="running tests"
            )
        elif found := TEST_FAIL_RE.search(line):
            self.failed.append(found.group(1))
            self.bar.update(text=self._text(found.group(1)))
        else:
            super().feed(line)
        return False

    def _text(self, test):
        return f"{len(self.failed)} failed - {test}"


class ScriptWatcher:
    """Progress markers printed by a runner script; other lines pass through."""

    def __init__(self, bar):
        self.bar = bar

    def feed(self, line):
        if not line.startswith(MARKER):
            return False
        label, count, text = (part.strip() for part in (line[len(MARKER) :].split("|", 2) + ["", ""])[:3])
        done = total = None
        if "/" in count:
            done, total = (int(value) for value in count.split("/", 1))
        self.bar.update(done=done, total=total, text=text, label=label or None)
        return True


def count_tests(tests_dir, tags=None, module="account_dunning"):
    """How many tests `--test-tags` will run, read from the test files (the
    progress line's total; the real count may differ a little)."""
    classes = {}
    for path in sorted(Path(tests_dir).glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                methods = {f.name for f in node.body if isinstance(f, ast.FunctionDef) and f.name.startswith("test")}
                bases = [base.id for base in node.bases if isinstance(base, ast.Name)]
                classes[node.name] = (methods, bases)

    def methods_of(name, seen=()):
        own, bases = classes.get(name, (set(), []))
        inherited = set().union(*(methods_of(base, (*seen, name)) for base in bases if base not in seen))
        return own | inherited

    selected = set()
    specs = [spec.strip() for spec in (tags or f"/{module}").split(",") if spec.strip()]
    for spec in specs:
        if spec.startswith("-"):
            continue
        spec = spec.lstrip("+")
        path = spec.split("/", 1)[1] if "/" in spec else ""
        spec_module, _, rest = path.partition(":")
        if spec_module and spec_module != module:
            continue
        class_name, _, method = rest.partition(".")
        for name in classes:
            if class_name and name != class_name:
                continue
            selected |= {(name, m) for m in methods_of(name) if not method or m == method}
    return len(selected)
