"""Days sales outstanding (DSO) per month and the overdue balance by age at
each month end, per company in its currency, from dated data: what the
receivable account held at the month's end, not today's residuals.

Two DSO methods, as credit managers report them:
- simple: receivables at the month's end / the month's credit sales × its days;
- countback: the days of sales, counted back month by month from the end,
  that the receivables at the month's end represent.
Refreshed by the nightly run for the last 24 months (a few queries per
company), kept for the graphs and the effectiveness report.
"""

import calendar

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

MONTHS = 24
AGING = (("overdue_1_30", 1, 30), ("overdue_31_60", 31, 60), ("overdue_61_90", 61, 90), ("overdue_over_90", 91, None))


def simple_dso(receivable, sales, days):
    """Receivables over the period's credit sales, in days of the period."""
    return receivable / sales * days if sales > 0 and receivable > 0 else 0.0


def countback_dso(receivable, months):
    """`months`: [(credit sales, days)] from the latest month back.  The days
    of those months whose sales the receivables absorb, the last one in
    part; all the months' days if the receivables outlast them."""
    left, total = receivable, 0.0
    if left <= 0:
        return 0.0
    for sales, days in months:
        if sales > 0 and left <= sales:
            return total + left / sales * days
        left -= max(sales, 0.0)
        total += days
    return total


class AccountDunningDso(models.Model):
    _name = "account.dunning.dso"
    _description = "Days Sales Outstanding per Month"
    _order = "company_id, month desc"
    _rec_name = "month"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    month = fields.Date(required=True, readonly=True, help="First day of the month.")
    month_end = fields.Date("Measured On", readonly=True, help="The month's last day, or the refresh day.")
    sales = fields.Monetary("Credit Sales", readonly=True, currency_field="currency_id")
    receivable = fields.Monetary("Receivables", readonly=True, currency_field="currency_id", aggregator="max")
    dso_simple = fields.Float("DSO (Simple)", readonly=True, digits=(6, 1), aggregator="avg")
    dso_countback = fields.Float("DSO (Countback)", readonly=True, digits=(6, 1), aggregator="avg")
    overdue_1_30 = fields.Monetary("Overdue 1-30 Days", readonly=True, currency_field="currency_id", aggregator="max")
    overdue_31_60 = fields.Monetary("Overdue 31-60 Days", readonly=True, currency_field="currency_id", aggregator="max")
    overdue_61_90 = fields.Monetary("Overdue 61-90 Days", readonly=True, currency_field="currency_id", aggregator="max")
    overdue_over_90 = fields.Monetary(
        "Overdue over 90 Days", readonly=True, currency_field="currency_id", aggregator="max"
    )
    overdue_total = fields.Monetary("Overdue", readonly=True, currency_field="currency_id", aggregator="max")

    _sql_constraints = [("company_month_unique", "UNIQUE(company_id, month)", "One row per company and month.")]

    @api.model
    def _refresh(self, today=None, companies=None, months=MONTHS):
        """Measure the last `months` months of `companies` (all by default) as of `today`."""
        today = today or fields.Date.context_today(self)
        companies = companies or self.env["res.company"].search([])
        self.env.flush_all()
        # Figures derived from the ledger, kept for whoever reads them: the
        # run that measures them may be any user allowed to run the dunning.
        stored = self.sudo()
        for company in companies:
            rows = self._measure(company, today, months)
            stored.search([("company_id", "=", company.id)]).unlink()
            stored.create(rows)
        return True

    @api.model
    def _month_ends(self, today, months):
        """[(first day, measuring day)] of the last `months` months, oldest
        first; the current month is measured today."""
        first = today.replace(day=1)
        result = []
        for back in range(months - 1, -1, -1):
            start = first - relativedelta(months=back)
            end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
            result.append((start, min(end, today)))
        return result

    @api.model
    def _measure(self, company, today, months):
        ends = self._month_ends(today, months)
        start = ends[0][0]
        sales = self._monthly_sales(company, start - relativedelta(months=12))
        balances = self._receivable_balances(company, [end for _start, end in ends])
        overdue = self._overdue_by_age(company, [end for _start, end in ends])
        rows = []
        for month_start, end in ends:
            receivable = balances.get(end, 0.0)
            days = (end - month_start).days + 1
            history = []
            cursor = month_start
            for _back in range(12):
                month_days = days if cursor == month_start else calendar.monthrange(cursor.year, cursor.month)[1]
                history.append((sales.get(cursor, 0.0), month_days))
                cursor -= relativedelta(months=1)
            buckets = overdue.get(end, {})
            rows.append(
                {
                    "company_id": company.id,
                    "month": month_start,
                    "month_end": end,
                    "sales": sales.get(month_start, 0.0),
                    "receivable": receivable,
                    "dso_simple": simple_dso(receivable, sales.get(month_start, 0.0), days),
                    "dso_countback": countback_dso(receivable, history),
                    **{name: buckets.get(name, 0.0) for name, _low, _high in AGING},
                    "overdue_total": sum(buckets.values()),
                }
            )
        return rows

    def _receivable_lines_sql(self, company):
        return SQL(
            """
            FROM account_move_line l
            JOIN account_account a ON a.id = l.account_id
           WHERE l.company_id = %s AND l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
            """,
            company.id,
        )

    @api.model
    def _monthly_sales(self, company, since):
        """{first day of month: credit sales (invoices less credit notes), company currency}."""
        self.env.cr.execute(
            SQL(
                """
                SELECT date_trunc('month', l.date)::date, SUM(l.balance)
                  %s
                   AND l.date >= %s
                   AND EXISTS (SELECT 1 FROM account_move m
                                WHERE m.id = l.move_id AND m.move_type IN ('out_invoice', 'out_refund'))
              GROUP BY 1
                """,
                self._receivable_lines_sql(company),
                since,
            )
        )
        return {day: float(amount) for day, amount in self.env.cr.fetchall()}

    @api.model
    def _receivable_balances(self, company, days):
        """{day: balance of the receivable accounts at the end of that day}."""
        self.env.cr.execute(
            SQL(
                """
                SELECT d.day, (SELECT COALESCE(SUM(l.balance), 0) %s AND l.date <= d.day)
                  FROM unnest(%s::date[]) AS d(day)
                """,
                self._receivable_lines_sql(company),
                "{%s}" % ",".join(str(day) for day in days),
            )
        )
        return {day: float(amount) for day, amount in self.env.cr.fetchall()}

    @api.model
    def _overdue_by_age(self, company, days):
        """{day: {bucket: amount}}: what customers owed past its due date at the
        end of each day, by lateness, from the payments dated up to then."""
        cases = SQL(", ").join(
            SQL(
                "SUM(owed) FILTER (WHERE late BETWEEN %s AND %s)" if high else "SUM(owed) FILTER (WHERE late >= %s)",
                *((low, high) if high else (low,)),
            )
            for _name, low, high in AGING
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT day, %(cases)s
                  FROM (
                        SELECT d.day, d.day - l.date_maturity AS late,
                               l.balance - COALESCE((SELECT SUM(apr.amount) FROM account_partial_reconcile apr
                                                      WHERE apr.debit_move_id = l.id AND apr.max_date <= d.day), 0)
                               AS owed
                          FROM unnest(%(days)s::date[]) AS d(day)
                          JOIN account_move_line l ON l.date <= d.day AND l.date_maturity < d.day
                          JOIN account_account a ON a.id = l.account_id
                         WHERE l.company_id = %(company)s AND l.parent_state = 'posted'
                           AND a.account_type = 'asset_receivable' AND l.balance > 0
                           -- Settled before the day: nothing owed then.
                           AND NOT EXISTS (SELECT 1 FROM account_full_reconcile f
                                            JOIN account_partial_reconcile fp ON fp.full_reconcile_id = f.id
                                           WHERE f.id = l.full_reconcile_id
                                          HAVING MAX(fp.max_date) <= d.day)
                       ) owed
                 WHERE owed > 0
              GROUP BY day
                """,
                cases=cases,
                days="{%s}" % ",".join(str(day) for day in days),
                company=company.id,
            )
        )
        return {
            row[0]: {name: float(amount or 0.0) for (name, _low, _high), amount in zip(AGING, row[1:], strict=True)}
            for row in self.env.cr.fetchall()
        }

    @api.model
    def _cron_refresh(self, today):
        """The nightly step, once a day per company (the run may be called
        several times a night): the current month changes every day."""
        measured = self.sudo().search([("month_end", "=", today)]).company_id
        companies = self.env["res.company"].search([]) - measured
        if companies:
            self._refresh(today, companies)
