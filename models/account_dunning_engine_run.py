"""The dunning pipeline, end to end: select -> plan -> commit -> dispatch, in
committed batches for the nightly run, in the caller's transaction for the
buttons.  Dispatch itself (checking against the ledger, then sending) is the
reminder's (account_dunning_reminder_dispatch.py)."""

from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from . import account_dunning_engine as pipeline

SUMMARY_STATES = ("sent", "to_validate", "to_send", "failed", "cancelled")


class AccountDunningEngine(models.AbstractModel):
    _inherit = "account.dunning.engine"

    def _run(
        self,
        company,
        today=None,
        partner_ids=None,
        force=False,
        auto_commit=False,
        dispatch=True,
        limit=None,
        escalate=(),
    ):
        """Select, plan, commit and dispatch reminders for `company`, batch by
        batch; the one pipeline behind the cron, the buttons and the actions.

        `force`: a user asked for these partners (list actions), so they get
        a reminder even when nothing escalates, and the policy's minimum
        interval applies.  `limit` caps the partners handled by this call;
        with `auto_commit` each batch is committed once created and sent in
        committed batches.  Returns the reminders and counts: reminders,
        to_validate, processed, remaining, one count per skip reason, and
        `skipped` ({partner id: reason}).
        """
        today = today or fields.Date.context_today(self)
        rows = self._overdue_rows(company, today, partner_ids)
        plans = self._plan(
            company,
            today,
            rows,
            force_partner_ids=set(partner_ids or ()) if force else (),
            escalate=escalate,
            manual=force,
        )
        todo = [p for p in plans if not p.skip_reason]
        stats = defaultdict(int)
        stats["skipped"] = {plan.partner_id: plan.skip_reason for plan in plans if plan.skip_reason}
        # Customers reminded today or recently for some invoices get one for the others.
        stats["partial"] = [plan.partner_id for plan in todo if plan.block]
        for plan in plans:
            if plan.skip_reason:
                stats[plan.skip_reason] += 1
        if limit is not None:
            stats["remaining"] = max(len(todo) - limit, 0)
            todo = todo[:limit]
        stats["processed"] = len(todo)
        reminders = self.env["account.dunning.reminder"]
        for start in range(0, len(todo), pipeline.BATCH_SIZE):
            plans_batch = todo[start : start + pipeline.BATCH_SIZE]
            if auto_commit:
                batch = self._in_fresh_transaction(
                    lambda plans_batch=plans_batch: self._commit_plans(company, today, plans_batch)
                )
            else:
                batch = self._commit_plans(company, today, plans_batch)
            if dispatch:
                self._dispatch_reminders(batch, today, auto_commit)
            reminders |= batch
        self.env["account.dunning.check.result"]._replace(company, today, plans, reminders, partner_ids)
        stats["reminders"] = len(reminders)
        stats["to_validate"] = len(reminders.filtered(lambda r: r.state == "to_validate"))
        return reminders, dict(stats)

    # ---- DISPATCH IN BATCHES ----
    def _dispatch_reminders(self, reminders, today, auto_commit=False):
        """Send `reminders` (those still to send, or failed and retried).
        With `auto_commit`, in committed batches that lock their reminders
        (FOR UPDATE SKIP LOCKED): concurrent runs share the work, none sends
        a reminder another one holds or has sent, and a crash loses at most
        one batch, which the next run sends."""
        if not auto_commit:
            return reminders._dispatch(today)
        sent = self.env["account.dunning.reminder"]
        ids = reminders.ids
        for start in range(0, len(ids), pipeline.DISPATCH_BATCH_SIZE):
            chunk = ids[start : start + pipeline.DISPATCH_BATCH_SIZE]
            sent |= self._in_fresh_transaction(lambda chunk=chunk: self._lock_for_dispatch(chunk)._dispatch(today))
        return sent

    def _lock_for_dispatch(self, reminder_ids):
        """The reminders among `reminder_ids` still waiting to go out that no
        other transaction holds, locked until this transaction ends."""
        Reminder = self.env["account.dunning.reminder"]
        Reminder.flush_model(["state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id FROM account_dunning_reminder
                 WHERE id IN %s AND state IN ('to_send', 'failed')
                   FOR UPDATE SKIP LOCKED
                """,
                tuple(reminder_ids),
            )
        )
        reminders = Reminder.browse([row[0] for row in self.env.cr.fetchall()])
        reminders.invalidate_recordset()
        return reminders

    def _pending_dispatch_domain(self, company, today):
        """Reminders of `company` left to send (a crashed or killed run, a
        batch rolled back), and failed ones not yet tried again today: once
        the cause is fixed (an email address, a bank account...) they go out
        with the next run; until then they stay failed, shown in the cockpit."""
        return [
            ("company_id", "=", company.id),
            "|",
            ("state", "=", "to_send"),
            "&",
            ("state", "=", "failed"),
            ("date", "<", today),
        ]

    @api.model
    def _release_expired_holds(self, today):
        expired = self.env["account.move"].search(
            [("dunning_blocked", "=", True), ("dunning_block_until", "!=", False), ("dunning_block_until", "<=", today)]
        )
        expired._dunning_release_hold()
        return expired

    @api.model
    def _cron_process_overdue(self):
        """Daily run over all companies, committing per batch.

        First what earlier runs left to send (and failed reminders, tried
        again), then the new reminders.  Each call handles a bounded amount
        of work and reports progress; the cron runner calls again while work
        remains.  A crash resumes where it stopped: committed customers count
        as reminded today, and reminders left to send go out with the next
        call.  Concurrent calls share the work without sending twice.
        """
        return self._process_overdue()["done"]

    @api.model
    def action_run_dunning(self):
        """Run the daily dunning now, as the scheduled action does, and say
        what it did: the entry point for integrators (XML-RPC, JSON-RPC).
        While `remaining` is not zero, call it again."""
        if not self.env.user.has_group("account_dunning.group_dunning_manager"):
            raise AccessError(_("Only a dunning manager can run the dunning."))
        return self._process_overdue()

    def _process_overdue(self):
        """The scheduled run's work (see _cron_process_overdue); returns its
        summary: per company the reminders sent, waiting for validation,
        failed and the customers skipped per reason, then the totals."""
        today = fields.Date.context_today(self)
        self.env["account.dunning.answer"]._check_promises(today)
        self.env["account.dunning.payment.plan"]._follow_running_plans(today)
        self.env["account.dunning.outcome"]._cron_refresh(today)
        self.env["account.dunning.experiment"]._evaluate_running(today)
        self.env["account.dunning.dso"]._cron_refresh(today)
        self._release_expired_holds(today)
        companies = self.env["res.company"].search([])
        self.env["account.dunning.policy"]._ensure_default_policy(companies)
        # Before any plan: the customers' risk classes may move their schedule.
        # Derived figures of every company, whichever companies the user runs
        # the dunning from (a manager's allowed companies may be fewer).
        self.env["account.dunning.partner.risk"].sudo()._refresh(companies, today)
        budget = pipeline.BATCHES_PER_CALL * pipeline.BATCH_SIZE
        done = remaining = 0
        handled = {}
        skipped = {}
        for company in companies:
            # Notes and activities of the run are written in the company's language.
            engine = self.with_company(company).with_context(lang=company.partner_id.lang or self.env.lang)
            domain = engine._pending_dispatch_domain(company, today)
            ids = []
            if budget > 0:
                leftovers = self.env["account.dunning.reminder"].search(domain, order="id", limit=budget)
                engine._dispatch_reminders(leftovers, today, auto_commit=True)
                budget -= len(leftovers)
                done += len(leftovers)
                ids += leftovers.ids
            remaining += self.env["account.dunning.reminder"].search_count(domain)
            reminders, stats = engine._run(company, today, auto_commit=True, limit=max(budget, 0))
            budget -= stats["processed"]
            done += stats["processed"]
            remaining += stats["remaining"]
            handled[company] = ids + reminders.ids
            skipped[company] = stats["skipped"]
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return self._run_summary(today, handled, skipped, done, remaining)

    def _run_summary(self, today, handled, skipped, done, remaining):
        """Plain data (for RPC) of what a run did: reminder states read back
        from the database, skip reasons labelled in the user's language."""
        labels = self._skip_reason_labels()
        Reminder = self.env["account.dunning.reminder"]
        Reminder.invalidate_model()
        companies = []
        for company, ids in handled.items():
            states = dict(Reminder._read_group([("id", "in", ids)], ["state"], ["__count"]))
            reasons = defaultdict(int)
            for reason in skipped[company].values():
                reasons[labels.get(reason, reason)] += 1
            companies.append(
                {
                    "company_id": company.id,
                    "company": company.name,
                    "reminders": len(ids),
                    **{state: states.get(state, 0) for state in SUMMARY_STATES},
                    "skipped": dict(reasons),
                }
            )
        return {"date": fields.Date.to_string(today), "done": done, "remaining": remaining, "companies": companies}
