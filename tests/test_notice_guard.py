from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestNoticeGuard(DunningCommon):
    """An invoice named in the policy's most reminders before the formal
    notice gets no other gentle one: the next letter about it is the formal
    notice, once it is late enough.  Only a dunning manager, with a reason,
    sends one more by hand."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = new_test_user(cls.env, login="notice_billing", groups="account.group_account_invoice")
        cls.manager = new_test_user(
            cls.env,
            login="notice_manager",
            groups="account.group_account_invoice,account_dunning.group_dunning_manager",
        )
        cls.policy.max_reminders_before_notice = 2
        cls.invoice = cls._invoice(cls.partner_a, 1000.0, "2026-01-01")

    def _reminders(self):
        return self.env["account.dunning.reminder"].search([("partner_id", "=", self.partner_a.id)], order="id")

    def _courteous_then_firm(self):
        """Day 1: the courteous reminder, day 15: the firm one; two, the policy's most."""
        for day, level in (("2026-01-02", self.levels[0]), ("2026-01-16", self.levels[1])):
            reminder, _stats = self._run(day, partner_ids=self.partner_a.ids)
            self.assertEqual((reminder.state, reminder.level_id), ("sent", level), day)

    def _wizard(self, user):
        env = self.env(user=user)
        return Form(env["account.dunning.send"].with_context(active_model="res.partner", active_ids=self.partner_a.ids))

    def test_default_is_no_limit(self):
        self.assertEqual(self.env["account.dunning.policy"].new({}).max_reminders_before_notice, 0)

    def test_nightly_run_stops_at_the_limit_then_sends_the_formal_notice_when_due(self):
        self._courteous_then_firm()
        for day in ("2026-01-31", "2026-02-10"):
            reminders, stats = self._run(day, partner_ids=self.partner_a.ids)
            self.assertFalse(reminders, f"{day}: no last reminder after two reminders")
            self.assertEqual(stats["skipped"], {self.partner_a.id: "notice_limit"})
        # 45 days late: the formal notice, straight from the firm reminder
        # although the policy climbs one level per run.
        notice, _stats = self._run("2026-02-15", partner_ids=self.partner_a.ids)
        self.assertEqual((notice.tone, notice.level_id, notice.state), ("formal_notice", self.levels[3], "to_validate"))
        self.assertEqual(notice.line_ids.move_id, self.invoice)
        self.assertEqual(len(self._reminders()), 3, "no last reminder was ever made")

    def test_nightly_summary_names_the_skip(self):
        self._courteous_then_firm()
        with freeze_time("2026-01-31"):
            summary = self.engine._process_overdue()
        company = next(row for row in summary["companies"] if row["company_id"] == self.company.id)
        label = self.engine._skip_reason_labels()["notice_limit"]
        self.assertIn("before the formal notice", label)
        self.assertEqual(company["skipped"].get(label), 1)
        self.assertEqual(company["reminders"], 0)

    def test_failed_and_cancelled_reminders_do_not_count(self):
        self.policy.max_reminders_before_notice = 1
        # A reminder that fails at dispatch: no email, and the check that would stop it before is off.
        self.policy.check_email = False
        self.partner_a.email = False
        failed, _stats = self._run("2026-01-02", partner_ids=self.partner_a.ids)
        self.assertEqual(failed.state, "failed")
        failed.action_cancel()
        self.partner_a.email = "billing@partner-a.example"
        reminder, _stats = self._run("2026-01-03", partner_ids=self.partner_a.ids)
        self.assertEqual((reminder.state, reminder.level_id), ("sent", self.levels[0]), "the failed one did not count")
        reminders, stats = self._run("2026-01-16", partner_ids=self.partner_a.ids)
        self.assertFalse(reminders, "the one sent did")
        self.assertEqual(stats["skipped"], {self.partner_a.id: "notice_limit"})

    def test_held_invoice_is_left_out_of_a_gentle_reminder_and_named_in_the_notice(self):
        self._courteous_then_firm()
        later = self._invoice(self.partner_a, 300.0, "2026-01-20")
        reminder, _stats = self._run("2026-01-21", partner_ids=self.partner_a.ids)
        self.assertEqual(reminder.line_ids.move_id, later, "the first reminder of the new invoice only")
        self.assertEqual((reminder.level_id, reminder.amount_due), (self.levels[0], 300.0))
        notice, _stats = self._run("2026-02-15", partner_ids=self.partner_a.ids)
        self.assertEqual(notice.tone, "formal_notice")
        self.assertEqual(notice.line_ids.move_id, self.invoice | later, "a formal notice names all that is due")

    def test_no_limit_when_the_policy_says_zero(self):
        self.policy.max_reminders_before_notice = 0
        self._courteous_then_firm()
        reminder, _stats = self._run("2026-01-31", partner_ids=self.partner_a.ids)
        self.assertEqual((reminder.state, reminder.tone), ("sent", "last"))

    def test_send_now_from_the_list_says_why(self):
        self._courteous_then_firm()
        with freeze_time("2026-01-31"):
            result = self.invoice.with_user(self.billing).action_dunning_send_now()
        self.assertIn("before the formal notice", result["params"]["message"])
        self.assertIn(self.partner_a.name, result["params"]["message"])
        self.assertEqual(len(self._reminders()), 2)

    def test_wizard_warns_and_billing_user_cannot_override(self):
        self._courteous_then_firm()
        with freeze_time("2026-01-31"):
            form = self._wizard(self.billing)
            self.assertEqual(form.notice_held_move_ids[:], self.invoice)
            self.assertIn("already had 2 reminders", form.notice_message)
            self.assertIn("Formal notice", form.notice_message)
            self.assertIn("from 45 days late", form.notice_message)
            self.assertTrue(form.notice_held)
            self.assertTrue(form.needs_reason)
            wizard = form.save()
            wizard.override_reason = "The customer asked for it"
            with self.assertRaisesRegex(UserError, "Ask a dunning manager"):
                wizard.action_send()
        self.assertEqual(len(self._reminders()), 2)

    def test_wizard_proposes_the_formal_notice_when_due_without_warning(self):
        self._courteous_then_firm()
        with freeze_time("2026-02-15"):
            form = self._wizard(self.billing)
            self.assertFalse(form.notice_held_move_ids[:])
            self.assertEqual(form.proposed_level_id, self.levels[3])
            self.assertFalse(form.needs_reason)

    def test_manager_sends_one_more_with_a_reason_kept_and_logged(self):
        self._courteous_then_firm()
        with freeze_time("2026-01-31"):
            form = self._wizard(self.manager)
            self.assertTrue(form.needs_reason)
            form.override_reason = "Customer asked for a copy"
            wizard = form.save()
            wizard.override_reason = " "
            with self.assertRaisesRegex(UserError, "Give the reason"):
                wizard.action_send()
            wizard.override_reason = "Customer asked for a copy"
            wizard.action_send()
        reminder = self._reminders()[-1]
        self.assertEqual((reminder.state, reminder.date, reminder.tone), ("sent", date(2026, 1, 31), "firm"))
        self.assertEqual(reminder.override_reason, "Customer asked for a copy")
        note = reminder.message_ids.filtered(lambda message: "Sent by a dunning manager although" in message.body)
        self.assertIn("already had 2 reminders, the most the policy sends before the formal notice", note.body)
        self.assertIn("Reason: Customer asked for a copy", note.body)

    def test_bounds_are_checked_when_configured(self):
        for value in (-1, 21):
            with self.assertRaisesRegex(ValidationError, "from 1 to 20 reminders before the formal notice"):
                self.policy.max_reminders_before_notice = value
        self.policy.max_reminders_before_notice = 20
        self.assertEqual(self.policy.max_reminders_before_notice, 20)
