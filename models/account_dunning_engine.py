"""The dunning pipeline: select -> plan -> commit (dispatch lives on the reminder).

Every entry point goes through `_run()` (the cron today; the Send reminder
wizard and the list actions next); they differ only in which partners go in,
whether a user forces a reminder, and `auto_commit`.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import psycopg2.errors

from odoo import api, fields, models, modules
from odoo.tools import SQL

from .account_dunning_level import CHANNELS

BATCH_SIZE = 500  # partners per committed batch
BATCHES_PER_CALL = 20  # then the cron runner calls again (progress API)
SERIALIZATION_RETRIES = 3  # per batch, against a concurrent run


def pg_array(values):
    """A PostgreSQL array literal ('{1,2,NULL}') for plain ints, floats,
    bools, dates and simple words.  psycopg2 would send a list as an
    ARRAY[...] expression with one node per element, which PostgreSQL parses
    far more slowly than one literal when batches hold thousands of rows."""
    return "{%s}" % ",".join(
        "NULL" if v is None else ("t" if v else "f") if isinstance(v, bool) else str(v) for v in values
    )


@dataclass(frozen=True)
class LevelRule:
    """What the plan needs of a level, without touching the ORM."""

    id: int
    index: int
    days_overdue: int
    wait_days: int
    manual_validation: bool

    def reaches(self, days_late, days_since_last):
        return days_late >= self.days_overdue and (days_since_last is None or days_since_last >= self.wait_days)


@dataclass
class InvoiceRow:
    move_id: int
    partner_id: int
    date_due: object
    residual: float  # company currency
    residual_currency: float
    level_id: int | None
    last_date: object


@dataclass
class ReminderPlan:
    partner_id: int
    policy_id: int
    level: LevelRule | None = None
    lines: list = field(default_factory=list)
    amount_due: float = 0.0
    skip_reason: str | None = None
    # Set by a user sending by hand (wizard): other channels, a state, the origin.
    channels: set | None = None
    state: str | None = None
    origin: str = "auto"


class AccountDunningEngine(models.AbstractModel):
    _name = "account.dunning.engine"
    _description = "Dunning Engine"

    # ---- SELECT ----
    def _overdue_rows(self, company, today, partner_ids=None):
        """Open posted customer invoices with an overdue receivable amount,
        one row per invoice, in one query."""
        self.env.flush_all()
        partner_filter = SQL("AND m.commercial_partner_id IN %s", tuple(partner_ids)) if partner_ids else SQL()
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id, m.commercial_partner_id, MIN(l.date_maturity),
                       SUM(l.amount_residual), SUM(l.amount_residual_currency),
                       last.level_id, last.date
                  FROM account_move_line l
                  JOIN account_move m ON m.id = l.move_id
                  JOIN account_account a ON a.id = l.account_id
                  JOIN res_partner p ON p.id = m.commercial_partner_id
             LEFT JOIN LATERAL (%(last_reminder)s) last ON TRUE
                 WHERE l.company_id = %(company)s
                   AND l.parent_state = 'posted'
                   AND a.account_type = 'asset_receivable'
                   AND m.move_type = 'out_invoice'
                   AND NOT l.reconciled
                   AND l.amount_residual > 0
                   AND l.date_maturity < %(today)s
                   AND (m.dunning_blocked IS NOT TRUE OR m.dunning_block_until <= %(today)s)
                   AND p.dunning_excluded IS NOT TRUE
                   %(partner_filter)s
              GROUP BY m.id, last.level_id, last.date
                """,
                company=company.id,
                today=today,
                partner_filter=partner_filter,
                last_reminder=self.env["account.dunning.reminder.line"]._last_reminder_sql(SQL("m.id")),
            )
        )
        return [InvoiceRow(*row) for row in self.env.cr.fetchall()]

    def _unapplied_credits(self, company, partner_ids):
        """Credit notes and payments not yet reconciled, per commercial partner
        (company currency, positive amounts)."""
        if not partner_ids:
            return {}
        self.env.cr.execute(
            SQL(
                "SELECT partner_id, amount FROM (%s) credits WHERE company_id = %s AND partner_id IN %s",
                self._unapplied_credits_sql(),
                company.id,
                tuple(partner_ids),
            )
        )
        return dict(self.env.cr.fetchall())

    def _unapplied_credits_sql(self):
        """SQL of (company_id, partner_id, amount) of the unapplied credits;
        filter it from outside, PostgreSQL pushes the filter down."""
        return SQL(
            """
            SELECT l.company_id, p.commercial_partner_id AS partner_id, -SUM(l.amount_residual) AS amount
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              JOIN res_partner p ON p.id = l.partner_id
             WHERE l.parent_state = 'posted'
               AND a.account_type = 'asset_receivable'
               AND NOT l.reconciled
               AND l.amount_residual < 0
          GROUP BY l.company_id, p.commercial_partner_id
            """
        )

    def _busy_partners(self, company, today, partner_ids):
        """Partners already reminded today, or with a reminder waiting for
        validation: a second reminder would be a duplicate."""
        if not partner_ids:
            return set()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT partner_id FROM account_dunning_reminder
                 WHERE company_id = %s AND partner_id IN %s
                   AND (state IN ('to_validate', 'to_send') OR (date = %s AND state != 'cancelled'))
                """,
                company.id,
                tuple(partner_ids),
                today,
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    # ---- PLAN ----
    def _level_rules(self, policies):
        """policy id -> ordered LevelRules; level id -> LevelRule (any policy)."""
        by_policy, by_level = {}, {}
        for policy in policies:
            rules = [
                LevelRule(level.id, index, level.days_overdue, level.wait_days, level.manual_validation)
                for index, level in enumerate(policy.level_ids.sorted("days_overdue"))
            ]
            by_policy[policy.id] = rules
            by_level.update((rule.id, rule) for rule in rules)
        return by_policy, by_level

    def _plan(self, company, today, rows, force_partner_ids=(), ignore_wait=False, escalate=()):
        """Decide, without queries beyond loading policies, which partner gets
        which reminder.  `force_partner_ids`: partners asked for by a user, who
        get a reminder at their current level even when nothing escalates;
        `ignore_wait`: a user sending by hand decides the timing; `escalate`:
        invoice ids (or True for all) a manager moves one level up now,
        whatever their lateness."""
        rows_by_partner = defaultdict(list)
        for row in rows:
            rows_by_partner[row.partner_id].append(row)
        partners = self.env["res.partner"].browse(list(rows_by_partner))
        policy_of = self.env["account.dunning.policy"]._policies_for_partners(partners, company)
        policies = self.env["account.dunning.policy"].union(*policy_of.values())
        rules_of_policy, rule_of_level = self._level_rules(policies)
        max_jump = {policy.id: policy.max_level_jump for policy in policies}
        other_levels = {
            level.id: level.days_overdue
            for level in self.env["account.dunning.level"].browse(
                {row.level_id for row in rows if row.level_id} - set(rule_of_level)
            )
        }
        credits = self._unapplied_credits(company, list(rows_by_partner))
        busy = self._busy_partners(company, today, list(rows_by_partner))
        under_notice = self.env["account.dunning.reminder"]._moves_under_notice(company, today)

        plans = []
        for partner_id, partner_rows in rows_by_partner.items():
            policy = policy_of[partner_id]
            rules = rules_of_policy.get(policy.id) or []
            plan = ReminderPlan(partner_id, policy.id)
            plans.append(plan)
            if not rules:
                plan.skip_reason = "no_policy"
                continue
            escalated = False
            for row in partner_rows:
                current = self._current_index(row.level_id, rules, rule_of_level, other_levels)
                if escalate is True or row.move_id in escalate:
                    target = min(current + 1, len(rules) - 1)
                else:
                    target = self._target_index(row, today, rules, current, max_jump[policy.id], ignore_wait)
                    if row.move_id in under_notice:  # a formal notice's deadline runs
                        target = current
                escalated |= target > current
                rule = rules[target] if target >= 0 else None
                plan.lines.append((row, rule, target > current))
                if rule and (plan.level is None or rule.index > plan.level.index):
                    plan.level = rule
            plan.amount_due = sum(row.residual for row in partner_rows)
            if partner_id in busy:
                plan.skip_reason = "busy"
            elif not escalated and partner_id not in force_partner_ids:
                plan.skip_reason = "nothing_new"
            elif plan.level is None:
                plan.skip_reason = "not_late_enough"
            elif credits.get(partner_id, 0.0) >= plan.amount_due:
                plan.skip_reason = "credits_cover"
        return plans

    @staticmethod
    def _current_index(level_id, rules, rule_of_level, other_levels):
        if not level_id:
            return -1
        rule = rule_of_level.get(level_id)
        if rule and rules[rule.index].id == level_id:
            return rule.index
        # Level of another policy (the partner's policy changed): the same
        # lateness in the new ladder.
        days = other_levels.get(level_id, rule.days_overdue if rule else 0)
        return max((r.index for r in rules if r.days_overdue <= days), default=-1)

    @staticmethod
    def _target_index(row, today, rules, current, max_jump, ignore_wait=False):
        days_late = (today - row.date_due).days
        days_since = (today - row.last_date).days if row.last_date and not ignore_wait else None
        target = current
        for rule in rules[current + 1 : current + 1 + max_jump]:
            if rule.reaches(days_late, days_since):
                target = rule.index
        return target

    # ---- COMMIT ----
    def _commit_plans(self, company, today, plans):
        """Lock the batch's partners and create their reminders with their
        lines, in a fixed number of queries."""
        plans = [p for p in plans if not p.skip_reason]
        if not plans:
            return self.env["account.dunning.reminder"]
        cr = self.env.cr
        cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id IN %s FOR UPDATE SKIP LOCKED",
                tuple(p.partner_id for p in plans),
            )
        )
        locked = {row[0] for row in cr.fetchall()}
        # Reminded since the plan was made (in this transaction); what a
        # concurrent run committed after our snapshot, the unique index of
        # the reminders settles.
        busy = self._busy_partners(company, today, list(locked))
        plans = [p for p in plans if p.partner_id in locked and (p.origin == "manual" or p.partner_id not in busy)]
        if not plans:
            return self.env["account.dunning.reminder"]
        plans, reminders = self._insert_reminders(company, today, plans)
        self._insert_lines(today, plans, reminders)
        reminders._compute_fees()
        reminders.filtered(lambda r: r.state == "to_validate")._schedule_validation()
        return reminders

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
                       (company_id, date, origin, partner_id, policy_id, level_id, tone, amount_due, state,
                        channel_email, channel_letter, channel_registered, channel_sms, channel_phone,
                        create_uid, write_uid, create_date, write_date)
                SELECT %(company)s, %(today)s, v.*, %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
                  FROM unnest(%(origin)s::varchar[], %(partner)s::int[], %(policy)s::int[], %(level)s::int[],
                              %(tone)s::varchar[],
                              %(amount)s::numeric[], %(state)s::varchar[], %(email)s::bool[], %(letter)s::bool[],
                              %(registered)s::bool[], %(sms)s::bool[], %(phone)s::bool[]) AS v
                    ON CONFLICT (company_id, partner_id, date)
                 WHERE state NOT IN ('draft', 'cancelled') AND origin = 'auto'

                    DO NOTHING
             RETURNING partner_id, id
                """,
                company=company.id,
                today=today,
                uid=self.env.uid,
                **{name: pg_array(values) for name, values in columns.items()},
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

    def _plan_for_partner(self, company, partner, today, move_ids=None):
        """The reminder a user sending by hand would send to `partner` today:
        all its overdue invoices (or `move_ids` among them), at the level they
        reach ignoring the wait delays, or at their current level."""
        partner = partner.commercial_partner_id
        rows = self._overdue_rows(company, today, partner.ids)
        if move_ids:
            rows = [row for row in rows if row.move_id in set(move_ids)]
        plans = self._plan(company, today, rows, force_partner_ids={partner.id}, ignore_wait=True)
        if not plans:
            return None
        plans[0].origin = "manual"
        return plans[0]

    # ---- RUN ----
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

        `limit` caps the partners handled by this call; with `auto_commit`
        each batch is committed once created and once sent.  Returns the
        reminders and counts: reminders, to_validate, processed, remaining
        and one count per skip reason.
        """
        today = today or fields.Date.context_today(self)
        rows = self._overdue_rows(company, today, partner_ids)
        plans = self._plan(
            company, today, rows, force_partner_ids=set(partner_ids or ()) if force else (), escalate=escalate
        )
        todo = [p for p in plans if not p.skip_reason]
        stats = defaultdict(int)
        for plan in plans:
            if plan.skip_reason:
                stats[plan.skip_reason] += 1
        if limit is not None:
            stats["remaining"] = max(len(todo) - limit, 0)
            todo = todo[:limit]
        stats["processed"] = len(todo)
        reminders = self.env["account.dunning.reminder"]
        for start in range(0, len(todo), BATCH_SIZE):
            plans_batch = todo[start : start + BATCH_SIZE]
            if auto_commit:
                batch = self._commit_plans_retrying(company, today, plans_batch)
            else:
                batch = self._commit_plans(company, today, plans_batch)
            if dispatch:
                batch._dispatch()
                if auto_commit:
                    self._commit()
            reminders |= batch
        stats["reminders"] = len(reminders)
        stats["to_validate"] = len(reminders.filtered(lambda r: r.state == "to_validate"))
        return reminders, dict(stats)

    def _commit_plans_retrying(self, company, today, plans):
        """Commit one batch in its own transaction.  A concurrent run may
        commit reminders for the same customers after this transaction's
        snapshot (REPEATABLE READ): PostgreSQL then refuses our INSERT with a
        serialization failure.  The batch is retried in a fresh transaction,
        which sees those reminders and leaves their customers out."""
        for attempt in range(1, SERIALIZATION_RETRIES + 1):
            self._commit()  # start from a fresh snapshot
            try:
                batch = self._commit_plans(company, today, plans)
                self._commit()
                return batch
            except psycopg2.errors.SerializationFailure:
                if attempt == SERIALIZATION_RETRIES:
                    raise
                self.env.cr.rollback()
        return self.env["account.dunning.reminder"]

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

        Each call handles at most BATCHES_PER_CALL batches and reports
        progress; the cron runner calls again while work remains.  A crash
        resumes where it stopped: committed partners count as reminded today,
        and reminders left 'to send' are dispatched by the next call.
        """
        today = fields.Date.context_today(self)
        self._release_expired_holds(today)
        companies = self.env["res.company"].search([])
        self.env["account.dunning.policy"]._ensure_default_policy(companies)
        budget = BATCHES_PER_CALL * BATCH_SIZE
        done = remaining = 0
        for company in companies:
            _reminders, stats = self.with_company(company)._run(company, today, auto_commit=True, limit=budget)
            budget -= stats["processed"]
            done += stats["processed"]
            remaining += stats["remaining"]
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        leftovers = self.env["account.dunning.reminder"].search([("state", "=", "to_send")])
        for company, reminders in leftovers.grouped("company_id").items():
            reminders.with_company(company)._dispatch()
            self._commit()
        return done

    def _commit(self):
        """Commit a finished batch: what is committed is never redone.  Tests
        run in one transaction, so they cannot commit."""
        if not modules.module.current_test:
            self.env.cr.commit()  # pylint: disable=invalid-commit
