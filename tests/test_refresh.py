from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestCheckedBeforeSending(DunningCommon):
    """A reminder that waited (validation, a crashed run) is checked against
    the ledger as it is when it goes out: it names only what is owed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.max_level_jump = 5
        cls.first = cls._invoice(cls.partner_a, 1000.0, "2026-01-01")
        cls.second = cls._invoice(cls.partner_a, 400.0, "2026-01-03")

    def _waiting_notice(self):
        notice, _stats = self._run("2026-02-20")
        self.assertEqual(notice.state, "to_validate")
        self.assertEqual(notice.line_ids.move_id, self.first | self.second)
        return notice

    def _validate(self, notice, day="2026-02-24"):
        with freeze_time(day):
            notice.action_validate()

    def _letter_text(self, reminder):
        return reminder.letter_attachment_id.raw.decode()

    def test_invoice_paid_while_waiting_is_dropped(self):
        notice = self._waiting_notice()
        self._pay(self.second, pay_date=date(2026, 2, 22))
        self._validate(notice)
        self.assertEqual(notice.state, "sent")
        self.assertEqual(notice.line_ids.move_id, self.first)
        self.assertNotIn(self.second.name, self._letter_text(notice))
        self.assertIn(self.first.name, self._letter_text(notice))
        self.assertEqual(notice.amount_due, 1000.0)
        note = notice.message_ids.filtered(lambda m: "Checked against the ledger" in (m.body or ""))
        self.assertIn(self.second.name, note.body)
        self.assertIn("paid", note.body)

    def test_everything_paid_while_waiting_cancels_it(self):
        notice = self._waiting_notice()
        self._pay(self.first, pay_date=date(2026, 2, 21))
        self._pay(self.second, pay_date=date(2026, 2, 21))
        mails = self.env["mail.mail"].search_count([])
        self._validate(notice)
        self.assertEqual(notice.state, "cancelled")
        self.assertIn("nothing is owed", notice.error_message)
        self.assertFalse(notice.letter_attachment_id)
        self.assertEqual(self.env["mail.mail"].search_count([]), mails, "no mail for a paid debt")

    def test_partial_payment_recomputes_residual_and_fees(self):
        notice = self._waiting_notice()
        fees_before = sum(notice.line_ids.mapped("interest_amount"))
        self._pay(self.first, amount=600.0, pay_date=date(2026, 2, 21))
        self._validate(notice)
        line = notice.line_ids.filtered(lambda line: line.move_id == self.first)
        self.assertEqual(line.amount_residual, 400.0)
        self.assertEqual(notice.amount_due, 800.0)
        self.assertEqual(notice.date, date(2026, 2, 24), "dated the day it went out")
        self.assertEqual(line.days_overdue, 54)
        self.assertNotEqual(sum(notice.line_ids.mapped("interest_amount")), fees_before)
        self.assertIn("400.00", self._letter_text(notice))

    def test_invoice_put_on_hold_while_waiting_is_dropped(self):
        notice = self._waiting_notice()
        self.second._dunning_put_on_hold("dispute")
        self._validate(notice)
        self.assertEqual(notice.line_ids.move_id, self.first)
        self.assertIn("put on hold", notice.message_ids.mapped("body")[0] + "".join(notice.message_ids.mapped("body")))

    def test_credited_invoice_is_dropped(self):
        notice = self._waiting_notice()
        credit = self.second._reverse_moves([{"date": date(2026, 2, 22)}], cancel=True)
        self.assertEqual(credit.state, "posted")
        self._validate(notice)
        self.assertEqual(notice.line_ids.move_id, self.first)

    def test_customer_set_to_do_not_dun_while_waiting(self):
        notice = self._waiting_notice()
        self.partner_a.dunning_excluded = True
        self._validate(notice)
        self.assertEqual(notice.state, "cancelled")
        self.assertIn("Do Not Dun", notice.error_message)

    def test_reminder_left_by_a_crashed_run_goes_out_checked_the_next_day(self):
        """Committed, never dispatched (the run died): the next night sends
        it as of that night, without the invoice paid in between."""
        self.policy.max_level_jump = 1
        reminders, _stats = self._run("2026-01-10", dispatch=False)
        self.assertEqual(reminders.state, "to_send")
        self._pay(self.second, pay_date=date(2026, 1, 10))
        with freeze_time("2026-01-11"):
            self.engine.with_user(self.env.ref("base.user_root"))._cron_process_overdue()
        self.assertEqual(reminders.state, "sent")
        self.assertEqual(reminders.date, date(2026, 1, 11))
        self.assertEqual(reminders.line_ids.move_id, self.first)
        self.assertEqual(self.env["account.dunning.reminder"].search_count([("partner_id", "=", self.partner_a.id)]), 1)

    def test_formal_notice_about_paid_invoices_speaks_at_the_level_left(self):
        """The invoice that had reached the formal notice is paid: the
        letter about the other one is no formal notice."""
        self.policy.max_level_jump = 1
        for day in ("2026-01-02", "2026-01-16", "2026-01-31"):
            self._run(day)
        newer = self._invoice(self.partner_a, 90.0, "2026-02-10")
        notice, _stats = self._run("2026-02-15")
        self.assertEqual(notice.tone, "formal_notice")
        self._pay(self.first, pay_date=date(2026, 2, 16))
        self._pay(self.second, pay_date=date(2026, 2, 16))
        self._validate(notice, "2026-02-17")
        self.assertEqual(notice.line_ids.move_id, newer)
        self.assertEqual(notice.level_id, self.levels[0])
        self.assertEqual(notice.tone, "courteous")
        self.assertFalse(notice.channel_registered)
