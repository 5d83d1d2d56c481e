"""What became of each invoice a sent reminder named: paid within the window,
in part, how much, how soon, escalated, promised, disputed or held.

One row per reminder line, in its own table rather than on the line: the
line is frozen history (what the reminder said, refused to writes once sent),
while an outcome is measured and measured again every night as payments are
reconciled.  Kept apart, the nightly refresh rewrites narrow rows without
touching the letters' facts, and the line keeps its guard simple.

The rows are written only by the refresh (account_dunning_outcome_refresh.py),
in set-based SQL; nobody edits them.
"""

from odoo import fields, models
from odoo.tools import SQL

from .account_move import HOLD_REASONS

DEFAULT_WINDOW_DAYS = 14


class AccountDunningOutcome(models.Model):
    _name = "account.dunning.outcome"
    _description = "Dunning Reminder Outcome"
    _order = "reminder_date desc, id desc"
    _rec_name = "line_id"
    # Written in bulk by SQL every night; when is the reminder's date.
    _log_access = False

    line_id = fields.Many2one(
        "account.dunning.reminder.line", "Reminder Line", required=True, readonly=True, ondelete="cascade"
    )
    reminder_id = fields.Many2one("account.dunning.reminder", "Reminder", readonly=True, index=True)
    move_id = fields.Many2one("account.move", "Invoice", readonly=True, index=True)
    company_id = fields.Many2one("res.company", readonly=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    level_id = fields.Many2one("account.dunning.level", readonly=True)
    reminder_date = fields.Date(readonly=True, index=True)
    window_days = fields.Integer(
        "Window (days)", readonly=True, help="Payments dated at most this many days after the reminder count."
    )
    paid_in_window = fields.Boolean(
        "Paid within Window", readonly=True, help="What the reminder asked for was paid in full within the window."
    )
    partially_paid = fields.Boolean(
        "Partly Paid", readonly=True, help="Something, but not all, was paid within the window."
    )
    amount_recovered = fields.Monetary(
        "Recovered within Window",
        currency_field="company_currency_id",
        readonly=True,
        help="Paid within the window, in company currency, valued at the rate of the reminder.",
    )
    paid_date = fields.Date(
        "Paid in Full On", readonly=True, help="When what the reminder asked for was paid in full, window or not."
    )
    days_to_payment = fields.Integer(
        "Days to Payment", readonly=True, aggregator="avg", help="Days from the reminder to the full payment."
    )
    escalated_next = fields.Boolean(
        "Escalated", readonly=True, help="A later reminder named the invoice at a higher level."
    )
    promise_made = fields.Boolean("Promise to Pay", readonly=True)
    disputed = fields.Boolean(readonly=True, help="Disputed in an answer to the reminder, or held for a dispute.")
    hold_reason = fields.Selection(
        HOLD_REASONS, readonly=True, help="Why the invoice was on hold during the window, if it was."
    )
    dirty = fields.Boolean(
        "To Measure Again", readonly=True, help="A reconciliation of the invoice changed since the last refresh."
    )

    _sql_constraints = [
        ("line_unique", "UNIQUE(line_id)", "A reminder line has one outcome."),
    ]

    def init(self):
        # The nightly refresh reads the few rows a reconciliation marked.
        # Room left in each page: measuring again changes no indexed column,
        # so PostgreSQL rewrites the row in place (HOT) without touching
        # the indexes.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS account_dunning_outcome_dirty_idx
                ON account_dunning_outcome (company_id) WHERE dirty;
            ALTER TABLE account_dunning_outcome SET (fillfactor = 50)
            """
        )

    def _mark_changed(self, move_ids):
        """The invoices `move_ids` were reconciled or unreconciled: their
        outcomes are refreshed by the next run, whatever their age (a payment
        booked late, a reconciliation undone)."""
        if not move_ids:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE account_dunning_outcome SET dirty = TRUE WHERE move_id IN %s AND NOT dirty",
                tuple(move_ids),
            )
        )
