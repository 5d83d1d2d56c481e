from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


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

    _sql_constraints = [
        ("max_level_jump_positive", "CHECK(max_level_jump >= 1)", "An invoice must be able to climb one level."),
        ("min_interval_positive", "CHECK(min_interval_days >= 0)", "The minimum interval cannot be negative."),
    ]

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
