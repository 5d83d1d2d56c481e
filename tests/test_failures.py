import os
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import DunningCommon

# Where a reminder that cannot be sent is logged, with its traceback: expected here.
DISPATCH_LOGGER = "odoo.addons.account_dunning.models.account_dunning_reminder_dispatch"

BROKEN_LETTER = """
<t t-name="account_dunning.test_broken_letter">
    <t t-call="web.html_container">
        <t t-foreach="docs" t-as="doc">
            <div class="page">
                <p t-out="doc.reference"/>
                <p t-if="doc.partner_id.name == 'Broken Letter SA'" t-out="doc.partner_id.name.no_such_method()"/>
            </div>
        </t>
    </t>
</t>
"""

# A letter of another design: the reference printed as text, no link.
PLAIN_LETTER = """
<t t-name="account_dunning.test_plain_letter">
    <t t-call="web.html_container">
        <t t-foreach="docs" t-as="doc">
            <t t-call="web.basic_layout">
                <div class="page"><p>Reference <t t-out="doc.reference"/></p></div>
            </t>
        </t>
    </t>
</t>
"""


@tagged("post_install", "-at_install")
class TestFailedReminders(DunningCommon):
    """A failed reminder never counts as sent, is tried again once its
    cause is fixed, and one fault fails one reminder, never a batch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice = cls._invoice(cls.partner_a, 300.0, "2026-01-01")
        cls.root = cls.env.ref("base.user_root")
        # What dispatch does when the email went missing after the reminder
        # was planned: the check before chasing would not create it at all.
        cls.policy.check_email = False

    def _cron(self, day):
        with freeze_time(day):
            return self.engine.with_user(self.root)._cron_process_overdue()

    def _broken_letter(self, name="test_broken_letter", arch=BROKEN_LETTER):
        """A customised letter (by default one that cannot be rendered for one customer)."""
        view = self.env["ir.ui.view"].create(
            {"name": name, "type": "qweb", "key": f"account_dunning.{name}", "arch": arch}
        )
        return self.env["ir.actions.report"].create(
            {
                "name": "Broken letter",
                "model": "account.dunning.reminder",
                "report_type": "qweb-pdf",
                "report_name": view.key,
            }
        )

    def _fail_by_email(self):
        self.partner_a.email = False
        reminder, _stats = self._run("2026-01-05")
        self.assertEqual(reminder.state, "failed")
        self.assertIn("no email address", reminder.error_message)
        return reminder

    def test_failed_reminder_does_not_raise_the_level(self):
        self._fail_by_email()
        self.assertFalse(self.invoice.dunning_level_id)
        self.assertEqual(self.invoice.dunning_count, 0)

    def test_failed_reminder_is_sent_by_the_next_run_once_fixed(self):
        reminder = self._fail_by_email()
        self.partner_a.email = "fixed@partner-a.example"
        self._cron("2026-01-06")
        self.assertEqual(reminder.state, "sent")
        self.assertEqual(reminder.date, date(2026, 1, 6))
        self.assertEqual(self.invoice.dunning_level_id, self.levels[0])
        self.assertEqual(
            self.env["account.dunning.reminder"].search_count([("partner_id", "=", self.partner_a.id)]),
            1,
            "the failed reminder itself went out, no second one",
        )

    def test_failed_reminder_not_fixed_stays_failed_without_a_new_one(self):
        reminder = self._fail_by_email()
        messages = len(reminder.message_ids)
        self._cron("2026-01-06")
        self._cron("2026-01-07")
        self.assertEqual(reminder.state, "failed")
        self.assertEqual(len(reminder.message_ids), messages, "failing again for the same reason adds no noise")
        self.assertEqual(self.env["account.dunning.reminder"].search_count([("partner_id", "=", self.partner_a.id)]), 1)

    def test_next_level_is_not_skipped_after_a_failure(self):
        """The failed first reminder is retried before any escalation."""
        reminder = self._fail_by_email()
        self.partner_a.email = "fixed@partner-a.example"
        self._cron("2026-01-20")
        self.assertEqual(reminder.state, "sent")
        self.assertEqual(self.invoice.dunning_level_id, self.levels[0])

    def test_a_user_sends_a_failed_reminder_again(self):
        reminder = self._fail_by_email()
        self.partner_a.email = "fixed@partner-a.example"
        with freeze_time("2026-01-05"):
            reminder.action_retry()
        self.assertEqual(reminder.state, "sent")
        self.assertFalse(reminder.error_message)

    def test_failed_customer_needs_action_in_the_cockpit(self):
        self._fail_by_email()
        with freeze_time("2026-01-05"):
            self.assertEqual(self.partner_a.dunning_status, "manual")

    @mute_logger(DISPATCH_LOGGER)
    def test_one_broken_letter_fails_alone(self):
        """A letter that cannot be rendered fails its reminder with the
        error; the other customers of the batch get theirs."""
        self.levels[0].report_id = self._broken_letter()
        broken = self.env["res.partner"].create(
            {"name": "Broken Letter SA", "email": "broken@example.com", "is_company": True}
        )
        self._invoice(broken, 100.0, "2026-01-01")
        reminders, _stats = self._run("2026-01-05")
        by_partner = {r.partner_id: r for r in reminders}
        self.assertEqual(by_partner[self.partner_a].state, "sent")
        self.assertEqual(by_partner[broken].state, "failed")
        self.assertIn("Could not be sent", by_partner[broken].error_message)
        self.assertIn("no_such_method", by_partner[broken].error_message)
        self.assertFalse(
            self.env["mail.mail"].search(
                [("res_id", "=", by_partner[broken].id), ("model", "=", "account.dunning.reminder")]
            )
        )

    @mute_logger(DISPATCH_LOGGER)
    def test_nightly_run_stays_green_when_a_letter_breaks(self):
        self.levels[0].report_id = self._broken_letter()
        self.partner_a.name = "Broken Letter SA"
        self._invoice(self.partner_b, 100.0, "2026-01-01")
        self._cron("2026-01-05")  # does not raise
        states = {
            r.partner_id: r.state
            for r in self.env["account.dunning.reminder"].search(
                [("partner_id", "in", (self.partner_a | self.partner_b).ids)]
            )
        }
        self.assertEqual(states, {self.partner_a: "failed", self.partner_b: "sent"})

    def test_deleted_tone_template_fails_with_a_clear_message(self):
        self.env.ref("account_dunning.mail_template_dunning_courteous").unlink()
        reminder, _stats = self._run("2026-01-05")
        self.assertEqual(reminder.state, "failed")
        self.assertIn("email template", reminder.error_message)
        self.assertIn(self.levels[0].name, reminder.error_message)

    def test_deleted_level_letter_falls_back_to_the_shipped_one(self):
        report = self.env.ref("account_dunning.action_report_dunning_letter").copy({"name": "Our letter"})
        self.levels[1].report_id = report
        report.unlink()
        self.assertFalse(self.levels[1].report_id)
        self._run("2026-01-02")
        reminder, _stats = self._run("2026-01-16")
        self.assertEqual(reminder.state, "sent")
        self.assertTrue(reminder.letter_attachment_id)

    def test_letters_are_cut_without_the_pdftotext_program(self):
        """Cutting a batch PDF per letter reads where each letter starts from
        the link of its reference, or from the page text with the PDF
        library Odoo ships: a server without poppler-utils prints letters."""
        self._invoice(self.partner_b, 100.0, "2026-01-01")
        reminders, _stats = self._run("2026-01-05", dispatch=False)
        shipped = self.env.ref("account_dunning.action_report_dunning_letter")
        # A letter of another design, printing the reference without the link.
        plain = self._broken_letter("test_plain_letter", PLAIN_LETTER)
        for report in (shipped, plain):
            pdf = reminders.with_context(force_report_rendering=True)._print_batch(report)
            with patch.dict(os.environ, {"PATH": "/nonexistent"}):
                pages = reminders._split_per_letter(pdf)
            self.assertEqual(set(pages), set(reminders.ids), report.name)
            self.assertTrue(all(content.startswith(b"%PDF") for content in pages.values()))
