"""The dunning pipeline, first steps: select -> plan.

Commit is in account_dunning_engine_commit.py, the run that chains them with
dispatch (the reminder's) in account_dunning_engine_run.py.  Every entry point
(the cron, the Send Reminder wizard, the list actions) goes through the same
steps; they differ only in which partners go in, whether a user sends by hand
(then the policy's minimum interval applies), and `auto_commit`.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from odoo import models
from odoo.tools import SQL

BATCH_SIZE = 500  # partners per committed batch
BATCHES_PER_CALL = 20  # then the cron runner calls again (progress API)
DISPATCH_BATCH_SIZE = 100  # reminders sent per committed transaction
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
    skip: bool = False  # never planned: the customer's schedule starts further up (risk classes)

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
    # Set by a user sending by hand (wizard): other channels, a state, the
    # origin, and a manager's reason to send before the minimum interval.
    channels: set | None = None
    state: str | None = None
    origin: str = "auto"
    override_reason: str | None = None
    block: object = None  # the SendingBlock behind a skip, if any
    # Invoices named in the policy's most reminders before the formal notice
    # and not due for it; whether one of them would have escalated.
    held_move_ids: set = field(default_factory=set)
    held_back: bool = False
    checks: list = field(default_factory=list)  # CheckResults of the checks before chasing
    # The letter variant drawn for the customer, when its level runs an
    # experiment (account_dunning_variant.py), drawn before the checks.
    variant_id: int | None = None


@dataclass(frozen=True)
class SendingBlock:
    """Why a customer cannot get a reminder now: 'pending' (one waits for
    validation or sending), 'failed' (one failed and is retried),
    'too_many' (it got `count` reminders over the policy's period of
    `days` days, its most; the next may go on `date`); or why some of its
    invoices cannot: 'today' (they were in a reminder that went out today)
    or 'too_soon' (sent by hand within the policy's minimum interval of
    `days`, last on `date`).  Its other invoices may still be reminded, in
    a reminder of their own."""

    kind: str
    date: object = None
    reference: str | None = None
    days: int = 0
    move_ids: frozenset = frozenset()  # 'today', 'too_soon': the invoices already reminded
    count: int = 0  # 'too_many': the reminders sent over the period


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

    def _sending_blocks(self, company, today, partner_ids, min_interval_of=None, policy_of=None):
        """{partner id: SendingBlock} of the customers who cannot get a
        reminder now, or only for some invoices, read from the database as
        it is: the one guard of the nightly run, the wizard and the list
        actions.  A reminder waiting or failed blocks the customer; one sent
        today blocks the invoices it covered (`move_ids`), and the policy's
        most reminders over its period block the customer.  `min_interval_of`
        ({partner id: days}) also blocks, for reminders sent by hand, the
        invoices covered by a reminder sent within the policy's minimum
        interval.  `policy_of` ({partner id: policy}): the customers'
        policies when the caller has them already."""
        if not partner_ids:
            return {}
        min_interval_of = min_interval_of or {}
        if policy_of is None:
            partners = self.env["res.partner"].browse(partner_ids)
            policy_of = self.env["account.dunning.policy"]._policies_for_partners(partners, company)
        frequency_of = {
            partner_id: (policy.max_reminders, policy.max_reminders_days)
            for partner_id, policy in policy_of.items()
            if policy.max_reminders
        }
        # Only waiting reminders and those recent enough to matter are read,
        # not the customers' whole history.
        days = max([*min_interval_of.values(), *(days for _count, days in frequency_of.values())], default=0)
        since = today - timedelta(days=days + 1)
        self.env["account.dunning.reminder"].flush_model()
        self.env["account.dunning.reminder.line"].flush_model(["reminder_id", "move_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT r.partner_id, r.id, r.state, r.date, ARRAY_REMOVE(ARRAY_AGG(l.move_id), NULL)
                  FROM account_dunning_reminder r
             LEFT JOIN account_dunning_reminder_line l ON l.reminder_id = r.id
                 WHERE r.company_id = %(company)s AND r.partner_id IN %(partners)s
                   AND (r.state IN ('to_validate', 'to_send', 'failed')
                        OR (r.state = 'sent' AND r.date >= %(since)s))
              GROUP BY r.id
              ORDER BY r.id
                """,
                since=since,
                company=company.id,
                partners=tuple(partner_ids),
            )
        )
        reminders_of = defaultdict(list)
        for partner_id, *reminder in self.env.cr.fetchall():
            reminders_of[partner_id].append(reminder)
        return {
            partner_id: block
            for partner_id, reminders in reminders_of.items()
            if (
                block := self._sending_block(
                    today, reminders, min_interval_of.get(partner_id), frequency_of.get(partner_id)
                )
            )
        }

    @staticmethod
    def _sending_block(today, reminders, interval, frequency=None):
        """The SendingBlock of one customer from its (id, state, date,
        invoice ids) reminders waiting, failed or recently sent; None if
        nothing blocks.  `frequency`: (most reminders, over so many days)."""
        for kind, states in (("pending", ("to_validate", "to_send")), ("failed", ("failed",))):
            waiting = [rid for rid, state, _date, _moves in reminders if state in states]
            if waiting:
                return SendingBlock(kind, reference=f"RMD{waiting[0]:06d}")
        sent = [(date, moves) for _rid, state, date, moves in reminders if state == "sent"]
        if frequency:
            most, days = frequency
            within = sorted(date for date, _moves in sent if (today - date).days < days)
            if len(within) >= most:
                # The day enough of them are older than the period.
                free = within[len(within) - most] + timedelta(days=days)
                return SendingBlock("too_many", free, days=days, count=len(within))
        today_moves = frozenset(m for date, moves in sent if date == today for m in moves)
        recent = [(date, moves) for date, moves in sent if interval and (today - date).days < interval]
        recent_moves = frozenset(m for _date, moves in recent for m in moves)
        if today_moves:
            return SendingBlock("today", today, move_ids=today_moves | recent_moves, days=interval or 0)
        if recent_moves:
            return SendingBlock("too_soon", max(date for date, _moves in recent), move_ids=recent_moves, days=interval)
        return None

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

    def _plan(
        self,
        company,
        today,
        rows,
        force_partner_ids=(),
        ignore_wait=False,
        escalate=(),
        manual=False,
        keep_covered=False,
    ):
        """Decide, without queries beyond loading policies, which partner gets
        which reminder.  `force_partner_ids`: partners asked for by a user, who
        get a reminder at their current level even when nothing escalates;
        `ignore_wait`: a user sending by hand decides the timing; `escalate`:
        invoice ids (or True for all) a manager moves one level up now,
        whatever their lateness; `manual`: sent by hand, so the policy's
        minimum interval between two reminders applies.  By hand, invoices
        already in a reminder sent today or within the minimum interval are
        left out of the plan, unless `keep_covered` (the wizard, which shows
        them and asks a manager for a reason); the nightly run leaves a
        customer reminded today for the next night."""
        rows_by_partner = defaultdict(list)
        for row in rows:
            rows_by_partner[row.partner_id].append(row)
        partners = self.env["res.partner"].browse(list(rows_by_partner))
        policy_of = self.env["account.dunning.policy"]._policies_for_partners(partners, company)
        policies = self.env["account.dunning.policy"].union(*policy_of.values())
        rules_of_policy, rule_of_level = self._level_rules(policies)
        # A policy may adapt its levels to each customer's risk class (one query).
        risk_of = self.env["account.dunning.partner.risk"]._classes_for_schedules(company, policy_of)
        rules_of_risk = {
            (policy.id, risk): policy._risk_level_rules(rules_of_policy.get(policy.id) or [], risk)
            for policy in policies
            for risk in set(risk_of.values())
        }
        max_jump = {policy.id: policy.max_level_jump for policy in policies}
        other_levels = {
            level.id: level.days_overdue
            for level in self.env["account.dunning.level"].browse(
                {row.level_id for row in rows if row.level_id} - set(rule_of_level)
            )
        }
        min_interval_of = (
            {partner_id: policy.min_interval_days for partner_id, policy in policy_of.items()} if manual else None
        )
        blocks = self._sending_blocks(company, today, list(rows_by_partner), min_interval_of, policy_of)
        under_notice = self.env["account.dunning.reminder"]._moves_under_notice(company, today)
        holds = self._notice_holds(company, rows, policy_of)
        # The nightly run texts and calls customers on working days only.
        working_day = manual or company._dunning_is_working_day(today)
        texting_levels = {
            level.id
            for level in self.env["account.dunning.level"].browse(rule_of_level)
            if level.channel_sms or level.channel_phone
        }

        plans = []
        for partner_id, partner_rows in rows_by_partner.items():
            policy = policy_of[partner_id]
            rules = rules_of_risk.get((policy.id, risk_of.get(partner_id))) or rules_of_policy.get(policy.id) or []
            plan = ReminderPlan(
                partner_id, policy.id, block=blocks.get(partner_id), origin="manual" if manual else "auto"
            )
            plans.append(plan)
            if plan.block and plan.block.move_ids and not keep_covered:
                # By hand, the invoices not reminded recently may get a
                # reminder of their own; the nightly run sends a customer at
                # most one a day and takes them the next night.
                partner_rows = [row for row in partner_rows if manual and row.move_id not in plan.block.move_ids]
            if not rules:
                plan.skip_reason = "no_policy"
                continue
            escalated = False
            for row in partner_rows:
                current = self._current_index(row.level_id, rules, rule_of_level, other_levels)
                if escalate is True or row.move_id in escalate:
                    target = next((rule.index for rule in rules[current + 1 :] if not rule.skip), current)
                else:
                    target = self._target_index(row, today, rules, current, max_jump[policy.id], ignore_wait)
                    if row.move_id in under_notice:  # a formal notice's deadline runs
                        target = current
                    elif row.move_id in holds:  # its most reminders before the formal notice went out
                        target = self._held_target(
                            plan, holds[row.move_id], row, today, rules, current, target, ignore_wait
                        )
                escalated |= target > current
                rule = rules[target] if target >= 0 else None
                plan.lines.append((row, rule, target > current))
                if rule and (plan.level is None or rule.index > plan.level.index):
                    plan.level = rule
            partner_rows = self._leave_out_held(plan, partner_rows, holds, keep_covered)
            plan.amount_due = sum(row.residual for row in partner_rows)
            if plan.block and (not plan.block.move_ids or not partner_rows):
                plan.skip_reason = plan.block.kind
            elif self._stopped_before_notice(plan, partner_rows, escalated, partner_id in force_partner_ids):
                plan.skip_reason = "notice_limit"
            elif not escalated and partner_id not in force_partner_ids:
                plan.skip_reason = "nothing_new"
            elif plan.level is None:
                plan.skip_reason = "not_late_enough"
            elif not manual and plan.level.id in texting_levels and not working_day:
                plan.skip_reason = "not_working_day"
        self._precheck_plans(company, today, plans, policy_of, force_partner_ids)  # account_dunning_prechecks.py
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
        ahead = [rule for rule in rules[current + 1 :] if not rule.skip]
        for rule in ahead[:max_jump]:
            if rule.reaches(days_late, days_since):
                target = rule.index
        return target

    def _plan_for_partner(self, company, partner, today, move_ids=None, keep_covered=False):
        """The reminder a user sending by hand would send to `partner` today:
        all its overdue invoices (or `move_ids` among them), at the level they
        reach ignoring the wait delays, or at their current level."""
        partner = partner.commercial_partner_id
        rows = self._overdue_rows(company, today, partner.ids)
        if move_ids:
            rows = [row for row in rows if row.move_id in set(move_ids)]
        plans = self._plan(
            company,
            today,
            rows,
            force_partner_ids={partner.id},
            ignore_wait=True,
            manual=True,
            keep_covered=keep_covered,
        )
        return plans[0] if plans else None
