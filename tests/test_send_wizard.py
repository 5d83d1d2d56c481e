from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestSendWizard(DunningCommon):
    def _wizard(self, records, user=None):
        env = self.env(user=user) if user else self.env
        context = {"active_model": records._name, "active_ids": records.ids}
        return Form(env["account.dunning.send"].with_context(**context))

    def test_send_from_invoice_is_the_cron_reminder(self):
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        other = self._invoice(self.partner_a, 300.0, "2026-01-03")
        with freeze_time("2026-01-20"):
            form = self._wizard(invoice)
            self.assertEqual(form.partner_id, self.partner_a)
            self.assertEqual(form.proposed_level_id, self.levels[0])
            self.assertEqual(form.move_ids[:], invoice | other, "every overdue invoice of the customer is proposed")
            form.move_ids.remove(other.id)  # the user unticks what should wait
            self.assertIn("1,000.00", form.preview)
            self.assertFalse(form.too_soon)
            wizard = form.save()
            reminder = wizard._action_send()
        self.assertEqual(reminder.origin, "manual")
        self.assertEqual(reminder.state, "sent")
        self.assertEqual(reminder.line_ids.move_id, invoice)
        self.assertEqual(invoice.dunning_level_id, self.levels[0])
        self.assertFalse(other.dunning_level_id)
        self.assertTrue(reminder.mail_message_id)
        self.assertIn("Payment reminder", invoice.message_ids[0].body)
        # The nightly run the same day does not remind the customer again.
        reminders, stats = self._run("2026-01-20")
        self.assertFalse(reminders)
        self.assertEqual(stats.get("today"), 1)

    def test_minimum_interval_needs_a_manager_and_a_reason(self):
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        self._run("2026-01-05")
        user = new_test_user(self.env, login="biller", groups="account.group_account_invoice")
        with freeze_time("2026-01-08"):
            form = self._wizard(self.partner_a, user=user)
            self.assertTrue(form.too_soon, "the only invoice was reminded 3 days ago, policy asks 7")
            with self.assertRaisesRegex(UserError, "Ask a dunning manager"):
                form.save()._action_send()
            form = self._wizard(self.partner_a)
            self.assertTrue(form.is_manager, "a manager sees the reason field from the start")
            form.override_reason = "Customer asked for a copy"
            wizard = form.save()
            wizard.override_reason = False
            with self.assertRaisesRegex(UserError, "Give the reason"):
                wizard._action_send()
            wizard.override_reason = "Customer asked for a copy"
            reminder = wizard._action_send()
        self.assertEqual(reminder.override_reason, "Customer asked for a copy")
        self.assertEqual(reminder.date, date(2026, 1, 8))
        self.assertTrue(any("Customer asked for a copy" in body for body in reminder.message_ids.mapped("body")))

    def test_only_managers_change_the_level(self):
        invoice = self._invoice(self.partner_a, 500.0, "2026-01-01")
        user = new_test_user(self.env, login="biller2", groups="account.group_account_invoice")
        with freeze_time("2026-01-20"):
            wizard = self._wizard(invoice, user=user).save()
            wizard.level_id = self.levels[2]
            with self.assertRaises(UserError):
                wizard._action_send()
            wizard = self._wizard(invoice).save()
            wizard.level_id = self.levels[2]
            wizard.channel_email = False
            wizard.channel_letter = True
            reminder = wizard._action_send()
        self.assertEqual(reminder.level_id, self.levels[2])
        self.assertEqual(reminder._channels(), ["letter"])
        self.assertEqual(invoice.dunning_level_id, self.levels[2])

    def test_nothing_overdue(self):
        invoice = self._invoice(self.partner_a, 500.0, "2026-03-01")
        with freeze_time("2026-01-20"), self.assertRaises(UserError):
            self._wizard(invoice)

    def test_preview_shows_fees_and_pdf_leaves_nothing_behind(self):
        """A manager previews a last reminder: fees in the text, a letter to
        download, and no reminder written."""
        self._flat_rates(4.15)
        invoice = self._invoice(self.partner_a, 10000.0, "2026-01-01")
        Reminder = self.env["account.dunning.reminder"]
        before = Reminder.search_count([])
        with freeze_time("2026-02-15"):
            wizard = self._wizard(invoice).save()
            wizard.level_id = self.levels[2]  # last reminder, with fees
            # 10000 x 14.15 % x 45 / 365 = 174.45, plus the 40.00 indemnity
            self.assertIn("174.45", wizard.preview)
            self.assertIn("40.00", wizard.preview)
            self.assertIn("10,214.45", wizard.preview)
            action = wizard.action_preview_pdf()
        self.assertEqual(Reminder.search_count([]), before, "the preview wrote no reminder")
        self.assertFalse(invoice.dunning_level_id)
        self.assertEqual(action["target"], "download", "a download, not a pop-up the browser blocks")
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("?")[0].rsplit("/", 1)[1]))
        self.assertIn(self.partner_a.name, attachment.raw.decode())
        self.assertIn("174.45", attachment.raw.decode())

    def test_from_an_invoice_proposes_that_invoice_level(self):
        """A customer at the last reminder for an old invoice: opening a newer
        invoice proposes the first level for it, not the customer's highest."""
        self._invoice(self.partner_a, 1000.0, "2026-01-01")
        self._run("2026-01-02")
        self._run("2026-01-16")
        self._run("2026-01-31")
        newer = self._invoice(self.partner_a, 200.0, "2026-01-28")
        with freeze_time("2026-02-02"):
            form = self._wizard(newer)
            self.assertEqual(form.proposed_level_id, self.levels[0])
            customer = self._wizard(self.partner_a)
            self.assertEqual(customer.move_ids[:], newer, "the old invoice was reminded two days ago")
            self.assertEqual(customer.proposed_level_id, self.levels[0])
            self.assertFalse(customer.too_soon)
            customer.move_ids.set(customer.available_move_ids[:])
            self.assertTrue(customer.too_soon, "naming the old invoice again needs a manager's reason")
