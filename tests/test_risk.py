from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import DunningCommon

TODAY = date(2026, 6, 30)


@tagged("post_install", "-at_install")
class TestRisk(DunningCommon):
    """Customers' payment behaviour over the last 12 months, per company,
    gives each a risk class; a policy may adapt its schedule to it, and warn
    or block invoicing a high-risk customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Risk = cls.env["account.dunning.partner.risk"]
        cls.company_data_2 = cls.setup_other_company()
        customer = {"is_company": True, "street": "2 quai Saint-Antoine", "zip": "69002", "city": "Lyon"}
        cls.good, cls.slow, cls.fresh = cls.env["res.partner"].create(
            [
                {"name": "Good Payer SA", "email": "ap@good.example", **customer},
                {"name": "Slow Payer SARL", "email": "ap@slow.example", **customer},
                {"name": "Fresh Customer SAS", "email": "ap@fresh.example", **customer},
            ]
        )

    # ---- HISTORIES ----
    def _paid_late(self, partner, due, days_late, amount=100.0, company=None):
        """An invoice due on `due`, paid `days_late` days after it."""
        due = date.fromisoformat(due)
        invoice = self._invoice(partner, amount, due, company=company)
        self._pay(invoice, pay_date=due + timedelta(days=days_late))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        return invoice

    def _refresh(self, today=TODAY, companies=None):
        self.Risk._refresh(companies or self.company, today)

    def _risk(self, partner, company=None):
        return self.Risk.search([("partner_id", "=", partner.id), ("company_id", "=", (company or self.company).id)])

    def _nightly(self, day):
        """The scheduled action's work on `day`, as the scheduler's bot;
        returns the reminders sent that day per customer."""
        bot = self.env.ref("base.user_root")
        with freeze_time(day):
            self.env(user=bot)["account.dunning.engine"].with_context(lang="en_US")._process_overdue()
        reminders = self.env["account.dunning.reminder"].search([("date", "=", day), ("state", "=", "sent")])
        return {reminder.partner_id: reminder for reminder in reminders}

    def _two_late_payments(self, partner):
        """45 days late on average: high risk by the default thresholds."""
        self._paid_late(partner, "2026-01-01", 40)
        self._paid_late(partner, "2026-02-01", 50)

    def _two_prompt_payments(self, partner):
        """2.5 days late on average, 3 at most: low risk."""
        self._paid_late(partner, "2026-01-10", 2)
        self._paid_late(partner, "2026-02-10", 3)

    # ---- FIGURES AND CLASSES ----
    def test_figures_of_a_year(self):
        """Days late read from the payments' dates, reminders per invoice due,
        overdue now; what was paid more than 12 months ago does not count."""
        self._paid_late(self.slow, "2025-04-01", 80)  # paid 2025-06-20: before the 12 months
        self._paid_late(self.slow, "2026-01-10", 0)
        reminded = self._invoice(self.slow, 200.0, "2026-02-01")
        self._run("2026-02-02")
        self._run("2026-02-16")
        self.assertEqual(reminded.dunning_count, 2)
        self._pay(reminded, pay_date=date(2026, 2, 21))
        self._paid_late(self.slow, "2026-03-01", 10)
        self._invoice(self.slow, 400.0, "2026-06-01")  # 29 days overdue on the 30th
        self._refresh()
        risk = self._risk(self.slow)
        self.assertRecordValues(
            risk,
            [
                {
                    "paid_count": 3,
                    "avg_days_late": 10.0,
                    "max_days_late": 20,
                    "oldest_overdue_days": 29,
                    "reminders_per_invoice": 0.5,  # 2 reminders over 4 invoices due
                    "broken_promises": 0,
                    "disputes": 0,
                    "overdue_amount": 400.0,
                    "risk_class": "medium",
                    "policy_id": self.policy.id,
                    "date": TODAY,
                }
            ],
        )
        self.assertEqual(
            risk.risk_why,
            "paid 10 days late on average (low risk up to 5); an invoice paid 20 days late (low risk up to 15); "
            "an invoice 29 days overdue (low risk up to 15)",
        )
        with freeze_time(TODAY):
            self.slow.invalidate_recordset()
            self.assertEqual(self.slow.dunning_risk_class, "medium")
            self.assertEqual(self.slow.dunning_avg_days_late, 10.0)
            self.assertEqual(self.slow.dunning_reminders_per_invoice, 0.5)

    def test_high_risk_by_delays(self):
        self._two_late_payments(self.slow)
        self._refresh()
        risk = self._risk(self.slow)
        self.assertEqual((risk.risk_class, risk.avg_days_late, risk.max_days_late), ("high", 45.0, 50))
        self.assertEqual(risk.risk_why, "paid 45 days late on average (high risk above 30)")
        self.policy.risk_high_avg_days = 60
        self._refresh()
        self.assertEqual((risk.risk_class, risk.risk_why), ("medium", self._medium_why(45, 50)))

    def _medium_why(self, average, most):
        return (
            f"paid {average} days late on average (low risk up to 5); "
            f"an invoice paid {most} days late (low risk up to 15)"
        )

    def test_high_risk_by_an_invoice_long_unpaid(self):
        self._paid_late(self.slow, "2026-01-10", 0)
        self._invoice(self.slow, 300.0, "2026-03-01")
        self._refresh()
        risk = self._risk(self.slow)
        self.assertEqual(risk.risk_class, "high")
        self.assertEqual(risk.risk_why, "an invoice 121 days overdue, still unpaid (high risk above 90)")

    def test_high_risk_by_broken_promises(self):
        """Two promises to pay not kept, through the phone and the nightly check."""
        self._paid_late(self.slow, "2026-01-10", 0)
        invoice = self._invoice(self.slow, 500.0, "2026-04-01")
        first = self._nightly("2026-04-02")[self.slow]
        with freeze_time("2026-04-03"):
            first._log_call_result("promise", invoice, until=date(2026, 4, 10))
        second = self._nightly("2026-04-20")[self.slow]  # broken on the 11th, reminded again on the 20th
        with freeze_time("2026-04-21"):
            second._log_call_result("promise", invoice, until=date(2026, 4, 25))
        self._nightly("2026-04-26")
        self.assertEqual(self.slow.dunning_promises_broken, 2)
        risk = self._risk(self.slow)
        self.assertEqual((risk.risk_class, risk.broken_promises, risk.date), ("high", 2, date(2026, 4, 26)))
        self.assertEqual(risk.risk_why, "promises to pay broken: 2 (high risk from 2)")

    def test_low_risk_and_a_dispute(self):
        self._two_prompt_payments(self.good)
        self._refresh()
        risk = self._risk(self.good)
        self.assertEqual(risk.risk_class, "low")
        self.assertEqual(
            risk.risk_why,
            "paid 2.5 days late on average and 3 at most (low risk up to 5 and 15), no broken promise, no dispute",
        )
        # The customer disputes an invoice from the letter's pay-online page.
        invoice = self._invoice(self.good, 100.0, "2026-06-20")
        reminder = self._run("2026-06-21")[0]
        with freeze_time("2026-06-22"):
            reminder._record_answer("dispute", invoice, {"reason": "Not delivered"})
        self.assertEqual(invoice.dunning_block_reason, "dispute")
        self._refresh()
        self.assertEqual((risk.risk_class, risk.disputes), ("medium", 1))
        self.assertEqual(risk.risk_why, "disputed invoices: 1 (low risk needs none)")

    def test_no_history_is_medium(self):
        self._invoice(self.fresh, 100.0, "2026-06-27")
        self._refresh()
        risk = self._risk(self.fresh)
        self.assertEqual((risk.risk_class, risk.paid_count, risk.oldest_overdue_days), ("medium", 0, 3))
        self.assertEqual(risk.risk_why, "no invoice paid over the last 12 months")
        self.assertFalse(self._risk(self.partner_b), "no invoice at all: no row, read as medium")

    def test_why_in_the_company_language(self):
        self._load_french()
        self.company.partner_id.lang = "fr_FR"
        self._two_prompt_payments(self.good)
        self._refresh()
        self.assertIn("2,5", self._risk(self.good).risk_why, "the company's decimal separator")

    def test_each_company_its_own_behaviour(self):
        company_2 = self.company_data_2["company"]
        self._two_prompt_payments(self.good)
        self._paid_late(self.good, "2026-01-01", 60, company=company_2)
        self.env["account.dunning.policy"]._ensure_default_policy(company_2)
        self._refresh(companies=self.company | company_2)
        self.assertEqual(self._risk(self.good).risk_class, "low")
        other = self._risk(self.good, company_2)
        self.assertEqual((other.risk_class, other.paid_count, other.max_days_late), ("high", 1, 60))
        self.assertEqual(self.good.with_company(company_2).dunning_risk_class, "high")
        self.assertEqual(self.good.with_company(self.company).dunning_risk_class, "low")
        # Refreshing one company leaves the other's rows alone; a user of one company sees only its rows.
        self._refresh(TODAY + timedelta(days=1))
        self.assertEqual(other.date, TODAY)
        user = new_test_user(
            self.env,
            login="risk_reader",
            groups="base.group_user,account_dunning.group_dunning_user",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        self.assertEqual(self.Risk.with_user(user).search([("partner_id", "=", self.good.id)]).company_id, self.company)

    def test_measured_again_by_a_manager(self):
        self._two_prompt_payments(self.good)
        with freeze_time(TODAY):
            self.Risk.action_refresh()
        self.assertEqual(self._risk(self.good).date, TODAY)
        user = new_test_user(self.env, login="risk_user", groups="base.group_user,account_dunning.group_dunning_user")
        with self.assertRaises(AccessError):
            self.Risk.with_user(user).action_refresh()

    def test_a_customer_with_nothing_left_loses_its_row(self):
        invoice = self._invoice(self.fresh, 100.0, "2026-06-27")
        self._refresh()
        self.assertTrue(self._risk(self.fresh))
        invoice.button_draft()
        invoice.button_cancel()
        self._refresh()
        self.assertFalse(self._risk(self.fresh))

    # ---- SCHEDULES PER CLASS ----
    def _three_customers(self):
        """A high-risk, a low-risk and a medium-risk (new) customer, each with
        an invoice due on 1 June."""
        self._two_late_payments(self.slow)
        self._two_prompt_payments(self.good)
        return {partner: self._invoice(partner, 300.0, "2026-06-01") for partner in (self.slow, self.good, self.fresh)}

    def test_schedule_per_risk_class(self):
        self.policy.risk_schedules = True
        courteous, firm = self.levels[:2]
        self._three_customers()
        sent = self._nightly("2026-06-02")
        self.assertEqual(set(sent), {self.fresh}, "medium: the levels as they are")
        self.assertEqual(sent[self.fresh].level_id, courteous)
        self.assertEqual(self._risk(self.slow).risk_class, "high")
        self.assertEqual(self._risk(self.good).risk_class, "low")
        self.assertFalse(self._nightly("2026-06-08"), "the good payer's grace: 1 + 7 days")
        sent = self._nightly("2026-06-09")
        self.assertEqual(set(sent), {self.good})
        self.assertEqual(sent[self.good].level_id, courteous, "the grace delays the first level only")
        self.assertFalse(self._nightly("2026-06-10"), "high risk: the firm level 5 days earlier, at 10 days")
        sent = self._nightly("2026-06-11")
        self.assertEqual(set(sent), {self.slow})
        self.assertEqual((sent[self.slow].level_id, sent[self.slow].tone), (firm, "firm"), "no courteous reminder")
        # The next levels come earlier too: the last reminder at 30 - 5 days (and 10 days after the firm one).
        sent = self._nightly("2026-06-26")
        self.assertEqual(sent[self.slow].level_id, self.levels[2])
        self.assertEqual(sent[self.fresh].level_id, firm, "medium: 15 days and 10 after the first")

    def test_off_switch_keeps_the_levels(self):
        self.assertFalse(self.policy.risk_schedules, "off by default")
        self._three_customers()
        sent = self._nightly("2026-06-02")
        self.assertEqual(set(sent), {self.slow, self.good, self.fresh})
        self.assertEqual({reminder.level_id for reminder in sent.values()}, {self.levels[0]})
        self.assertEqual(self._risk(self.slow).risk_class, "high", "classes are measured all the same")

    def test_escalating_a_high_risk_customer_skips_the_courteous_level(self):
        self.policy.risk_schedules = True
        invoices = self._three_customers()
        with freeze_time(TODAY):
            self._refresh(date(2026, 6, 2))
            self.slow.action_dunning_escalate()
        self.assertEqual(invoices[self.slow].dunning_level_id, self.levels[1])

    def test_plan_reads_the_classes_in_one_query(self):
        """As many queries to plan for three customers of each class as for one."""
        self.policy.risk_schedules = True
        self._three_customers()
        self._refresh(date(2026, 6, 11))

        def plan_queries(partners):
            rows = self.engine._overdue_rows(self.company, date(2026, 6, 11), partners.ids)
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            plans = self.engine._plan(self.company, date(2026, 6, 11), rows)
            return self.env.cr.sql_log_count - before, plans

        plan_queries(self.slow)  # caches of the first call (access rules, fields)
        one, _plans = plan_queries(self.slow)
        more = self.env["res.partner"].create([{"name": f"Customer {n}", "is_company": True} for n in range(6)])
        for partner in more:
            self._invoice(partner, 50.0, "2026-06-01")
        self._refresh(date(2026, 6, 11))
        many, plans = plan_queries(self.slow | self.good | self.fresh | more)
        self.assertEqual(many, one)
        self.assertEqual({plan.partner_id: plan.level.index for plan in plans}[self.slow.id], 1)

    def test_rules_per_class(self):
        """The ladder of each class, as the plan reads it."""
        rules = self.engine._level_rules(self.policy)[0][self.policy.id]
        self.policy.write({"risk_schedules": True, "risk_high_days_earlier": 20, "risk_low_grace_days": 3})
        high = self.policy._risk_level_rules(rules, "high")
        self.assertEqual([rule.days_overdue for rule in high], [1, 1, 10, 25, 40], "never before 1 day")
        self.assertEqual([rule.skip for rule in high], [True, False, False, False, False])
        self.assertEqual(
            [rule.days_overdue for rule in self.policy._risk_level_rules(rules, "low")], [4, 15, 30, 45, 60]
        )
        self.assertEqual(self.policy._risk_level_rules(rules, "medium"), rules)
        self.policy.risk_high_skip_courteous = False
        self.assertFalse(any(rule.skip for rule in self.policy._risk_level_rules(rules, "high")))

    # ---- INVOICING A HIGH-RISK CUSTOMER ----
    def _draft(self, partner):
        return self._invoice(partner, 100.0, TODAY + timedelta(days=30), post=False)

    def test_warning_on_a_new_invoice(self):
        self._two_late_payments(self.slow)
        self._two_prompt_payments(self.good)
        self._refresh()
        draft = self._draft(self.slow)
        self.assertEqual(
            draft.dunning_risk_warning,
            "This customer is high risk for dunning: paid 45 days late on average (high risk above 30)",
        )
        self.assertFalse(self._draft(self.good).dunning_risk_warning)
        draft.action_post()  # a warning only
        self.assertEqual(draft.state, "posted")
        self.assertFalse(draft.dunning_risk_warning, "on draft invoices only")

    def test_posting_blocked_unless_accounting_manager(self):
        self._two_late_payments(self.slow)
        self._two_prompt_payments(self.good)
        self._refresh()
        billing = new_test_user(
            self.env,
            login="risk_billing",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.company.id,
            company_ids=self.company.ids,
        )
        unblocked = self._draft(self.slow)
        unblocked.with_user(billing).action_post()
        self.assertEqual(unblocked.state, "posted", "the policy does not block: a warning only")
        self.policy.risk_block_posting = True
        blocked = self._draft(self.slow)
        with self.assertRaisesRegex(UserError, "Slow Payer SARL is high risk for dunning"):
            blocked.with_user(billing).action_post()
        self.assertEqual(blocked.state, "draft")
        good = self._draft(self.good)
        good.with_user(billing).action_post()
        self.assertEqual(good.state, "posted", "only high-risk customers")
        self.assertTrue(self.env.user.has_group("account.group_account_manager"))
        blocked.action_post()
        self.assertEqual(blocked.state, "posted", "an accounting manager posts it")

    # ---- BOUNDS ----
    def test_bounds(self):
        for values in (
            {"risk_low_avg_days": 30},  # not below the high-risk average
            {"risk_low_max_days": 90},
            {"risk_high_max_days": 400},
            {"risk_low_avg_days": -1},
            {"risk_high_broken_promises": 0},
            {"risk_high_days_earlier": 61},
            {"risk_low_grace_days": -2},
            {"risk_low_grace_days": 16},  # beyond the low-risk delay
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.policy.write(values)
        self.policy.write({"risk_low_grace_days": 0, "risk_high_days_earlier": 60, "risk_high_broken_promises": 20})
        self.policy.write({"risk_low_grace_days": 15})
