"""The one-page "Dunning effectiveness" report of a period, for the CFO: how
often each level's reminders got paid and how fast, the amount recovered,
reminders needed per paid invoice, DSO, the overdue balance by age at the
period's end, the letter experiments concluded and the top late payers."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

TOP_PAYERS = 5


class ReportDunningEffectiveness(models.AbstractModel):
    _name = "report.account_dunning.report_dunning_effectiveness"
    _description = "Dunning Effectiveness Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        try:
            date_from = fields.Date.to_date(data.get("date_from"))
            date_to = fields.Date.to_date(data.get("date_to"))
        except ValueError:
            date_from = date_to = None
        if not date_from or not date_to or date_from > date_to:
            raise UserError(_("Choose a period: its first day, then its last day."))
        companies = self.env["res.company"].browse(docids or self.env.company.ids)
        return {
            "doc_ids": companies.ids,
            "doc_model": "res.company",
            "docs": companies,
            "date_from": date_from,
            "date_to": date_to,
            "figures": {company.id: self._figures(company, date_from, date_to) for company in companies},
        }

    @api.model
    def _figures(self, company, date_from, date_to):
        levels = self._by_level(company, date_from, date_to)
        lines = sum(row["lines"] for row in levels)
        paid = sum(row["paid"] for row in levels)
        paid_invoices = self._paid_invoices(company, date_from, date_to)
        Dso = self.env["account.dunning.dso"]
        months = Dso.search(
            [("company_id", "=", company.id), ("month", ">=", date_from.replace(day=1)), ("month", "<=", date_to)],
            order="month",
        )
        return {
            "levels": levels,
            "lines": lines,
            "paid": paid,
            "rate": 100.0 * paid / lines if lines else 0.0,
            "recovered": sum(row["recovered"] for row in levels),
            "per_paid_invoice": lines / paid_invoices if paid_invoices else 0.0,
            "months": months,
            "overdue": Dso._overdue_by_age(company, [date_to]).get(date_to, {}),
            "experiments": self.env["account.dunning.experiment"].search(
                [
                    ("company_id", "=", company.id),
                    ("state", "in", ("promoted", "stopped")),
                    ("date_stop", ">=", date_from),
                    ("date_stop", "<=", date_to),
                ]
            ),
            "late_payers": self._late_payers(company, date_to),
        }

    @api.model
    def _by_level(self, company, date_from, date_to):
        """Per level, the invoices reminded in the period: how many were paid
        within the outcome window, how much came back, in how many days."""
        self.env["account.dunning.outcome"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT o.level_id, COUNT(*), COUNT(*) FILTER (WHERE o.paid_in_window),
                       COALESCE(SUM(o.amount_recovered), 0),
                       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY o.days_to_payment)
                           FILTER (WHERE o.paid_in_window)
                  FROM account_dunning_outcome o
                 WHERE o.company_id = %s AND o.reminder_date BETWEEN %s AND %s
              GROUP BY o.level_id
                """,
                company.id,
                date_from,
                date_to,
            )
        )
        rows = self.env.cr.fetchall()
        levels = self.env["account.dunning.level"].browse([row[0] for row in rows if row[0]])
        result = [
            {
                "level": self.env["account.dunning.level"].browse(level_id),
                "lines": count,
                "paid": paid,
                "rate": 100.0 * paid / count if count else 0.0,
                "recovered": float(recovered),
                "median_days": median_days,
            }
            for level_id, count, paid, recovered, median_days in rows
        ]
        order = {level.id: (level.days_overdue, level.id) for level in levels}
        return sorted(result, key=lambda row: order.get(row["level"].id, (0, 0)))

    @api.model
    def _paid_invoices(self, company, date_from, date_to):
        self.env.cr.execute(
            SQL(
                """
                SELECT COUNT(DISTINCT move_id) FROM account_dunning_outcome
                 WHERE company_id = %s AND reminder_date BETWEEN %s AND %s AND paid_in_window
                """,
                company.id,
                date_from,
                date_to,
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _late_payers(self, company, day):
        """[(customer, amount overdue at the end of `day`)], the largest first."""
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, SUM(owed) FROM (
                    SELECT p.commercial_partner_id AS partner_id,
                           l.balance - COALESCE((SELECT SUM(apr.amount) FROM account_partial_reconcile apr
                                                  WHERE apr.debit_move_id = l.id AND apr.max_date <= %(day)s), 0)
                           AS owed
                      FROM account_move_line l
                      JOIN account_account a ON a.id = l.account_id
                      JOIN res_partner p ON p.id = l.partner_id
                     WHERE l.company_id = %(company)s AND l.parent_state = 'posted'
                       AND a.account_type = 'asset_receivable' AND l.balance > 0
                       AND l.date <= %(day)s AND l.date_maturity < %(day)s
                ) owed
                 WHERE owed > 0
              GROUP BY partner_id
              ORDER BY 2 DESC
                 LIMIT %(limit)s
                """,
                day=day,
                company=company.id,
                limit=TOP_PAYERS,
            )
        )
        return [
            (self.env["res.partner"].browse(partner_id), float(amount)) for partner_id, amount in self.env.cr.fetchall()
        ]
