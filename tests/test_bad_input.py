from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestBadConfigurationAndData(DunningCommon):
    """Refused when configured, or the reminder stops with the reason shown:
    never a wrong letter."""

    def _wizard(self, records):
        return Form(self.env["account.dunning.send"].with_context(active_model=records._name, active_ids=records.ids))

    def _firm_reminder(self, partner=None):
        """The second level (email and printed letter)."""
        partner = partner or self.partner_a
        self._invoice(partner, 500.0, "2026-01-01")
        self._run("2026-01-02")
        reminder, _stats = self._run("2026-01-16")
        return reminder

    # ---- ADDRESSES, BANK, CURRENCIES ----
    def test_letter_only_level_without_address_fails(self):
        self.levels[1].write({"channel_email": False, "channel_letter": True})
        self.partner_a.write({"street": False, "zip": False})
        reminder = self._firm_reminder()
        self.assertEqual(reminder.state, "failed")
        self.assertIn("incomplete", reminder.error_message)
        self.assertIn("street", reminder.error_message)
        self.assertIn("zip", reminder.error_message)
        self.assertFalse(reminder.letter_attachment_id)

    def test_email_and_letter_without_address_sends_the_email(self):
        self.partner_a.city = False
        reminder = self._firm_reminder()
        self.assertEqual(reminder.state, "sent")
        self.assertTrue(reminder.mail_message_id)

    def test_registered_letter_without_address_fails(self):
        self.partner_a.write({"street": False})
        self.policy.max_level_jump = 5
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        notice, _stats = self._run("2026-02-20")
        with freeze_time("2026-02-20"):
            notice.action_validate()
        self.assertEqual(notice.state, "failed")
        self.assertIn("no letter can be posted", notice.error_message)

    def test_company_without_bank_account_fails(self):
        self.company.partner_id.bank_ids.unlink()
        # The account removed after the reminder was planned: the check before chasing is off.
        self.policy.check_bank = False
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        reminder, _stats = self._run("2026-01-05")
        self.assertEqual(reminder.state, "failed")
        self.assertIn("no bank account", reminder.error_message)

    def test_currency_without_rate_fails(self):
        chf = self.env.ref("base.CHF")
        chf.active = True
        self.env["res.currency.rate"].search([("currency_id", "=", chf.id)]).unlink()
        self._invoice(self.partner_a, 500.0, "2026-01-01", currency=chf)
        reminder, _stats = self._run("2026-01-05")
        self.assertEqual(reminder.state, "failed")
        self.assertIn("No exchange rate for CHF", reminder.error_message)

    # ---- POLICY AND RATES ----
    def test_interest_margin_is_bounded(self):
        with self.assertRaisesRegex(ValidationError, "not plausible"):
            self.policy.interest_margin = 1000.0

    def test_indemnity_is_bounded(self):
        with self.assertRaisesRegex(ValidationError, "D441-5"):
            self.policy.indemnity_amount = 1e9
        self.policy.indemnity_amount = 40.0

    def test_reference_rate_out_of_bounds_is_refused(self):
        with self.assertRaises(ValidationError):
            self.env["account.dunning.reference.rate"].create({"date_start": "2027-01-01", "reference_rate": 215.0})

    def test_reference_rate_starts_a_half_year(self):
        with self.assertRaisesRegex(ValidationError, "1 January or 1 July"):
            self.env["account.dunning.reference.rate"].create({"date_start": "2027-03-15", "reference_rate": 2.0})

    def test_missing_half_year_stops_the_reminder_with_fees(self):
        """Interest from December 2025 to February 2026 needs both half-years."""
        self.env.ref("account_dunning.reference_rate_2025_07").unlink()
        self._invoice(self.partner_a, 1000.0, "2025-12-01")
        self.levels[0].apply_fees = True
        reminder, _stats = self._run("2026-01-05")
        self.assertEqual(reminder.state, "failed")
        self.assertIn("2025-07-01", reminder.error_message)

    def test_no_rate_for_the_current_half_year_stops_the_reminder(self):
        self._invoice(self.partner_a, 1000.0, "2026-06-01")
        self.levels[0].apply_fees = True
        reminder, _stats = self._run("2026-07-05")
        self.assertEqual(reminder.state, "failed")
        self.assertIn("2026-07-01", reminder.error_message)
        self.env["account.dunning.reference.rate"].create({"date_start": "2026-07-01", "reference_rate": 2.15})
        with freeze_time("2026-07-06"):
            reminder.action_retry()
        self.assertEqual(reminder.state, "sent")
        self.assertTrue(reminder.line_ids.interest_amount)

    # ---- WIZARD ON THE WRONG DOCUMENT ----
    def test_wizard_on_a_draft_invoice(self):
        draft = self._invoice(self.partner_a, 100.0, "2026-01-01", post=False)
        self._invoice(self.partner_a, 100.0, "2026-01-01")
        with freeze_time("2026-01-10"), self.assertRaisesRegex(UserError, "only posted invoices"):
            self._wizard(draft)

    def test_wizard_on_a_cancelled_invoice(self):
        cancelled = self._invoice(self.partner_a, 100.0, "2026-01-01")
        cancelled.button_draft()
        cancelled.button_cancel()
        with freeze_time("2026-01-10"), self.assertRaisesRegex(UserError, "Cancel"):
            self._wizard(cancelled)

    def test_wizard_on_a_vendor_bill(self):
        bill = self._invoice(self.partner_a, 100.0, "2026-01-01", move_type="in_invoice")
        with freeze_time("2026-01-10"), self.assertRaisesRegex(UserError, "not a customer invoice"):
            self._wizard(bill)

    def test_wizard_on_a_paid_invoice(self):
        invoice = self._invoice(self.partner_a, 100.0, "2026-01-01")
        self._pay(invoice, pay_date=date(2026, 1, 5))
        with freeze_time("2026-01-10"), self.assertRaisesRegex(UserError, "is paid"):
            self._wizard(invoice)

    def test_wizard_on_an_invoice_not_yet_due(self):
        invoice = self._invoice(self.partner_a, 100.0, "2026-02-01")
        with freeze_time("2026-01-10"), self.assertRaisesRegex(UserError, "not overdue"):
            self._wizard(invoice)

    def test_wizard_on_a_customer_set_to_do_not_dun(self):
        self._invoice(self.partner_a, 100.0, "2026-01-01")
        self.partner_a.dunning_excluded = True
        with freeze_time("2026-01-10"), self.assertRaisesRegex(UserError, "Do Not Dun"):
            self._wizard(self.partner_a)

    def test_wizard_on_a_policy_without_levels(self):
        self._invoice(self.partner_a, 100.0, "2026-01-01")
        empty = self.env["account.dunning.policy"].create({"name": "Empty", "company_id": self.company.id})
        self.partner_a.with_company(self.company).dunning_policy_id = empty
        with freeze_time("2026-01-10"), self.assertRaisesRegex(UserError, "has no level"):
            self._wizard(self.partner_a)

    # ---- SIBLINGS ----
    def test_contact_without_language_gets_the_company_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.company.partner_id.lang = "fr_FR"
        self.partner_a.lang = False
        self._invoice(self.partner_a, 100.0, "2026-01-01")
        reminder, _stats = self._run("2026-01-05")
        self.assertEqual(reminder.lang, "fr_FR")

    def test_cancelling_a_reminder_whose_fee_invoice_is_paid_keeps_it(self):
        self._fees_invoiced()
        self.partner_a.vat = "FR23334175221"
        self._flat_rates(4.15)
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        self.policy.max_level_jump = 5
        self.levels[3].manual_validation = False
        reminder, _stats = self._run("2026-02-20")
        fee_invoice = reminder.fee_move_ids
        self.assertTrue(fee_invoice)
        self._pay(fee_invoice, pay_date=date(2026, 2, 25))
        reminder.action_cancel()
        self.assertEqual(reminder.state, "cancelled")
        self.assertEqual(fee_invoice.payment_state, "paid", "not reversed: the customer paid it")
        self.assertTrue(any("already paid" in (body or "") for body in reminder.message_ids.mapped("body")))
        self.assertEqual(invoice.amount_residual, 1000.0)
