from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import DunningCommon


@tagged("post_install", "-at_install")
class TestChecksBeforeChasing(DunningCommon):
    """Before a reminder goes out, our own errors first: each check blocks
    or warns, can be switched off per policy, and what it found shows on the
    reminder, in the cockpit and in Send Reminder, with the way out."""

    day = "2026-01-05"  # invoices due on 2026-01-01 reach the first level (email only)

    def _results(self, partner=None, code=None):
        domain = [("partner_id", "=", (partner or self.partner_a).id)]
        if code:
            domain.append(("code", "=", code))
        return self.env["account.dunning.check.result"].search(domain)

    def _status(self, partner=None):
        with freeze_time(self.day):
            return self.env["account.dunning.partner.status"].search(
                [("partner_id", "=", (partner or self.partner_a).id), ("company_id", "=", self.company.id)]
            )

    def _wizard(self, partner=None):
        with freeze_time(self.day):
            return (
                self.env["account.dunning.send"]
                .with_context(active_model="res.partner", active_ids=(partner or self.partner_a).ids)
                .create({})
            )

    # ---- CREDITS ----
    def test_credits_covering_the_invoices_block_the_customer(self):
        self._invoice(self.partner_a, 800.0, "2026-01-01", move_type="out_refund")
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        reminders, stats = self._run(self.day)
        self.assertFalse(reminders)
        self.assertEqual(stats["skipped"], {self.partner_a.id: "credits_cover"})
        result = self._results(code="credits")
        self.assertEqual((result.severity, result.date), ("block", date(2026, 1, 5)))
        self.assertIn("reconcile them", result.message)

    def test_credits_covering_part_warn_and_the_reminder_goes(self):
        self._invoice(self.partner_a, 200.0, "2026-01-01", move_type="out_refund")
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        reminders, _stats = self._run(self.day)
        self.assertEqual(reminders.state, "sent")
        self.assertEqual(reminders.check_result_ids.mapped("code"), ["credits"])
        self.assertEqual(reminders.check_result_ids.severity, "warning")

    def test_credits_check_switched_off(self):
        self.policy.check_credits = False
        self._invoice(self.partner_a, 800.0, "2026-01-01", move_type="out_refund")
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        reminders, _stats = self._run(self.day)
        self.assertEqual(reminders.state, "sent")
        self.assertFalse(self._results())

    def test_apply_credits_in_one_click(self):
        self._invoice(self.partner_a, 800.0, "2026-01-01", move_type="out_refund")
        invoice = self._invoice(self.partner_a, 500.0, "2026-01-01")
        self._run(self.day)
        status = self._status()
        self.assertEqual((status.check_block_count, status.check_credits), (1, True))
        self.assertEqual(status.status, "manual")
        with freeze_time(self.day):
            action = status.action_apply_credits()
        self.assertEqual((action["type"], action["tag"]), ("ir.actions.client", "display_notification"))
        self.assertFalse(invoice.amount_residual, "the credit note settled it")
        self.assertFalse(self._results(), "checked again: nothing left to fix")

    def test_open_items_to_match(self):
        refund = self._invoice(self.partner_a, 800.0, "2026-01-01", move_type="out_refund")
        invoice = self._invoice(self.partner_a, 500.0, "2026-01-01")
        self._run(self.day)
        action = self._results(code="credits").action_fix()
        self.assertEqual((action["type"], action["res_model"]), ("ir.actions.act_window", "account.move.line"))
        items = self.env["account.move.line"].search(action["domain"])
        self.assertEqual(items.move_id, refund | invoice)

    # ---- INVOICE NEVER SENT ----
    def test_invoice_never_sent_is_not_chased_the_others_are(self):
        sent = self._invoice(self.partner_a, 300.0, "2026-01-01")
        unsent = self._invoice(self.partner_a, 400.0, "2026-01-01", sent=False)
        reminders, _stats = self._run(self.day)
        self.assertEqual(reminders.line_ids.move_id, sent)
        result = reminders.check_result_ids
        self.assertEqual((result.code, result.severity, result.move_ids), ("never_sent", "block", unsent))
        self.assertIn("send the invoice first", result.message)

    def test_customer_with_only_unsent_invoices_is_skipped(self):
        unsent = self._invoice(self.partner_a, 400.0, "2026-01-01", sent=False)
        reminders, stats = self._run(self.day)
        self.assertFalse(reminders)
        self.assertEqual(stats["never_sent"], 1)
        self.assertIn("never sent", self.engine._notification(stats, "Run")["params"]["message"])
        status = self._status()
        self.assertTrue(status.check_never_sent)
        action = status.action_send_invoices()
        self.assertEqual(action["res_model"], "account.move.send.wizard")
        self.assertEqual(action["context"]["active_ids"], unsent.ids)

    def test_never_sent_check_switched_off(self):
        self.policy.check_never_sent = False
        unsent = self._invoice(self.partner_a, 400.0, "2026-01-01", sent=False)
        reminders, _stats = self._run(self.day)
        self.assertEqual(reminders.line_ids.move_id, unsent)

    def test_invoices_recorded_before_the_check_are_taken_as_sent(self):
        """Switching the check on does not stop the chasing of invoices
        printed or imported before: only those recorded since are checked."""
        unsent = self._invoice(self.partner_a, 400.0, "2026-01-01", sent=False)
        self.policy.check_never_sent = False
        self.policy.check_never_sent = True
        self.assertEqual(self.policy.check_never_sent_from, fields.Date.context_today(self.policy))
        self.policy.check_never_sent_from = fields.Date.context_today(self.policy) + timedelta(days=1)
        reminders, _stats = self._run(self.day)
        self.assertEqual(reminders.line_ids.move_id, unsent)

    # ---- PAYMENT TERMS ----
    def _long_terms_invoice(self):
        invoice = self._invoice(self.partner_a, 500.0, "2026-01-01", post=False)
        invoice.write({"invoice_date": "2025-10-01", "invoice_date_due": "2026-01-01"})
        invoice.action_post()
        invoice.is_move_sent = True
        return invoice

    def test_payment_terms_beyond_sixty_days_warn(self):
        invoice = self._long_terms_invoice()
        reminders, _stats = self._run(self.day)
        self.assertEqual(reminders.line_ids.move_id, invoice, "a warning never stops the reminder")
        result = reminders.check_result_ids
        self.assertEqual((result.code, result.severity, result.move_ids), ("payment_terms", "warning", invoice))
        self.assertIn("L441-10", result.message)

    def test_payment_terms_check_switched_off(self):
        self.policy.check_payment_terms = False
        self._long_terms_invoice()
        reminders, _stats = self._run(self.day)
        self.assertTrue(reminders)
        self.assertFalse(reminders.check_result_ids)

    # ---- BANK DETAILS ----
    def test_missing_bank_account_blocks_before_the_reminder_exists(self):
        self.company.partner_id.bank_ids.unlink()
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        reminders, stats = self._run(self.day)
        self.assertFalse(reminders)
        self.assertFalse(self.env["account.dunning.reminder"].search([("partner_id", "=", self.partner_a.id)]))
        self.assertEqual(stats["bank_details"], 1)
        result = self._results(code="bank")
        self.assertIn("Journals", result.message)
        self.assertEqual(result.action_fix()["res_model"], "account.journal")

    def test_invalid_iban_blocks(self):
        self.company.partner_id.bank_ids.acc_number = "FR76 1234"
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        reminders, _stats = self._run(self.day)
        self.assertFalse(reminders)
        self.assertIn("not a valid IBAN", self._results(code="bank").message)

    def test_bank_check_switched_off(self):
        self.policy.check_bank = False
        self.company.partner_id.bank_ids.acc_number = "FR76 1234"
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        reminders, _stats = self._run(self.day)
        self.assertTrue(reminders)

    # ---- EMAIL ----
    def test_no_email_blocks_an_email_only_level(self):
        self.partner_a.email = False
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        reminders, stats = self._run(self.day)
        self.assertFalse(reminders)
        self.assertEqual(stats["no_email"], 1)
        action = self._results(code="email").action_fix()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", self.partner_a.id))

    def test_no_email_warns_when_the_level_also_posts_a_letter(self):
        self.partner_a.email = False
        self.policy.max_level_jump = 5
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        reminders, _stats = self._run("2026-01-20")  # the second level: email and letter
        self.assertEqual(reminders.state, "sent", "the letter goes")
        self.assertEqual(reminders.check_result_ids.mapped("severity"), ["warning"])

    def test_email_check_switched_off(self):
        self.policy.check_email = False
        self.partner_a.email = False
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        reminders, _stats = self._run(self.day)
        self.assertEqual(reminders.state, "failed", "dispatch still refuses it")

    # ---- DISPUTE ----
    def _disputed(self):
        invoice = self._invoice(self.partner_a, 500.0, "2026-01-01")
        reminder, _stats = self._run(self.day)
        with freeze_time("2026-01-06"):
            reminder._record_answer("dispute", invoice, {"reason": "Wrong price"})
            invoice._dunning_release_hold()  # released by hand, the dispute's to-do still open
        return invoice, reminder

    def test_open_dispute_blocks_until_its_todo_is_done(self):
        _invoice, reminder = self._disputed()
        reminders, stats = self._run("2026-01-20")
        self.assertFalse(reminders)
        self.assertEqual(stats["skipped"], {self.partner_a.id: "disputed"})
        self.assertEqual(self._results(code="dispute").severity, "block")
        reminder.activity_ids.action_feedback()
        reminders, _stats = self._run("2026-01-21")
        self.assertTrue(reminders, "the dispute is settled: chased again")

    def test_dispute_check_switched_off(self):
        self.policy.check_dispute = False
        self._disputed()
        reminders, _stats = self._run("2026-01-20")
        self.assertTrue(reminders)

    # ---- RESULTS KEPT ----
    def test_results_replaced_at_each_run_kept_on_the_reminder(self):
        self._invoice(self.partner_a, 300.0, "2026-01-01")
        self._invoice(self.partner_a, 400.0, "2026-01-01", sent=False)
        reminder, _stats = self._run(self.day)
        self.assertEqual(self._results().reminder_id, reminder)
        self.env["account.move"].search([("partner_id", "=", self.partner_a.id)]).is_move_sent = True
        self._run("2026-01-20")
        self.assertFalse(self._results(), "nothing to fix any more")
        self.assertEqual(reminder.check_result_ids.code, "never_sent", "the reminder keeps what it went with")

    def test_cockpit_filter_checks_to_fix(self):
        self._invoice(self.partner_a, 400.0, "2026-01-01", sent=False)
        self._invoice(self.partner_b, 400.0, "2026-01-01")
        self._run(self.day)
        with freeze_time(self.day):
            rows = self.env["account.dunning.partner.status"].search([("check_block_count", ">", 0)])
        self.assertEqual(rows.partner_id, self.partner_a)
        action = rows.action_open_checks()
        self.assertEqual(self.env[action["res_model"]].search(action["domain"]), self._results())

    # ---- ONE PLACE: WIZARD AND NIGHTLY RUN AGREE ----
    def test_wizard_shows_the_checks_the_nightly_run_applies(self):
        sent = self._invoice(self.partner_a, 300.0, "2026-01-01")
        unsent = self._invoice(self.partner_a, 400.0, "2026-01-01", sent=False)
        wizard = self._wizard()
        self.assertEqual(wizard.available_move_ids, sent, "the invoice never sent is not proposed")
        self.assertIn(unsent.name, wizard.check_blocks)
        self.assertEqual(wizard.check_unsent_move_ids, unsent)
        self.assertEqual(wizard.action_send_invoices()["context"]["active_ids"], unsent.ids)
        reminders, _stats = self._run(self.day)
        self.assertEqual(reminders.line_ids.move_id, wizard.available_move_ids)

    def test_wizard_refuses_what_the_checks_block(self):
        self._invoice(self.partner_a, 800.0, "2026-01-01", move_type="out_refund")
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        wizard = self._wizard()
        self.assertIn("reconcile them", wizard.check_blocks)
        with freeze_time(self.day), self.assertRaisesRegex(UserError, "reconcile them"):
            wizard.action_send()
        self.assertEqual(self._run(self.day)[1]["skipped"], {self.partner_a.id: "credits_cover"})

    def test_wizard_sends_with_its_warnings_on_the_reminder(self):
        self._long_terms_invoice()
        wizard = self._wizard()
        self.assertIn("L441-10", wizard.check_warnings)
        with freeze_time(self.day):
            reminder = wizard._action_send()
        self.assertEqual(reminder.check_result_ids.code, "payment_terms")

    def test_wizard_a_letter_reaches_a_customer_without_email(self):
        self.partner_a.email = False
        self._invoice(self.partner_a, 500.0, "2026-01-01")
        wizard = self._wizard()
        self.assertIn("no email address", wizard.check_blocks)
        wizard.channel_letter = True
        with freeze_time(self.day):
            reminder = wizard._action_send()
        self.assertTrue(reminder.channel_letter)
        self.assertEqual(reminder.check_result_ids.mapped("severity"), ["warning"], "the email is missing, still")

    # ---- SET-BASED ----
    def _plan_queries(self, partners):
        """Queries of the checks for `partners`, each with an invoice sent,
        one never sent, a credit note and no email: every check finds
        something."""
        for partner in partners:
            self._invoice(partner, 100.0, "2026-01-01")
            self._invoice(partner, 100.0, "2026-01-01", sent=False)
            self._invoice(partner, 50.0, "2026-01-01", move_type="out_refund")
        partners.email = False
        today = date(2026, 1, 5)
        switches = [
            name for name, field in self.policy._fields.items() if name.startswith("check_") and field.type == "boolean"
        ]
        self.policy.write(dict.fromkeys(switches, False))
        rows = self.engine._overdue_rows(self.company, today, partners.ids)
        plans = self.engine._plan(self.company, today, rows, force_partner_ids=set(partners.ids))
        self.policy.write(dict.fromkeys(switches, True))
        policy_of = self.env["account.dunning.policy"]._policies_for_partners(partners, self.company)
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self.engine._precheck_plans(self.company, today, plans, policy_of, set(partners.ids))
        self.assertEqual([len(plan.checks) for plan in plans], [3] * len(partners), "never sent, credits, email")
        return self.env.cr.sql_log_count - before

    def test_checks_read_a_batch_in_a_bounded_number_of_queries(self):
        one = self._plan_queries(self.env["res.partner"].create({"name": "Solo", "is_company": True}))
        twenty = self._plan_queries(
            self.env["res.partner"].create([{"name": f"Customer {i}", "is_company": True} for i in range(20)])
        )
        self.assertLessEqual(twenty, one + 2, f"{one} queries for 1 customer, {twenty} for 20")
