from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestLateFees(DunningCommon):
    """Fees frozen on reminders, each figure computed by hand in the comments."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # One rate for the whole test period unless a test says otherwise:
        # ECB 4.15 + 10 points = 14.15 %.
        cls.rates = cls._flat_rates(4.15)
        # Let an invoice found 45 days late go straight to the level it reaches.
        cls.policy.max_level_jump = 5
        cls.l3, cls.l4, cls.l5 = cls.levels[2:5]

    def _validate(self, reminders):
        # Validated on the reminder's day: a formal notice's deadline counts from it.
        with freeze_time(reminders.date):
            reminders.action_validate()
        self.assertEqual(reminders.state, "sent")

    def test_interest_and_indemnity_once(self):
        """10,000 due 2026-01-01: day 45 charges 45 days + 40; day 60 only days 46-60."""
        invoice = self._invoice(self.partner_a, 10000.0, "2026-01-01")
        reminder, _stats = self._run("2026-02-15")
        self.assertEqual(reminder.level_id, self.l4)
        line = reminder.line_ids
        # 10000 x 0.1415 x 45 / 365 = 63675 / 365 = 174.452... -> 174.45
        self.assertEqual(line.interest_amount, 174.45)
        self.assertEqual(line.interest_rate, 14.15)
        self.assertEqual(line.interest_date_from, date(2026, 1, 2))
        self.assertEqual(line.interest_date_to, date(2026, 2, 15))
        self.assertEqual(line.indemnity_amount, 40.0)
        self.assertEqual(reminder._grand_totals_by_currency(), [(invoice.currency_id, 10214.45)])
        self._validate(reminder)

        # Same day again: nothing new, nothing charged twice.
        again, _stats = self._run("2026-02-15")
        self.assertFalse(again)

        reminder, _stats = self._run("2026-03-02")
        self.assertEqual(reminder.level_id, self.l5)
        line = reminder.line_ids
        # Days 46 to 60 only: 10000 x 0.1415 x 15 / 365 = 21225 / 365 = 58.150... -> 58.15
        self.assertEqual(line.interest_amount, 58.15)
        self.assertEqual(line.interest_date_from, date(2026, 2, 16))
        self.assertEqual(line.indemnity_amount, 0.0, "the indemnity is charged once per invoice")
        # Both reminders add up to one computation over 60 days: 84900 / 365 = 232.60
        self.assertEqual(sum(invoice.dunning_line_ids.mapped("interest_amount")), 232.60)

    def test_partial_payment_interest(self):
        """1,000 due, 400 paid 20 days late, letter 50 days late, 12.15 %."""
        self.rates.reference_rate = 2.15
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        self._pay(invoice, 400.0, date(2026, 1, 21))
        reminder, _stats = self._run("2026-02-20")
        line = reminder.line_ids
        self.assertEqual(line.amount_residual, 600.0)
        # 1000 x 0.1215 x 20 / 365 + 600 x 0.1215 x 30 / 365 = (2430 + 2187) / 365 = 12.649... -> 12.65
        self.assertEqual(line.interest_amount, 12.65)
        self.assertEqual(line.interest_rate, 12.15)

    def test_each_half_year_at_its_rate(self):
        """Due 2025-12-01, letter 2026-01-15: December at 12.15 %, January at 14.15 %."""
        self.rates.filtered(lambda rate: rate.date_start == date(2025, 7, 1)).reference_rate = 2.15
        self._invoice(self.partner_a, 10000.0, "2025-12-01")
        reminder, _stats = self._run("2026-01-15")
        line = reminder.line_ids
        # 10000 x 0.1215 x 30 / 365 + 10000 x 0.1415 x 15 / 365 = (36450 + 21225) / 365 = 158.013... -> 158.01
        self.assertEqual(line.interest_amount, 158.01)
        self.assertEqual(line.interest_rate, 14.15, "the rate of the last period is shown")

    def test_legal_rate_floor(self):
        """ECB 0 % + 10 points is below 3 x a legal rate of 4 %: 12 % applies."""
        self.rates.write({"reference_rate": 0.0, "legal_rate": 4.0})
        self._invoice(self.partner_a, 10000.0, "2026-01-01")
        reminder, _stats = self._run("2026-01-31")
        self.assertEqual(reminder.level_id, self.l3)
        # 10000 x 0.12 x 30 / 365 = 36000 / 365 = 98.630... -> 98.63
        self.assertEqual(reminder.line_ids.interest_amount, 98.63)
        self.assertEqual(reminder.line_ids.interest_rate, 12.0)

    def test_no_fees_for_individuals_early_levels_or_when_disabled(self):
        private = self.env["res.partner"].create({"name": "Jeanne Martin", "email": "jeanne@example.com"})
        self._invoice(private, 1000.0, "2026-01-01")
        self._invoice(self.partner_b, 1000.0, "2026-01-25")
        reminders, _stats = self._run("2026-02-15")
        by_partner = {r.partner_id: r for r in reminders}
        self.assertFalse(by_partner[private].has_fees, "an individual owes no B2B fees")
        self.assertFalse(by_partner[private]._fees_legal_sentence())
        self.assertEqual(by_partner[self.partner_b].level_id, self.levels[1], "21 days: firm level, no fees")
        self.assertFalse(by_partner[self.partner_b].has_fees)

        self.policy.fee_mode = "none"
        self._invoice(self.partner_a, 1000.0, "2026-01-01")
        reminder, _stats = self._run("2026-02-15", partner_ids=self.partner_a.ids)
        self.assertFalse(reminder.has_fees)
        self.assertFalse(reminder._fees_legal_sentence())

    def test_cancelled_reminder_fees_are_charged_again(self):
        self._invoice(self.partner_a, 10000.0, "2026-01-01")
        reminder, _stats = self._run("2026-02-15")
        reminder.action_cancel()
        again, _stats = self._run("2026-02-16")
        # 46 days from the start again: 10000 x 0.1415 x 46 / 365 = 65090 / 365 = 178.328... -> 178.33
        self.assertEqual(again.line_ids.interest_amount, 178.33)
        self.assertEqual(again.line_ids.indemnity_amount, 40.0)

    def test_fees_invoiced_then_reversed_on_cancel(self):
        self._fees_invoiced()
        invoice = self._invoice(self.partner_a, 10000.0, "2026-01-01")
        reminder, _stats = self._run("2026-02-15")
        self.assertFalse(reminder.fee_move_ids, "nothing is invoiced before the reminder goes out")
        self._validate(reminder)
        fee_invoice = reminder.fee_move_ids
        self.assertEqual(fee_invoice.state, "posted")
        self.assertEqual(fee_invoice.partner_id, self.partner_a)
        self.assertEqual(fee_invoice.amount_total, 214.45, "174.45 interest + 40 indemnity, no VAT")
        self.assertEqual(sorted(fee_invoice.invoice_line_ids.mapped("price_unit")), [40.0, 174.45])
        self.assertIn(invoice.name, " ".join(fee_invoice.invoice_line_ids.mapped("name")))

        # The fee invoice is dunned with the rest but bears no fees itself.
        later, _stats = self._run("2026-03-02")
        fee_line = later.line_ids.filtered(lambda line: line.move_id == fee_invoice)
        self.assertTrue(fee_line)
        self.assertFalse(fee_line.fee_amount)
        self._validate(later)
        self.assertEqual(later.fee_move_ids.amount_total, 58.15, "only the new period of interest")

        later.action_cancel()
        self.assertEqual(later.fee_move_ids.payment_state, "reversed")
        self.assertEqual(fee_invoice.payment_state, "not_paid", "the earlier reminder's fees stay due")

    def test_invoice_mode_needs_accounts(self):
        with self.assertRaisesRegex(ValidationError, "fee journal"):
            self.policy.fee_mode = "invoice"
