from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestDunningEngine(DunningCommon):
    def test_story_level_progression(self):
        """Day by day: courteous, firm, last reminder, formal notice to validate, paid -> reset."""
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        l1, l2, l3, l4, _l5 = self.levels

        reminders, stats = self._run("2026-01-01")
        self.assertFalse(reminders, "not late on its due date")

        reminders, stats = self._run("2026-01-02")
        self.assertEqual(reminders.level_id, l1)
        self.assertEqual(reminders.state, "sent")
        self.assertEqual(invoice.dunning_level_id, l1)
        self.assertEqual(invoice.dunning_last_date, date(2026, 1, 2))
        self.assertEqual(invoice.dunning_count, 1)
        self.assertEqual(reminders.line_ids.move_id, invoice)
        self.assertEqual(reminders.line_ids.amount_residual, 1000.0)
        self.assertEqual(reminders.line_ids.days_overdue, 1)
        self.assertTrue(reminders.mail_message_id, "the email is queued")

        reminders, stats = self._run("2026-01-10")
        self.assertFalse(reminders, "level 2 starts at 15 days")
        self.assertEqual(stats.get("nothing_new"), 1)

        reminders, _stats = self._run("2026-01-16")
        self.assertEqual(reminders.level_id, l2)
        self.assertEqual(reminders.tone, "firm")
        self.assertTrue(reminders.letter_attachment_id, "level 2 also goes by letter")

        reminders, _stats = self._run("2026-01-31")
        self.assertEqual(reminders.level_id, l3)
        self.assertEqual(invoice.dunning_count, 3)

        reminders, _stats = self._run("2026-02-15")
        self.assertEqual(reminders.level_id, l4)
        self.assertEqual(reminders.state, "to_validate", "formal notices wait for a manager")
        self.assertEqual(reminders.activity_ids.activity_type_id, self.env.ref("mail.mail_activity_data_todo"))
        self.assertEqual(invoice.dunning_level_id, l3, "a notice waiting for validation has not gone out")

        reminders, stats = self._run("2026-03-15")
        self.assertFalse(reminders, "no new reminder while one waits for validation")
        self.assertEqual(stats.get("pending"), 1)

        self._pay(invoice, pay_date=date(2026, 3, 16))
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(invoice.dunning_level_id, "a paid invoice leaves dunning")
        reminders, _stats = self._run("2026-04-15")
        self.assertFalse(reminders)

    def test_rerun_same_day_sends_nothing(self):
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        first, _stats = self._run("2026-01-05")
        self.assertEqual(len(first), 1)
        mails = self.env["mail.mail"].search_count([("model", "=", "account.dunning.reminder")])
        second, stats = self._run("2026-01-05")
        self.assertFalse(second)
        self.assertEqual(stats.get("today"), 1)
        self.assertEqual(self.env["mail.mail"].search_count([("model", "=", "account.dunning.reminder")]), mails)

    def test_wait_delay(self):
        invoice = self._invoice(self.partner_a, 500.0, "2026-01-01")
        l1, l2 = self.levels[:2]
        self._run("2026-01-15")  # first reminder at 14 days late
        self.assertEqual(invoice.dunning_level_id, l1)
        reminders, _stats = self._run("2026-01-17")  # 16 days late but reminded 2 days ago
        self.assertFalse(reminders)
        reminders, _stats = self._run("2026-01-25")  # 10 days after the last reminder
        self.assertEqual(reminders.level_id, l2)

    def test_never_skips_a_level(self):
        invoice = self._invoice(self.partner_a, 500.0, "2026-01-01")
        reminders, _stats = self._run("2026-03-01")  # 59 days late, never reminded
        self.assertEqual(reminders.level_id, self.levels[0])
        self.policy.max_level_jump = 3
        invoice2 = self._invoice(self.partner_b, 500.0, "2026-01-01")
        reminders, _stats = self._run("2026-03-01")
        self.assertEqual(reminders.partner_id, self.partner_b)
        self.assertEqual(invoice2.dunning_level_id, self.levels[2])
        self.assertEqual(invoice.dunning_level_id, self.levels[0])

    def test_one_reminder_per_partner_grouping_all_overdue(self):
        old = self._invoice(self.partner_a, 300.0, "2026-01-01")
        recent = self._invoice(self.partner_a, 200.0, "2026-01-20")
        not_due = self._invoice(self.partner_a, 999.0, "2026-03-01")
        other = self._invoice(self.partner_b, 100.0, "2026-01-20")
        reminders, _stats = self._run("2026-01-21")
        self.assertEqual(len(reminders), 2)
        mine = reminders.filtered(lambda r: r.partner_id == self.partner_a)
        self.assertEqual(mine.line_ids.move_id, old | recent)
        self.assertEqual(mine.amount_due, 500.0)
        self.assertEqual(mine.level_id, self.levels[0])
        self.assertFalse(not_due.dunning_level_id)
        self.assertEqual(reminders.filtered(lambda r: r.partner_id == self.partner_b).line_ids.move_id, other)
        # Later the old invoice escalates: the letter covers both, highest level decides.
        reminders, _stats = self._run("2026-02-01")
        self.assertEqual(reminders.level_id, self.levels[1])
        self.assertEqual(
            {(line.move_id, line.level_id, line.escalated) for line in reminders.line_ids},
            {(old, self.levels[1], True), (recent, self.levels[0], False)},
        )

    def test_contact_invoice_address_only(self):
        billing = self.env["res.partner"].create(
            {"name": "Accounts payable", "type": "invoice", "parent_id": self.partner_a.id, "email": "ap@a.example"}
        )
        self.env["res.partner"].create(
            {"name": "Sales contact", "type": "contact", "parent_id": self.partner_a.id, "email": "sales@a.example"}
        )
        self._invoice(self.partner_a, 100.0, "2026-01-01")
        reminders, _stats = self._run("2026-01-05")
        self.assertEqual(reminders.contact_id, billing)
        mail = self.env["mail.mail"].search([("model", "=", "account.dunning.reminder"), ("res_id", "=", reminders.id)])
        self.assertEqual(mail.recipient_ids, billing)

    def test_partial_payment_keeps_level_and_shows_residual(self):
        invoice = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        self._run("2026-01-02")
        self._pay(invoice, amount=400.0, pay_date=date(2026, 1, 10))
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(invoice.dunning_level_id, self.levels[0])
        reminders, _stats = self._run("2026-01-16")
        self.assertEqual(reminders.line_ids.amount_residual, 600.0)
        self.assertEqual(reminders.line_ids.amount_total, 1000.0)

    def test_credit_notes_never_dunned_and_credits_cover(self):
        refund = self._invoice(self.partner_a, 800.0, "2026-01-01", move_type="out_refund")
        invoice = self._invoice(self.partner_a, 500.0, "2026-01-01")
        reminders, stats = self._run("2026-01-05")
        self.assertFalse(reminders, "the unapplied credit note covers the overdue amount")
        self.assertEqual(stats.get("credits_cover"), 1)
        with freeze_time("2026-01-05"):
            self.assertEqual(self.partner_a.dunning_status, "manual", "reconcile the credit note first")
        self.assertFalse(refund.dunning_level_id)
        self.assertFalse(invoice.dunning_level_id)
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        reminders, _stats = self._run("2026-01-06")
        self.assertEqual(reminders.line_ids.move_id.mapped("move_type"), ["out_invoice", "out_invoice"])

    def test_vendor_bills_never_dunned(self):
        bill = self._invoice(self.partner_a, 500.0, "2026-01-01", move_type="in_invoice")
        reminders, _stats = self._run("2026-02-05")
        self.assertFalse(reminders)
        self.assertFalse(bill.dunning_level_id)

    def test_hold_until_date(self):
        invoice = self._invoice(self.partner_a, 500.0, "2026-01-01")
        invoice._dunning_put_on_hold("promise", until=date(2026, 1, 20), note="Promised for the 20th")
        reminders, _stats = self._run("2026-01-10")
        self.assertFalse(reminders)
        reminders, _stats = self._run("2026-01-21")
        self.assertEqual(reminders.line_ids.move_id, invoice, "the hold ended on its until-date")
        with freeze_time("2026-01-21"):
            released = self.engine._release_expired_holds(date(2026, 1, 21))
        self.assertEqual(released, invoice)
        self.assertFalse(invoice.dunning_blocked)

    def test_hold_without_date_and_excluded_partner(self):
        invoice = self._invoice(self.partner_a, 500.0, "2026-01-01")
        invoice._dunning_put_on_hold("dispute")
        self._invoice(self.partner_b, 500.0, "2026-01-01")
        self.partner_b.dunning_excluded = True
        reminders, _stats = self._run("2026-03-01")
        self.assertFalse(reminders)
        self.assertEqual(self.partner_a.dunning_status, "blocked")

    def test_partner_state(self):
        inv1 = self._invoice(self.partner_a, 300.0, "2026-01-01")
        self._invoice(self.partner_a, 200.0, "2026-01-20")
        with freeze_time("2026-01-21"):
            self._run("2026-01-21")
            self.partner_a.invalidate_recordset()
            self.assertEqual(self.partner_a.dunning_status, "in_progress")
            self.assertEqual(self.partner_a.dunning_overdue_amount, 500.0)
            self.assertEqual(self.partner_a.dunning_oldest_days, 20)
            self.assertEqual(self.partner_a.dunning_max_level_id, self.levels[0])
            self.assertEqual(self.partner_a.dunning_reminder_count, 1)
            self.assertEqual(inv1.dunning_next_date, date(2026, 1, 31), "10 days after the last reminder")
        for invoice in self.env["account.move"].search([("partner_id", "=", self.partner_a.id)]):
            self._pay(invoice)
        with freeze_time("2026-01-22"):
            self.partner_a.invalidate_recordset()
            self.assertEqual(self.partner_a.dunning_status, "none")
            self.assertEqual(self.partner_a.dunning_overdue_amount, 0.0)
