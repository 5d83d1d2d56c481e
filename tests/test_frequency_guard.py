from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestReminderFrequency(DunningCommon):
    """A customer gets at most the policy's number of reminders over its
    rolling period, whatever sends them; more needs a dunning manager's
    reason, which the reminder keeps."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = new_test_user(cls.env, login="often_billing", groups="account.group_account_invoice")
        cls.manager = new_test_user(
            cls.env,
            login="often_manager",
            groups="account.group_account_invoice,account_dunning.group_dunning_manager",
        )
        # Four invoices falling due four days apart: each reaches the first
        # level on another night, so each night has something new to remind.
        cls.invoices = [cls._invoice(cls.partner_a, 100.0 * n, f"2026-01-{1 + 4 * n:02d}") for n in range(1, 5)]

    def _sent(self):
        return self.env["account.dunning.reminder"].search(
            [("partner_id", "=", self.partner_a.id), ("state", "=", "sent")], order="date"
        )

    def _remind_three_times(self):
        for day in ("2026-01-06", "2026-01-10", "2026-01-14"):
            reminder, _stats = self._run(day, partner_ids=self.partner_a.ids)
            self.assertEqual(reminder.state, "sent", day)

    def _wizard(self, user):
        env = self.env(user=user)
        return Form(env["account.dunning.send"].with_context(active_model="res.partner", active_ids=self.partner_a.ids))

    def test_default_is_three_reminders_in_thirty_days(self):
        self.assertEqual((self.policy.max_reminders, self.policy.max_reminders_days), (3, 30))

    def test_nightly_run_stops_at_the_most_then_resumes_when_the_period_allows(self):
        self._remind_three_times()
        reminders, stats = self._run("2026-01-18", partner_ids=self.partner_a.ids)
        self.assertFalse(reminders, "the fourth invoice reached the first level, but three were sent in 30 days")
        self.assertEqual(stats["skipped"], {self.partner_a.id: "too_many"})
        # 30 days after the first one, two remain in the period: one more may go.
        reminders, _stats = self._run("2026-02-05", partner_ids=self.partner_a.ids)
        self.assertEqual(reminders.state, "sent")
        self.assertEqual(len(self._sent()), 4)

    def test_no_limit_when_the_policy_says_zero(self):
        self.policy.max_reminders = 0
        self._remind_three_times()
        reminder, _stats = self._run("2026-01-18", partner_ids=self.partner_a.ids)
        self.assertEqual(reminder.state, "sent")

    def test_failed_reminders_do_not_count(self):
        """Only what reached the customer counts."""
        for day in ("2026-01-06", "2026-01-10"):
            self._run(day, partner_ids=self.partner_a.ids)
        self.partner_a.email = False
        self.policy.check_email = False  # a reminder that fails when sent, not one never created
        failed, _stats = self._run("2026-01-14", partner_ids=self.partner_a.ids)
        self.assertEqual(failed.state, "failed")
        failed.action_cancel()
        self.partner_a.email = "billing@partner-a.example"
        reminder, _stats = self._run("2026-01-18", partner_ids=self.partner_a.ids)
        self.assertEqual(reminder.state, "sent")
        self.assertEqual(len(self._sent()), 3)

    def test_send_now_from_the_list_names_the_customer(self):
        self._remind_three_times()
        with freeze_time("2026-01-18"):
            result = self.invoices[-1].with_user(self.billing).action_dunning_send_now()
        self.assertIn("most reminders over its period", result["params"]["message"])
        self.assertIn(self.partner_a.name, result["params"]["message"])
        self.assertEqual(len(self._sent()), 3)

    def test_billing_user_is_told_whom_to_ask(self):
        self._remind_three_times()
        with freeze_time("2026-01-18"):
            form = self._wizard(self.billing)
            self.assertEqual(form.block_kind, "too_many")
            self.assertIn("received 3 reminders over the last 30 days", form.block_message)
            self.assertIn("02/05/2026", form.block_message, "the day the next one may go")
            with self.assertRaisesRegex(UserError, "Ask a dunning manager"):
                form.save().action_send()
        self.assertEqual(len(self._sent()), 3)

    def test_manager_sends_one_more_with_a_reason_kept_on_the_reminder(self):
        self._remind_three_times()
        with freeze_time("2026-01-18"):
            form = self._wizard(self.manager)
            self.assertTrue(form.needs_reason)
            form.override_reason = "Customer asked for a statement of everything due"
            wizard = form.save()
            wizard.override_reason = " "
            with self.assertRaisesRegex(UserError, "Give the reason"):
                wizard.action_send()
            wizard.override_reason = "Customer asked for a statement of everything due"
            wizard.action_send()
        sent = self._sent()
        self.assertEqual(len(sent), 4)
        self.assertEqual(sent[-1].date, date(2026, 1, 18))
        self.assertEqual(sent[-1].override_reason, "Customer asked for a statement of everything due")
        note = sent[-1].message_ids.filtered(lambda message: "Sent by a dunning manager although" in message.body)
        self.assertIn("the most the policy allows", note.body)
        self.assertIn("Reason: Customer asked for a statement of everything due", note.body)

    def test_bounds_are_checked_when_configured(self):
        for values in ({"max_reminders": -1}, {"max_reminders_days": 0}, {"max_reminders_days": 400}):
            with self.assertRaisesRegex(ValidationError, "from 0 \\(no limit\\) to 100 reminders"):
                self.policy.write(values)
