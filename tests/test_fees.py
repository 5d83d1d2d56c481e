from datetime import date

from odoo.tests import BaseCase, tagged

from odoo.addons.account_dunning.models.account_dunning_fees import (
    interest_periods,
    interest_rate,
    late_interest,
    recovery_indemnity,
    round_amount,
)

DUE = date(2026, 1, 1)


@tagged("post_install", "-at_install")
class TestDunningFees(BaseCase):
    """French B2B late fees, each figure computed by hand in the comments."""

    def test_interest_full_amount_45_days(self):
        # 10000 x 0.1415 x 45 / 365 = 63675 / 365 = 174.4520... -> 174.45
        as_of = date(2026, 2, 15)  # 45 days after 2026-01-01
        self.assertEqual((as_of - DUE).days, 45)
        value = late_interest(10000.0, DUE, as_of, rate=14.15)
        self.assertAlmostEqual(value, 63675 / 365, places=9)
        self.assertEqual(round_amount(value), 174.45)
        self.assertEqual(
            interest_periods(10000.0, DUE, as_of, rate=14.15),
            [(date(2026, 1, 2), as_of, 10000.0, 45, value)],
        )

    def test_interest_partial_payment(self):
        # 1000 due 2026-01-01, 400 paid 2026-01-21 (20 days late), letter 2026-02-20 (50 days late), r = 12.15 %:
        #   1000 x 0.1215 x 20 / 365 = 2430 / 365 = 6.6575...
        # +  600 x 0.1215 x 30 / 365 = 2187 / 365 = 5.9917...
        # = 4617 / 365 = 12.6493... -> 12.65
        payments = [(date(2026, 1, 21), 400.0)]
        periods = interest_periods(1000.0, DUE, date(2026, 2, 20), payments, rate=12.15)
        self.assertEqual(len(periods), 2)
        first, second = periods
        self.assertEqual(first[:4], (date(2026, 1, 2), date(2026, 1, 21), 1000.0, 20))
        self.assertAlmostEqual(first[4], 2430 / 365, places=9)
        self.assertEqual(round_amount(first[4]), 6.66)
        self.assertEqual(second[:4], (date(2026, 1, 22), date(2026, 2, 20), 600.0, 30))
        self.assertAlmostEqual(second[4], 2187 / 365, places=9)
        self.assertEqual(round_amount(second[4]), 5.99)
        value = late_interest(1000.0, DUE, date(2026, 2, 20), payments, rate=12.15)
        self.assertAlmostEqual(value, 4617 / 365, places=9)
        self.assertEqual(value, first[4] + second[4])
        self.assertEqual(round_amount(value), 12.65)
        # Without the payment, all 50 days run on 1000: 1000 x 0.1215 x 50 / 365 = 6075 / 365 = 16.64
        self.assertEqual(round_amount(late_interest(1000.0, DUE, date(2026, 2, 20), rate=12.15)), 16.64)

    def test_interest_already_charged(self):
        # Same invoice, first reminder on 2026-01-11 (10 days late), before the 400 payment:
        #   1000 x 0.1215 x 10 / 365 = 1215 / 365 = 3.3287... -> 3.33
        # Second reminder on 2026-02-20, interest already charged until 2026-01-11:
        #   1000 x 0.1215 x 10 / 365 (01-12 .. 01-21) = 1215 / 365 = 3.3287...
        # +  600 x 0.1215 x 30 / 365 (01-22 .. 02-20) = 2187 / 365 = 5.9917...
        # = 3402 / 365 = 9.3205... -> 9.32;  and 1215 / 365 + 3402 / 365 = 4617 / 365, the single computation.
        payments = [(date(2026, 1, 21), 400.0)]
        first = late_interest(1000.0, DUE, date(2026, 1, 11), payments, rate=12.15)
        self.assertAlmostEqual(first, 1215 / 365, places=9)
        self.assertEqual(round_amount(first), 3.33)
        periods = interest_periods(
            1000.0, DUE, date(2026, 2, 20), payments, rate=12.15, already_charged_until=date(2026, 1, 11)
        )
        self.assertEqual(
            [period[:4] for period in periods],
            [(date(2026, 1, 12), date(2026, 1, 21), 1000.0, 10), (date(2026, 1, 22), date(2026, 2, 20), 600.0, 30)],
        )
        second = late_interest(
            1000.0, DUE, date(2026, 2, 20), payments, rate=12.15, already_charged_until=date(2026, 1, 11)
        )
        self.assertAlmostEqual(second, 3402 / 365, places=9)
        self.assertEqual(round_amount(second), 9.32)
        whole = late_interest(1000.0, DUE, date(2026, 2, 20), payments, rate=12.15)
        self.assertAlmostEqual(first + second, whole, places=9)
        self.assertEqual(round_amount(whole), 12.65)
        # Charged until after the payment: only 600 x 0.1215 x 20 / 365 (01-31 .. 02-20) = 1458 / 365 = 3.99
        third = late_interest(
            1000.0, DUE, date(2026, 2, 20), payments, rate=12.15, already_charged_until=date(2026, 1, 31)
        )
        self.assertAlmostEqual(third, 1458 / 365, places=9)
        self.assertEqual(round_amount(third), 3.99)
        # Everything already charged up to the letter date: nothing more.
        self.assertEqual(
            late_interest(1000.0, DUE, date(2026, 2, 20), rate=12.15, already_charged_until=date(2026, 2, 20)), 0.0
        )

    def test_interest_payment_before_due_date(self):
        # 250 of 1000 paid on 2025-12-20, before the due date: 750 x 0.1215 x 30 / 365 = 2733.75 / 365 = 7.4897 -> 7.49
        # (on the full 1000 it would be 3645 / 365 = 9.99)
        as_of = date(2026, 1, 31)
        periods = interest_periods(1000.0, DUE, as_of, [(date(2025, 12, 20), 250.0)], rate=12.15)
        self.assertEqual([period[:4] for period in periods], [(date(2026, 1, 2), as_of, 750.0, 30)])
        value = late_interest(1000.0, DUE, as_of, [(date(2025, 12, 20), 250.0)], rate=12.15)
        self.assertAlmostEqual(value, 2733.75 / 365, places=9)
        self.assertEqual(round_amount(value), 7.49)
        # Paid on the due date itself: same reduced base.
        self.assertEqual(late_interest(1000.0, DUE, as_of, [(DUE, 250.0)], rate=12.15), value)

    def test_interest_payment_after_as_of_ignored(self):
        # Full payment on 2026-02-15, after the letter of 2026-01-31, so the 30 days run on 1000:
        # 1000 x 0.1215 x 30 / 365 = 3645 / 365 = 9.9863... -> 9.99
        as_of = date(2026, 1, 31)
        value = late_interest(1000.0, DUE, as_of, [(date(2026, 2, 15), 1000.0)], rate=12.15)
        self.assertAlmostEqual(value, 3645 / 365, places=9)
        self.assertEqual(round_amount(value), 9.99)
        self.assertEqual(value, late_interest(1000.0, DUE, as_of, rate=12.15))
        # Paid in full on 2026-01-10 (9 days late), nothing after it:
        # 1000 x 0.1215 x 9 / 365 = 1093.5 / 365 = 2.9959... -> 3.00
        periods = interest_periods(1000.0, DUE, as_of, [(date(2026, 1, 10), 1000.0)], rate=12.15)
        self.assertEqual([period[:4] for period in periods], [(date(2026, 1, 2), date(2026, 1, 10), 1000.0, 9)])
        self.assertEqual(round_amount(periods[0][4]), 3.0)

    def test_interest_not_late(self):
        # On the due date nothing is owed; one day later: 1000 x 0.1215 x 1 / 365 = 0.3329 -> 0.33
        self.assertEqual(late_interest(1000.0, DUE, DUE, rate=12.15), 0.0)
        self.assertEqual(interest_periods(1000.0, DUE, DUE, rate=12.15), [])
        self.assertEqual(round_amount(late_interest(1000.0, DUE, date(2026, 1, 2), rate=12.15)), 0.33)

    def test_recovery_indemnity(self):
        # 3 late invoices x 40 = 120; an individual owes none; 3 x 55 = 165 with a contractual amount.
        self.assertEqual(recovery_indemnity(3), 120.0)
        self.assertEqual(recovery_indemnity(1), 40.0)
        self.assertEqual(recovery_indemnity(3, is_professional=False), 0.0)
        self.assertEqual(recovery_indemnity(3, amount=55.0), 165.0)
        self.assertEqual(recovery_indemnity(0), 0.0)

    def test_interest_rate(self):
        # ECB 2.15 + 10 = 12.15; floor 3 x 8.16 = 24.48 is higher -> 24.48
        self.assertEqual(interest_rate(2.15), 12.15)
        self.assertEqual(interest_rate(2.15, legal_rate=8.16), 24.48)
        # Floor lower than ECB + 10: 3 x 3.71 = 11.13 < 12.15 -> 12.15
        self.assertEqual(interest_rate(2.15, legal_rate=3.71), 12.15)
        # Custom margin and floor multiple: 2.15 + 8 = 10.15 vs 2 x 8.16 = 16.32 -> 16.32
        self.assertEqual(interest_rate(2.15, margin=8.0), 10.15)
        self.assertEqual(interest_rate(2.15, margin=8.0, legal_rate=8.16, floor_multiple=2.0), 16.32)

    def test_invalid_input(self):
        with self.assertRaisesRegex(ValueError, "amount_due"):
            late_interest(-1.0, DUE, date(2026, 1, 31), rate=12.15)
        with self.assertRaisesRegex(ValueError, "rate"):
            late_interest(1000.0, DUE, date(2026, 1, 31), rate=-1.0)
        with self.assertRaisesRegex(ValueError, "before the due date"):
            late_interest(1000.0, DUE, date(2025, 12, 31), rate=12.15)
        with self.assertRaisesRegex(ValueError, "before the due date"):
            interest_periods(1000.0, DUE, date(2025, 12, 31), rate=12.15)
        with self.assertRaisesRegex(ValueError, "payment amount"):
            late_interest(1000.0, DUE, date(2026, 1, 31), [(date(2026, 1, 10), -5.0)], rate=12.15)
        with self.assertRaisesRegex(ValueError, "payment"):
            late_interest(1000.0, DUE, date(2026, 1, 31), [date(2026, 1, 10)], rate=12.15)
        with self.assertRaisesRegex(ValueError, "year_days"):
            late_interest(1000.0, DUE, date(2026, 1, 31), rate=12.15, year_days=0)
        with self.assertRaisesRegex(ValueError, "reference_rate"):
            interest_rate(-0.5)
        with self.assertRaisesRegex(ValueError, "margin"):
            interest_rate(2.15, margin=-1.0)
        with self.assertRaisesRegex(ValueError, "legal_rate"):
            interest_rate(2.15, legal_rate=-8.16)
        with self.assertRaisesRegex(ValueError, "invoice_count"):
            recovery_indemnity(-1)
        with self.assertRaisesRegex(ValueError, "amount"):
            recovery_indemnity(3, amount=-40.0)
