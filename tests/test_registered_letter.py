from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestRegisteredLetter(DunningCommon):
    def _formal_notice(self, invoice):
        """Climb the French ladder to the formal notice, validated on 16 February."""
        for day in ("2026-01-02", "2026-01-16", "2026-01-31"):
            self._run(day)
        notice, _stats = self._run("2026-02-15")
        self.assertEqual(notice.tone, "formal_notice")
        self.assertTrue(notice.channel_registered)
        with freeze_time("2026-02-16 09:00:00"):
            notice.action_validate()
        self.assertEqual(notice.state, "sent")
        return notice

    def test_no_escalation_before_the_notice_deadline(self):
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        notice = self._formal_notice(invoice)
        self.assertEqual(notice.level_id.notice_days, 8)
        self.assertEqual(notice.deadline_date, date(2026, 2, 24), "sent on 16 February + 8 days")

        # The post office reports back; the reminder is sent but these are not frozen.
        notice.write({"registered_tracking": "1A 234 567 8901 2", "registered_ack_date": "2026-02-25"})
        self.assertEqual(notice.registered_tracking, "1A 234 567 8901 2")
        self.assertEqual(notice.deadline_date, date(2026, 3, 5), "acknowledged on 25 February + 8 days")
        with self.assertRaises(UserError):
            notice.write({"date": "2026-02-20"})

        # Litigation is due at 60 days late (2 March) and 10 days after the
        # notice, but the customer has until 5 March.
        for day in ("2026-03-02", "2026-03-05"):
            reminders, stats = self._run(day)
            self.assertFalse(reminders, day)
            self.assertEqual(stats.get("nothing_new"), 1)
        self.assertEqual(invoice.dunning_level_id, notice.level_id)
        reminders, _stats = self._run("2026-03-06")
        self.assertEqual(reminders.level_id, self.levels[4])
        self.assertEqual(reminders.line_ids.move_id, invoice)

    def test_notice_days_from_the_level(self):
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        self.levels[3].notice_days = 20
        notice = self._formal_notice(invoice)
        self.assertEqual(notice.deadline_date, date(2026, 3, 8))
        reminders, _stats = self._run("2026-03-08")
        self.assertFalse(reminders)
        reminders, _stats = self._run("2026-03-09")
        self.assertEqual(reminders.level_id, self.levels[4])

    def test_only_formal_notices_have_a_deadline(self):
        self._invoice(self.partner_a, 1000.0, "2026-01-01")
        reminders, _stats = self._run("2026-01-02")
        self.assertEqual(reminders.tone, "courteous")
        self.assertFalse(reminders.deadline_date)
