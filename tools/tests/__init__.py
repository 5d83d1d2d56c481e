"""Tests of the runner itself (no Odoo needed): `./tools/dunning selftest`."""
