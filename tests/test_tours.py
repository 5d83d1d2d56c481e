from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon


@tagged("post_install", "-at_install")
class TestDunningTours(AccountTestInvoicingHttpCommon):
    def test_send_reminder_from_invoice(self):
        self.partner_a.write({"email": "billing@partner-a.example", "is_company": True})
        due = fields.Date.context_today(self.env["account.move"]) - timedelta(days=20)
        invoice = self.init_invoice("out_invoice", partner=self.partner_a, invoice_date=due, amounts=[1234.0], taxes=[])
        invoice.write({"invoice_payment_term_id": False, "invoice_date_due": due})
        invoice.action_post()
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
            "account_dunning_send_reminder",
            login=self.env.user.login,
        )
        reminder = self.env["account.dunning.reminder"].search([("partner_id", "=", self.partner_a.id)])
        self.assertEqual(reminder.state, "sent")
        self.assertEqual(reminder.origin, "manual")
        self.assertEqual(invoice.dunning_level_id.tone, "courteous")
