from datetime import date, timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common import DunningCommon


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
        invoice.is_move_sent = True  # only invoices sent to the customer are chased
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


@tagged("post_install", "-at_install")
class TestDunningDailyTours(DunningCommon, HttpCase):
    """The credit controller's day in the browser, as users who are not
    administrators: the cockpit, a formal notice to validate, the letters to
    post."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = {"company_id": cls.company.id, "company_ids": cls.company.ids}
        cls.billing = new_test_user(
            cls.env, login="tour_billing", groups="base.group_user,account.group_account_invoice", **company
        )
        cls.manager = new_test_user(
            cls.env,
            login="tour_dunning_manager",
            groups="base.group_user,account.group_account_invoice,account_dunning.group_dunning_manager",
            **company,
        )
        cls.today = fields.Date.today()

    def _customer(self, name, days_late, amount):
        customer = self.env["res.partner"].create(
            {
                "name": name,
                "email": "billing@customer.example",
                "is_company": True,
                "street": "3 place Bellecour",
                "zip": "69002",
                "city": "Lyon",
            }
        )
        self._invoice(customer, amount, self.today - timedelta(days=days_late))
        return customer

    def test_send_reminder_from_the_cockpit(self):
        customer = self._customer("Cockpit Customer", 5, 640.0)
        self.start_tour(
            "/odoo/action-account_dunning.action_account_dunning_partner_status_todo",
            "account_dunning_cockpit_send",
            login=self.billing.login,
        )
        reminder = self.env["account.dunning.reminder"].search([("partner_id", "=", customer.id)])
        self.assertEqual((reminder.state, reminder.origin, reminder.level_id), ("sent", "manual", self.levels[0]))

    def test_validate_a_formal_notice(self):
        self.policy.max_level_jump = 5
        self._flat_rates(4.0, 3.0)  # a formal notice states the late fees
        customer = self._customer("Notice Customer", 50, 900.0)
        reminders, _stats = self.engine._run(self.company, self.today)
        self.assertEqual((reminders.partner_id, reminders.state), (customer, "to_validate"))
        self.start_tour(
            "/odoo/action-account_dunning.action_account_dunning_reminder_to_validate",
            "account_dunning_validate_notice",
            login=self.manager.login,
        )
        self.assertEqual(reminders.state, "sent")
        self.assertEqual(reminders.level_id.tone, "formal_notice")

    def test_print_letters_to_post_from_the_menu(self):
        self.levels[0].channel_letter = True
        customer = self._customer("Letter Customer", 20, 300.0)
        reminders, _stats = self.engine.with_context(force_report_rendering=True)._run(self.company, self.today)
        self.assertEqual((reminders.partner_id, reminders.state), (customer, "sent"))
        self.assertEqual(reminders.letter_attachment_id.mimetype, "application/pdf")
        self.start_tour(
            "/odoo/action-account_dunning.action_account_dunning_reminder",
            "account_dunning_print_letters",
            login=self.billing.login,
        )
        self.assertTrue(reminders.letter_printed_date, "marked printed")
        merged = self.env["ir.attachment"].search([("name", "=like", "Letters to post %")])
        self.assertEqual(len(merged), 1)
        self.assertTrue(merged.raw.startswith(b"%PDF"))

    def test_word_a_level_in_the_policy_form(self):
        self.policy.max_level_jump = 5
        customer = self._customer("Wording Customer", 20, 900.0)
        reminders, _stats = self.engine._run(self.company, self.today)
        firm = self.levels.filtered(lambda level: level.tone == "firm")
        self.assertEqual((reminders.partner_id, reminders.level_id, reminders.state), (customer, firm, "sent"))
        self.start_tour(
            f"/odoo/action-account_dunning.action_account_dunning_policy/{self.policy.id}",
            "account_dunning_wording",
            login=self.manager.login,
        )
        wording = self.policy.wording_ids
        self.assertEqual((wording.level_id, wording.lang), (firm, "en_US"))
        self.assertIn("Thank you for paying {{total}} soon.", wording.body)
        body = self.env["ir.qweb"]._render("account_dunning.dunning_letter_body", {"reminder": reminders})
        self.assertIn(f"Thank you for paying {reminders._placeholder_total()} soon.", str(body))
        self.assertIn("900.00", reminders._placeholder_total())
