from odoo import fields, models


class AccountDunningReminderLine(models.Model):
    """An invoice as it stood when the reminder was decided (frozen facts)."""

    _name = "account.dunning.reminder.line"
    _description = "Dunning Reminder Line"
    _order = "reminder_id, date_due, id"

    reminder_id = fields.Many2one("account.dunning.reminder", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="reminder_id.company_id", store=True)
    move_id = fields.Many2one("account.move", "Invoice", required=True, ondelete="cascade", index=True)
    level_id = fields.Many2one("account.dunning.level", ondelete="restrict")
    previous_level_id = fields.Many2one("account.dunning.level", ondelete="set null")
    escalated = fields.Boolean(help="The invoice reached a new level with this reminder.")
    date_due = fields.Date("Due Date")
    days_overdue = fields.Integer()
    currency_id = fields.Many2one("res.currency", required=True)
    amount_total = fields.Monetary("Invoice Total", currency_field="currency_id")
    amount_residual = fields.Monetary("Amount Due", currency_field="currency_id")
    company_currency_id = fields.Many2one(related="reminder_id.company_currency_id")
    amount_residual_company = fields.Monetary("Amount Due (Company Currency)", currency_field="company_currency_id")
