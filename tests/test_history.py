from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestHistoryCannotBeRewritten(DunningCommon):
    """A reminder changes only through its actions; what it said is frozen.
    Each case goes through the ORM as the user would over RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.billing = new_test_user(cls.env, login="history_billing", groups="account.group_account_invoice")
        cls.manager = new_test_user(
            cls.env,
            login="history_manager",
            groups="account.group_account_invoice,account_dunning.group_dunning_manager",
        )
        cls.invoice = cls._invoice(cls.partner_a, 500.0, "2026-01-01")

    def _sent(self):
        reminder, _stats = self._run("2026-01-05")
        self.assertEqual(reminder.state, "sent")
        return reminder

    def _formal_notice(self):
        """A formal notice waiting for a manager."""
        self.policy.max_level_jump = 5
        reminder, _stats = self._run("2026-02-20")
        self.assertEqual(reminder.state, "to_validate")
        return reminder

    def test_user_cannot_send_a_formal_notice_by_writing_its_state(self):
        notice = self._formal_notice()
        with self.assertRaises(AccessError):
            notice.with_user(self.billing).write({"state": "to_send"})
        self.assertEqual(notice.state, "to_validate")

    def test_user_cannot_cancel_a_sent_reminder_by_writing_its_state(self):
        reminder = self._sent()
        with self.assertRaises(AccessError):
            reminder.with_user(self.billing).write({"state": "cancelled"})
        self.assertEqual(self.invoice.dunning_level_id, self.levels[0])

    def test_even_a_manager_changes_state_only_through_actions(self):
        notice = self._formal_notice()
        with self.assertRaises(AccessError):
            notice.with_user(self.manager).write({"state": "sent"})
        with freeze_time("2026-02-20"):
            notice.with_user(self.manager).action_validate()
        self.assertEqual(notice.state, "sent")

    def test_user_cannot_rewrite_what_was_sent(self):
        reminder = self._sent()
        for values in ({"amount_due": 1.0}, {"level_id": self.levels[3].id}, {"error_message": "x"}):
            with self.assertRaises(AccessError):
                reminder.with_user(self.billing).write(values)
        self.assertEqual(reminder.amount_due, 500.0)

    def test_user_cannot_create_a_reminder(self):
        with self.assertRaises(AccessError):
            self.env["account.dunning.reminder"].with_user(self.billing).create(
                {"company_id": self.company.id, "partner_id": self.partner_a.id, "state": "draft"}
            )

    def test_nobody_creates_a_reminder_that_claims_to_be_sent(self):
        with self.assertRaises(AccessError):
            self.env["account.dunning.reminder"].with_user(self.manager).create(
                {"company_id": self.company.id, "partner_id": self.partner_a.id, "state": "sent"}
            )
        draft = (
            self.env["account.dunning.reminder"]
            .with_user(self.manager)
            .create({"company_id": self.company.id, "partner_id": self.partner_a.id})
        )
        self.assertEqual(draft.state, "draft", "a manager may prepare a draft")

    def test_lines_of_a_sent_reminder_are_frozen(self):
        reminder = self._sent()
        line = reminder.line_ids
        with self.assertRaises(AccessError):
            line.with_user(self.billing).write({"amount_residual": 1.0})
        with self.assertRaises(AccessError):
            line.with_user(self.manager).write({"amount_residual": 1.0})
        self.assertEqual(line.amount_residual, 500.0)

    def test_lines_of_a_sent_reminder_cannot_be_deleted(self):
        reminder = self._sent()
        with self.assertRaises(AccessError):
            reminder.line_ids.with_user(self.manager).unlink()
        self.assertEqual(len(reminder.line_ids), 1)

    def test_no_invoice_can_be_added_to_a_sent_reminder(self):
        reminder = self._sent()
        other = self._invoice(self.partner_a, 80.0, "2026-01-02")
        with self.assertRaises(AccessError):
            self.env["account.dunning.reminder.line"].with_user(self.manager).create(
                {"reminder_id": reminder.id, "move_id": other.id}
            )
        with self.assertRaises(AccessError):
            reminder.with_user(self.manager).write({"line_ids": [Command.create({"move_id": other.id})]})
        self.assertEqual(reminder.line_ids.move_id, self.invoice)

    def test_lines_of_a_waiting_reminder_are_frozen_too(self):
        notice = self._formal_notice()
        with self.assertRaises(AccessError):
            notice.line_ids.with_user(self.manager).write({"amount_residual": 1.0})

    def test_registered_letter_tracking_stays_editable(self):
        """The post office reports after sending: the only fields a user still sets."""
        self.policy.max_level_jump = 5
        notice, _stats = self._run("2026-02-20")
        with freeze_time("2026-02-20"):
            notice.action_validate()
        notice.with_user(self.billing).write(
            {"registered_tracking": "1A00112233445", "registered_ack_date": "2026-02-23"}
        )
        self.assertEqual(notice.registered_tracking, "1A00112233445")

    def test_a_user_cannot_validate_or_cancel(self):
        notice = self._formal_notice()
        with self.assertRaises(UserError):
            notice.with_user(self.billing).action_validate()
        with self.assertRaises(UserError):
            notice.with_user(self.billing).action_cancel()
        self.assertEqual(notice.state, "to_validate")
