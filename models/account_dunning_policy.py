from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

FEE_MODES = [
    ("none", "Not charged"),
    ("mention", "Stated on the letter"),
    ("invoice", "Stated and invoiced"),
]


MAX_INTEREST_MARGIN = 25.0  # points above the ECB rate
LEGAL_INDEMNITY_EUR = 40.0  # Code de commerce D441-5
MAX_REMINDERS_BEFORE_NOTICE = 20  # an invoice is named in the letters about its customer's other invoices too


class AccountDunningPolicy(models.Model):
    """A company's escalation ladder; partners use the company default unless
    they or one of their categories name another one."""

    _name = "account.dunning.policy"
    _inherit = ["account.dunning.signatory.mixin"]
    _description = "Dunning Policy"
    _order = "company_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    is_default = fields.Boolean("Company Default", help="Used for every customer without a policy of their own.")
    level_ids = fields.One2many("account.dunning.level", "policy_id", "Levels", copy=True)
    # Copied with the levels they word (see account.dunning.level).
    wording_ids = fields.One2many("account.dunning.wording", "policy_id", "Wording", copy=False)
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
        help="Reminding by hand an invoice less than this many days after a reminder that named it needs a "
        "dunning manager and a reason. The customer's other invoices may be reminded meanwhile.",
    )
    max_reminders = fields.Integer(
        "Max Reminders per Period",
        default=3,
        help="A customer gets at most this many reminders over the period below, whatever sends them (0: no "
        "limit). More needs a dunning manager and a reason: the customer is asked to pay, not harassed.",
    )
    max_reminders_days = fields.Integer(
        "Period (days)",
        default=30,
        help="The rolling period over which the reminders of a customer are counted.",
    )
    max_reminders_before_notice = fields.Integer(
        "Max Reminders before Notice",
        default=0,
        help="An invoice named in this many reminders sent before the formal notice gets no other one: the next "
        "letter about it is the formal notice, once it is late enough for it (0: no limit). A dunning manager may "
        "send one more by hand, with a reason.",
    )
    outcome_days = fields.Integer(
        "Paid within (days)",
        default=14,
        help="A reminder counts as paid when what it asked for is paid within this many days (recovery analysis).",
    )
    # ---- THE CUSTOMER'S ANSWERS (the page behind the letter's pay-online address) ----
    answer_days = fields.Integer(
        "Answers Accepted (days)",
        default=60,
        help="How long after a reminder the customer may answer it from its pay-online address (already paid, "
        "dispute, promise to pay, payment plan); the address then only says it expired.",
    )
    answer_hold_days = fields.Integer(
        "Hold to Check an Answer (days)",
        default=10,
        help="When the customer says it paid or asks for a payment plan, its invoices are on hold this many days "
        "while the responsible checks.",
    )
    promise_max_days = fields.Integer(
        "Promise at Most (days)",
        default=30,
        help="A customer may promise to pay within this many days; its invoices are on hold until then.",
    )
    plan_max_installments = fields.Integer(
        "Installments at Most",
        default=6,
        help="The most installments a customer may ask for in a payment plan.",
    )
    collections_contact_id = fields.Many2one(
        "res.partner",
        "Collections Contact",
        help="Named on the letters as the customer's contact when neither the level nor the customer has a "
        "dunning responsible (e.g. the accounts receivable department, with its email and phone).",
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
        ("outcome_days_positive", "CHECK(outcome_days > 0)", "The payment window must last at least a day."),
        ("interest_margin_positive", "CHECK(interest_margin >= 0)", "The interest margin cannot be negative."),
    ]

    @api.constrains("fee_mode", "fee_journal_id", "fee_indemnity_account_id", "fee_interest_account_id")
    def _check_fee_accounting(self):
        for policy in self.filtered(lambda p: p.fee_mode == "invoice"):
            if not (policy.fee_journal_id and policy.fee_indemnity_account_id and policy.fee_interest_account_id):
                raise ValidationError(
                    _("Policy %s invoices late fees: set its fee journal and income accounts.", policy.name)
                )

    @api.constrains(
        "max_reminders",
        "max_reminders_days",
        "max_reminders_before_notice",
        "answer_days",
        "answer_hold_days",
        "promise_max_days",
        "plan_max_installments",
    )
    def _check_customer_limits(self):
        for policy in self:
            if not 0 <= policy.max_reminders <= 100 or not 1 <= policy.max_reminders_days <= 365:
                raise ValidationError(
                    _(
                        "Policy %s: a customer gets from 0 (no limit) to 100 reminders over a period of 1 to 365 days.",
                        policy.name,
                    )
                )
            if not 0 <= policy.max_reminders_before_notice <= MAX_REMINDERS_BEFORE_NOTICE:
                raise ValidationError(
                    _(
                        "Policy %(policy)s: an invoice gets from 1 to %(max)s reminders before the formal notice, "
                        "or 0 for no limit.",
                        policy=policy.name,
                        max=MAX_REMINDERS_BEFORE_NOTICE,
                    )
                )
            if not all(
                1 <= days <= 365 for days in (policy.answer_days, policy.answer_hold_days, policy.promise_max_days)
            ):
                raise ValidationError(
                    _(
                        "Policy %s: the delays of the customer's answers (accepted, hold to check, promise) run "
                        "from 1 to 365 days.",
                        policy.name,
                    )
                )
            if not 2 <= policy.plan_max_installments <= 60:
                raise ValidationError(
                    _("Policy %s: a payment plan has from 2 to 60 installments at most.", policy.name)
                )

    @api.constrains("interest_margin", "indemnity_amount", "min_interval_days", "max_level_jump")
    def _check_fee_bounds(self):
        """Bounds that catch a typing error before it reaches a letter."""
        for policy in self:
            if policy.interest_margin > MAX_INTEREST_MARGIN:
                raise ValidationError(
                    _(
                        "Policy %(policy)s: an interest margin of %(margin)s points is not plausible; the law sets "
                        "10 points above the ECB rate, and at most %(max)s points are accepted.",
                        policy=policy.name,
                        margin=policy.interest_margin,
                        max=MAX_INTEREST_MARGIN,
                    )
                )
            legal = policy._legal_indemnity()
            if policy.company_currency_id.compare_amounts(policy.indemnity_amount, legal) > 0:
                raise ValidationError(
                    _(
                        "Policy %(policy)s: the fixed recovery indemnity is %(legal)s per invoice (40 € by "
                        "article D441-5); higher recovery costs are claimed on justification, not as this indemnity.",
                        policy=policy.name,
                        legal=policy.company_currency_id.format(legal),
                    )
                )
            if policy.min_interval_days > 365 or policy.max_level_jump > 10:
                raise ValidationError(
                    _(
                        "Policy %s: the minimum interval is at most 365 days and the levels per run at most 10.",
                        policy.name,
                    )
                )

    def _legal_indemnity(self):
        """40 € in the company's currency, 5 % above today's rate so that a
        rate change does not refuse a policy saved last month, and never
        below the 40 units the shipped policy uses."""
        self.ensure_one()
        eur = self.env.ref("base.EUR")
        currency = self.company_currency_id
        if currency == eur:
            return LEGAL_INDEMNITY_EUR
        amount = eur._convert(LEGAL_INDEMNITY_EUR, currency, self.company_id, fields.Date.context_today(self))
        return max(currency.round(amount * 1.05), LEGAL_INDEMNITY_EUR)

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
        """Map partner id -> policy for `company`, in one query whatever the
        number of partners (see `_partner_policy_sql`)."""
        ids = [pid for pid in partners.ids if isinstance(pid, int)]
        if not ids:
            return {}
        self.flush_model(["company_id", "active", "is_default", "sequence", "partner_category_ids"])
        self.env["res.partner"].flush_model(["dunning_policy_id", "category_id"])
        self.env.cr.execute(
            SQL(
                "SELECT p.id, %s FROM res_partner p WHERE p.id IN %s",
                self._partner_policy_sql("p", SQL("%s", company.id), company),
                tuple(ids),
            )
        )
        return {partner_id: self.browse(policy_id) for partner_id, policy_id in self.env.cr.fetchall()}

    @api.model
    def _partner_policy_sql(self, partner, company, companies):
        """SQL of the policy the (commercial) partner of table alias `partner`
        uses in `company` (an SQL expression): its own policy, else the first
        policy of one of its tags, else the company default.  The one place
        this rule is written (the cockpit views use it too); `companies` are
        those `company` can be, for the fallback of the company-dependent
        field.  The caller flushes."""
        Partner = self.env["res.partner"]
        policy_tags = self._fields["partner_category_ids"]
        partner_tags = Partner._fields["category_id"]
        return SQL(
            """
            COALESCE(
                %(own)s,
                (SELECT pol.id FROM account_dunning_policy pol
                   JOIN %(policy_tags)s pt ON pt.%(pt_policy)s = pol.id
                   JOIN %(partner_tags)s ct ON ct.%(ct_tag)s = pt.%(pt_tag)s
                  WHERE ct.%(ct_partner)s = %(partner_id)s AND pol.company_id = %(company)s AND pol.active
               ORDER BY pol.sequence, pol.id
                  LIMIT 1),
                (SELECT pol.id FROM account_dunning_policy pol
                  WHERE pol.company_id = %(company)s AND pol.is_default AND pol.active
               ORDER BY pol.sequence, pol.id
                  LIMIT 1)
            )
            """,
            own=Partner._dunning_company_m2o_sql(partner, "dunning_policy_id", company, companies),
            policy_tags=SQL.identifier(policy_tags.relation),
            pt_policy=SQL.identifier(policy_tags.column1),
            pt_tag=SQL.identifier(policy_tags.column2),
            partner_tags=SQL.identifier(partner_tags.relation),
            ct_tag=SQL.identifier(partner_tags.column2),
            ct_partner=SQL.identifier(partner_tags.column1),
            partner_id=SQL.identifier(partner, "id"),
            company=company,
        )
