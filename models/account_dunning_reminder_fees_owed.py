"""Fees claimed by earlier reminders and still owed: a letter's total to pay.

A reminder charges each fee once (the indemnity once per invoice, interest
from the day after the last one charged).  What earlier reminders claimed on
the same invoices stays owed until paid, so each letter shows it again, once,
with when it was first claimed, and counts it in its total to pay: fees only
stated (policy "Stated on the letter") while their invoice is still chased,
and the open fee invoices of policy "Stated and invoiced" that are not among
the letter's invoices themselves (not due yet), unless on hold.
"""

from collections import namedtuple

from odoo import models
from odoo.tools import format_date

EarlierFee = namedtuple("EarlierFee", "currency invoice label claimed amount")


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    def _earlier_fees(self):
        """[EarlierFee] still owed on this letter's invoices, oldest first."""
        self.ensure_one()
        earlier = self._previous_reminders()
        if not earlier:
            return []
        moves = self.line_ids.move_id._origin
        invoiced = earlier.fee_move_ids.filtered(lambda m: m.state == "posted")
        fees = []
        for reminder in earlier:
            claimed = reminder._date_and_level()
            if invoiced.filtered(lambda m, r=reminder: m.dunning_fee_reminder_id == r):
                continue  # owed through its fee invoice, below
            for line in reminder.line_ids.filtered(lambda line: line.move_id in moves and line.fee_amount):
                if line.interest_amount:
                    label = self.env._(
                        "Late interest %(start)s – %(end)s",
                        start=format_date(self.env, line.interest_date_from),
                        end=format_date(self.env, line.interest_date_to),
                    )
                    fees.append(EarlierFee(line.currency_id, line.move_id, label, claimed, line.interest_amount))
                if line.indemnity_amount:
                    label = self.env._("Fixed recovery indemnity")
                    fees.append(EarlierFee(line.currency_id, line.move_id, label, claimed, line.indemnity_amount))
        for move in invoiced.sorted(lambda m: (m.invoice_date, m.id)):
            if move in moves or move._dunning_is_settled() or move._dunning_on_hold(self.date):
                continue  # dunned as an invoice of this letter, paid, credited or on hold
            reminder = move.dunning_fee_reminder_id
            claimed = reminder._date_and_level()
            label = self.env._("Late-payment fees invoiced")
            fees.append(EarlierFee(move.currency_id, move, label, claimed, move.amount_residual))
        return fees

    def _date_and_level(self):
        """'15/02/2026 (Formal notice)': when a reminder claimed something."""
        self.ensure_one()
        level = self.level_id._letter_title()
        return self.env._("%(date)s (%(level)s)", date=format_date(self.env, self.date), level=level)

    def _earlier_fee_totals(self, fees=None):
        """{currency: fees claimed earlier and still owed} (of `fees` when given)."""
        totals = {}
        for fee in self._earlier_fees() if fees is None else fees:
            totals[fee.currency] = totals.get(fee.currency, 0.0) + fee.amount
        return totals
