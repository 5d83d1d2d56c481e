from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestInstall(AccountTestInvoicingCommon):
    def test_days_overdue_on_posted_invoice(self):
        with freeze_time("2026-01-10"):
            invoice = self.init_invoice("out_invoice", amounts=[100.0], invoice_date="2025-12-01", post=True)
        invoice.invoice_date_due = "2026-01-01"
        with freeze_time("2026-01-21"):
            invoice.invalidate_recordset(["dunning_days_overdue"])
            self.assertEqual(invoice.dunning_days_overdue, 20)
