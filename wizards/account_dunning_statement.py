from odoo import api, fields, models


class AccountDunningStatement(models.TransientModel):
    """Month-end run: the statements of every customer with open items, in one PDF."""

    _name = "account.dunning.statement"
    _description = "Print Customer Statements"

    date = fields.Date("Statement Date", required=True, default=fields.Date.context_today)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    overdue_only = fields.Boolean(
        "Only Customers with Overdue Items", help="Leave unchecked to include customers whose items are not yet due."
    )
    partner_count = fields.Integer("Customers", compute="_compute_partner_count")

    @api.depends("date", "company_id", "overdue_only")
    def _compute_partner_count(self):
        for wizard in self:
            wizard.partner_count = len(wizard._partners()) if wizard.date and wizard.company_id else 0

    def _partners(self):
        self.ensure_one()
        return self.env["res.partner"]._dunning_statement_partners(self.company_id, self.date, self.overdue_only)

    def action_print(self):
        self.ensure_one()
        action = self._partners()._dunning_statement_report_action(self.company_id, self.date)
        action["close_on_report_download"] = True  # the dialog closes once the PDF is downloaded
        return action
