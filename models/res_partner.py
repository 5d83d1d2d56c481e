from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from .dunning_search import matches_default, search_through

DUNNING_STATUSES = [
    ("none", "No Action"),
    ("in_progress", "In Progress"),
    ("manual", "Needs Manual Action"),
    ("blocked", "Blocked"),
    ("litigation", "In Litigation"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    dunning_policy_id = fields.Many2one(
        "account.dunning.policy",
        company_dependent=True,
        help="Leave empty to use the policy of the customer's tags, else the company default.",
    )
    dunning_excluded = fields.Boolean("Do Not Dun", help="Never send payment reminders to this customer.")
    dunning_responsible_id = fields.Many2one(
        "res.users", company_dependent=True, help="Follows up this customer's unpaid invoices."
    )
    dunning_status = fields.Selection(
        DUNNING_STATUSES, compute="_compute_dunning_state", search="_search_dunning_status"
    )
    dunning_max_level_id = fields.Many2one(
        "account.dunning.level",
        "Highest Level",
        compute="_compute_dunning_state",
        search="_search_dunning_max_level_id",
    )
    dunning_overdue_amount = fields.Monetary(
        "Overdue Amount",
        currency_field="dunning_currency_id",
        compute="_compute_dunning_state",
        search="_search_dunning_overdue_amount",
    )
    dunning_currency_id = fields.Many2one("res.currency", compute="_compute_dunning_state")
    dunning_oldest_days = fields.Integer(
        "Oldest Overdue (days)", compute="_compute_dunning_state", search="_search_dunning_oldest_days"
    )
    dunning_next_date = fields.Date(
        "Next Reminder", compute="_compute_dunning_state", search="_search_dunning_next_date"
    )
    dunning_reminder_count = fields.Integer("Reminder Count", compute="_compute_dunning_reminder_count")

    @api.model
    def _commercial_fields(self):
        return [*super()._commercial_fields(), "dunning_excluded"]

    @api.depends_context("company")
    def _compute_dunning_state(self):
        """Read from the cockpit's partner status (one query for all the
        partners): the status rule is written once, in its SQL."""
        company = self.env.company
        rows = self.env["account.dunning.partner.status"].search_fetch(
            [("company_id", "=", company.id), ("partner_id", "in", self.commercial_partner_id._origin.ids)],
            ["partner_id", "status", "level_id", "overdue_amount", "oldest_days", "next_date"],
        )
        row_of = {row.partner_id: row for row in rows}
        for partner in self:
            row = row_of.get(partner.commercial_partner_id._origin)
            partner.dunning_currency_id = company.currency_id
            partner.dunning_overdue_amount = row.overdue_amount if row else 0.0
            partner.dunning_oldest_days = row.oldest_days if row else 0
            partner.dunning_max_level_id = row.level_id if row else False
            partner.dunning_next_date = row.next_date if row else False
            # No row: nothing overdue nor waiting; a Do Not Dun customer stays blocked.
            excluded = partner.commercial_partner_id.dunning_excluded
            partner.dunning_status = row.status if row else ("blocked" if excluded else "none")

    # ---- SEARCH (through the cockpit's partner status of the current company) ----
    def _search_dunning_partner_status(self, view_field, operator, value, default):
        return search_through(
            self.env["account.dunning.partner.status"],
            view_field,
            "partner_id",
            operator,
            value,
            default,
            extra_domain=[("company_id", "=", self.env.company.id)],
            field="commercial_partner_id",
        )

    def _search_dunning_status(self, operator, value):
        """Customers without a status row show No Action, or Blocked when
        excluded from dunning."""
        Status = self.env["account.dunning.partner.status"]
        in_company = [("company_id", "=", self.env.company.id)]
        with_row = Status._search(in_company).subselect("partner_id")
        matching = Status._search(expression.AND([in_company, [("status", operator, value)]]))
        domains = [[("commercial_partner_id", "in", matching.subselect("partner_id"))]]
        for shown, excluded in (("none", False), ("blocked", True)):
            if matches_default(shown, operator, value):
                domains.append(
                    [
                        ("commercial_partner_id", "not in", with_row),
                        ("commercial_partner_id.dunning_excluded", "=", excluded),
                    ]
                )
        return expression.OR(domains)

    def _search_dunning_max_level_id(self, operator, value):
        return self._search_dunning_partner_status("level_id", operator, value, False)

    def _search_dunning_overdue_amount(self, operator, value):
        return self._search_dunning_partner_status("overdue_amount", operator, value, 0.0)

    def _search_dunning_oldest_days(self, operator, value):
        return self._search_dunning_partner_status("oldest_days", operator, value, 0)

    def _search_dunning_next_date(self, operator, value):
        return self._search_dunning_partner_status("next_date", operator, value, False)

    @api.model
    def _dunning_company_m2o_sql(self, alias, fname, company, companies):
        """SQL of the company-dependent many2one `fname` of the partner table
        `alias` in the company `company` (an SQL expression), with the
        ir.default fallback of `companies` as the ORM reads it."""
        field = self._fields[fname]
        value = SQL("(%s ->> (%s)::text)::int4", SQL.identifier(alias, fname), company)
        fallbacks = [
            SQL("WHEN %s THEN %s", each.id, fallback.id)
            for each in companies
            if (fallback := field.get_company_dependent_fallback(self.with_company(each)))
        ]
        if not fallbacks:
            return value
        return SQL("COALESCE(%s, CASE %s %s END)", value, company, SQL(" ").join(fallbacks))

    def _compute_dunning_reminder_count(self):
        counts = dict(
            self.env["account.dunning.reminder"]._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.dunning_reminder_count = counts.get(partner.commercial_partner_id, 0)

    def _dunning_check_remindable(self, company):
        """Say exactly why a customer cannot be reminded in `company`."""
        self.ensure_one()
        partner = self.commercial_partner_id
        if partner.dunning_excluded:
            raise UserError(
                self.env._(
                    "%s is set to Do Not Dun: clear that option on the customer to remind them.", partner.display_name
                )
            )
        policy = self.env["account.dunning.policy"]._policies_for_partners(partner, company).get(partner.id)
        if not policy:
            raise UserError(
                self.env._(
                    "%(partner)s has no dunning policy in %(company)s: set a default policy.",
                    partner=partner.display_name,
                    company=company.name,
                )
            )
        if not policy.level_ids:
            raise UserError(
                self.env._(
                    "The dunning policy %(policy)s of %(partner)s has no level: add levels to the policy.",
                    policy=policy.name,
                    partner=partner.display_name,
                )
            )

    def _dunning_missing_address(self):
        """Labels of what a letter needs and this address lacks (street, zip,
        city; the country is printed only for foreign addresses)."""
        self.ensure_one()
        missing = []
        if not (self.street or self.street2):
            missing.append(self.env._("street"))
        if not self.zip:
            missing.append(self.env._("zip"))
        if not self.city:
            missing.append(self.env._("city"))
        return missing

    def action_dunning_send_now(self):
        """List action: remind the selected customers now, whatever the
        schedule, through the same pipeline as the nightly run."""
        stats = self._dunning_send_now(self.env.company)
        return self.env["account.dunning.engine"]._notification(stats, self.env._("Send reminders now"))

    def _dunning_send_now(self, company):
        engine = self.env["account.dunning.engine"].with_company(company)
        partners = self.commercial_partner_id.filtered(lambda p: not p.dunning_excluded)
        _reminders, stats = engine._run(company, partner_ids=partners.ids, force=True)
        stats["excluded"] = len(self.commercial_partner_id - partners)
        return stats

    def action_dunning_escalate(self, move_ids=True):
        """List action (managers): move the overdue invoices of the selected
        customers (or only `move_ids`) one level up now and send that reminder."""
        if not self.env.user.has_group("account_dunning.group_dunning_manager"):
            raise UserError(self.env._("Only a dunning manager can escalate invoices."))
        engine = self.env["account.dunning.engine"]
        partners = self.commercial_partner_id.filtered(lambda p: not p.dunning_excluded)
        _reminders, stats = engine._run(self.env.company, partner_ids=partners.ids, force=True, escalate=move_ids)
        stats["excluded"] = len(self.commercial_partner_id - partners)
        return engine._notification(stats, self.env._("Escalate to next level"))

    def action_view_dunning_reminders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_dunning.action_account_dunning_reminder")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action
