"""Registered letters: postal tracking, acknowledgement of receipt, and the
payment deadline a formal notice gives the customer."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    # Not frozen: the post office reports these after the reminder went out.
    registered_tracking = fields.Char("Tracking Number", help="Postal tracking number of the registered letter.")
    registered_ack_date = fields.Date(
        "Acknowledged On", help="Date the customer signed the acknowledgement of receipt."
    )
    deadline_date = fields.Date(
        "Payment Deadline",
        compute="_compute_deadline_date",
        help="Formal notices: acknowledgement of receipt (until then, the sending date) plus the level's "
        "notice days. No higher level is sent until this date has passed.",
    )

    @api.depends("tone", "registered_ack_date", "sent_date", "date", "level_id.notice_days")
    def _compute_deadline_date(self):
        for reminder in self:
            if reminder.tone != "formal_notice":
                reminder.deadline_date = False
                continue
            reminder.deadline_date = reminder._notice_start() + timedelta(days=reminder.level_id.notice_days)

    def _notice_start(self):
        """The day the notice period starts; same rule as _moves_under_notice."""
        self.ensure_one()
        # sent_date is UTC, as in the SQL below.
        return self.registered_ack_date or (self.sent_date and self.sent_date.date()) or self.date

    @api.model
    def _moves_under_notice(self, company, today):
        """Invoices of `company` covered by a sent formal notice whose deadline
        has not passed (the deadline day is the customer's): the dunning
        waits for it before escalating them.  Few notices run at a time, so
        this reads them all rather than filtering by invoice."""
        self.flush_model(["company_id", "tone", "state", "registered_ack_date", "sent_date", "date", "level_id"])
        self.env["account.dunning.level"].flush_model(["notice_days"])
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT l.move_id
                  FROM account_dunning_reminder r
                  JOIN account_dunning_level lv ON lv.id = r.level_id
                  JOIN account_dunning_reminder_line l ON l.reminder_id = r.id
                 WHERE r.company_id = %s
                   AND r.state = 'sent'
                   AND r.tone = 'formal_notice'
                   AND COALESCE(r.registered_ack_date, r.sent_date::date, r.date) + lv.notice_days >= %s
                """,
                company.id,
                today,
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}
