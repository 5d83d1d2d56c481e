from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .res_partner import DUNNING_STATUSES

# Row id of a (customer, company) pair: stable while the row exists, unique
# as long as company ids stay below this.
COMPANY_SLOTS = 100000


class AccountDunningPartnerStatus(models.Model):
    """The customers to chase, one row per commercial partner and company
    with overdue invoices or a reminder waiting for someone.

    The one place the customer's dunning status is decided: res.partner's
    dunning fields read these rows.  Like the analysis it aggregates, it is
    computed at each read for the user's today."""

    _name = "account.dunning.partner.status"
    _description = "Customer Dunning Status"
    _auto = False
    _rec_name = "partner_id"
    _order = "oldest_days desc, id"
    _depends = {
        "account.dunning.analysis": [],
        "account.dunning.reminder": ["company_id", "partner_id", "state"],
        "account.dunning.level": ["tone"],
        "account.dunning.check.result": ["active", "severity", "code", "company_id", "partner_id"],
        "res.partner": ["dunning_excluded", "dunning_responsible_id", "commercial_partner_id"],
        "account.move.line": ["partner_id", "company_id", "parent_state", "reconciled", "amount_residual"],
    }

    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", "Company Currency", readonly=True)
    responsible_id = fields.Many2one("res.users", readonly=True)
    status = fields.Selection(DUNNING_STATUSES, readonly=True, group_expand=True)
    level_id = fields.Many2one("account.dunning.level", "Highest Level", readonly=True)
    overdue_amount = fields.Monetary(currency_field="currency_id", readonly=True)
    overdue_count = fields.Integer("Overdue Invoices", readonly=True)
    oldest_days = fields.Integer("Oldest Overdue (days)", readonly=True, aggregator="max")
    next_date = fields.Date("Next Reminder", readonly=True)
    to_validate_count = fields.Integer("Reminders to Validate", readonly=True)
    # What the checks before chasing found (account_dunning_check_result.py).
    check_block_count = fields.Integer("Checks to Fix", readonly=True)
    check_warning_count = fields.Integer("Check Warnings", readonly=True)
    check_credits = fields.Boolean("Credits to Apply", readonly=True)
    check_never_sent = fields.Boolean("Invoices Never Sent", readonly=True)

    @property
    def _table_query(self):
        return self._status_sql(fields.Date.context_today(self))

    def _status_sql(self, today):
        analysis = self.env["account.dunning.analysis"]._analysis_sql(today)
        return SQL(
            """
            SELECT f.partner_id::bigint * %(slots)s + f.company_id AS id,
                   f.partner_id,
                   f.company_id,
                   c.currency_id,
                   %(responsible)s AS responsible_id,
                   CASE WHEN p.dunning_excluded OR (f.has_hold AND f.active_amount = 0) THEN 'blocked'
                        WHEN lv.tone = 'litigation' THEN 'litigation'
                        -- A reminder waits for someone, or unapplied payments
                        -- or credit notes: reconcile before reminding.
                        -- So does a check before chasing that blocks.
                        WHEN f.pending_count > 0 OR (f.active_amount > 0 AND COALESCE(cr.amount, 0) > 0)
                             OR (f.active_amount > 0 AND chk.block_count > 0) THEN 'manual'
                        WHEN f.active_amount > 0 AND f.level_id IS NOT NULL THEN 'in_progress'
                        WHEN f.has_hold THEN 'blocked'
                        ELSE 'none'
                   END AS status,
                   f.level_id,
                   f.overdue_amount,
                   f.overdue_count,
                   COALESCE(f.oldest_days, 0) AS oldest_days,
                   CASE WHEN NOT COALESCE(p.dunning_excluded, FALSE) THEN f.next_date END AS next_date,
                   f.to_validate_count,
                   COALESCE(chk.block_count, 0) AS check_block_count,
                   COALESCE(chk.warning_count, 0) AS check_warning_count,
                   COALESCE(chk.has_credits, FALSE) AS check_credits,
                   COALESCE(chk.has_never_sent, FALSE) AS check_never_sent
              FROM (
                    SELECT company_id, partner_id,
                           COALESCE(SUM(amount_residual), 0) AS overdue_amount,
                           COALESCE(SUM(amount_residual) FILTER (WHERE NOT on_hold), 0) AS active_amount,
                           COUNT(move_id) AS overdue_count,
                           COALESCE(BOOL_OR(on_hold), FALSE) AS has_hold,
                           MAX(days_overdue) FILTER (WHERE NOT on_hold) AS oldest_days,
                           MIN(next_date) FILTER (WHERE NOT on_hold) AS next_date,
                           (ARRAY_AGG(level_id ORDER BY level_days DESC, level_id)
                                FILTER (WHERE NOT on_hold AND level_id IS NOT NULL))[1] AS level_id,
                           COUNT(reminder_state) FILTER (WHERE reminder_state = 'to_validate') AS to_validate_count,
                           COUNT(reminder_state) AS pending_count
                      FROM (
                            SELECT company_id, partner_id, move_id, amount_residual, on_hold, days_overdue,
                                   next_date, level_id, level_days, NULL AS reminder_state
                              FROM (%(analysis)s) inv
                             WHERE inv.date_due < %(today)s
                         UNION ALL
                            SELECT company_id, partner_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, state
                              FROM account_dunning_reminder
                             WHERE state IN ('to_validate', 'failed')
                           ) facts
                  GROUP BY company_id, partner_id
                   ) f
              JOIN res_company c ON c.id = f.company_id
              JOIN res_partner p ON p.id = f.partner_id
         LEFT JOIN account_dunning_level lv ON lv.id = f.level_id
         LEFT JOIN LATERAL (
                    SELECT credits.amount FROM (%(credits)s) credits
                     WHERE credits.company_id = f.company_id AND credits.partner_id = f.partner_id
                   ) cr ON TRUE
         LEFT JOIN (%(checks)s) chk ON chk.company_id = f.company_id AND chk.partner_id = f.partner_id
            """,
            slots=COMPANY_SLOTS,
            today=today,
            analysis=analysis,
            credits=self.env["account.dunning.engine"]._unapplied_credits_sql(),
            checks=self.env["account.dunning.engine"]._check_results_sql(),
            responsible=self.env["res.partner"]._dunning_company_m2o_sql(
                "p", "dunning_responsible_id", SQL("f.company_id"), self.env.companies
            ),
        )

    # ---- ACTIONS ----
    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "views": [(False, "form")],
            "target": "current",
        }

    def action_send_reminder(self):
        """The Send Reminder wizard of the customer form, for this row's company."""
        self.ensure_one()
        if self.company_id not in self.env.companies:
            raise UserError(_("Select the company %s to remind this customer.", self.company_id.name))
        action = self.env["ir.actions.act_window"]._for_xml_id("account_dunning.action_account_dunning_send")
        action["context"] = {
            "active_model": "res.partner",
            "active_ids": self.partner_id.ids,
            "dunning_company_id": self.company_id.id,
        }
        return action

    def action_send_now(self):
        """List action: remind the selected customers now, company by company."""
        stats = {}
        for company, rows in self.grouped("company_id").items():
            for key, count in rows.partner_id._dunning_send_now(company).items():
                if key == "skipped":
                    stats.setdefault(key, {}).update(count)
                elif key == "partial":
                    stats[key] = stats.get(key, []) + count
                else:
                    stats[key] = stats.get(key, 0) + count
        return self.env["account.dunning.engine"]._notification(stats, _("Send reminders now"))
