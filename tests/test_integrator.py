from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestIntegrator(DunningCommon):
    """What an integrator filters on over RPC gives correct results, and
    the dunning run says what it did."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.old = cls._invoice(cls.partner_a, 1000.0, "2026-01-01")  # 40 days late on 10 Feb
        cls.recent = cls._invoice(cls.partner_a, 500.0, "2026-02-01")  # 9 days late
        cls.not_due = cls._invoice(cls.partner_b, 300.0, "2026-03-01")
        cls.paid = cls._invoice(cls.partner_b, 200.0, "2026-01-01")
        cls._pay(cls.paid)

    def _search(self, domain):
        return self.env["account.move"].search(domain)

    def test_days_overdue_filter_returns_only_late_invoices(self):
        with freeze_time("2026-02-10"):
            self.assertEqual(self._search([("dunning_days_overdue", ">", 30)]), self.old)
            late = self._search([("dunning_days_overdue", ">", 0)])
            zero = self._search([("dunning_days_overdue", "=", 0), ("partner_id", "in", self.partner_b.ids)])
        self.assertEqual(late & (self.old | self.recent | self.not_due | self.paid), self.old | self.recent)
        self.assertFalse(late.filtered(lambda move: move.move_type == "entry"), "no bank entry")
        self.assertIn(self.not_due, zero)
        self.assertIn(self.paid, zero)

    def test_level_filter_by_name_and_ilike(self):
        self._run("2026-01-05")
        with freeze_time("2026-02-10"):
            by_name = self._search([("dunning_level_id", "=", self.levels[0].name)])
            by_ilike = self._search([("dunning_level_id", "ilike", "courteous")])
            by_id = self._search([("dunning_level_id", "in", self.levels[0].ids)])
            none = self._search([("dunning_level_id", "=", False), ("partner_id", "=", self.partner_a.id)])
        self.assertEqual(by_name, self.old)
        self.assertEqual(by_ilike, self.old)
        self.assertEqual(by_id, self.old)
        self.assertEqual(none, self.recent)

    def test_next_and_last_reminder_dates_and_count(self):
        self._run("2026-01-05")
        with freeze_time("2026-01-06"):
            self.assertEqual(self.old.dunning_next_date, date(2026, 1, 16))
            self.assertEqual(self._search([("dunning_next_date", "<=", "2026-01-16")]), self.old)
            self.assertEqual(self._search([("dunning_last_date", "=", "2026-01-05")]), self.old)
            self.assertEqual(self._search([("dunning_count", ">=", 1)]), self.old)
            never = self._search([("dunning_count", "=", 0), ("partner_id", "=", self.partner_a.id)])
        self.assertEqual(never, self.recent)

    def test_customer_filters(self):
        with freeze_time("2026-02-10"):
            Partner = self.env["res.partner"]
            self.assertEqual(Partner.search([("dunning_oldest_days", ">", 30)]), self.partner_a)
            self.assertEqual(Partner.search([("dunning_overdue_amount", ">=", 1500)]), self.partner_a)
            customers = self.partner_a | self.partner_b
            for status in ("none", "in_progress", "manual", "blocked", "litigation"):
                found = Partner.search([("dunning_status", "=", status), ("id", "in", customers.ids)])
                shown = customers.filtered(lambda p, status=status: p.dunning_status == status)
                self.assertEqual(found, shown, f"customers shown as {status} are those found")

    def test_reminders_found_by_reference(self):
        reminder, _stats = self._run("2026-01-05")
        self.assertIn(reminder.reference, reminder.display_name)
        self.assertIn(self.partner_a.name, reminder.display_name)
        Reminder = self.env["account.dunning.reminder"]
        self.assertEqual(Reminder.name_search(reminder.reference)[0][0], reminder.id)
        self.assertEqual(Reminder.search([("reference", "=", reminder.reference.lower())]), reminder)

    def test_run_returns_a_summary(self):
        with freeze_time("2026-02-10"):
            summary = self.engine.action_run_dunning()
        company = next(row for row in summary["companies"] if row["company_id"] == self.company.id)
        self.assertEqual(summary["date"], "2026-02-10")
        self.assertEqual(company["reminders"], 1)
        self.assertEqual(company["sent"], 1)
        self.assertEqual(summary["remaining"], 0)
        billing = new_test_user(self.env, login="rpc_billing", groups="account.group_account_invoice")
        with self.assertRaises(AccessError):
            self.engine.with_user(billing).action_run_dunning()


@tagged("post_install", "-at_install")
class TestIntegratorRpc(DunningCommon, HttpCase):
    """The README's integrator example, over real XML-RPC."""

    def test_readme_example_over_xmlrpc(self):
        manager = new_test_user(
            self.env,
            login="rpc_manager",
            password="rpc_manager_pw",
            groups="account.group_account_invoice,account_dunning.group_dunning_manager",
        )
        old = self._invoice(self.partner_a, 1000.0, "2026-01-01")
        recent = self._invoice(self.partner_a, 500.0, "2026-02-01")
        db = self.env.cr.dbname

        def call(model, method, *args, **kwargs):
            return self.xmlrpc_object.execute_kw(db, manager.id, "rpc_manager_pw", model, method, list(args), kwargs)

        with freeze_time("2026-02-10"):
            late = call(
                "account.move",
                "search_read",
                [("dunning_days_overdue", ">", 30)],
                fields=["name", "partner_id", "dunning_days_overdue", "dunning_level_id"],
            )
            self.assertEqual([row["id"] for row in late], old.ids)
            self.assertEqual(late[0]["dunning_days_overdue"], 40)
            summary = call("account.dunning.engine", "action_run_dunning")
            company = next(row for row in summary["companies"] if row["company_id"] == self.company.id)
            self.assertEqual((company["reminders"], company["sent"]), (1, 1))
            reminders = call(
                "account.dunning.reminder",
                "search_read",
                [("date", "=", summary["date"])],
                fields=["reference", "partner_id", "level_id", "state"],
            )
            self.assertEqual([(r["partner_id"][0], r["state"]) for r in reminders], [(self.partner_a.id, "sent")])
            courteous = call("account.move", "search", [("dunning_level_id", "ilike", "courteous")])
            self.assertEqual(sorted(courteous), sorted((old | recent).ids))
