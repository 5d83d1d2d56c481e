"""The nightly refresh of the customers' payment risk: one SQL statement per
company measures the last 12 months of every customer and classes it with
the thresholds of its policy, the reasons written in the company's language."""

from dateutil.relativedelta import relativedelta

from odoo import api, models
from odoo.tools import SQL

HISTORY_MONTHS = 12


class AccountDunningPartnerRisk(models.Model):
    _inherit = "account.dunning.partner.risk"

    @api.model
    def _refresh(self, companies, today):
        """Recompute the figures and classes of all the customers of each of
        `companies` as of `today`, one statement per company; customers with
        nothing left over the period lose their row."""
        self.env.flush_all()
        for company in companies:
            self.env.cr.execute(self._refresh_sql(company, today))
        self.invalidate_model()

    def _refresh_sql(self, company, today):
        """INSERT ... ON CONFLICT DO UPDATE of the customers of `company`
        with an invoice due, paid, overdue, disputed or promised over the
        period; the thresholds are those of each customer's policy."""
        since = today - relativedelta(months=HISTORY_MONTHS)
        moves = self.env["account.dunning.answer"]._fields["move_ids"]
        policy = self.env["account.dunning.policy"]._partner_policy_sql("p", SQL("%s", company.id), company)
        return SQL(
            """
            WITH receivable AS (
                SELECT l.id, l.move_id, m.commercial_partner_id AS partner_id, l.date_maturity,
                       l.reconciled, l.amount_residual, m.payment_state
                  FROM account_move_line l
                  JOIN account_move m ON m.id = l.move_id
                  JOIN account_account a ON a.id = l.account_id
                 WHERE l.company_id = %(company)s
                   AND l.parent_state = 'posted'
                   AND a.account_type = 'asset_receivable'
                   AND m.move_type = 'out_invoice'
            ),
            -- An invoice is paid when the payment settling its last line
            -- comes (the later of the two lines' dates, as fees count it).
            paid AS (
                SELECT r.move_id, r.partner_id, MAX(s.paid_on) AS paid_on,
                       MAX(GREATEST(s.paid_on - r.date_maturity, 0)) AS days_late
                  FROM receivable r
             LEFT JOIN LATERAL (SELECT MAX(apr.max_date) AS paid_on
                                  FROM account_partial_reconcile apr
                                 WHERE apr.debit_move_id = r.id) s ON r.reconciled
                 WHERE r.payment_state != 'reversed'
              GROUP BY r.move_id, r.partner_id
                HAVING BOOL_AND(r.reconciled) AND MAX(s.paid_on) BETWEEN %(since)s AND %(today)s
            ),
            paid_figures AS (
                SELECT partner_id, COUNT(*) AS paid_count, AVG(days_late) AS avg_days, MAX(days_late) AS max_days
                  FROM paid
              GROUP BY partner_id
            ),
            -- How many sent reminders named each invoice due over the period.
            reminded AS (
                SELECT r.partner_id, COUNT(DISTINCT r.move_id) AS invoices, COUNT(DISTINCT rl.id) AS lines
                  FROM receivable r
             LEFT JOIN account_dunning_reminder_line rl ON rl.move_id = r.move_id
                       AND EXISTS (SELECT 1 FROM account_dunning_reminder dr
                                    WHERE dr.id = rl.reminder_id AND dr.state = 'sent')
                 WHERE r.date_maturity >= %(since)s AND r.date_maturity < %(today)s
              GROUP BY r.partner_id
            ),
            overdue AS (
                SELECT partner_id, SUM(amount_residual) AS amount, MAX(%(today)s - date_maturity) AS oldest_days
                  FROM receivable
                 WHERE NOT reconciled AND amount_residual > 0 AND date_maturity < %(today)s
              GROUP BY partner_id
            ),
            promises AS (
                SELECT partner_id, COUNT(*) AS broken
                  FROM account_dunning_answer
                 WHERE company_id = %(company)s AND promise_state = 'broken' AND promise_date >= %(since)s
              GROUP BY partner_id
            ),
            disputed AS (
                SELECT partner_id, COUNT(DISTINCT move_id) AS disputes
                  FROM (
                        SELECT a.partner_id, rel.%(rel_move)s AS move_id
                          FROM account_dunning_answer a
                          JOIN %(rel)s rel ON rel.%(rel_answer)s = a.id
                         WHERE a.company_id = %(company)s AND a.kind = 'dispute' AND a.create_date >= %(since)s
                     UNION ALL
                        SELECT m.commercial_partner_id, m.id
                          FROM account_move m
                         WHERE m.company_id = %(company)s AND m.state = 'posted' AND m.move_type = 'out_invoice'
                           AND m.dunning_blocked AND m.dunning_block_reason = 'dispute'
                       ) d
              GROUP BY partner_id
            ),
            figures AS (
                SELECT c.partner_id,
                       COALESCE(pf.paid_count, 0) AS paid_count,
                       COALESCE(ROUND(pf.avg_days, 1), 0) AS avg_days,
                       COALESCE(pf.max_days, 0) AS max_days,
                       COALESCE(o.oldest_days, 0) AS oldest_days,
                       COALESCE(ROUND(rm.lines::numeric / NULLIF(rm.invoices, 0), 2), 0) AS per_invoice,
                       COALESCE(pr.broken, 0) AS broken,
                       COALESCE(d.disputes, 0) AS disputes,
                       COALESCE(o.amount, 0) AS overdue_amount
                  FROM (SELECT partner_id FROM paid_figures UNION SELECT partner_id FROM reminded
                        UNION SELECT partner_id FROM overdue UNION SELECT partner_id FROM promises
                        UNION SELECT partner_id FROM disputed) c
             LEFT JOIN paid_figures pf ON pf.partner_id = c.partner_id
             LEFT JOIN reminded rm ON rm.partner_id = c.partner_id
             LEFT JOIN overdue o ON o.partner_id = c.partner_id
             LEFT JOIN promises pr ON pr.partner_id = c.partner_id
             LEFT JOIN disputed d ON d.partner_id = c.partner_id
            ),
            crossed AS (
                SELECT f.*, pol.id AS policy_id,
                       pol.risk_high_avg_days AS high_avg, pol.risk_high_max_days AS high_max,
                       pol.risk_high_broken_promises AS high_broken,
                       pol.risk_low_avg_days AS low_avg, pol.risk_low_max_days AS low_max,
                       COALESCE(f.avg_days > pol.risk_high_avg_days, FALSE) AS is_high_avg,
                       COALESCE(f.max_days > pol.risk_high_max_days, FALSE) AS is_high_max,
                       COALESCE(f.oldest_days > pol.risk_high_max_days, FALSE) AS is_high_oldest,
                       COALESCE(f.broken >= pol.risk_high_broken_promises, FALSE) AS is_high_broken,
                       COALESCE(f.avg_days > pol.risk_low_avg_days, TRUE) AS over_low_avg,
                       COALESCE(f.max_days > pol.risk_low_max_days, TRUE) AS over_low_max,
                       COALESCE(f.oldest_days > pol.risk_low_max_days, TRUE) AS over_low_oldest
                  FROM figures f
                  JOIN res_partner p ON p.id = f.partner_id
             LEFT JOIN account_dunning_policy pol ON pol.id = %(policy)s
            ),
            classed AS (
                SELECT c.*,
                       CASE WHEN is_high_avg OR is_high_max OR is_high_oldest OR is_high_broken THEN 'high'
                            WHEN paid_count > 0 AND NOT (over_low_avg OR over_low_max OR over_low_oldest)
                                 AND broken = 0 AND disputes = 0 THEN 'low'
                            ELSE 'medium'
                       END AS risk_class
                  FROM crossed c
            ),
            saved AS (
                INSERT INTO account_dunning_partner_risk
                       (partner_id, company_id, policy_id, date, paid_count, avg_days_late, max_days_late,
                        oldest_overdue_days, reminders_per_invoice, broken_promises, disputes, overdue_amount,
                        risk_class, risk_why)
                SELECT partner_id, %(company)s, policy_id, %(today)s, paid_count, avg_days, max_days,
                       oldest_days, per_invoice, broken, disputes, overdue_amount, risk_class,
                       NULLIF(CASE risk_class
                                  WHEN 'high' THEN CONCAT_WS(%(separator)s, %(high_why)s)
                                  WHEN 'low' THEN %(low_why)s
                                  ELSE CONCAT_WS(%(separator)s, %(medium_why)s)
                              END, '')
                  FROM classed
                    ON CONFLICT (partner_id, company_id) DO UPDATE
                   SET policy_id = EXCLUDED.policy_id, date = EXCLUDED.date, paid_count = EXCLUDED.paid_count,
                       avg_days_late = EXCLUDED.avg_days_late, max_days_late = EXCLUDED.max_days_late,
                       oldest_overdue_days = EXCLUDED.oldest_overdue_days,
                       reminders_per_invoice = EXCLUDED.reminders_per_invoice,
                       broken_promises = EXCLUDED.broken_promises, disputes = EXCLUDED.disputes,
                       overdue_amount = EXCLUDED.overdue_amount, risk_class = EXCLUDED.risk_class,
                       risk_why = EXCLUDED.risk_why
             RETURNING partner_id
            )
            DELETE FROM account_dunning_partner_risk
             WHERE company_id = %(company)s AND partner_id NOT IN (SELECT partner_id FROM saved)
            """,
            company=company.id,
            today=today,
            since=since,
            policy=policy,
            rel=SQL.identifier(moves.relation),
            rel_answer=SQL.identifier(moves.column1),
            rel_move=SQL.identifier(moves.column2),
            **self._why_sql(company),
        )

    def _why_sql(self, company):
        """SQL of the sentences saying which thresholds a customer's figures
        crossed, in the company's language (its words and decimal point)."""
        lang_code = company.partner_id.lang or self.env.lang or "en_US"
        env = self.with_context(lang=lang_code).env
        decimal = env["res.lang"]._get_data(code=lang_code).decimal_point or "."

        def sentence(condition, text, **values):
            """`text` (translated with {name} slots) filled per row, when `condition` holds."""
            filled = SQL("%s", text)
            for name, value in values.items():
                number = SQL("REPLACE(TRIM_SCALE(%s)::text, '.', %s)", value, decimal)
                filled = SQL("REPLACE(%s, %s, %s)", filled, "{%s}" % name, number)
            return SQL("CASE WHEN %s THEN %s END", condition, filled)

        slots = {"days": "{days}", "limit": "{limit}", "count": "{count}", "most": "{most}", "max": "{max}"}
        avg, most, oldest = SQL("avg_days::numeric"), SQL("max_days::numeric"), SQL("oldest_days::numeric")
        broken, disputes = SQL("broken::numeric"), SQL("disputes::numeric")
        high_avg, high_max, high_broken = (
            SQL("high_avg::numeric"),
            SQL("high_max::numeric"),
            SQL("high_broken::numeric"),
        )
        low_avg, low_max = SQL("low_avg::numeric"), SQL("low_max::numeric")
        high = [
            sentence(
                SQL("is_high_avg"),
                env._("paid %(days)s days late on average (high risk above %(limit)s)", **slots),
                days=avg,
                limit=high_avg,
            ),
            sentence(
                SQL("is_high_max"),
                env._("an invoice paid %(days)s days late (high risk above %(limit)s)", **slots),
                days=most,
                limit=high_max,
            ),
            sentence(
                SQL("is_high_oldest"),
                env._("an invoice %(days)s days overdue, still unpaid (high risk above %(limit)s)", **slots),
                days=oldest,
                limit=high_max,
            ),
            sentence(
                SQL("is_high_broken"),
                env._("promises to pay broken: %(count)s (high risk from %(limit)s)", **slots),
                count=broken,
                limit=high_broken,
            ),
        ]
        low = sentence(
            SQL("TRUE"),
            env._(
                "paid %(days)s days late on average and %(most)s at most (low risk up to %(limit)s and %(max)s), "
                "no broken promise, no dispute",
                **slots,
            ),
            days=avg,
            most=most,
            limit=low_avg,
            max=low_max,
        )
        medium = [
            sentence(SQL("paid_count = 0"), env._("no invoice paid over the last 12 months")),
            sentence(
                SQL("paid_count > 0 AND over_low_avg"),
                env._("paid %(days)s days late on average (low risk up to %(limit)s)", **slots),
                days=avg,
                limit=low_avg,
            ),
            sentence(
                SQL("paid_count > 0 AND over_low_max"),
                env._("an invoice paid %(days)s days late (low risk up to %(limit)s)", **slots),
                days=most,
                limit=low_max,
            ),
            sentence(
                SQL("over_low_oldest AND oldest_days > 0"),
                env._("an invoice %(days)s days overdue (low risk up to %(limit)s)", **slots),
                days=oldest,
                limit=low_max,
            ),
            sentence(
                SQL("broken > 0"),
                env._("promises to pay broken: %(count)s (low risk needs none)", **slots),
                count=broken,
            ),
            sentence(
                SQL("disputes > 0"),
                env._("disputed invoices: %(count)s (low risk needs none)", **slots),
                count=disputes,
            ),
        ]
        return {
            # The separator of two reasons, as the language writes it (a French
            # no-break space before the semicolon); too short to translate alone.
            "separator": env._("%(reason)s; %(next)s", reason="", next=""),
            "high_why": SQL(", ").join(high),
            "low_why": low,
            "medium_why": SQL(", ").join(medium),
        }
