from odoo import api, fields, models

from .account_dunning_partner_risk import RISK_CLASSES

RISK_GROUPS = "account_dunning.group_dunning_user,account.group_account_readonly"
RISK_FIGURES = {
    "dunning_risk_class": "risk_class",
    "dunning_risk_why": "risk_why",
    "dunning_risk_date": "date",
    "dunning_paid_count": "paid_count",
    "dunning_avg_days_late": "avg_days_late",
    "dunning_max_days_late": "max_days_late",
    "dunning_reminders_per_invoice": "reminders_per_invoice",
    "dunning_broken_promises": "broken_promises",
    "dunning_disputes": "disputes",
}


class ResPartner(models.Model):
    """The customer's payment behaviour in the current company, as the
    nightly run last measured it (see account_dunning_partner_risk.py)."""

    _inherit = "res.partner"

    dunning_risk_class = fields.Selection(
        selection=RISK_CLASSES,
        string="Payment Risk",
        compute="_compute_dunning_risk",
        groups=RISK_GROUPS,
        help="Medium until the nightly run measures the customer's payments.",
    )
    dunning_risk_why = fields.Text("Why This Risk", compute="_compute_dunning_risk", groups=RISK_GROUPS)
    dunning_risk_date = fields.Date("Risk Measured On", compute="_compute_dunning_risk", groups=RISK_GROUPS)
    dunning_paid_count = fields.Integer("Invoices Paid", compute="_compute_dunning_risk", groups=RISK_GROUPS)
    dunning_avg_days_late = fields.Float(
        "Average Days Late", digits=(16, 1), compute="_compute_dunning_risk", groups=RISK_GROUPS
    )
    dunning_max_days_late = fields.Integer("Most Days Late", compute="_compute_dunning_risk", groups=RISK_GROUPS)
    dunning_reminders_per_invoice = fields.Float(
        "Reminders per Invoice", digits=(16, 2), compute="_compute_dunning_risk", groups=RISK_GROUPS
    )
    dunning_broken_promises = fields.Integer(
        "Broken Promises (12 Months)", compute="_compute_dunning_risk", groups=RISK_GROUPS
    )
    dunning_disputes = fields.Integer("Disputed Invoices", compute="_compute_dunning_risk", groups=RISK_GROUPS)

    @api.depends_context("company")
    def _compute_dunning_risk(self):
        rows = self.env["account.dunning.partner.risk"].search_fetch(
            [("company_id", "=", self.env.company.id), ("partner_id", "in", self.commercial_partner_id._origin.ids)],
            list(RISK_FIGURES.values()) + ["partner_id"],
        )
        row_of = {row.partner_id: row for row in rows}
        for partner in self:
            row = row_of.get(partner.commercial_partner_id._origin)
            for name, figure in RISK_FIGURES.items():
                partner[name] = row[figure] if row else False
            if not row:
                partner.dunning_risk_class = "medium"
