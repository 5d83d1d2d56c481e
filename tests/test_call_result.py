from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestCallResult(DunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels[0].channel_phone = True
        cls.call_type = cls.env.ref("mail.mail_activity_data_call")

    def _wizard(self, records):
        return Form(
            self.env["account.dunning.call.result"].with_context(active_model=records._name, active_ids=records.ids)
        )

    def _call_activities(self, partner):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("activity_type_id", "=", self.call_type.id),
            ]
        )

    def test_promise_to_pay_from_the_reminder(self):
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        paid = self._invoice(self.partner_a, 200.0, "2026-01-02")
        reminder, _stats = self._run("2026-01-05")
        activity = reminder.call_activity_id
        self.assertEqual(activity, self._call_activities(self.partner_a))
        self._pay(paid, pay_date=date(2026, 1, 6))
        with freeze_time("2026-01-06"):
            form = self._wizard(reminder)
            self.assertEqual(form.reminder_id, reminder)
            self.assertEqual(form.move_ids[:], invoice, "only the invoices still open")
            form.outcome = "promise"
            form.promise_date = date(2026, 1, 20)
            form.note = "Spoke to the accountant"
            form.save().action_apply()
        self.assertTrue(invoice.dunning_blocked)
        self.assertEqual(invoice.dunning_block_reason, "promise")
        self.assertEqual(invoice.dunning_block_until, date(2026, 1, 21), "through the promised date")
        promise = reminder.answer_ids
        self.assertEqual(
            (promise.channel, promise.kind, promise.promise_date, promise.promise_state, promise.move_ids),
            ("phone", "promise", date(2026, 1, 20), "open", invoice),
        )
        self.assertFalse(paid.dunning_blocked)
        text = "Call: promise to pay by 01/20/2026; 1 invoice(s) on hold until then. Note: Spoke to the accountant"
        self.assertEqual(reminder.message_ids[0].body, f"<p>{text}</p>")
        self.assertIn("Call: promise to pay by 01/20/2026", invoice.message_ids[0].body)
        # The call activity is done, its feedback on the customer.
        self.assertFalse(self._call_activities(self.partner_a))
        self.assertIn(text, self.partner_a.message_ids[0].body)
        # No reminder until the promised date.
        reminders, _stats = self._run("2026-01-19")
        self.assertFalse(reminders)
        reminders, _stats = self._run("2026-01-21")
        self.assertEqual(reminders.line_ids.move_id, invoice)

    def test_dispute_and_no_answer_from_the_customer(self):
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        reminder, _stats = self._run("2026-01-05")
        with freeze_time("2026-01-06"):
            form = self._wizard(self.partner_a)
            self.assertEqual(form.reminder_id, reminder)
            form.outcome = "no_answer"
            form.save().action_apply()
        self.assertFalse(invoice.dunning_blocked)
        self.assertEqual(reminder.message_ids[0].body, "<p>Call: no answer.</p>")
        self.assertFalse(self._call_activities(self.partner_a), "the call was made")

        with freeze_time("2026-01-07"):
            form = self._wizard(self.partner_a)
            form.outcome = "dispute"
            form.reason = "Wrong quantity delivered"
            form.save().action_apply()
        self.assertTrue(invoice.dunning_blocked)
        self.assertEqual(invoice.dunning_block_reason, "dispute")
        self.assertFalse(invoice.dunning_block_until)
        text = "Call: dispute (Wrong quantity delivered); 1 invoice(s) on hold."
        self.assertEqual(reminder.message_ids[0].body, f"<p>{text}</p>")
        # No call activity left to close: the note goes on the customer directly.
        self.assertEqual(self.partner_a.message_ids[0].body, f"<p>{text}</p>")
        reminders, _stats = self._run("2026-03-01")
        self.assertFalse(reminders, "disputed: on hold until released")

    def test_bad_input(self):
        self._invoice(self.partner_a, 1000.0, "2026-01-01")
        reminder, _stats = self._run("2026-01-05")
        with freeze_time("2026-01-06"):
            with self.assertRaisesRegex(UserError, "must be after today"):
                reminder._log_call_result("promise", reminder.line_ids.move_id, until=date(2026, 1, 6))
            with self.assertRaisesRegex(UserError, "Say what was agreed"):
                reminder._log_call_result("other", reminder.line_ids.move_id)
            with self.assertRaisesRegex(UserError, "Select the invoices"):
                reminder._log_call_result("dispute", self.env["account.move"], reason="Price")
            with self.assertRaisesRegex(UserError, "No reminder has been sent to partner_b yet."):
                self._wizard(self.partner_b)
        self.assertFalse(reminder.line_ids.move_id.dunning_blocked)
        self.assertTrue(reminder.call_activity_id, "still to call")
