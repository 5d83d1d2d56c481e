"""The nightly refresh of reminder outcomes, in a few set-based statements per
company, touching only what may have changed:

- outcomes of reminders no longer sent (cancelled since) are removed;
- the lines of reminders sent since the last refresh get an outcome,
  measured as it is written (one INSERT, no UPDATE of each new row);
- then are measured again: outcomes whose window is still open (the reminder
  is at most its window plus MARGIN_DAYS old: payments are often booked a few
  days after they arrive), those a reconciliation marked (see
  account_partial_reconcile.py), those of invoices reminded again or no
  longer (escalation), those with a promise or dispute not yet counted.

Only rows whose values change are written; a second run writes nothing.

Payments are the reconciliations of the invoice's receivable lines, dated by
the reconciliation's `max_date` (the later of the invoice's and the payment's
dates, as the late fees date them); credit notes are not payments.  A line
counts payments dated from its reminder's day on, up to what it asked for
(the residual when sent): a payment dated before the reminder but booked
after it paid what the reminder did not ask for.
"""

import logging
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

from .account_dunning_outcome import DEFAULT_WINDOW_DAYS

_logger = logging.getLogger(__name__)

# Days past its window during which an outcome is still measured every night.
MARGIN_DAYS = 7
# More new outcomes than this: the table's statistics are taken again.
ANALYZE_AFTER = 10000
# Compared, then written, by the refresh (the order of the SELECT below).
OUTCOME_COLUMNS = (
    "paid_in_window",
    "partially_paid",
    "amount_recovered",
    "paid_date",
    "days_to_payment",
    "escalated_next",
    "promise_made",
    "disputed",
    "hold_reason",
)


class AccountDunningOutcome(models.Model):
    _inherit = "account.dunning.outcome"

    @api.model
    def _cron_refresh(self, today):
        """The nightly run's step: a failure (a reconciliation written at the
        same moment) is logged and left to the next night, never stops the run."""
        try:
            with self.env.cr.savepoint():
                return self._refresh(today)
        except psycopg2.OperationalError as error:
            _logger.warning("Reminder outcomes not refreshed, left to the next run: %s", error)
            return {}

    @api.model
    def _refresh(self, today=None, companies=None, full=False):
        """Measure the outcomes of `companies` (all by default) as of `today`;
        `full` measures every outcome again, with their policy's window as
        it is now (first computation, a window changed); the nightly run
        measures what may have changed, a window applies to the reminders
        sent after it changed.  Returns the counts: inserted, deleted, examined, updated."""
        today = today or fields.Date.context_today(self)
        companies = companies or self.env["res.company"].search([])
        self.env.flush_all()
        counts = dict.fromkeys(("inserted", "deleted", "examined", "updated"), 0)
        for company in companies:
            for key, value in self._refresh_company(company, today, full).items():
                counts[key] += value
        self.invalidate_model()
        return counts

    def _refresh_company(self, company, today, full):
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                DELETE FROM account_dunning_outcome o
                      USING account_dunning_reminder r
                      WHERE r.id = o.reminder_id AND o.company_id = %s
                        AND r.state IN ('draft', 'to_validate', 'to_send', 'failed', 'cancelled')
                  RETURNING o.move_id
                """,
                company.id,
            )
        )
        deleted = {row[0] for row in cr.fetchall()}
        # Sorts and hashes over every outcome of a book fit in memory rather
        # than spill to disk; and no JIT compilation: the planner's guess at
        # the rows of the measure's joins is far too high, it compiled for
        # seconds a statement that runs in a few.  Until the refresh ends.
        cr.execute("SET LOCAL work_mem = '128MB'; SET LOCAL jit = off")
        examined = updated = 0
        if full:
            # A window changed on a policy applies to its past reminders too.
            cr.execute(
                SQL(
                    """
                    UPDATE account_dunning_outcome o
                       SET window_days = COALESCE(NULLIF(p.outcome_days, 0), %(default)s)
                      FROM account_dunning_reminder r
                 LEFT JOIN account_dunning_policy p ON p.id = r.policy_id
                     WHERE r.id = o.reminder_id AND o.company_id = %(company)s
                       AND o.window_days != COALESCE(NULLIF(p.outcome_days, 0), %(default)s)
                    """,
                    company=company.id,
                    default=DEFAULT_WINDOW_DAYS,
                )
            )
            cr.execute(SQL("SELECT COUNT(*) FROM account_dunning_outcome WHERE company_id = %s", company.id))
            examined = cr.fetchone()[0]
            # All of a company's outcomes, read by company, not as a list of ids.
            updated = self._measure(SQL("o.company_id = %s", company.id), today) if examined else 0
        inserted = self._insert_new(company, full, today)
        if len(inserted) > ANALYZE_AFTER:
            # The planner must know the rows just written (the first
            # computation fills the table), or it plans for an empty one.
            cr.execute("ANALYZE account_dunning_outcome")
        if not full:
            # Measured as they were written; but older outcomes of their
            # invoices may now be escalated.
            ids = set(self._candidates(company, today, deleted | set(inserted.values()))) - set(inserted)
            examined = len(ids)
            updated = self._measure(SQL("o.id = ANY(%s)", sorted(ids)), today) if ids else 0
        cr.execute("SET LOCAL work_mem TO DEFAULT; SET LOCAL jit TO DEFAULT")
        return {
            "inserted": len(inserted),
            "deleted": len(deleted),
            "examined": examined + len(inserted),
            "updated": updated,
        }

    def _insert_new(self, company, full, today):
        """An outcome, measured, for each line of the reminders sent since
        the last refresh (all of them the first time), in one INSERT rather
        than an INSERT then an UPDATE of every row; returns {outcome id:
        invoice id}."""
        cr = self.env.cr
        since = None
        if not full:
            cr.execute(SQL("SELECT MAX(reminder_date) FROM account_dunning_outcome WHERE company_id = %s", company.id))
            last = cr.fetchone()[0]
            # Reminders are dated the day they leave: a margin covers those
            # sent after the last refresh on its day, or by a late run.
            since = last and last - timedelta(days=MARGIN_DAYS)
        new_lines = SQL(
            """
            SELECT l.id, l.id AS line_id, l.move_id, r.id AS reminder_id, r.company_id, l.level_id, r.date AS d,
                   COALESCE(NULLIF(p.outcome_days, 0), %(default)s) AS n, NULL::varchar AS old_hold,
                   l.amount_residual AS owed, l.amount_residual_company AS owed_company
              FROM account_dunning_reminder r
              JOIN account_dunning_reminder_line l ON l.reminder_id = r.id
         LEFT JOIN account_dunning_policy p ON p.id = r.policy_id
             WHERE r.company_id = %(company)s AND r.state = 'sent'
               AND (%(since)s::date IS NULL OR r.date >= %(since)s::date)
               AND NOT EXISTS (SELECT 1 FROM account_dunning_outcome x WHERE x.line_id = l.id)
            """,
            company=company.id,
            since=since,
            default=DEFAULT_WINDOW_DAYS,
        )
        columns = SQL(", ").join(SQL.identifier(name) for name in OUTCOME_COLUMNS)
        values = SQL(", ").join(SQL.identifier("v", name) for name in OUTCOME_COLUMNS)
        cr.execute(
            SQL(
                """
                %(measured)s
                INSERT INTO account_dunning_outcome (line_id, reminder_id, move_id, company_id, level_id,
                                                     reminder_date, window_days, dirty, %(columns)s)
                SELECT v.line_id, v.reminder_id, v.move_id, v.company_id, v.level_id, v.d, v.n, FALSE, %(values)s
                  FROM v
                ON CONFLICT (line_id) DO NOTHING
             RETURNING id, move_id
                """,
                measured=self._measured(new_lines, today),
                columns=columns,
                values=values,
            )
        )
        return dict(cr.fetchall())

    def _candidates(self, company, today, move_ids):
        """Ids of the outcomes of `company` to measure again (see the module's
        docstring); `move_ids`: invoices reminded or unreminded just now.
        One SELECT per reason, each on its own index, rather than one OR
        that would read every outcome of the company."""
        answers = self.env["account.dunning.answer"]._fields["move_ids"]
        self.env.cr.execute(
            SQL(
                "SELECT COALESCE(MAX(outcome_days), 0) FROM account_dunning_policy WHERE company_id = %s",
                company.id,
            )
        )
        longest = max(self.env.cr.fetchone()[0], DEFAULT_WINDOW_DAYS)
        query = SQL(
            """
            SELECT id FROM account_dunning_outcome WHERE company_id = %(company)s AND dirty
             UNION
            SELECT id FROM account_dunning_outcome
             WHERE company_id = %(company)s AND reminder_date >= %(since)s
               AND reminder_date + window_days + %(margin)s >= %(today)s
             UNION
            SELECT id FROM account_dunning_outcome WHERE company_id = %(company)s AND move_id = ANY(%(moves)s)
             UNION
            SELECT o.id
              FROM account_dunning_answer a
              JOIN %(rel)s rel ON rel.%(answer_col)s = a.id
              JOIN account_dunning_outcome o ON o.reminder_id = a.reminder_id AND o.move_id = rel.%(move_col)s
             WHERE a.company_id = %(company)s
               AND ((a.kind = 'promise' AND NOT o.promise_made) OR (a.kind = 'dispute' AND NOT o.disputed))
            """,
            company=company.id,
            since=today - timedelta(days=longest + MARGIN_DAYS),
            margin=MARGIN_DAYS,
            today=today,
            moves=list(move_ids),
            rel=SQL.identifier(answers.relation),
            answer_col=SQL.identifier(answers.column1),
            move_col=SQL.identifier(answers.column2),
        )
        self.env.cr.execute(query)
        return [row[0] for row in self.env.cr.fetchall()]

    def _measure(self, which, today):
        """Compute the outcomes `which` (an SQL condition on `o`) again, and
        write those that changed; returns how many rows were written."""
        columns = SQL(", ").join(SQL.identifier(name) for name in OUTCOME_COLUMNS)
        old = SQL(", ").join(SQL.identifier("o", name) for name in OUTCOME_COLUMNS)
        new = SQL(", ").join(SQL.identifier("v", name) for name in OUTCOME_COLUMNS)
        existing = SQL(
            """
            SELECT o.id, o.line_id, o.move_id, o.reminder_id, o.company_id, o.level_id, o.reminder_date AS d,
                   o.window_days AS n, o.hold_reason AS old_hold, l.amount_residual AS owed,
                   l.amount_residual_company AS owed_company
              FROM account_dunning_outcome o
              JOIN account_dunning_reminder_line l ON l.id = o.line_id
             WHERE %s
            """,
            which,
        )
        self.env.cr.execute(
            SQL(
                """
                %(measured)s
                UPDATE account_dunning_outcome o
                   SET (%(columns)s, dirty) = (%(new)s, FALSE)
                  FROM v
                 WHERE o.id = v.id AND (o.dirty OR (%(old)s) IS DISTINCT FROM (%(new)s))
                """,
                measured=self._measured(existing, today),
                columns=columns,
                old=old,
                new=new,
            )
        )
        return self.env.cr.rowcount

    def _measured(self, source, today):
        """The CTEs `cand` (the rows of `source`, a SELECT of the columns
        id, line_id, move_id, reminder_id, company_id, level_id, d (the
        reminder's date), n (the window), old_hold, owed, owed_company) and
        `v` (their outcomes, from the ledger and the reminders), for the
        statement that follows."""
        answers = self.env["account.dunning.answer"]._fields["move_ids"]
        return SQL(
            """
                WITH cand AS (
                    SELECT src.*, lv.days_overdue AS level_days, cur.rounding / 2 AS tolerance,
                           ccur.rounding AS company_rounding,
                           CASE WHEN m.dunning_blocked THEN m.dunning_block_reason END AS hold_now
                      FROM (%(source)s) src
                      JOIN account_move m ON m.id = src.move_id
                      JOIN res_currency cur ON cur.id = m.currency_id
                      JOIN res_company co ON co.id = src.company_id
                      JOIN res_currency ccur ON ccur.id = co.currency_id
                 LEFT JOIN account_dunning_level lv ON lv.id = src.level_id
                ),
                pay AS (
                    SELECT aml.move_id, apr.max_date AS day, SUM(apr.debit_amount_currency) AS amount
                      FROM account_partial_reconcile apr
                      JOIN account_move_line aml ON aml.id = apr.debit_move_id
                      JOIN account_move_line other ON other.id = apr.credit_move_id
                      JOIN account_move om ON om.id = other.move_id
                     WHERE aml.move_id IN (SELECT move_id FROM cand)
                       AND aml.display_type = 'payment_term'
                       AND om.move_type != 'out_refund'
                  GROUP BY aml.move_id, apr.max_date
                ),
                running AS (
                    SELECT c.id, p.day, p.amount, c.d, c.n, c.owed, c.tolerance,
                           SUM(p.amount) OVER (PARTITION BY c.id ORDER BY p.day) AS total
                      FROM cand c
                      JOIN pay p ON p.move_id = c.move_id AND p.day >= c.d
                ),
                paid AS (
                    SELECT id,
                           SUM(amount) FILTER (WHERE day <= d + n) AS in_window,
                           MIN(day) FILTER (WHERE total >= owed - tolerance) AS full_day
                      FROM running
                  GROUP BY id
                ),
                later AS (
                    -- The highest level of the invoice's later sent reminders.
                    SELECT l2.id AS line_id,
                           MAX(lv2.days_overdue) OVER (
                               PARTITION BY l2.move_id ORDER BY r2.date DESC, r2.id DESC
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                           ) AS level_days
                      FROM account_dunning_reminder_line l2
                      JOIN account_dunning_reminder r2 ON r2.id = l2.reminder_id AND r2.state = 'sent'
                      JOIN account_dunning_level lv2 ON lv2.id = l2.level_id
                     WHERE l2.move_id IN (SELECT move_id FROM cand)
                ),
                answered AS (
                    SELECT a.reminder_id, rel.%(move_col)s AS move_id,
                           BOOL_OR(a.kind = 'promise') AS promise, BOOL_OR(a.kind = 'dispute') AS dispute
                      FROM account_dunning_answer a
                      JOIN %(rel)s rel ON rel.%(answer_col)s = a.id
                     WHERE a.reminder_id IN (SELECT reminder_id FROM cand) AND a.kind IN ('promise', 'dispute')
                  GROUP BY a.reminder_id, rel.%(move_col)s
                ),
                v AS (
                    SELECT c.id, c.line_id, c.reminder_id, c.move_id, c.company_id, c.level_id, c.d, c.n,
                           COALESCE(pd.full_day <= c.d + c.n, FALSE) AS paid_in_window,
                           COALESCE(pd.in_window > 0 AND NOT pd.full_day <= c.d + c.n, pd.in_window > 0, FALSE)
                               AS partially_paid,
                           ROUND(LEAST(COALESCE(pd.in_window, 0), c.owed) * c.owed_company / NULLIF(c.owed, 0)
                                 / c.company_rounding) * c.company_rounding AS amount_recovered,
                           pd.full_day AS paid_date,
                           pd.full_day - c.d AS days_to_payment,
                           COALESCE(lt.level_days > COALESCE(c.level_days, -1), FALSE) AS escalated_next,
                           COALESCE(an.promise, FALSE) AS promise_made,
                           COALESCE(an.dispute, FALSE) OR COALESCE(hold.reason = 'dispute', FALSE) AS disputed,
                           hold.reason AS hold_reason
                      FROM cand c
                 LEFT JOIN paid pd ON pd.id = c.id
                 LEFT JOIN later lt ON lt.line_id = c.line_id
                 LEFT JOIN answered an ON an.reminder_id = c.reminder_id AND an.move_id = c.move_id
                CROSS JOIN LATERAL (
                           -- Held during the window: seen by a refresh then, kept after.
                           SELECT COALESCE(CASE WHEN %(today)s <= c.d + c.n THEN c.hold_now END, c.old_hold) AS reason
                           ) hold
                )
                """,
            source=source,
            today=today,
            rel=SQL.identifier(answers.relation),
            answer_col=SQL.identifier(answers.column1),
            move_col=SQL.identifier(answers.column2),
        )
