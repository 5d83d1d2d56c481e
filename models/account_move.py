from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    dunning_days_overdue = fields.Integer(
        string="Days Overdue",
        compute="_compute_dunning_days_overdue",
        help="Days since the due date while an amount is still owed.",
    )

    @api.depends("invoice_date_due", "amount_residual", "move_type", "state")
    def _compute_dunning_days_overdue(self):
        today = fields.Date.context_today(self)
        for move in self:
            late = (
                move.state == "posted"
                and move.move_type == "out_invoice"
                and move.amount_residual > 0
                and move.invoice_date_due
                and move.invoice_date_due < today
            )
            move.dunning_days_overdue = (today - move.invoice_date_due).days if late else 0
