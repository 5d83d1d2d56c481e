from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestNeverTwice(DunningCommon):
    """One live reminder per customer and day whatever sends it, and the
    minimum interval, checked against the database when sending."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = new_test_user(cls.env, login="guard_billing", groups="account.group_account_invoice")
        cls.invoice = cls._invoice(cls.partner_a, 700.0, "2026-01-01")

    def _wizard(self, records, user=None):
        env = self.env(user=user) if user else self.env
        return Form(env["account.dunning.send"].with_context(active_model=records._name, active_ids=records.ids))

    def _live(self, partner=None):
        return self.env["account.dunning.reminder"].search(
            [("partner_id", "=", (partner or self.partner_a).id), ("state", "not in", ("draft", "cancelled", "failed"))]
        )

    def test_double_click_sends_one_reminder(self):
        with freeze_time("2026-01-10"):
            wizard = self._wizard(self.invoice, self.billing).save()
            wizard.action_send()
            with self.assertRaisesRegex(UserError, "already received a reminder today"):
                wizard.action_send()
        self.assertEqual(len(self._live()), 1)
        self.assertEqual(len(self._live().mail_message_id), 1)

    def test_second_tab_opened_before_the_first_send_is_refused(self):
        """Both wizards read 'never reminded' when they opened; the second
        one is stopped by what the database says when it sends."""
        with freeze_time("2026-01-10"):
            first = self._wizard(self.invoice, self.billing).save()
            second = self._wizard(self.partner_a, self.billing).save()
            self.assertFalse(second.too_soon)
            first.action_send()
            mails = self.env["mail.mail"].search_count([])
            with self.assertRaisesRegex(UserError, "already received a reminder today"):
                second.action_send()
        self.assertEqual(self.env["mail.mail"].search_count([]), mails, "no second mail")

    def test_second_user_after_nightly_run_is_refused(self):
        reminder, _stats = self._run("2026-01-10")
        self.assertEqual(reminder.state, "sent")
        with freeze_time("2026-01-10"), self.assertRaisesRegex(UserError, "Ask a dunning manager"):
            self._wizard(self.invoice, self.billing).save().action_send()

    def test_manager_sends_another_one_with_a_reason(self):
        self._run("2026-01-10")
        with freeze_time("2026-01-10"):
            form = self._wizard(self.invoice)
            self.assertTrue(form.too_soon, "the wizard shows it from the start")
            self.assertEqual(form.block_kind, "today")
            form.override_reason = "Customer lost the first letter"
            wizard = form.save()
            wizard.override_reason = False
            with self.assertRaisesRegex(UserError, "Give the reason"):
                wizard.action_send()
            wizard.override_reason = "Customer lost the first letter"
            wizard.action_send()
        live = self._live()
        self.assertEqual(len(live), 2)
        self.assertEqual(live.mapped("override_reason"), ["Customer lost the first letter", False])

    def test_send_now_respects_the_minimum_interval(self):
        """Three days in a row from the list: one reminder, then skipped with the customer named."""
        results = []
        for day in ("2026-01-10", "2026-01-11", "2026-01-12"):
            with freeze_time(day):
                results.append(self.invoice.with_user(self.billing).action_dunning_send_now())
        self.assertEqual(len(self._live()), 1)
        message = results[1]["params"]["message"]
        self.assertIn("minimum interval", message)
        self.assertIn(self.partner_a.name, message)

    def test_send_now_after_the_interval_sends(self):
        with freeze_time("2026-01-10"):
            self.invoice.action_dunning_send_now()
        with freeze_time("2026-01-17"):
            self.invoice.action_dunning_send_now()
        self.assertEqual(self._live().mapped("date"), [date(2026, 1, 17), date(2026, 1, 10)])

    def test_minimum_interval_counts_from_the_last_reminder_sent(self):
        """A reminder that failed does not start the interval."""
        self.partner_a.email = False
        self.policy.check_email = False  # a reminder that fails when sent, not one never created
        failed, _stats = self._run("2026-01-10")
        self.assertEqual(failed.state, "failed")
        failed.action_cancel()
        self.partner_a.email = "billing@partner-a.example"
        with freeze_time("2026-01-11"):
            self.invoice.with_user(self.billing).action_dunning_send_now()
        self.assertEqual(self._live().date, date(2026, 1, 11))

    def test_escalate_respects_the_guard(self):
        manager = new_test_user(
            self.env,
            login="guard_manager",
            groups="account.group_account_invoice,account_dunning.group_dunning_manager",
        )
        self._run("2026-01-10")
        with freeze_time("2026-01-10"):
            self.invoice.with_user(manager).action_dunning_escalate()
        self.assertEqual(len(self._live()), 1, "already reminded today")

    def test_nightly_run_after_a_manual_reminder_skips_the_customer(self):
        with freeze_time("2026-01-10"):
            self._wizard(self.invoice, self.billing).save().action_send()
        reminders, stats = self._run("2026-01-10")
        self.assertFalse(reminders)
        self.assertEqual(stats.get("today"), 1)

    def test_database_refuses_a_manual_duplicate(self):
        """The unique index covers every origin, not only the nightly run."""
        with freeze_time("2026-01-10"):
            plan = self.engine._plan_for_partner(self.company, self.partner_a, date(2026, 1, 10))
            plan.skip_reason = None
            plan.state = "to_send"
            first = self.engine._commit_plans(self.company, date(2026, 1, 10), [plan])
            # As if the guard had not seen the first one (a concurrent request).
            _plans, second = self.engine._insert_reminders(self.company, date(2026, 1, 10), [plan])
        self.assertTrue(first)
        self.assertFalse(second)

    def test_wizard_says_a_reminder_waits_when_it_opens(self):
        self.policy.max_level_jump = 5
        notice, _stats = self._run("2026-02-20")
        self.assertEqual(notice.state, "to_validate")
        with freeze_time("2026-02-21"):
            form = self._wizard(self.invoice, self.billing)
            self.assertEqual((form.block_kind, form.blocking_reminder_id), ("pending", notice))
            self.assertIn(notice.reference, form.block_message)
            with self.assertRaisesRegex(UserError, notice.reference):
                form.save().action_send()
