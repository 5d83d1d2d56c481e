from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import sql_db
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.account_dunning.models import account_dunning_engine

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestDunningScope(DunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_data_2 = cls.setup_other_company()
        cls.company_2 = cls.company_data_2["company"]
        cls.other_currency = cls.setup_other_currency("EUR")

    def test_multi_currency_totals(self):
        self._invoice(self.partner_a, 1000.0, "2026-01-01", currency=self.other_currency)
        self._invoice(self.partner_a, 300.0, "2026-01-01")
        reminders, _stats = self._run("2026-01-05")
        totals = {currency.name: amount for currency, amount in reminders._totals_by_currency()}
        self.assertEqual(totals, {"EUR": 1000.0, self.company.currency_id.name: 300.0})
        # 1000 EUR at the rate 2.0 is 500 in company currency.
        self.assertEqual(reminders.amount_due, 800.0)
        with freeze_time("2026-01-05"):
            self.partner_a.invalidate_recordset()
            self.assertEqual(self.partner_a.dunning_overdue_amount, 800.0)

    def test_multi_company_isolation(self):
        self.assertEqual(
            self.env["account.dunning.policy"]._default_for_company(self.company_2).level_ids.mapped("days_overdue"),
            self.levels.mapped("days_overdue"),
            "a new company gets its own copy of the default policy",
        )
        self._invoice(self.partner_a, 100.0, "2026-01-01")
        other = self._invoice(self.partner_a, 700.0, "2026-01-01", company=self.company_2)
        # Its letters say how to pay too.
        self.env["res.partner.bank"].create(
            {"partner_id": self.company_2.partner_id.id, "acc_number": "DE89370400440532013000"}
        )
        reminders, _stats = self._run("2026-01-05")
        self.assertEqual(reminders.company_id, self.company)
        self.assertNotIn(other, reminders.line_ids.move_id)
        reminders_2, _stats = self.engine.with_company(self.company_2)._run(self.company_2, today=date(2026, 1, 5))
        self.assertEqual(reminders_2.company_id, self.company_2)
        self.assertEqual(reminders_2.level_id.policy_id.company_id, self.company_2)
        user = new_test_user(
            self.env,
            login="dunning_a",
            groups="account.group_account_invoice",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        visible = self.env["account.dunning.reminder"].with_user(user).search([])
        self.assertEqual(visible, reminders, "a user of company A never sees company B's reminders")
        with self.assertRaises(AccessError):
            reminders_2.with_user(user).read(["amount_due"])

    def test_access_rights(self):
        self._invoice(self.partner_a, 100.0, "2026-01-01")
        reminders, _stats = self._run("2026-02-20")
        self.assertEqual(reminders.state, "sent")
        billing = new_test_user(self.env, login="billing", groups="account.group_account_invoice")
        self.assertTrue(billing.has_group("account_dunning.group_dunning_user"))
        self.assertFalse(billing.has_group("account_dunning.group_dunning_manager"))
        self.assertEqual(reminders.with_user(billing).read(["state"])[0]["state"], "sent")
        with self.assertRaises(AccessError):
            self.policy.with_user(billing).write({"min_interval_days": 1})
        with self.assertRaises(UserError):
            reminders.with_user(billing).action_cancel()
        with self.assertRaises(UserError):
            reminders.write({"amount_due": 1.0})
        with self.assertRaises(UserError):
            reminders.unlink()
        reminders.action_cancel()
        self.assertEqual(reminders.state, "cancelled")
        auditor = new_test_user(self.env, login="auditor", groups="account.group_account_readonly")
        self.assertEqual(reminders.with_user(auditor).read(["state"])[0]["state"], "cancelled")
        with self.assertRaises(AccessError):
            reminders.with_user(auditor).write({"error_message": "x"})

    def test_cancel_puts_invoice_back(self):
        invoice = self._invoice(self.partner_a, 100.0, "2026-01-01")
        self._run("2026-01-02")
        notice, _stats = self._run("2026-01-20")
        self.assertEqual(invoice.dunning_level_id, self.levels[1])
        self.assertEqual(invoice.dunning_count, 2)
        notice.action_cancel()
        self.assertEqual(invoice.dunning_level_id, self.levels[0], "the cancelled reminder no longer counts")
        self.assertEqual(invoice.dunning_count, 1)
        self.assertEqual(invoice.dunning_last_date, date(2026, 1, 2))
        self.assertEqual(self.env["account.move"].search([("dunning_level_id", "=", self.levels[0].id)]), invoice)
        self.assertNotIn(invoice, self.env["account.move"].search([("dunning_level_id", "=", False)]))

    def test_manual_validation(self):
        invoice = self._invoice(self.partner_a, 100.0, "2026-01-01")
        self.policy.max_level_jump = 5
        reminders, _stats = self._run("2026-02-20")
        self.assertEqual(reminders.level_id, self.levels[3])
        self.assertEqual(reminders.state, "to_validate")
        self.assertFalse(reminders.letter_attachment_id)
        with freeze_time("2026-02-20"):
            reminders.action_validate()
        self.assertEqual(reminders.state, "sent")
        self.assertTrue(reminders.letter_attachment_id, "the formal notice goes by registered letter")
        self.assertIn("Formal notice", invoice.message_ids[0].body)

    def test_cron_batches_and_resumes(self):
        """The cron commits per batch and reports progress; each call resumes
        where the previous stopped, and a finished day sends nothing more."""
        partners = self.env["res.partner"].create(
            [{"name": f"Customer {i}", "email": f"c{i}@example.com", "is_company": True} for i in range(5)]
        )
        for partner in partners:
            self._invoice(partner, 100.0, "2026-01-01")
        cron = self.env.ref("account_dunning.ir_cron_dunning_process")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id, "remaining": 0, "done": 0})
        # The scheduled action runs as the superuser, across all companies.
        engine = self.engine.with_user(self.env.ref("base.user_root")).with_context(ir_cron_progress_id=progress.id)
        with (
            patch.object(account_dunning_engine, "BATCH_SIZE", 2),
            patch.object(account_dunning_engine, "BATCHES_PER_CALL", 1),
            freeze_time("2026-01-10"),
        ):
            self.assertEqual(engine._cron_process_overdue(), 2)
            self.assertEqual((progress.done, progress.remaining), (2, 3))
            self.assertEqual(engine._cron_process_overdue(), 2)
            self.assertEqual((progress.done, progress.remaining), (2, 1))
            self.assertEqual(engine._cron_process_overdue(), 1)
            self.assertEqual((progress.done, progress.remaining), (1, 0))
            self.assertEqual(engine._cron_process_overdue(), 0)
        reminders = self.env["account.dunning.reminder"].search([("partner_id", "in", partners.ids)])
        self.assertEqual(len(reminders), 5)
        self.assertEqual(set(reminders.mapped("state")), {"sent"})

    def test_database_refuses_a_second_reminder_the_same_day(self):
        """What a concurrent run would do: plan before the other committed,
        then insert.  The unique index turns the duplicate into nothing."""
        self._invoice(self.partner_a, 100.0, "2026-01-01")
        day = date(2026, 1, 5)
        plans = self.engine._plan(self.company, day, self.engine._overdue_rows(self.company, day))
        kept, first = self.engine._insert_reminders(self.company, day, plans)
        self.assertEqual((len(kept), len(first)), (1, 1))
        kept, second = self.engine._insert_reminders(self.company, day, plans)
        self.assertEqual((kept, second), ([], self.env["account.dunning.reminder"]))
        first.action_cancel()
        kept, third = self.engine._insert_reminders(self.company, day, plans)
        self.assertEqual(len(third), 1, "a cancelled reminder does not count")

    def test_select_and_plan_query_count_does_not_grow(self):
        """Selecting and planning costs the same number of queries for 10 or
        for 20 customers with 3 invoices each."""

        def book(count):
            partners = self.env["res.partner"].create(
                [{"name": f"Customer {i}", "email": f"c{i}@example.com", "is_company": True} for i in range(count)]
            )
            for partner in partners:
                for day in (1, 2, 3):
                    self._invoice(partner, 100.0, f"2026-01-0{day}")

        def queries():
            self.env.flush_all()
            self.env.invalidate_all()
            before = sql_db.sql_counter
            rows = self.engine._overdue_rows(self.company, date(2026, 1, 20))
            plans = self.engine._plan(self.company, date(2026, 1, 20), rows)
            return sql_db.sql_counter - before, len(rows), len([p for p in plans if not p.skip_reason])

        book(10)
        queries()  # warm the registry caches (rules, fields)
        small, rows, todo = queries()
        self.assertEqual((rows, todo), (30, 10))
        book(10)
        large, rows, todo = queries()
        self.assertEqual((rows, todo), (60, 20))
        self.assertEqual(small, large)
        self.assertLess(large, 25)
