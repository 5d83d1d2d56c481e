"""What the checks before chasing found, kept for the user to act on.

One record per customer, company and check that found something, written
each time the customer's checks run (the nightly run, a list action, the Send
Reminder wizard): the current findings are active and replace the earlier
ones.  Findings a reminder went out with stay linked to it (inactive once
replaced), so the reminder tells what was known when it left.  Each finding
offers its way out: apply the credits, send the invoice, open what to fix."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .account_dunning_prechecks import CHECKS


class AccountDunningCheckResult(models.Model):
    _name = "account.dunning.check.result"
    _description = "Dunning Check Result"
    _order = "severity, id"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    partner_id = fields.Many2one("res.partner", "Customer", required=True, readonly=True, index=True)
    code = fields.Selection(CHECKS, "Check", required=True, readonly=True)
    severity = fields.Selection(
        [("block", "Blocks"), ("warning", "Warning")],
        required=True,
        readonly=True,
        help="Blocks: the invoices named, or the whole customer, are not reminded. Warning: the reminder goes.",
    )
    message = fields.Char(required=True, readonly=True)
    move_ids = fields.Many2many("account.move", string="Invoices", readonly=True)
    date = fields.Date("Checked On", required=True, readonly=True)
    reminder_id = fields.Many2one("account.dunning.reminder", "Reminder", readonly=True, index=True, ondelete="cascade")
    active = fields.Boolean(
        default=True,
        readonly=True,
        help="The customer's current findings; earlier ones are kept only on the reminders that went with them.",
    )

    # ---- STORE ----
    @api.model
    def _replace(self, company, today, plans, reminders=None, partner_ids=None):
        """Write the findings of `plans` as the current ones of their
        customers (and of `partner_ids`, or of every customer of the company
        when None: a full run checked them all), link them to the reminder
        each customer got in this run, in a fixed number of queries."""
        self.check_access("create")
        # The nightly run and the integrators' run go through every company,
        # those the user has not selected too (as the reminders, written in
        # SQL): the company of each finding is set here, not taken from the user.
        results = self.sudo()
        checked = {plan.partner_id for plan in plans if plan.lines or plan.checks}
        scope = [("company_id", "=", company.id), ("active", "=", True)]
        if partner_ids is not None:
            scope.append(("partner_id", "in", list(checked | set(partner_ids))))
        old = results.search(scope)
        old.filtered("reminder_id").write({"active": False})
        old.filtered(lambda result: not result.reminder_id).unlink()
        reminder_of = {reminder.partner_id.id: reminder.id for reminder in (reminders or results.reminder_id).sudo()}
        results = results.create(
            [
                {
                    "company_id": company.id,
                    "partner_id": plan.partner_id,
                    "code": result.code,
                    "severity": result.severity,
                    "message": result.message,
                    "move_ids": [fields.Command.set(result.move_ids)],
                    "date": today,
                    "reminder_id": reminder_of.get(plan.partner_id, False),
                }
                for plan in plans
                for result in plan.checks
            ]
        )
        return results.sudo(False)

    # ---- ACTIONS ----
    def action_fix(self):
        """The way out of this finding, in one click."""
        self.ensure_one()
        if self.code == "credits":
            return self.action_open_open_items()
        if self.code == "never_sent":
            return self.action_send_invoices()
        if self.code == "bank":
            return self._open_bank_journals()
        if self.code == "email":
            contact = self.partner_id.address_get(["invoice"])["invoice"]
            return self._open("res.partner", self.env["res.partner"].browse(contact))
        return self._open("account.move", self.move_ids)

    def action_send_invoices(self):
        """Odoo's Send & Print of the invoices never sent."""
        moves = self.filtered(lambda result: result.code == "never_sent").move_ids.filtered(
            lambda move: move.state == "posted" and not move.is_move_sent
        )
        if not moves:
            raise UserError(_("These invoices were sent meanwhile: run the checks again."))
        return moves.action_send_and_print()

    def action_open_open_items(self):
        """The customer's open receivable items: invoices and the payments
        and credit notes that could settle them, to match."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_amounts_to_settle")
        action.update(
            name=_("Open Items of %s", self.partner_id.display_name),
            domain=self._open_items_domain(),
            context={"search_default_group_by_partner": 0, "create": False},
        )
        return action

    def action_apply_credits(self):
        """Match the customer's unapplied payments and credit notes with its
        open invoices (oldest first, as Odoo's reconciliation does), then
        check the customer again."""
        self.ensure_one()
        lines = self.env["account.move.line"].search(self._open_items_domain(), order="date_maturity, id")
        done = False
        for _key, group in lines.grouped(lambda line: (line.account_id, line.currency_id)).items():
            if group.filtered(lambda line: line.amount_residual < 0) and group.filtered(
                lambda line: line.amount_residual > 0
            ):
                group.reconcile()
                done = True
        if not done:
            raise UserError(_("%s has no payment or credit note left to apply.", self.partner_id.display_name))
        company, partner = self.company_id, self.partner_id
        self.env["account.dunning.engine"].with_company(company)._recheck_customers(company, partner.ids)
        return self.env["account.dunning.engine"]._client_notification(
            _("Credits applied"), _("The payments and credit notes of %s were matched with its invoices.", partner.name)
        )

    def _open_items_domain(self):
        return [
            ("company_id", "=", self.company_id.id),
            ("partner_id", "child_of", self.partner_id.id),
            ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", "!=", 0),
        ]

    def _open_bank_journals(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_account_journal_form")
        action["domain"] = [("type", "=", "bank"), ("company_id", "=", self.company_id.id)]
        return action

    @api.model
    def _open(self, model, records):
        action = {"type": "ir.actions.act_window", "res_model": model, "target": "current"}
        if len(records) == 1:
            return {**action, "res_id": records.id, "views": [(False, "form")]}
        return {**action, "domain": [("id", "in", records.ids)], "views": [(False, "list"), (False, "form")]}


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    check_result_ids = fields.One2many(
        "account.dunning.check.result",
        "reminder_id",
        "Checks",
        context={"active_test": False},
        help="What the checks before chasing found when this reminder was created.",
    )


class AccountDunningEngine(models.AbstractModel):
    _inherit = "account.dunning.engine"

    def _recheck_customers(self, company, partner_ids):
        """Plan the customers again (nothing is sent) and keep what their
        checks find now."""
        today = fields.Date.context_today(self)
        rows = self._overdue_rows(company, today, partner_ids)
        plans = self._plan(company, today, rows, force_partner_ids=set(partner_ids), manual=True, keep_covered=True)
        return self.env["account.dunning.check.result"]._replace(company, today, plans, partner_ids=partner_ids)

    def _check_results_sql(self):
        """Per company and customer: current blocking and warning findings,
        and whether credits or unsent invoices are among them (the cockpit)."""
        return SQL(
            """
            SELECT company_id, partner_id,
                   COUNT(*) FILTER (WHERE severity = 'block') AS block_count,
                   COUNT(*) FILTER (WHERE severity = 'warning') AS warning_count,
                   BOOL_OR(code = 'credits') AS has_credits,
                   BOOL_OR(code = 'never_sent') AS has_never_sent
              FROM account_dunning_check_result
             WHERE active
          GROUP BY company_id, partner_id
            """
        )


class AccountDunningPartnerStatus(models.Model):
    _inherit = "account.dunning.partner.status"

    def _check_results(self, code=None):
        """The current findings of these rows' customers (one search)."""
        domain = [
            ("active", "=", True),
            ("partner_id", "in", self.partner_id.ids),
            ("company_id", "in", self.company_id.ids),
        ]
        if code:
            domain.append(("code", "=", code))
        pairs = {(row.company_id.id, row.partner_id.id) for row in self}
        return (
            self.env["account.dunning.check.result"]
            .search(domain)
            .filtered(lambda result: (result.company_id.id, result.partner_id.id) in pairs)
        )

    def action_open_checks(self):
        """The findings of this customer, each with its way out."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_dunning.action_account_dunning_check_result")
        action["domain"] = [("id", "in", self._check_results().ids)]
        return action

    def action_apply_credits(self):
        self.ensure_one()
        result = self._check_results("credits")[:1]
        if not result:
            raise UserError(_("No unapplied payment or credit note was found for %s.", self.partner_id.display_name))
        return result.action_apply_credits()

    def action_open_open_items(self):
        self.ensure_one()
        result = self._check_results("credits")[:1]
        if not result:
            raise UserError(_("No unapplied payment or credit note was found for %s.", self.partner_id.display_name))
        return result.action_open_open_items()

    def action_send_invoices(self):
        self.ensure_one()
        return self._check_results("never_sent").action_send_invoices()
