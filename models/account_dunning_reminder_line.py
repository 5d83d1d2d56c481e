from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .account_dunning_reminder import is_internal_change


class AccountDunningReminderLine(models.Model):
    """An invoice as it stood when the reminder was decided (frozen facts)."""

    _name = "account.dunning.reminder.line"
    _description = "Dunning Reminder Line"
    _order = "reminder_id, date_due, id"
    # Written in bulk by the dunning run; who and when is on the reminder.
    _log_access = False

    reminder_id = fields.Many2one("account.dunning.reminder", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="reminder_id.company_id")
    move_id = fields.Many2one("account.move", "Invoice", required=True, ondelete="cascade", index=True)
    level_id = fields.Many2one("account.dunning.level", ondelete="restrict")
    escalated = fields.Boolean(help="The invoice reached a new level with this reminder.")
    date_due = fields.Date("Due Date")
    days_overdue = fields.Integer()
    # An invoice's currency and total never change once posted.
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_total = fields.Monetary(related="move_id.amount_total", string="Invoice Total")
    amount_residual = fields.Monetary("Amount Due", currency_field="currency_id")
    company_currency_id = fields.Many2one(related="reminder_id.company_currency_id", string="Company Currency")
    amount_residual_company = fields.Monetary("Amount Due (Company Currency)", currency_field="company_currency_id")
    # Fees, in the invoice currency, computed once when the reminder is made.
    interest_amount = fields.Monetary("Late Interest", currency_field="currency_id")
    interest_rate = fields.Float("Interest Rate (%)", digits=(6, 3), help="Annual rate of the last period charged.")
    interest_date_from = fields.Date("Interest From", help="First day charged on this reminder.")
    interest_date_to = fields.Date("Interest To", help="Last day charged: the next reminder starts the day after.")
    indemnity_amount = fields.Monetary("Recovery Indemnity", currency_field="currency_id")
    fee_amount = fields.Monetary("Fees", currency_field="currency_id", compute="_compute_fee_amount")

    def _compute_fee_amount(self):
        for line in self:
            line.fee_amount = line.interest_amount + line.indemnity_amount

    # ---- FROZEN ONCE THE REMINDER LEFT DRAFT ----
    @api.model_create_multi
    def create(self, vals_list):
        reminders = self.env["account.dunning.reminder"].browse(
            {vals.get("reminder_id") for vals in vals_list} - {None}
        )
        self._check_frozen(reminders)
        return super().create(vals_list)

    def write(self, vals):
        self._check_frozen(self.reminder_id)
        return super().write(vals)

    def unlink(self):
        self._check_frozen(self.reminder_id)
        return super().unlink()

    def _check_frozen(self, reminders):
        """What a reminder said about an invoice is history: only the addon's
        own refresh before sending may change it."""
        if not is_internal_change(self.env) and reminders.filtered(lambda r: r.state != "draft"):
            raise AccessError(_("The invoices of a reminder that left draft cannot be changed."))

    def _last_reminder_sql(self, move_id):
        """SQL of the invoice's latest reminder that went out (level_id, date,
        reminder_count), no row if none: an invoice's dunning state is read
        from its history, so cancelling a reminder puts the invoice back where
        it was, and a failed or waiting one does not count.  Aggregates rather
        than ORDER BY ... LIMIT 1: with the latter, PostgreSQL may walk the whole reminder date index for each invoice
        (minutes on a large book when its statistics are stale)."""
        return SQL(
            """
            SELECT (ARRAY_AGG(dl.level_id ORDER BY dr.date DESC, dr.id DESC))[1] AS level_id,
                   MAX(dr.date) AS date,
                   COUNT(*) AS reminder_count
              FROM account_dunning_reminder_line dl
              JOIN account_dunning_reminder dr ON dr.id = dl.reminder_id
             WHERE dl.move_id = %s AND dr.state = 'sent'
            HAVING COUNT(*) > 0
            """,
            move_id,
        )
