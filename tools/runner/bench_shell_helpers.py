# Put by bench_command.py before each script it feeds `odoo shell` (which
# provides `env`): how the scripts time a step and report to the runner.
import json
import time

from odoo import sql_db


def result(**values):
    """The script's answer: one `BENCH_RESULT {json}` line."""
    print("BENCH_RESULT " + json.dumps(values), flush=True)


def progress(count, text):
    """Move the runner's progress line (see log_watch.ScriptWatcher)."""
    print(f"PROGRESS  | {count} | {text}", flush=True)


def measure(function):
    """(value, seconds, SQL queries) of `function()`, pending writes included."""
    env.flush_all()  # noqa: F821
    queries, start = sql_db.sql_counter, time.perf_counter()
    value = function()
    env.flush_all()  # noqa: F821
    return value, time.perf_counter() - start, sql_db.sql_counter - queries
