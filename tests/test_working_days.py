from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from ..models.account_dunning_working_days import easter_sunday, french_public_holidays
from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestWorkingDays(DunningCommon):
    """The nightly run texts and calls customers on working days only: a
    level with SMS or a phone call waits for the next one; email and letters
    go out every day."""

    @classmethod
    @DunningCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls.levels[0].channel_sms = True
        cls.invoice = cls._invoice(cls.partner_a, 400.0, "2026-01-01")

    def test_french_public_holidays(self):
        self.assertEqual(
            [easter_sunday(year) for year in (2024, 2025, 2026, 2038)],
            [date(2024, 3, 31), date(2025, 4, 20), date(2026, 4, 5), date(2038, 4, 25)],
        )
        holidays = french_public_holidays(2026)
        self.assertEqual(len(holidays), 11)
        for day in (date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25), date(2026, 7, 14), date(2026, 11, 11)):
            self.assertIn(day, holidays)
        self.assertNotIn(date(2026, 4, 3), holidays, "Good Friday: Alsace-Moselle only")

    def test_alsace_moselle_public_holidays(self):
        holidays = french_public_holidays(2026, alsace_moselle=True)
        self.assertEqual(len(holidays), 13)
        self.assertEqual(holidays - french_public_holidays(2026), {date(2026, 4, 3), date(2026, 12, 26)})
        self.assertIn(date(2025, 4, 18), french_public_holidays(2025, alsace_moselle=True), "Good Friday 2025")
        for zip_code, local in (("67000", True), ("57 000", True), ("68100", True), ("75001", False), ("6700", False)):
            self.company.zip = zip_code
            self.assertEqual(self.company._dunning_is_alsace_moselle(), local, zip_code)
        self.company.zip = False
        self.assertFalse(self.company._dunning_is_alsace_moselle())

    def _move_to(self, zip_code, city):
        self.company.write({"zip": zip_code, "city": city})

    def test_strasbourg_waits_after_good_friday_and_26_december(self):
        self._move_to("67000", "Strasbourg")
        reminders, stats = self._run("2026-04-03", partner_ids=self.partner_a.ids)  # Good Friday
        self.assertFalse(reminders)
        self.assertEqual(stats["skipped"], {self.partner_a.id: "not_working_day"})
        reminder, _stats = self._run("2026-04-07", partner_ids=self.partner_a.ids)  # after Easter Monday
        self.assertEqual((reminder.state, reminder.channel_sms), ("sent", True))
        # 26 December 2026 is a Saturday: 2025's, a Friday.
        self._invoice(self.partner_b, 300.0, "2025-12-01")
        reminders, stats = self._run("2025-12-26", partner_ids=self.partner_b.ids)
        self.assertFalse(reminders)
        self.assertEqual(stats["skipped"], {self.partner_b.id: "not_working_day"})
        reminder, _stats = self._run("2025-12-29", partner_ids=self.partner_b.ids)
        self.assertEqual((reminder.date, reminder.channel_sms), (date(2025, 12, 29), True))

    def test_paris_works_on_good_friday_and_26_december(self):
        self._move_to("75001", "Paris")
        reminder, _stats = self._run("2026-04-03", partner_ids=self.partner_a.ids)
        self.assertEqual((reminder.state, reminder.channel_sms), ("sent", True))
        self._invoice(self.partner_b, 300.0, "2025-12-01")
        reminder, _stats = self._run("2025-12-26", partner_ids=self.partner_b.ids)
        self.assertEqual((reminder.date, reminder.channel_sms), (date(2025, 12, 26), True))

    def test_sms_level_waits_for_monday(self):
        reminders, stats = self._run("2026-01-10", partner_ids=self.partner_a.ids)  # a Saturday
        self.assertFalse(reminders)
        self.assertEqual(stats["skipped"], {self.partner_a.id: "not_working_day"})
        self.assertFalse(self._run("2026-01-11", partner_ids=self.partner_a.ids)[0], "nor on Sunday")
        reminder, _stats = self._run("2026-01-12", partner_ids=self.partner_a.ids)
        self.assertEqual((reminder.state, reminder.channel_sms), ("sent", True))

    def test_sms_level_waits_after_a_public_holiday(self):
        invoice = self._invoice(self.partner_b, 300.0, "2026-05-10")
        reminders, stats = self._run("2026-05-14", partner_ids=self.partner_b.ids)  # Ascension, a Thursday
        self.assertFalse(reminders)
        self.assertEqual(stats["skipped"], {self.partner_b.id: "not_working_day"})
        reminder, _stats = self._run("2026-05-15", partner_ids=self.partner_b.ids)
        self.assertEqual(reminder.line_ids.move_id, invoice)

    def test_email_levels_go_out_on_weekends(self):
        self.levels[0].channel_sms = False
        reminder, _stats = self._run("2026-01-10", partner_ids=self.partner_a.ids)
        self.assertEqual(reminder.state, "sent")

    def test_by_hand_the_user_decides(self):
        with freeze_time("2026-01-10"):  # a Saturday
            self.invoice.action_dunning_send_now()
        reminder = self.env["account.dunning.reminder"].search([("partner_id", "=", self.partner_a.id)])
        self.assertEqual((reminder.state, reminder.channel_sms, reminder.origin), ("sent", True, "manual"))
