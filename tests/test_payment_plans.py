import subprocess
import tempfile
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestPaymentPlans(DunningCommon):
    """A payment plan takes a customer's invoices out of ordinary dunning
    while it is kept: payments settle its installments in date order, a
    missed installment gets the plan's own reminder, and past the grace
    delay the plan breaks and dunning resumes where it stopped."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.first = cls._invoice(cls.partner_a, 600.0, "2026-01-01")
        cls.second = cls._invoice(cls.partner_a, 300.0, "2026-01-01")
        cls.Plan = cls.env["account.dunning.payment.plan"]

    def _nightly(self, day):
        """The scheduled action's work on `day`, as the scheduler's bot;
        returns the reminders sent to the customer that day."""
        bot = self.env.ref("base.user_root")
        with freeze_time(day):
            self.env(user=bot)["account.dunning.engine"].with_context(lang="en_US")._process_overdue()
        return self.env["account.dunning.reminder"].search(
            [("partner_id", "=", self.partner_a.id), ("date", "=", day), ("state", "=", "sent")]
        )

    def _plan(self, day="2026-01-06", amounts=None, first="2026-01-13"):
        """A plan of both invoices started on `day`: three monthly 300s, or `amounts`."""
        with freeze_time(day):
            action = (self.first | self.second).action_dunning_payment_plan()
            plan = self.Plan.browse(action["res_id"])
            plan.write({"first_date": first, "installment_count": len(amounts or [0, 0, 0])})
            plan.action_compute_installments()
            if amounts:
                for installment, amount in zip(plan.installment_ids.sorted("date_due"), amounts, strict=True):
                    installment.amount = amount
            plan.action_start()
        return plan

    def _plan_mails(self, plan):
        return self.env["mail.mail"].search([("model", "=", plan._name), ("res_id", "=", plan.id)])

    def test_plan_from_the_customers_request(self):
        reminder = self._nightly("2026-01-05")
        with freeze_time("2026-01-06"):
            answer = reminder._record_answer("plan", self.first | self.second, {"installments": "3"})
            action = answer.action_accept_plan()
        plan = self.Plan.browse(action["res_id"])
        self.assertEqual((action["res_model"], plan.state, plan.answer_id), (plan._name, "draft", answer))
        self.assertEqual(answer.plan_state, "asked", "accepted when the plan starts")
        self.assertEqual(
            [(i.date_due, i.amount) for i in plan.installment_ids],
            [(date(2026, 1, 13), 300.0), (date(2026, 2, 13), 300.0), (date(2026, 3, 13), 300.0)],
        )
        self.assertEqual(answer.action_accept_plan()["res_id"], plan.id, "the same draft, not a second one")
        with freeze_time("2026-01-06"):
            plan.action_start()
        self.assertEqual((plan.state, answer.plan_state, plan.amount_total), ("running", "accepted", 900.0))
        for move in self.first | self.second:
            self.assertEqual((move.dunning_block_reason, move.dunning_block_until), ("payment_plan", False))
        self.assertFalse(self._nightly("2026-01-20"), "the plan's dates apply, not the invoices'")

    def test_kept_plan(self):
        plan = self._plan()
        self._pay(self.second, 300.0, date(2026, 1, 12))
        self._nightly("2026-01-14")
        self.assertEqual(plan.installment_ids.mapped("paid_state")[:1], ["paid"])
        self.assertFalse(self._plan_mails(plan), "the first installment was paid in time")
        self._pay(self.first, 300.0, date(2026, 2, 10))
        self._pay(self.first, 300.0, date(2026, 3, 10))
        self._nightly("2026-03-11")
        self.assertEqual(plan.state, "done")
        self.assertIn("kept", plan.message_ids[:1].body)
        self.assertFalse(self._plan_mails(plan))

    def test_payments_settle_installments_in_date_order(self):
        plan = self._plan(amounts=[500.0, 400.0])
        # 300 on the second invoice and 150 on the first: 450 of the first 500.
        self._pay(self.second, 300.0, date(2026, 1, 10))
        self._pay(self.first, 150.0, date(2026, 1, 11))
        with freeze_time("2026-01-14"):
            plan.invalidate_recordset()
            plan.installment_ids.invalidate_recordset()
            first, second = plan.installment_ids.sorted("date_due")
            self.assertEqual((first.amount_paid, first.paid_state), (450.0, "late"))
            self.assertEqual((second.amount_paid, second.paid_state), (0.0, "due"))
            self.assertEqual((plan.amount_paid, plan.amount_late), (450.0, 50.0))

    def test_missed_installment_then_broken(self):
        first_reminder = self._nightly("2026-01-05")
        plan = self._plan()
        self._nightly("2026-01-14")
        mail = self._plan_mails(plan)
        self.assertEqual(len(mail), 1, "the plan's own reminder, the day after the date")
        self.assertIn("installment not received", mail.subject)
        self.assertIn(self.partner_a, mail.recipient_ids)
        self.assertIn("If you have already paid", mail.body_html)
        self.assertEqual(plan.installment_ids.sorted("date_due")[0].reminded_on, date(2026, 1, 14))
        self._nightly("2026-01-15")
        self.assertEqual(len(self._plan_mails(plan)), 1, "reminded once per installment")
        self.assertFalse(self._nightly("2026-01-28"), "within the grace delay (15 days)")
        self.assertEqual(plan.state, "running")
        resumed = self._nightly("2026-01-29")
        self.assertEqual(plan.state, "broken")
        self.assertFalse((self.first | self.second).filtered("dunning_blocked"), "back to ordinary dunning")
        self.assertIn("broken", plan.message_ids[:1].body)
        self.assertTrue(resumed, "dunning resumes the same night")
        self.assertGreater(resumed.level_id.days_overdue, first_reminder.level_id.days_overdue, "from where it was")

    def test_a_manager_confirms_the_break_when_the_policy_asks(self):
        self.policy.plan_break_confirm = True
        plan = self._plan()
        self._nightly("2026-01-29")
        self.assertEqual((plan.state, plan.break_pending), ("running", True))
        self.assertTrue(plan.activity_ids, "a dunning manager is asked")
        self.assertTrue((self.first | self.second).filtered("dunning_blocked"), "still held until confirmed")
        clerk = new_test_user(
            self.env, "plan_clerk", groups="account.group_account_invoice,account_dunning.group_dunning_user"
        )
        with self.assertRaises(UserError):
            plan.with_user(clerk).action_confirm_break()
        manager = new_test_user(
            self.env, "plan_manager", groups="account.group_account_manager,account_dunning.group_dunning_manager"
        )
        with freeze_time("2026-01-30"):
            plan.with_user(manager).action_confirm_break()
        self.assertEqual((plan.state, plan.break_pending, plan.end_date), ("broken", False, date(2026, 1, 30)))
        self.assertFalse((self.first | self.second).filtered("dunning_blocked"))

    def test_a_schedule_that_does_not_add_up_is_refused(self):
        with freeze_time("2026-01-06"):
            plan = self.Plan.browse((self.first | self.second).action_dunning_payment_plan()["res_id"])
            plan.action_compute_installments()
            plan.installment_ids[:1].amount = 100.0
            with self.assertRaisesRegex(UserError, "add up to"):
                plan.action_start()
            plan.action_compute_installments()
            plan.installment_ids[1].date_due = plan.installment_ids[0].date_due
            with self.assertRaisesRegex(UserError, "same day"):
                plan.action_start()
            plan.first_date = "2026-01-01"
            plan.action_compute_installments()
            with self.assertRaisesRegex(UserError, "before today"):
                plan.action_start()
            plan.installment_count = 1
            with self.assertRaises(UserError):
                plan.action_compute_installments()
        self.assertEqual(plan.state, "draft")
        self.assertFalse((self.first | self.second).filtered("dunning_blocked"), "nothing written")
        running = self._plan()
        with freeze_time("2026-01-06"):
            other = self.Plan.browse(self.first.action_dunning_payment_plan()["res_id"])
            other.action_compute_installments()
            with self.assertRaisesRegex(UserError, "in plan"):
                other.action_start()
            with self.assertRaises(UserError):
                running.installment_ids[:1].amount = 1.0
        with self.assertRaisesRegex(UserError, "one customer"):
            (self.first | self._invoice(self.partner_b, 10.0, "2026-01-01")).action_dunning_payment_plan()

    def test_no_interest_while_the_plan_is_kept(self):
        self._flat_rates(4.15)
        self.policy.max_level_jump = 5
        invoice = self._invoice(self.partner_b, 10000.0, "2026-01-01")
        with freeze_time("2026-01-20"):
            plan = self.Plan.browse(invoice.action_dunning_payment_plan()["res_id"])
            plan.write({"first_date": "2026-02-20", "installment_count": 2})
            plan.action_compute_installments()
            plan.action_start()
            # Someone releases the hold by hand while the plan runs.
            invoice.action_dunning_release_hold()
        reminder, _stats = self._run("2026-02-15", partner_ids=self.partner_b.ids)
        line = reminder.line_ids
        # 2 to 20 January only: 10000 x 0.1415 x 19 / 365 = 73.66.
        self.assertEqual((line.interest_amount, line.interest_date_to), (73.66, date(2026, 1, 20)))
        self.policy.plan_stops_interest = False
        reminder.invalidate_recordset()
        values = reminder._fee_values()
        # Up to the reminder date: 45 days = 174.45.
        self.assertEqual(values[line]["interest_amount"], 174.45)

    def test_the_plan_document(self):
        self.env.company.write({"name": "Atelier Lumière SAS", "city": "Lyon"})
        plan = self._plan()
        pdf, _kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("account_dunning.report_dunning_payment_plan", plan.ids)
        )
        with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
            source.write(pdf)
            source.flush()
            text = subprocess.run(["pdftotext", "-layout", source.name, "-"], capture_output=True, check=True)
        text = " ".join(text.stdout.decode().replace("\xa0", " ").replace("\u202f", " ").split())
        for expected in (
            "Atelier Lumière SAS",
            self.partner_a.name,
            "1 rue de la République",
            "Payment Plan",
            plan.name,
            self.first.name,
            self.second.name,
            "Consulting",
            "1/3",
            "02/13/2026",
            "If you have already paid",
            "15 days after its date",
            "no late-payment interest",
        ):
            self.assertIn(expected, text)
        # By email, from the form's button, as the web client does.
        action = plan.action_send_plan()
        composer = Form(self.env[action["res_model"]].with_context(**action["context"], force_report_rendering=True))
        composer.save().action_send_mail()
        mail = self._plan_mails(plan)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.attachment_ids.mimetype, "application/pdf")
        self.assertIn(plan.name, mail.subject)
