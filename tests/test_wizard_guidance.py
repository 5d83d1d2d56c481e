from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestWizardGuidance(DunningCommon):
    """Send Reminder says what blocks it when it opens, with the way out;
    a customer reminded for some invoices can be reminded for the others;
    an invoice's level is the last reminder sent, and a letter applies a
    level's fees only to the invoices that reached it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = new_test_user(cls.env, login="guide_billing", groups="account.group_account_invoice")
        cls.manager = new_test_user(
            cls.env,
            login="guide_manager",
            name="Martine Manager",
            groups="account.group_account_invoice,account_dunning.group_dunning_manager",
        )

    def _wizard(self, records, user=None):
        env = self.env(user=user) if user else self.env
        return Form(env["account.dunning.send"].with_context(active_model=records._name, active_ids=records.ids))

    def _live(self):
        return self.env["account.dunning.reminder"].search(
            [("partner_id", "=", self.partner_a.id), ("state", "not in", ("draft", "cancelled", "failed"))]
        )

    def _three_invoices(self):
        return (
            self._invoice(self.partner_a, 100.0, "2026-01-01")
            + self._invoice(self.partner_a, 200.0, "2026-01-02")
            + self._invoice(self.partner_a, 300.0, "2026-01-03")
        )

    # ---- PARTIAL SELECTION ----
    def test_the_other_invoices_can_be_reminded_the_same_day_with_a_warning(self):
        first, second, third = self._three_invoices()
        with freeze_time("2026-01-20"):
            form = self._wizard(first, self.billing)
            form.move_ids.set(first)
            form.save().action_send()
            form = self._wizard(self.partner_a, self.billing)
            self.assertEqual(form.block_kind, "today")
            self.assertIn(first.name, form.block_message)
            self.assertEqual(form.covered_move_ids[:], first)
            self.assertEqual(form.move_ids[:], second | third, "only the invoices not reminded today")
            self.assertFalse(form.too_soon, "no reason needed for other invoices")
            reminder = form.save()._action_send()
        self.assertEqual(reminder.line_ids.move_id, second | third)
        self.assertEqual(len(self._live()), 2)
        self.assertIn("sent today", reminder.override_reason)

    def test_the_same_invoice_again_the_same_day_needs_a_manager(self):
        first, _second, _third = self._three_invoices()
        with freeze_time("2026-01-20"):
            form = self._wizard(first, self.billing)
            form.move_ids.set(first)
            form.save().action_send()
            form = self._wizard(first, self.billing)
            form.move_ids.set(first)
            self.assertTrue(form.too_soon)
            self.assertIn("Martine Manager", form.managers_to_ask)
            with self.assertRaisesRegex(UserError, "Martine Manager"):
                form.save().action_send()
        self.assertEqual(len(self._live()), 1)

    def test_list_action_reminds_the_invoices_not_covered_and_says_so(self):
        first, second, third = self._three_invoices()
        with freeze_time("2026-01-20"):
            form = self._wizard(first, self.billing)
            form.move_ids.set(first)
            form.save().action_send()
            result = self.partner_a.with_user(self.billing).action_dunning_send_now()
            again = self.partner_a.with_user(self.billing).action_dunning_send_now()
        live = self._live()
        self.assertEqual(len(live), 2)
        self.assertEqual(live[0].line_ids.move_id | live[1].line_ids.move_id, first | second | third)
        self.assertIn("not reminded recently", result["params"]["message"])
        self.assertIn(self.partner_a.name, result["params"]["message"])
        self.assertIn("already reminded today", again["params"]["message"], "nothing left to remind")

    def test_nightly_run_leaves_a_customer_reminded_today_for_the_next_night(self):
        first, second, third = self._three_invoices()
        with freeze_time("2026-01-20"):
            form = self._wizard(first, self.billing)
            form.move_ids.set(first)
            form.save().action_send()
        reminders, stats = self._run("2026-01-20")
        self.assertFalse(reminders)
        self.assertEqual(stats.get("today"), 1)
        reminders, _stats = self._run("2026-01-21")
        self.assertEqual(reminders.line_ids.move_id, first | second | third)

    # ---- THE WAY OUT OF A BLOCK ----
    def test_manager_validates_the_waiting_notice_from_the_wizard(self):
        self.policy.max_level_jump = 5
        invoice = self._invoice(self.partner_a, 700.0, "2026-01-01")
        notice, _stats = self._run("2026-02-20")
        self.assertEqual(notice.state, "to_validate")
        with freeze_time("2026-02-21"):
            form = self._wizard(invoice, self.manager)
            self.assertEqual((form.block_kind, form.blocking_state), ("pending", "to_validate"))
            wizard = form.save()
            action = wizard.action_validate_blocking_reminder()
        self.assertEqual(notice.state, "sent")
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(action["params"]["next"]["res_model"], "account.dunning.send", "the wizard opens again")
        self.assertEqual(action["params"]["next"]["context"]["active_ids"], invoice.ids)

    def test_user_sees_who_to_ask_and_can_open_the_waiting_reminder(self):
        self.policy.max_level_jump = 5
        invoice = self._invoice(self.partner_a, 700.0, "2026-01-01")
        notice, _stats = self._run("2026-02-20")
        with freeze_time("2026-02-21"):
            wizard = self._wizard(invoice, self.billing).save()
            self.assertFalse(wizard.is_manager)
            self.assertIn("Martine Manager", wizard.managers_to_ask)
            action = wizard.action_open_blocking_reminder()
            self.assertEqual((action["res_model"], action["res_id"]), ("account.dunning.reminder", notice.id))
            with self.assertRaises(UserError):
                wizard.action_validate_blocking_reminder()
        self.assertEqual(notice.state, "to_validate")

    def test_failed_reminder_sent_again_from_the_wizard(self):
        invoice = self._invoice(self.partner_a, 700.0, "2026-01-01")
        self.partner_a.email = False
        self.policy.check_email = False  # a reminder that fails when sent, not one never created
        failed, _stats = self._run("2026-01-10")
        self.assertEqual(failed.state, "failed")
        self.partner_a.email = "billing@partner-a.example"
        with freeze_time("2026-01-11"):
            wizard = self._wizard(invoice, self.billing).save()
            self.assertEqual((wizard.block_kind, wizard.blocking_reminder_id), ("failed", failed))
            wizard.action_retry_blocking_reminder()
        self.assertEqual(failed.state, "sent")

    # ---- LEVELS THAT MEAN WHAT THEY SAY ----
    def test_pending_reminder_shows_on_the_invoice_not_its_level(self):
        self.policy.max_level_jump = 5
        invoice = self._invoice(self.partner_a, 700.0, "2026-01-01")
        notice, _stats = self._run("2026-02-20")
        self.assertFalse(invoice.dunning_level_id, "a notice waiting for validation did not go out")
        self.assertEqual(invoice.dunning_pending_reminder_id, notice)
        with freeze_time("2026-02-20"):
            notice.action_validate()
        invoice.invalidate_recordset()
        self.assertEqual(invoice.dunning_level_id, self.levels[3])
        self.assertFalse(invoice.dunning_pending_reminder_id)

    def test_validated_notice_is_not_followed_by_another_the_same_day(self):
        self.policy.max_level_jump = 5
        invoice = self._invoice(self.partner_a, 700.0, "2026-01-01")
        notice, _stats = self._run("2026-02-20")
        with freeze_time("2026-02-25"):
            notice.action_validate()
        self.assertEqual(notice.date, date(2026, 2, 25), "intervals count from sending")
        reminders, _stats = self._run("2026-02-25")
        self.assertFalse(reminders)
        with freeze_time("2026-02-25"):
            wizard = self._wizard(invoice, self.billing).save()
            self.assertEqual(wizard.block_kind, "today")

    def test_manager_letter_at_a_higher_level_spares_newer_invoices(self):
        """A last reminder (fees) chosen for an old invoice: a 5-day-late
        invoice in the same letter keeps its own level and bears no fees."""
        self._flat_rates(4.0)
        self.policy.max_level_jump = 5
        old = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        recent = self._invoice(self.partner_a, 500.0, "2026-02-05")
        with freeze_time("2026-02-10"):
            form = self._wizard(self.partner_a, self.manager)
            self.assertEqual(form.proposed_level_id, self.levels[2])
            reminder = form.save()._action_send()
        line_of = {line.move_id: line for line in reminder.line_ids}
        self.assertEqual(line_of[old].level_id, self.levels[2])
        self.assertEqual(line_of[recent].level_id, self.levels[0])
        self.assertGreater(line_of[old].indemnity_amount, 0)
        self.assertFalse(line_of[recent].indemnity_amount or line_of[recent].interest_amount)

    def test_nightly_letter_charges_fees_only_on_invoices_at_a_fee_level(self):
        self._flat_rates(4.0)
        self.policy.max_level_jump = 5
        old = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        recent = self._invoice(self.partner_a, 500.0, "2026-02-05")
        reminder, _stats = self._run("2026-02-10")
        line_of = {line.move_id: line for line in reminder.line_ids}
        self.assertEqual(reminder.level_id, self.levels[2])
        self.assertEqual(line_of[recent].level_id, self.levels[0])
        self.assertTrue(line_of[old].indemnity_amount)
        self.assertFalse(line_of[recent].indemnity_amount)

    def test_a_gentler_level_after_a_firmer_one_is_refused(self):
        second = self.levels[1]
        with self.assertRaisesRegex(ValidationError, "gentler"):
            second.days_overdue = 50  # after the formal notice at 45 days

    def test_preview_is_in_the_customers_language(self):
        self._load_french()
        self.partner_a.lang = "fr_FR"
        invoice = self._invoice(self.partner_a, 700.0, "2026-01-01")
        with freeze_time("2026-01-10"):
            wizard = self._wizard(invoice, self.billing.with_context(lang="en_US")).save()
        self.assertIn("Si vous avez déjà", wizard.preview, "the customer's language, not the user's")
        self.assertNotIn("already paid", wizard.preview)
