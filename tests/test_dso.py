import subprocess
import tempfile
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.account_dunning_dso import countback_dso, simple_dso
from .common import DunningCommon, html_text


@tagged("post_install", "-at_install")
class TestDso(DunningCommon):
    """DSO and the overdue balance by age at each month's end, from dated
    entries; the one-page effectiveness report."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # January: 3,100 invoiced on the 10th, due 9 February; February: 2,800
        # invoiced on the 5th, due 7 March; 1,000 paid on 20 February.
        cls.january = cls._invoice(cls.partner_a, 3100.0, "2026-02-09")
        cls.february = cls._invoice(cls.partner_b, 2800.0, "2026-03-07")
        cls._pay(cls.january, 1000.0, date(2026, 2, 20))
        cls.Dso = cls.env["account.dunning.dso"]

    def _months(self, today, months):
        self.Dso._refresh(date.fromisoformat(today), self.company, months=months)
        return {row.month: row for row in self.Dso.search([("company_id", "=", self.company.id)])}

    def test_the_two_methods(self):
        self.assertEqual(simple_dso(4900.0, 2800.0, 28), 49.0)
        self.assertAlmostEqual(countback_dso(4900.0, [(2800.0, 28), (3100.0, 31)]), 49.0)
        self.assertEqual(countback_dso(10000.0, [(2800.0, 28), (3100.0, 31)]), 59.0, "all the months' days")
        self.assertEqual(countback_dso(0.0, [(2800.0, 28)]), 0.0)
        self.assertEqual(simple_dso(100.0, 0.0, 30), 0.0, "no sales: no figure")

    def test_months_from_dated_entries(self):
        rows = self._months("2026-02-28", 2)
        january, february = rows[date(2026, 1, 1)], rows[date(2026, 2, 1)]
        self.assertEqual((january.sales, january.receivable), (3100.0, 3100.0))
        self.assertAlmostEqual(january.dso_simple, 31.0)
        self.assertAlmostEqual(january.dso_countback, 31.0)
        self.assertEqual(january.overdue_total, 0.0, "nothing was due yet")
        self.assertEqual((february.sales, february.receivable), (2800.0, 4900.0))
        self.assertAlmostEqual(february.dso_simple, 49.0)  # 4,900 / 2,800 x 28
        self.assertAlmostEqual(february.dso_countback, 49.0)  # 28 days of February + 2,100 / 3,100 x 31
        self.assertEqual((february.overdue_1_30, february.overdue_total), (2100.0, 2100.0))
        # Paid in full later: February's end keeps what was owed then.
        self._pay(self.january, 2100.0, date(2026, 3, 10))
        rows = self._months("2026-03-15", 3)
        self.assertEqual(rows[date(2026, 2, 1)].overdue_1_30, 2100.0)
        march = rows[date(2026, 3, 1)]
        self.assertEqual(march.month_end, date(2026, 3, 15), "the current month is measured today")
        self.assertEqual((march.receivable, march.overdue_1_30), (2800.0, 2800.0), "February's invoice, 8 days late")

    def test_effectiveness_report(self):
        self._months("2026-02-28", 2)
        data = {"date_from": "2026-02-01", "date_to": "2026-02-28"}
        Report = self.env["ir.actions.report"]
        html = Report._render_qweb_html(
            "account_dunning.report_dunning_effectiveness", self.company.ids, data=dict(data)
        )[0]
        text = html_text(html)
        self.assertIn("Dunning Effectiveness", text)
        self.assertIn("49.0", text)
        self.assertIn(self.partner_a.name, text, "the top late payer on 28 February")
        self.assertNotIn(self.partner_b.name, text, "not late yet")
        with self.assertRaises(UserError):
            Report._render_qweb_html(
                "account_dunning.report_dunning_effectiveness", self.company.ids, data={"date_from": "2026-03-01"}
            )
        wizard = self.env["account.dunning.effectiveness"].create(dict(data))
        action = wizard.action_print()
        self.assertEqual((action["type"], action["data"]), ("ir.actions.report", data))
        pdf, _kind = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
            "account_dunning.report_dunning_effectiveness", self.company.ids, data=dict(data)
        )
        with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
            source.write(pdf)
            source.flush()
            out = subprocess.run(["pdftotext", "-layout", source.name, "-"], capture_output=True, check=True).stdout
        self.assertIn("Dunning Effectiveness", out.decode())
        self.assertEqual(out.decode().count("\f"), 1, "one page")
        wizard.date_to = "2026-01-01"
        with self.assertRaises(UserError):
            wizard.action_print()
