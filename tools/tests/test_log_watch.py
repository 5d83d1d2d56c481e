"""The progress line follows Odoo's real log lines and the scripts' markers."""

import contextlib
import io
import tempfile
import textwrap
import unittest
from pathlib import Path

from runner.log_watch import InstallWatcher, ScriptWatcher, TestWatcher, count_tests, progress_marker
from runner.progress import Progress

PREFIX = "2026-11-30 13:20:01,123 4242 INFO dunning_test "
ERROR_PREFIX = "2026-11-30 13:20:01,123 4242 ERROR dunning_test "


def quiet_progress(label="step"):
    """A real Progress whose plain lines go nowhere."""
    with contextlib.redirect_stdout(io.StringIO()):
        return Progress(label)


class TestWatchers(unittest.TestCase):
    def test_modules_loaded(self):
        bar = quiet_progress()
        watcher = InstallWatcher(bar)
        with contextlib.redirect_stdout(io.StringIO()):
            consumed = watcher.feed(PREFIX + "odoo.modules.loading: Loading module account (24/81)")
        self.assertFalse(consumed, "Odoo's own lines are still echoed and logged")
        self.assertEqual((bar.label, bar.done, bar.total, bar.text), ("installing Odoo modules", 24, 81, "account"))

    def test_tests_done_and_failures(self):
        bar = quiet_progress()
        watcher = TestWatcher(bar, expected=3)
        module = "odoo.addons.account_dunning.tests.test_engine"
        with contextlib.redirect_stdout(io.StringIO()):
            watcher.feed(PREFIX + f"{module}: Starting TestEngine.test_rerun ...")
            watcher.feed(PREFIX + f"{module}: Starting TestEngine.test_level ...")
            watcher.feed(ERROR_PREFIX + f"{module}: FAIL: TestEngine.test_level")
            watcher.feed(PREFIX + f"{module}: Starting TestEngine.test_reset ...")
        self.assertEqual((bar.label, bar.done, bar.total), ("running tests", 2, 3))
        self.assertEqual(watcher.failed, ["TestEngine.test_level"])
        self.assertEqual(bar.text, "1 failed - TestEngine.test_reset")

    def test_script_marker_consumed(self):
        bar = quiet_progress()
        watcher = ScriptWatcher(bar)
        with contextlib.redirect_stdout(io.StringIO()):
            consumed = watcher.feed(progress_marker("replaying 90 days", 12, 90, "2026-09-13, 4 reminders so far"))
        self.assertTrue(consumed)
        self.assertEqual((bar.label, bar.done, bar.total), ("replaying 90 days", 12, 90))
        self.assertEqual(bar.text, "2026-09-13, 4 reminders so far")
        self.assertFalse(watcher.feed("Dunning: 24 reminders over 90 days"))


class TestPlainProgress(unittest.TestCase):
    def test_new_phase_printed_once_then_final_line(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), Progress("starting Odoo") as bar:
            for index in range(1, 50):
                bar.update(done=index, total=49, text="module", label="installing Odoo modules")
            bar.started -= 10  # a step long enough to report
        lines = out.getvalue().splitlines()
        self.assertEqual(lines[0], "[dunning] installing Odoo modules ...")
        self.assertRegex(lines[-1], r"^\[dunning\] installing Odoo modules: 49/49 module \(\d+s\)$")
        self.assertLessEqual(len(lines), 3, "no line per update in plain output")


class TestCountTests(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = Path(tmp.name)
        (self.dir / "common.py").write_text("class Common:\n    def helper(self):\n        pass\n")
        (self.dir / "test_a.py").write_text(
            textwrap.dedent(
                """
                class Base(Common):
                    def test_shared(self):
                        pass

                class TestA(Base):
                    def test_one(self):
                        pass

                    def test_two(self):
                        pass
                """
            )
        )

    def test_whole_module_counts_inherited_tests(self):
        self.assertEqual(count_tests(self.dir), 1 + 3)

    def test_class_and_method_filters(self):
        self.assertEqual(count_tests(self.dir, "/account_dunning:TestA"), 3)
        self.assertEqual(count_tests(self.dir, "/account_dunning:TestA.test_two,/account_dunning:Base"), 2)
        self.assertEqual(count_tests(self.dir, "/other_module"), 0)


if __name__ == "__main__":
    unittest.main()
