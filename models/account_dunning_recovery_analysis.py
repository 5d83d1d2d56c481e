from odoo import fields, models
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

from .account_dunning_level import TONES
from .account_dunning_outcome_refresh import OUTCOME_COLUMNS
from .account_move import HOLD_REASONS

# The strongest channel a reminder went through names it in the analysis.
MAIN_CHANNELS = [
    ("registered", "Registered letter"),
    ("letter", "Printed letter"),
    ("phone", "Phone call"),
    ("sms", "SMS"),
    ("email", "Email"),
]


class AccountDunningRecoveryAnalysis(models.Model):
    """One row per invoice named by a sent reminder, with what became of it:
    which levels, channels, tones and responsibles get invoices paid.

    Computed by SQL at each read (`_table_query`), as the dunning analysis:
    whether a reminder's window is over depends on the user's today.  Rates
    and medians are computed over the rows of each group (see
    _read_group_select), never as an average of averages."""

    _name = "account.dunning.recovery.analysis"
    _description = "Dunning Recovery Analysis"
    _auto = False
    _rec_name = "move_id"
    _order = "date desc, id desc"
    _depends = {
        "account.dunning.outcome": [
            "line_id",
            "reminder_id",
            "move_id",
            "company_id",
            "level_id",
            "reminder_date",
            "window_days",
            *OUTCOME_COLUMNS,
        ],
        "account.dunning.reminder.line": ["amount_residual_company", "variant_id"],
        "account.dunning.reminder": ["partner_id", "policy_id", "tone", "state", "date", "experiment_id"],
        "res.partner": ["dunning_responsible_id"],
    }

    move_id = fields.Many2one("account.move", "Invoice", readonly=True)
    reminder_id = fields.Many2one("account.dunning.reminder", "Reminder", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", "Company Currency", readonly=True)
    policy_id = fields.Many2one("account.dunning.policy", readonly=True)
    level_id = fields.Many2one("account.dunning.level", "Dunning Level", readonly=True)
    variant_id = fields.Many2one("account.dunning.variant", "Letter Variant", readonly=True)
    experiment_id = fields.Many2one("account.dunning.experiment", "Letter Experiment", readonly=True)
    tone = fields.Selection(TONES, readonly=True)
    channel = fields.Selection(MAIN_CHANNELS, readonly=True, help="The strongest channel the reminder went through.")
    responsible_id = fields.Many2one("res.users", readonly=True)
    date = fields.Date("Reminder Date", readonly=True)
    window_days = fields.Integer("Window (days)", readonly=True, aggregator="max")
    window_closed = fields.Boolean(
        "Window Over", readonly=True, help="The days counted for its payment are over: the outcome is final."
    )
    hold_reason = fields.Selection(HOLD_REASONS, readonly=True)
    reminded_count = fields.Integer("Invoices Reminded", readonly=True)
    paid_count = fields.Integer("Paid within Window", readonly=True)
    partial_count = fields.Integer("Partly Paid", readonly=True)
    escalated_count = fields.Integer("Escalated", readonly=True)
    promise_count = fields.Integer("Promises", readonly=True)
    dispute_count = fields.Integer("Disputes", readonly=True)
    recovery_rate = fields.Float(
        "Recovery Rate (%)", readonly=True, aggregator="avg", help="Paid within the window out of reminded."
    )
    amount_due = fields.Monetary("Amount Reminded", currency_field="currency_id", readonly=True)
    amount_recovered = fields.Monetary("Amount Recovered", currency_field="currency_id", readonly=True)
    amount_rate = fields.Float(
        "Amount Recovered (%)", readonly=True, aggregator="avg", help="Recovered within the window out of reminded."
    )
    days_to_payment = fields.Integer(
        "Days to Payment (average)", readonly=True, aggregator="avg", help="Days from the reminder to full payment."
    )
    median_days = fields.Float("Days to Payment (median)", readonly=True, aggregator="avg")
    paid_invoice_count = fields.Integer(
        "Invoices Paid", readonly=True, help="Counted on the last reminder before the invoice was paid in full."
    )
    reminder_rank = fields.Integer("Reminder Number", readonly=True, aggregator="max")
    reminders_per_paid = fields.Float(
        "Reminders per Paid Invoice",
        readonly=True,
        aggregator="avg",
        help="How many reminders the invoices paid in full had received.",
    )

    @property
    def _table_query(self):
        return self._recovery_sql(fields.Date.context_today(self))

    def _recovery_sql(self, today):
        Partner = self.env["res.partner"]
        return SQL(
            """
            SELECT o.id,
                   o.move_id,
                   o.reminder_id,
                   r.partner_id,
                   o.company_id,
                   c.currency_id,
                   r.policy_id,
                   o.level_id,
                   l.variant_id,
                   r.experiment_id,
                   r.tone,
                   CASE WHEN r.channel_registered THEN 'registered'
                        WHEN r.channel_letter THEN 'letter'
                        WHEN r.channel_phone THEN 'phone'
                        WHEN r.channel_sms THEN 'sms'
                        ELSE 'email'
                   END AS channel,
                   %(responsible)s AS responsible_id,
                   o.reminder_date AS date,
                   o.window_days,
                   o.reminder_date + o.window_days < %(today)s AS window_closed,
                   o.hold_reason,
                   1 AS reminded_count,
                   o.paid_in_window::int AS paid_count,
                   o.partially_paid::int AS partial_count,
                   o.escalated_next::int AS escalated_count,
                   o.promise_made::int AS promise_count,
                   o.disputed::int AS dispute_count,
                   100.0 * o.paid_in_window::int AS recovery_rate,
                   l.amount_residual_company AS amount_due,
                   o.amount_recovered,
                   100.0 * o.amount_recovered / NULLIF(l.amount_residual_company, 0) AS amount_rate,
                   o.days_to_payment,
                   o.days_to_payment::float AS median_days,
                   (o.paid_date IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM account_dunning_outcome later
                         WHERE later.move_id = o.move_id
                           AND (later.reminder_date, later.reminder_id) > (o.reminder_date, o.reminder_id)
                           AND later.reminder_date <= o.paid_date
                   ))::int AS paid_invoice_count,
                   ROW_NUMBER() OVER (PARTITION BY o.move_id ORDER BY o.reminder_date, o.reminder_id) AS reminder_rank,
                   NULL::float AS reminders_per_paid
              FROM account_dunning_outcome o
              JOIN account_dunning_reminder_line l ON l.id = o.line_id
              JOIN account_dunning_reminder r ON r.id = o.reminder_id
              JOIN res_company c ON c.id = o.company_id
              JOIN res_partner p ON p.id = r.partner_id
            """,
            today=today,
            responsible=Partner._dunning_company_m2o_sql(
                "p", "dunning_responsible_id", SQL("o.company_id"), self.env.companies
            ),
        )

    # ---- RATIOS OVER A GROUP'S ROWS ----
    def _read_group_select(self, aggregate_spec, query):
        """A rate is a ratio of sums over the group's rows, a median is taken
        over its rows: averaging the rows' rates would weigh a small
        group as much as a large one."""
        fname, _property, _func = parse_read_group_spec(aggregate_spec)
        column = self._ratio_columns()
        if fname in column:
            return column[fname](lambda name: self._field_to_sql(self._table, name, query))
        return super()._read_group_select(aggregate_spec, query)

    def _ratio_columns(self):
        return {
            "recovery_rate": lambda col: SQL(
                "100.0 * SUM(%s) / NULLIF(SUM(%s), 0)", col("paid_count"), col("reminded_count")
            ),
            "amount_rate": lambda col: SQL(
                "100.0 * SUM(%s) / NULLIF(SUM(%s), 0)", col("amount_recovered"), col("amount_due")
            ),
            "median_days": lambda col: SQL("PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY %s)", col("days_to_payment")),
            "reminders_per_paid": lambda col: SQL(
                "SUM(%s * %s)::float / NULLIF(SUM(%s), 0)",
                col("reminder_rank"),
                col("paid_invoice_count"),
                col("paid_invoice_count"),
            ),
        }

    def action_open_move(self):
        self.ensure_one()
        return self.move_id.get_formview_action()
