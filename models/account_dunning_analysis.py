from odoo import fields, models
from odoo.tools import SQL

from .account_dunning_level import TONES
from .account_move import HOLD_REASONS

AGING_BUCKETS = [
    ("not_due", "Not Due"),
    ("1_30", "1-30 Days"),
    ("31_60", "31-60 Days"),
    ("61_90", "61-90 Days"),
    ("over_90", "Over 90 Days"),
]


class AccountDunningAnalysis(models.Model):
    """One row per open posted customer invoice, as the dunning sees it today.

    Read-only and computed by SQL at each read (`_table_query`) rather than a
    database view: days overdue, aging and the next reminder date depend on
    the user's today (as every dunning date does), which a stored view could
    only take from the server clock.  The invoice's level is read from its
    reminder history with the same SQL as account.move."""

    _name = "account.dunning.analysis"
    _description = "Dunning Analysis"
    _auto = False
    _rec_name = "move_id"
    _order = "date_due, id"
    _depends = {
        "account.move": [
            "company_id",
            "commercial_partner_id",
            "move_type",
            "invoice_date",
            "dunning_blocked",
            "dunning_block_reason",
            "dunning_block_until",
        ],
        "account.move.line": [
            "move_id",
            "account_id",
            "parent_state",
            "reconciled",
            "amount_residual",
            "date_maturity",
        ],
        "account.account": ["account_type"],
        "res.partner": ["dunning_responsible_id", "dunning_policy_id", "category_id"],
        "res.company": ["currency_id"],
        "account.dunning.policy": ["company_id", "active", "is_default", "sequence", "partner_category_ids"],
        "account.dunning.level": ["policy_id", "days_overdue", "wait_days", "tone"],
        "account.dunning.reminder": ["state", "date"],
        "account.dunning.reminder.line": ["move_id", "level_id", "reminder_id"],
    }

    move_id = fields.Many2one("account.move", "Invoice", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", "Company Currency", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    responsible_id = fields.Many2one("res.users", readonly=True)
    policy_id = fields.Many2one("account.dunning.policy", readonly=True)
    invoice_date = fields.Date(readonly=True)
    date_due = fields.Date("Due Date", readonly=True, help="Due date of the oldest unpaid installment.")
    days_overdue = fields.Integer(readonly=True, aggregator="max")
    aging = fields.Selection(AGING_BUCKETS, readonly=True)
    level_id = fields.Many2one("account.dunning.level", "Dunning Level", readonly=True)
    stage = fields.Selection(
        [("not_reminded", "Not reminded yet"), *TONES],
        "Dunning Stage",
        readonly=True,
        help="The tone of the last reminder sent for the invoice, or not reminded yet.",
    )
    last_reminder_date = fields.Date("Last Reminder", readonly=True)
    next_date = fields.Date("Next Reminder", readonly=True)
    on_hold = fields.Boolean(readonly=True)
    hold_reason = fields.Selection(HOLD_REASONS, readonly=True)
    hold_until = fields.Date("On Hold Until", readonly=True)
    amount_residual = fields.Monetary("Amount Due", currency_field="currency_id", readonly=True)

    @property
    def _table_query(self):
        return self._analysis_sql(fields.Date.context_today(self))

    def _analysis_sql(self, today):
        """The rows for `today`; the partner status aggregates the same SQL."""
        Partner = self.env["res.partner"]
        company = SQL("inv.company_id")
        return SQL(
            """
            SELECT inv.move_id AS id,
                   inv.move_id,
                   inv.company_id,
                   c.currency_id,
                   inv.partner_id,
                   %(responsible)s AS responsible_id,
                   pol.policy_id,
                   m.invoice_date,
                   inv.date_due,
                   GREATEST(%(today)s - inv.date_due, 0) AS days_overdue,
                   CASE WHEN inv.date_due >= %(today)s THEN 'not_due'
                        WHEN %(today)s - inv.date_due <= 30 THEN '1_30'
                        WHEN %(today)s - inv.date_due <= 60 THEN '31_60'
                        WHEN %(today)s - inv.date_due <= 90 THEN '61_90'
                        ELSE 'over_90'
                   END AS aging,
                   last.level_id,
                   COALESCE(lv.tone, 'not_reminded') AS stage,
                   lv.days_overdue AS level_days,
                   last.date AS last_reminder_date,
                   -- When the next level becomes due: its delay after the due
                   -- date, its wait after the last reminder, not before today.
                   CASE WHEN nxt.days_overdue IS NOT NULL
                        THEN GREATEST(inv.date_due + nxt.days_overdue, last.date + nxt.wait_days, %(today)s)
                   END AS next_date,
                   COALESCE(m.dunning_blocked, FALSE) AS on_hold,
                   m.dunning_block_reason AS hold_reason,
                   m.dunning_block_until AS hold_until,
                   inv.amount_residual
              FROM (
                    SELECT m.id AS move_id, m.company_id, m.commercial_partner_id AS partner_id,
                           MIN(l.date_maturity) AS date_due, SUM(l.amount_residual) AS amount_residual
                      FROM account_move_line l
                      JOIN account_move m ON m.id = l.move_id
                      JOIN account_account a ON a.id = l.account_id
                     WHERE l.parent_state = 'posted'
                       AND a.account_type = 'asset_receivable'
                       AND m.move_type = 'out_invoice'
                       AND NOT l.reconciled
                       AND l.amount_residual > 0
                  GROUP BY m.id, m.company_id, m.commercial_partner_id
                   ) inv
              JOIN account_move m ON m.id = inv.move_id
              JOIN res_company c ON c.id = inv.company_id
              JOIN res_partner p ON p.id = inv.partner_id
         LEFT JOIN LATERAL (%(last_reminder)s) last ON TRUE
         LEFT JOIN account_dunning_level lv ON lv.id = last.level_id
        CROSS JOIN LATERAL (SELECT %(policy)s AS policy_id) pol
         LEFT JOIN LATERAL (
                    SELECT nl.days_overdue, nl.wait_days
                      FROM account_dunning_level nl
                     WHERE nl.policy_id = pol.policy_id AND nl.days_overdue > COALESCE(lv.days_overdue, -1)
                  ORDER BY nl.days_overdue, nl.id
                     LIMIT 1
                   ) nxt ON TRUE
            """,
            today=today,
            responsible=Partner._dunning_company_m2o_sql("p", "dunning_responsible_id", company, self.env.companies),
            policy=self.env["account.dunning.policy"]._partner_policy_sql("p", company, self.env.companies),
            last_reminder=self.env["account.dunning.reminder.line"]._last_reminder_sql(SQL("inv.move_id")),
        )

    def action_open_move(self):
        self.ensure_one()
        return self.move_id.get_formview_action()
