"""The dunning pipeline, commit step: lock the batch's customers, check the
sending guard against the database, and write their reminders and lines in a
fixed number of queries.  A committed batch is never redone."""

from collections import defaultdict

import psycopg2.errors

from odoo import models, modules
from odoo.tools import SQL

from .account_dunning_engine import SERIALIZATION_RETRIES, pg_array
from .account_dunning_level import CHANNELS


class AccountDunningEngine(models.AbstractModel):
    _inherit = "account.dunning.engine"

    def _commit_plans(self, company, today, plans):
        """Lock the batch's partners and create their reminders with their
        lines, in a fixed number of queries."""
        plans = [p for p in plans if not p.skip_reason]
        if not plans:
            return self.env["account.dunning.reminder"]
        # Reminders are written in SQL below: check the user's right as the ORM would.
        self.env["account.dunning.reminder"].check_access("create")
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id IN %s FOR UPDATE SKIP LOCKED",
                tuple(p.partner_id for p in plans),
            )
        )
        locked = {row[0] for row in cr.fetchall()}
        # The guard again, against the database as it is now, whoever sends:
        # a reminder made since the plan (double click, second tab, another
        # user) blocks this one.  What a concurrent transaction committed
        # after our snapshot, the unique index of the reminders settles.
        plans = [p for p in plans if p.partner_id in locked]
        min_interval_of = {
            plan.partner_id: self.env["account.dunning.policy"].browse(plan.policy_id).min_interval_days
            for plan in plans
            if plan.origin == "manual"
        }
        blocks = self._sending_blocks(company, today, [p.partner_id for p in plans], min_interval_of)
        plans = [plan for plan in plans if self._may_commit(plan, blocks.get(plan.partner_id))]
        if not plans:
            return self.env["account.dunning.reminder"]
        plans, reminders = self._insert_reminders(company, today, plans)
        self._insert_lines(today, plans, reminders)
        with_variant = reminders._assign_variants()
        # A variant's own channels, except where a user picked them by hand.
        picked = {reminder.id for plan, reminder in zip(plans, reminders, strict=True) if plan.channels is not None}
        with_variant.filtered(lambda reminder: reminder.id not in picked)._apply_variant_channels()
        reminders._compute_fees()
        reminders.filtered(lambda r: r.state == "to_validate")._schedule_validation()
        return reminders

    def _may_commit(self, plan, block):
        """A draft (a preview, rolled back) is never blocked, nor a plan whose
        invoices were not in the reminders sent today or within the minimum
        interval (it covers the others); a manager's stated reason lets a
        reminder name them again, or go beyond the most reminders of the
        period, never beside a reminder still waiting."""
        if block is None or plan.state == "draft":
            return True
        if block.kind == "too_many":
            return bool(plan.override_reason)
        if block.kind not in ("today", "too_soon"):
            return False
        if plan.override_reason:
            return True
        if plan.origin != "manual" or block.move_ids & {row.move_id for row, _rule, _escalated in plan.lines}:
            return False
        if block.kind == "today":
            # One reminder a customer a day, says the unique index, unless a
            # reason tells why another: this one is about other invoices.
            plan.override_reason = self.env._("Other invoices than those of the reminder sent today")
        return True

    def _insert_reminders(self, company, today, plans):
        """One INSERT for the batch's reminders; returns (plans that got a
        reminder, their reminders).  Plain SQL on purpose: the
        ORM's create costs ~0.5 ms a record here (defaults, mail.thread), the
        bulk of a first run over a large receivables book.  No computed or
        related stored field of the reminder depends on these columns."""
        self.env["account.dunning.reminder"].flush_model()
        levels = self.env["account.dunning.level"].browse({p.level.id for p in plans})
        level_values = {
            level.id: (
                level.tone,
                "to_validate" if level.manual_validation else "to_send",
                set(level._channels()),
            )
            for level in levels
        }
        columns = defaultdict(list)
        for plan in plans:
            tone, state, channels = level_values[plan.level.id]
            state = plan.state or state
            channels = channels if plan.channels is None else plan.channels
            columns["origin"].append(plan.origin)
            columns["override"].append(plan.override_reason)
            columns["partner"].append(plan.partner_id)
            columns["policy"].append(plan.policy_id)
            columns["level"].append(plan.level.id)
            columns["tone"].append(tone)
            columns["amount"].append(plan.amount_due)
            columns["state"].append(state)
            for channel in CHANNELS:
                columns[channel].append(channel in channels)
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO account_dunning_reminder
                       (company_id, date, origin, override_reason, partner_id, policy_id, level_id, tone,
                        amount_due, state,
                        channel_email, channel_letter, channel_registered, channel_sms, channel_phone,
                        create_uid, write_uid, create_date, write_date)
                SELECT %(company)s, %(today)s, v.*, %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
                  FROM unnest(%(origin)s::varchar[], %(override)s::varchar[], %(partner)s::int[],
                              %(policy)s::int[], %(level)s::int[], %(tone)s::varchar[],
                              %(amount)s::numeric[], %(state)s::varchar[], %(email)s::bool[], %(letter)s::bool[],
                              %(registered)s::bool[], %(sms)s::bool[], %(phone)s::bool[]) AS v
                    ON CONFLICT (company_id, partner_id, date)
                 WHERE state NOT IN ('draft', 'cancelled', 'failed') AND override_reason IS NULL
                    DO NOTHING
             RETURNING partner_id, id
                """,
                company=company.id,
                today=today,
                uid=self.env.uid,
                **{name: pg_array(values) for name, values in columns.items() if name != "override"},
                override=columns["override"],
            )
        )
        # One reminder per partner in a batch; a partner reminded meanwhile by
        # a concurrent run gets none (ON CONFLICT), and its plan is dropped.
        id_of = dict(self.env.cr.fetchall())
        plans = [plan for plan in plans if plan.partner_id in id_of]
        return plans, self.env["account.dunning.reminder"].browse([id_of[plan.partner_id] for plan in plans])

    def _insert_lines(self, today, plans, reminders):
        """One INSERT for the batch's invoices: the invoices' dunning state is
        read back from these lines, so nothing else is written."""
        columns = defaultdict(list)
        for plan, reminder in zip(plans, reminders, strict=True):
            for row, rule, escalated in plan.lines:
                columns["reminder"].append(reminder.id)
                columns["move"].append(row.move_id)
                columns["level"].append(rule.id if rule else None)
                columns["escalated"].append(escalated)
                columns["date_due"].append(row.date_due)
                columns["days"].append((today - row.date_due).days)
                columns["residual"].append(row.residual_currency)
                columns["residual_company"].append(row.residual)
        if not columns:
            return
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO account_dunning_reminder_line
                       (reminder_id, move_id, level_id, escalated, date_due, days_overdue,
                        amount_residual, amount_residual_company)
                SELECT * FROM unnest(%(reminder)s::int[], %(move)s::int[], %(level)s::int[], %(escalated)s::bool[],
                                     %(date_due)s::date[], %(days)s::int[],
                                     %(residual)s::numeric[], %(residual_company)s::numeric[])
                """,
                **{name: pg_array(values) for name, values in columns.items()},
            )
        )
        self.env["account.move"].invalidate_model(
            ["dunning_line_ids", "dunning_level_id", "dunning_last_date", "dunning_count", "dunning_next_date"]
        )
        reminders.invalidate_recordset(["line_ids"])

    def _in_fresh_transaction(self, work):
        """Run `work()` in its own transaction and commit it.  A concurrent
        run may commit changes to the same customers or reminders after this
        transaction's snapshot (REPEATABLE READ): PostgreSQL then refuses our
        write with a serialization failure, and the work is retried in a
        fresh transaction, which sees what the other run did."""
        for attempt in range(1, SERIALIZATION_RETRIES + 1):
            self._commit()  # start from a fresh snapshot
            try:
                result = work()
                self._commit()
                return result
            except (psycopg2.errors.SerializationFailure, psycopg2.errors.DeadlockDetected):
                if attempt == SERIALIZATION_RETRIES:
                    raise
                self.env.cr.rollback()
        return None

    def _commit(self):
        """Commit a finished batch: what is committed is never redone.  Tests
        run in one transaction, so they cannot commit."""
        if not modules.module.current_test:
            self.env.cr.commit()  # pylint: disable=invalid-commit
