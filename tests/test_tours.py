from datetime import date, timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon


@tagged("post_install", "-at_install")
class TestDunningTours(AccountTestInvoicingHttpCommon):
    def test_send_reminder_from_invoice(self):
        self.partner_a.write({"email": "billing@partner-a.example", "is_company": True})
        # Letters say how to pay: the company needs a bank account.
        self.env["res.partner.bank"].create(
            {"partner_id": self.env.company.partner_id.id, "acc_number": "FR7630006000011234567890189"}
        )
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

    def test_put_on_hold_from_invoice_list(self):
        accountant = new_test_user(
            self.env,
            login="accountant",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.env.company.id,
            company_ids=self.env.company.ids,
        )
        customer, payer = self.env["res.partner"].create(
            [{"name": "Hold Tour Customer", "is_company": True}, {"name": "Paying Customer", "is_company": True}]
        )
        due = fields.Date.context_today(self.env["account.move"]) - timedelta(days=20)
        invoices = self.env["account.move"]
        for partner in (customer, payer):
            invoice = self.init_invoice("out_invoice", partner=partner, invoice_date=due, amounts=[500.0], taxes=[])
            invoice.write({"invoice_payment_term_id": False, "invoice_date_due": due})
            invoices |= invoice
        invoices.action_post()
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type", "account_dunning_put_on_hold", login=accountant.login
        )
        held, other = invoices
        self.assertEqual(
            (held.dunning_blocked, held.dunning_block_reason, held.dunning_block_until),
            (True, "promise", date(2099, 12, 31)),
        )
        self.assertFalse(other.dunning_blocked)
        self.assertIn("Promised on the phone", held.message_ids[0].body)
