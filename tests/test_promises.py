from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestPromises(DunningCommon):
    """A promise to pay holds its invoices through the promised date; the
    night after, it is kept (paid) or broken: the hold ends, the next
    reminder says so once, and the customer's record counts both."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._invoice(cls.partner_a, 1000.0, "2026-01-01")
        cls.other = cls._invoice(cls.partner_a, 250.0, "2026-01-01")

    def _nightly(self, day):
        """The scheduled action's work on `day`, as the scheduler's bot."""
        bot = self.env.ref("base.user_root")
        with freeze_time(day):
            self.env(user=bot)["account.dunning.engine"].with_context(lang="en_US")._process_overdue()
        return self.env["account.dunning.reminder"].search(
            [("partner_id", "=", self.partner_a.id), ("date", "=", day), ("state", "=", "sent")]
        )

    def _promise(self, reminder, day, by):
        with freeze_time(day):
            reminder._log_call_result("promise", reminder.line_ids.move_id, until=date.fromisoformat(by))
        return reminder.answer_ids.filtered(lambda answer: answer.kind == "promise")

    def test_kept_promise(self):
        first = self._nightly("2026-01-05")
        promise = self._promise(first, "2026-01-06", "2026-01-20")
        self.assertFalse(self._nightly("2026-01-20"), "held through the promised date")
        self._pay(self.invoice, pay_date=date(2026, 1, 19))
        self._pay(self.other, pay_date=date(2026, 1, 20))
        self._nightly("2026-01-21")
        self.assertEqual(promise.promise_state, "kept")
        self.assertIn("Promise kept", first.message_ids[:1].body)
        self.assertEqual((self.partner_a.dunning_promises_kept, self.partner_a.dunning_promises_broken), (1, 0))

    def test_broken_promise_is_said_once_in_the_next_reminder(self):
        first = self._nightly("2026-01-05")
        promise = self._promise(first, "2026-01-06", "2026-01-12")
        self._pay(self.other, pay_date=date(2026, 1, 10))  # part of what was promised
        second = self._nightly("2026-01-16")
        self.assertEqual(promise.promise_state, "broken")
        self.assertIn("Promise not kept", first.message_ids[:1].body)
        self.assertIn(self.invoice.name, first.message_ids[:1].body)
        self.assertNotIn(self.other.name, first.message_ids[:1].body, "only what is still unpaid")
        self.assertFalse(self.invoice.dunning_blocked, "the hold ended with the promise")
        self.assertTrue(second, "the next reminder goes out")
        sentence = (
            f"You promised to pay {', '.join(sorted([self.invoice.name, self.other.name]))} by 01/12/2026; "
            "we have not received this payment."
        )
        self.assertIn(sentence, self._body(second))
        self.assertEqual((self.partner_a.dunning_promises_kept, self.partner_a.dunning_promises_broken), (0, 1))
        third = self._nightly("2026-01-31")
        self.assertTrue(third)
        self.assertNotIn("You promised to pay", self._body(third), "said once")

    def test_promise_of_the_pay_online_page_is_checked_too(self):
        first = self._nightly("2026-01-05")
        with freeze_time("2026-01-06"):
            answer = first.with_context(lang="en_US")._record_answer(
                "promise", self.invoice, {"promise_date": "2026-01-15"}
            )
        self.assertEqual((answer.channel, answer.promise_state), ("portal", "open"))
        self._nightly("2026-01-15")
        self.assertEqual(answer.promise_state, "open", "checked the night after the promised date")
        self._nightly("2026-01-16")
        self.assertEqual(answer.promise_state, "broken")

    def _body(self, reminder):
        return str(self.env["ir.qweb"]._render("account_dunning.dunning_letter_body", {"reminder": reminder}))
