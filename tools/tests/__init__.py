"""Tests of the runner itself (no Odoo needed): `./tools/dunning selftest`."""

import os

# The progress line's plain output is what these tests read, terminal or not.
os.environ["DUNNING_PLAIN"] = "1"
