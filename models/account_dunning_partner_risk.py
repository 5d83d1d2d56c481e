"""How each customer paid over the last 12 months, per company, and the risk
class its dunning schedule adapts to (see account_dunning_policy_risk.py).

Stored rather than computed at each read: the nightly run refreshes all the
customers of a company in one SQL statement before it plans (see
account_dunning_partner_risk_refresh.py), and the plan, the customer form and
new invoices read the result without recomputing a year of history."""

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

RISK_CLASSES = [("low", "Low"), ("medium", "Medium"), ("high", "High")]


class AccountDunningPartnerRisk(models.Model):
    _name = "account.dunning.partner.risk"
    _description = "Customer Payment Risk"
    _rec_name = "partner_id"
    _order = "company_id, partner_id"
    # Written in bulk by the nightly refresh; `date` says when.
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    policy_id = fields.Many2one(
        "account.dunning.policy", readonly=True, ondelete="set null", help="The policy whose thresholds applied."
    )
    date = fields.Date("Refreshed On", readonly=True)
    paid_count = fields.Integer("Invoices Paid", readonly=True, help="Invoices paid over the last 12 months.")
    avg_days_late = fields.Float(
        "Average Days Late", digits=(16, 1), readonly=True, help="Days between due date and payment, on average."
    )
    max_days_late = fields.Integer(
        "Most Days Late", readonly=True, help="The latest payment, in days after the due date."
    )
    oldest_overdue_days = fields.Integer("Oldest Overdue (days)", readonly=True, help="Of the invoices still unpaid.")
    reminders_per_invoice = fields.Float(
        "Reminders per Invoice",
        digits=(16, 2),
        readonly=True,
        help="Reminders sent per invoice due over the last 12 months: how often the customer needs to be asked.",
    )
    broken_promises = fields.Integer("Broken Promises", readonly=True)
    disputes = fields.Integer(
        "Disputed Invoices", readonly=True, help="Disputed over the last 12 months, or on hold for a dispute now."
    )
    overdue_amount = fields.Monetary("Overdue Amount", currency_field="currency_id", readonly=True)
    risk_class = fields.Selection(RISK_CLASSES, "Payment Risk", required=True, readonly=True, default="medium")
    risk_why = fields.Text("Why", readonly=True, help="The thresholds of the policy the customer's figures crossed.")

    _sql_constraints = [
        ("partner_company_unique", "UNIQUE(partner_id, company_id)", "A customer has one risk row per company."),
    ]

    # ---- READ ----
    @api.model
    def _classes_for_schedules(self, company, policy_of):
        """{partner id: risk class} of the customers of `policy_of` ({partner
        id: policy}) whose policy adapts its schedule to risk, in one query;
        customers without a row are medium risk."""
        ids = [partner_id for partner_id, policy in policy_of.items() if policy.risk_schedules]
        if not ids:
            return {}
        self.flush_model(["partner_id", "company_id", "risk_class"])
        self.env.cr.execute(
            SQL(
                "SELECT partner_id, risk_class FROM account_dunning_partner_risk WHERE company_id = %s "
                "AND partner_id IN %s",
                company.id,
                tuple(ids),
            )
        )
        return dict.fromkeys(ids, "medium") | dict(self.env.cr.fetchall())

    # ---- REFRESH ----
    def action_refresh(self):
        """Measure again now, for the selected companies, what the nightly
        run measures (after changing a policy's thresholds, say)."""
        if not self.env.user.has_group("account_dunning.group_dunning_manager"):
            raise AccessError(self.env._("Only a dunning manager can measure the customers' payment risk again."))
        self._refresh(self.env.companies, fields.Date.context_today(self))
        return {"type": "ir.actions.client", "tag": "soft_reload"}
