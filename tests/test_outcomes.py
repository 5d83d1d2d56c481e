from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestOutcomes(DunningCommon):
    """Reminders sent on 5 January 2026 (due 1 January); payments reconciled
    at chosen dates; outcomes measured by the nightly refresh."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Outcome = cls.env["account.dunning.outcome"]
        cls.company_data_2 = cls.setup_other_company(name="Outcomes company 2")
        cls.company_2 = cls.company_data_2["company"]
        # Its letters say how to pay too.
        cls.env["res.partner.bank"].create(
            {"partner_id": cls.company_2.partner_id.id, "acc_number": "FR7630006000019876543210189"}
        )

    def _refresh(self, day, **kwargs):
        day = date.fromisoformat(day)
        with freeze_time(day):
            return self.Outcome._refresh(today=day, **kwargs)

    def _outcome_of(self, reminder, invoice):
        return self.Outcome.search([("reminder_id", "=", reminder.id), ("move_id", "=", invoice.id)])

    def test_window_day_14_counts_day_15_does_not(self):
        on_time = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        late = self._invoice(self.partner_b, 800.0, "2026-01-01")
        reminders, _stats = self._run("2026-01-05")
        self.assertEqual(len(reminders), 2)
        self._pay(on_time, pay_date=date(2026, 1, 19))  # day 14
        self._pay(late, pay_date=date(2026, 1, 20))  # day 15
        counts = self._refresh("2026-02-15")
        self.assertEqual((counts["inserted"], counts["updated"]), (2, 0), "measured as they are written")
        paid = self._outcome_of(reminders.filtered(lambda r: r.partner_id == self.partner_a), on_time)
        self.assertEqual(paid.window_days, 14, "the policy's default window")
        self.assertTrue(paid.paid_in_window)
        self.assertFalse(paid.partially_paid)
        self.assertEqual(paid.amount_recovered, 1000.0)
        self.assertEqual(paid.paid_date, date(2026, 1, 19))
        self.assertEqual(paid.days_to_payment, 14)
        missed = self._outcome_of(reminders.filtered(lambda r: r.partner_id == self.partner_b), late)
        self.assertFalse(missed.paid_in_window, "paid on day 15: outside a 14-day window")
        self.assertFalse(missed.partially_paid)
        self.assertEqual(missed.amount_recovered, 0.0)
        self.assertEqual((missed.paid_date, missed.days_to_payment), (date(2026, 1, 20), 15))
        self.assertFalse(missed.escalated_next or missed.promise_made or missed.disputed)

    def test_policy_window(self):
        self.policy.outcome_days = 30
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        reminder, _stats = self._run("2026-01-05")
        self._pay(invoice, pay_date=date(2026, 1, 20))
        self._refresh("2026-03-01")
        outcome = self._outcome_of(reminder, invoice)
        self.assertEqual(outcome.window_days, 30)
        self.assertTrue(outcome.paid_in_window)
        # A shorter window applies to past reminders once measured again in full.
        self.policy.outcome_days = 10
        self.assertEqual(self._refresh("2026-03-02")["updated"], 0, "the nightly run keeps the window it had")
        self._refresh("2026-03-02", full=True)
        self.assertEqual(outcome.window_days, 10)
        self.assertFalse(outcome.paid_in_window, "paid on day 15")

    def test_partial_payment_then_the_rest_after_the_window(self):
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        reminder, _stats = self._run("2026-01-05")
        self._pay(invoice, amount=400.0, pay_date=date(2026, 1, 8))
        self._refresh("2026-01-10")
        outcome = self._outcome_of(reminder, invoice)
        self.assertTrue(outcome.partially_paid)
        self.assertFalse(outcome.paid_in_window)
        self.assertEqual(outcome.amount_recovered, 400.0)
        self.assertFalse(outcome.paid_date)
        self._pay(invoice, amount=600.0, pay_date=date(2026, 2, 10))
        self._refresh("2026-02-11")
        self.assertTrue(outcome.partially_paid, "what the window saw stays partial")
        self.assertFalse(outcome.paid_in_window)
        self.assertEqual(outcome.amount_recovered, 400.0)
        self.assertEqual((outcome.paid_date, outcome.days_to_payment), (date(2026, 2, 10), 36))

    def test_credit_note_is_not_a_payment(self):
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        reminder, _stats = self._run("2026-01-05")
        with freeze_time("2026-01-07"):
            refund = invoice._reverse_moves([{"date": date(2026, 1, 7)}], cancel=True)
        self.assertEqual(refund.move_type, "out_refund")
        self._refresh("2026-01-10")
        outcome = self._outcome_of(reminder, invoice)
        self.assertFalse(outcome.paid_in_window or outcome.partially_paid or outcome.paid_date)
        self.assertEqual(outcome.amount_recovered, 0.0)

    def test_escalated_to_the_next_level(self):
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        first, _stats = self._run("2026-01-02")
        second, _stats = self._run("2026-01-16")
        self.assertEqual((first.level_id, second.level_id), tuple(self.levels[:2]))
        self._refresh("2026-01-17")
        self.assertTrue(self._outcome_of(first, invoice).escalated_next)
        self.assertFalse(self._outcome_of(second, invoice).escalated_next)
        # Cancelled, the second reminder never went out: no escalation, no outcome.
        with freeze_time("2026-01-18"):
            second.action_cancel()
        counts = self._refresh("2026-01-18")
        self.assertEqual(counts["deleted"], 1)
        self.assertFalse(self._outcome_of(second, invoice))
        self.assertFalse(self._outcome_of(first, invoice).escalated_next)

    def test_promise_dispute_and_hold(self):
        promised = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        disputed = self._invoice(self.partner_a, 300.0, "2026-01-01")
        reminder, _stats = self._run("2026-01-05")
        with freeze_time("2026-01-06"):
            reminder._log_call_result("promise", promised, until=date(2026, 1, 25))
            reminder._log_call_result("dispute", disputed, reason="Wrong quantity")
        self._refresh("2026-01-07")
        promise = self._outcome_of(reminder, promised)
        self.assertTrue(promise.promise_made)
        self.assertFalse(promise.disputed)
        self.assertEqual(promise.hold_reason, "promise")
        dispute = self._outcome_of(reminder, disputed)
        self.assertTrue(dispute.disputed)
        self.assertFalse(dispute.promise_made)
        self.assertEqual(dispute.hold_reason, "dispute")

    def test_incremental_refresh_touches_only_changed_lines(self):
        invoices = [self._invoice(self.partner_a, 100.0 * n, "2026-01-01") for n in (1, 2, 3)]
        reminder, _stats = self._run("2026-01-05")
        first = self._refresh("2026-03-01")
        self.assertEqual((first["inserted"], first["examined"], first["updated"]), (3, 3, 0))
        again = self._refresh("2026-03-02")
        self.assertEqual((again["examined"], again["updated"]), (0, 0), "windows over, nothing changed")
        payment = self._pay(invoices[1], pay_date=date(2026, 3, 2))
        night = self._refresh("2026-03-03")
        self.assertEqual((night["inserted"], night["examined"], night["updated"]), (0, 1, 1))
        outcome = self._outcome_of(reminder, invoices[1])
        self.assertEqual((outcome.paid_date, outcome.days_to_payment), (date(2026, 3, 2), 56))
        self.assertEqual(self._refresh("2026-03-04")["updated"], 0, "running twice changes nothing")
        # A reconciliation undone is seen too, however old the reminder.
        payment.move_id.line_ids.remove_move_reconcile()
        undone = self._refresh("2026-03-05")
        self.assertEqual((undone["examined"], undone["updated"]), (1, 1))
        self.assertFalse(outcome.paid_date)
        # A full refresh measures all again and writes nothing: idempotent.
        full = self._refresh("2026-03-05", full=True)
        self.assertEqual((full["examined"], full["updated"]), (3, 0))

    def test_open_windows_are_measured_every_night(self):
        self._invoice(self.partner_a, 100.0, "2026-01-01")
        self._run("2026-01-05")
        self._refresh("2026-01-06")
        # 14 days of window and 7 of margin: measured until 26 January.
        self.assertEqual(self._refresh("2026-01-26")["examined"], 1)
        self.assertEqual(self._refresh("2026-01-27")["examined"], 0)

    def test_nightly_run_refreshes_outcomes(self):
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        reminder, _stats = self._run("2026-01-05")
        self._pay(invoice, pay_date=date(2026, 1, 9))
        with freeze_time("2026-01-10"):
            self.engine._process_overdue()
        outcome = self._outcome_of(reminder, invoice)
        self.assertTrue(outcome.paid_in_window)
        self.assertEqual(outcome.days_to_payment, 4)

    def test_multi_company(self):
        company_2 = self.company_2
        self.env["account.dunning.policy"]._ensure_default_policy(company_2)
        # Its bank details are not the question here.
        self.env["account.dunning.policy"]._default_for_company(company_2).check_bank = False
        mine = self._invoice(self.partner_a, 100.0, "2026-01-01")
        reminder, _stats = self._run("2026-01-05")
        self._refresh("2026-01-06")
        theirs = self._invoice(self.partner_b, 700.0, "2026-01-01", company=company_2)
        with freeze_time("2026-01-05"):
            reminder_2, stats = self.engine.with_company(company_2)._run(company_2, today=date(2026, 1, 5))
        self.assertEqual(reminder_2.state, "sent", reminder_2.error_message or stats)
        only_mine = self._refresh("2026-01-06", companies=self.company)
        self.assertEqual(only_mine["inserted"], 0, "the other company's reminders are left alone")
        self.assertEqual(self._refresh("2026-01-06")["inserted"], 1)
        outcome_2 = self._outcome_of(reminder_2, theirs)
        self.assertEqual(outcome_2.company_id, company_2)
        self.assertEqual(self._outcome_of(reminder, mine).company_id, self.company)
        user = new_test_user(
            self.env,
            login="outcomes_a",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        self.assertEqual(self.Outcome.with_user(user).search([]), self._outcome_of(reminder, mine))
        with self.assertRaises(AccessError):
            outcome_2.with_user(user).read(["paid_in_window"])
        with freeze_time("2026-02-01"):
            rows = self.env["account.dunning.recovery.analysis"].with_user(user).search([])
        self.assertEqual(rows.move_id, mine, "the analysis shows the user's companies only")


@tagged("post_install", "-at_install")
class TestRecoveryAnalysis(DunningCommon):
    """A hand-made month: four invoices reminded on 5 January, two paid
    within the window (days 3 and 5), one paid on day 20, one half paid."""

    def test_rates_and_days_per_level(self):
        amounts = (1000.0, 1000.0, 500.0, 500.0)
        invoices = [self._invoice(self.partner_a, amount, "2026-01-01") for amount in amounts]
        reminder, _stats = self._run("2026-01-05")
        self.assertEqual(len(reminder.line_ids), 4)
        self._pay(invoices[0], pay_date=date(2026, 1, 8))
        self._pay(invoices[1], pay_date=date(2026, 1, 10))
        self._pay(invoices[2], pay_date=date(2026, 1, 25))
        self._pay(invoices[3], amount=250.0, pay_date=date(2026, 1, 7))
        with freeze_time("2026-02-15"):
            self.env["account.dunning.outcome"]._refresh(today=date(2026, 2, 15))
            Analysis = self.env["account.dunning.recovery.analysis"]
            groups = Analysis.read_group(
                [("window_closed", "=", True)],
                [
                    "reminded_count:sum",
                    "paid_count:sum",
                    "recovery_rate:avg",
                    "amount_due:sum",
                    "amount_recovered:sum",
                    "amount_rate:avg",
                    "days_to_payment:avg",
                    "median_days:avg",
                    "paid_invoice_count:sum",
                    "reminders_per_paid:avg",
                ],
                ["level_id"],
            )
        self.assertEqual(len(groups), 1)
        group = groups[0]
        self.assertEqual(group["level_id"][0], self.levels[0].id)
        self.assertEqual((group["reminded_count"], group["paid_count"]), (4, 2))
        self.assertAlmostEqual(group["recovery_rate"], 50.0)
        self.assertEqual((group["amount_due"], group["amount_recovered"]), (3000.0, 2250.0))
        self.assertAlmostEqual(group["amount_rate"], 75.0, msg="a ratio of sums, not the rows' average (66.7)")
        self.assertAlmostEqual(group["days_to_payment"], (3 + 5 + 20) / 3)
        self.assertAlmostEqual(group["median_days"], 5.0)
        self.assertEqual(group["paid_invoice_count"], 3)
        self.assertAlmostEqual(group["reminders_per_paid"], 1.0)

    def test_reminders_per_paid_invoice(self):
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        self._run("2026-01-02")
        self._run("2026-01-16")
        self._pay(invoice, pay_date=date(2026, 1, 20))
        with freeze_time("2026-02-15"):
            self.env["account.dunning.outcome"]._refresh(today=date(2026, 2, 15))
            [group] = self.env["account.dunning.recovery.analysis"].read_group(
                [], ["paid_invoice_count:sum", "reminders_per_paid:avg", "recovery_rate:avg"], []
            )
        self.assertEqual(group["paid_invoice_count"], 1)
        self.assertAlmostEqual(group["reminders_per_paid"], 2.0, msg="paid after its second reminder")
        # The first reminder's window closed on 16 January; the second saw the payment on its day 4.
        self.assertAlmostEqual(group["recovery_rate"], 50.0)
