import logging
import time
from datetime import date

from odoo.tests import tagged
from odoo.tools import SQL

from .common import DunningCommon

_logger = logging.getLogger(__name__)
TODAY = date(2026, 6, 30)


@tagged("post_install", "-at_install", "-standard", "risk_volume")
class TestRiskVolume(DunningCommon):
    """The nightly refresh on a larger book: 1,000 customers with 10 invoices
    each (8 paid, 0 to 49 days late depending on the customer, one overdue,
    one not due), copied in SQL from one real paid invoice.  Run on demand
    (not in the standard suite)."""

    CUSTOMERS = 1000
    INVOICES = 10

    def _copy_rows(self, table, template_id, overrides, source):
        """INSERT INTO `table` one copy of row `template_id` per row of
        `source` (SQL with alias g), `overrides` ({column: SQL}) replacing
        the template's values."""
        self.env.cr.execute(
            SQL(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name != 'id'",
                table,
            )
        )
        columns = [row[0] for row in self.env.cr.fetchall()]
        values = [overrides.get(column, SQL.identifier("t", column)) for column in columns]
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (%s) SELECT %s FROM %s t, (%s) g WHERE t.id = %s",
                SQL.identifier(table),
                SQL(", ").join(SQL.identifier(column) for column in columns),
                SQL(", ").join(values),
                SQL.identifier(table),
                source,
                template_id,
            )
        )

    def test_refresh_time(self):
        template = self._invoice(self.partner_a, 100.0, "2026-01-01")
        self._pay(template, pay_date=date(2026, 1, 5))
        line = template.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        partial = self.env["account.partial.reconcile"].search([("debit_move_id", "=", line.id)])
        customers = self.env["res.partner"].create(
            [{"name": f"Volume customer {n}", "is_company": True} for n in range(self.CUSTOMERS)]
        )
        self.env.flush_all()
        invoices = SQL(
            """
            SELECT p.id AS partner_id, k, k > 2 AS paid,
                   CASE k WHEN 1 THEN %(today)s::date - 10  -- overdue
                          WHEN 2 THEN %(today)s::date + 20  -- not due yet
                          ELSE %(today)s::date - 50 - k * 30 END AS due
              FROM unnest(%(customers)s::int[]) p(id), generate_series(1, %(count)s) k
            """,
            today=TODAY,
            customers=customers.ids,
            count=self.INVOICES,
        )
        self._copy_rows(
            "account_move",
            template.id,
            {
                "name": SQL("'RISK/' || g.partner_id || '/' || g.k"),
                "ref": SQL("'RISK/' || g.partner_id || '/' || g.k"),
                "partner_id": SQL("g.partner_id"),
                "commercial_partner_id": SQL("g.partner_id"),
                "invoice_date_due": SQL("g.due"),
                "payment_state": SQL("CASE WHEN g.paid THEN 'paid' ELSE 'not_paid' END"),
                "access_token": SQL("NULL"),
            },
            invoices,
        )
        moves = SQL(
            "SELECT m.id AS move_id, m.partner_id, m.invoice_date_due AS due, m.payment_state = 'paid' AS paid "
            "FROM account_move m WHERE starts_with(m.ref, 'RISK/')"
        )
        self._copy_rows(
            "account_move_line",
            line.id,
            {
                "move_id": SQL("g.move_id"),
                "partner_id": SQL("g.partner_id"),
                "date_maturity": SQL("g.due"),
                "reconciled": SQL("g.paid"),
                "amount_residual": SQL("CASE WHEN g.paid THEN 0 ELSE t.balance END"),
                "amount_residual_currency": SQL("CASE WHEN g.paid THEN 0 ELSE t.amount_currency END"),
                "full_reconcile_id": SQL("NULL"),
                "matching_number": SQL("NULL"),
            },
            moves,
        )
        self._copy_rows(
            "account_partial_reconcile",
            partial.id,
            {"debit_move_id": SQL("g.line_id"), "max_date": SQL("g.due + g.late")},
            SQL(
                "SELECT l.id AS line_id, l.date_maturity AS due, mod(m.partner_id, 50) AS late "
                "FROM account_move_line l JOIN account_move m ON m.id = l.move_id "
                "WHERE starts_with(m.ref, 'RISK/') AND l.reconciled"
            ),
        )
        self.env.invalidate_all()
        self.env.cr.execute("ANALYZE")
        Risk = self.env["account.dunning.partner.risk"]
        timings = []
        for _run in range(3):  # the first inserts the rows, the others update them
            start = time.perf_counter()
            Risk._refresh(self.company, TODAY)
            timings.append(time.perf_counter() - start)
        rows = Risk.search([("company_id", "=", self.company.id), ("partner_id", "in", customers.ids)])
        self.assertEqual(len(rows), self.CUSTOMERS)
        self.assertEqual(set(rows.mapped("paid_count")), {self.INVOICES - 2})
        classes = {risk: len(rows.filtered(lambda row, risk=risk: row.risk_class == risk)) for risk in ("low", "high")}
        self.assertTrue(all(classes.values()), classes)
        _logger.info(
            "Risk refresh of %s customers x %s invoices: %s s (first), %s s (again); classes %s",
            self.CUSTOMERS,
            self.INVOICES,
            f"{timings[0]:.3f}",
            ", ".join(f"{seconds:.3f}" for seconds in timings[1:]),
            classes,
        )
