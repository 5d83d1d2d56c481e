from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

FEE_MODES = [
    ("none", "Not charged"),
    ("mention", "Stated on the letter"),
    ("invoice", "Stated and invoiced"),
]


class AccountDunningPolicy(models.Model):
    """A company's escalation ladder; partners use the company default unless
    they or one of their categories name another one."""

    _name = "account.dunning.policy"
    _description = "Dunning Policy"
    _order = "company_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    is_default = fields.Boolean("Company Default", help="Used for every customer without a policy of their own.")
    level_ids = fields.One2many("account.dunning.level", "policy_id", "Levels", copy=True)
    partner_category_ids = fields.Many2many(
        "res.partner.category",
        string="Customer Tags",
        help="Customers with one of these tags use this policy unless they name another one.",
    )
    max_level_jump = fields.Integer(
        "Max Levels per Run",
        default=1,
        help="How many levels an invoice may climb in one run. 1 never skips a level: "
        "an invoice found 40 days late gets the first reminder, not the formal notice.",
    )
    min_interval_days = fields.Integer(
        "Minimum Interval (days)",
        default=7,
        help="A reminder sent by hand less than this many days after the previous one "
        "to the same customer needs a dunning manager.",
    )
    # ---- FEES (levels with "Apply Fees", professional customers only) ----
    fee_mode = fields.Selection(
        FEE_MODES,
        "Late Fees",
        required=True,
        default="mention",
        help="Mention: the letter states the interest and indemnity due. Invoice: they are also "
        "invoiced to the customer when the reminder is sent, and the invoice is reversed if the "
        "reminder is cancelled.",
    )
    indemnity_amount = fields.Monetary(
        "Recovery Indemnity",
        currency_field="company_currency_id",
        default=40.0,
        help="Fixed indemnity for recovery costs, charged once per late invoice (French Code de commerce D441-5).",
    )
    interest_margin = fields.Float(
        "Interest Margin (points)",
        digits=(6, 3),
        default=10.0,
        help="Added to the reference rate of each half-year (ECB rate + 10 points by law, L441-10).",
    )
    interest_legal_floor = fields.Boolean(
        "At Least 3x the Legal Rate",
        default=True,
        help="Never charge less than three times the legal interest rate of the half-year.",
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    fee_journal_id = fields.Many2one(
        "account.journal",
        "Fee Journal",
        domain="[('type', '=', 'sale'), ('company_id', '=', company_id)]",
        help="Sales journal of the fee invoices.",
    )
    fee_indemnity_account_id = fields.Many2one(
        "account.account",
        "Indemnity Account",
        domain="[('account_type', 'in', ('income', 'income_other')), ('company_ids', 'in', company_id)]",
    )
    fee_interest_account_id = fields.Many2one(
        "account.account",
        "Interest Account",
        domain="[('account_type', 'in', ('income', 'income_other')), ('company_ids', 'in', company_id)]",
    )

    _sql_constraints = [
        ("max_level_jump_positive", "CHECK(max_level_jump >= 1)", "An invoice must be able to climb one level."),
        ("min_interval_positive", "CHECK(min_interval_days >= 0)", "The minimum interval cannot be negative."),
        ("indemnity_positive", "CHECK(indemnity_amount >= 0)", "The recovery indemnity cannot be negative."),
        ("interest_margin_positive", "CHECK(interest_margin >= 0)", "The interest margin cannot be negative."),
    ]

    @api.constrains("fee_mode", "fee_journal_id", "fee_indemnity_account_id", "fee_interest_account_id")
    def _check_fee_accounting(self):
        for policy in self.filtered(lambda p: p.fee_mode == "invoice"):
            if not (policy.fee_journal_id and policy.fee_indemnity_account_id and policy.fee_interest_account_id):
                raise ValidationError(
                    _("Policy %s invoices late fees: set its fee journal and income accounts.", policy.name)
                )

    @api.constrains("is_default", "company_id", "active")
    def _check_single_default(self):
        for company in self.filtered("is_default").company_id:
            count = self.search_count([("company_id", "=", company.id), ("is_default", "=", True)])
            if count > 1:
                raise ValidationError(_("Company %s already has a default dunning policy.", company.name))

    @api.model
    def _default_for_company(self, company):
        return self.search([("company_id", "=", company.id), ("is_default", "=", True)], limit=1)

    @api.model
    def _ensure_default_policy(self, companies):
        """Give each company without a default policy a copy of the French one."""
        template = self.env.ref("account_dunning.dunning_policy_fr", raise_if_not_found=False)
        if not template:
            return
        # sudo: the template belongs to another company than the new one.
        template = template.sudo()
        for company in companies:
            if not self.sudo()._default_for_company(company):
                template.copy({"company_id": company.id, "is_default": True, "name": template.name})

    @api.model
    def _policies_for_partners(self, partners, company):
        """Map partner id -> policy for `company`, in a few queries whatever the
        number of partners: own policy, then tag policy, then company default."""
        partners = partners.with_company(company)
        tagged = self.search([("company_id", "=", company.id), ("partner_category_ids", "!=", False)])
        default = self._default_for_company(company)
        result = {}
        for partner in partners:
            policy = partner.dunning_policy_id
            if not policy and tagged:
                policy = next((p for p in tagged if p.partner_category_ids & partner.category_id), self.browse())
            result[partner.id] = policy or default
        return result
