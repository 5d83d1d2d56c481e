"""The guard before the formal notice: an invoice already named in the
policy's most reminders gentler than a formal notice is not named in another
one; the next letter about it is the formal notice, once it is late enough
for it.  A customer is asked to pay, then formally summoned, not reminded
again and again."""

from dataclasses import dataclass

from odoo import models
from odoo.tools import SQL

from .account_dunning_engine import pg_array
from .account_dunning_level import TONES

TONE_RANK = {tone: index for index, (tone, _label) in enumerate(TONES)}
# The tones of the reminders counted: those gentler than a formal notice.
GENTLE_TONES = tuple(tone for tone, rank in TONE_RANK.items() if rank < TONE_RANK["formal_notice"])


def is_gentle(tone):
    """Whether a letter of `tone` is a reminder before the formal notice."""
    return tone in GENTLE_TONES


@dataclass(frozen=True)
class NoticeHold:
    """An invoice named in `count` sent reminders gentler than a formal
    notice, at least the `most` its policy allows.  `notice`: the index (in
    the policy's levels by days overdue) of its first level from the formal
    notice on, the one it may still reach; None when the policy has none."""

    count: int
    most: int
    notice: int | None


class AccountDunningEngine(models.AbstractModel):
    _inherit = "account.dunning.engine"

    def _gentle_reminder_counts(self, company, move_ids):
        """{invoice id: number of sent reminders gentler than a formal notice
        that named it} for `move_ids`, in one query (one array literal, however
        many invoices).  Only reminders that went out count, as for the
        invoice's level (see `_last_reminder_sql`)."""
        if not move_ids:
            return {}
        self.env["account.dunning.reminder"].flush_model(["company_id", "state", "tone"])
        self.env["account.dunning.reminder.line"].flush_model(["reminder_id", "move_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT dl.move_id, COUNT(DISTINCT dr.id)
                  FROM account_dunning_reminder_line dl
                  JOIN account_dunning_reminder dr ON dr.id = dl.reminder_id
                 WHERE dl.move_id = ANY(%(moves)s::int[]) AND dr.company_id = %(company)s
                   AND dr.state = 'sent' AND dr.tone IN %(tones)s
              GROUP BY dl.move_id
                """,
                moves=pg_array(move_ids),
                company=company.id,
                tones=GENTLE_TONES,
            )
        )
        return dict(self.env.cr.fetchall())

    def _notice_holds(self, company, rows, policy_of):
        """{invoice id: NoticeHold} of the invoices of `rows` named in their
        policy's most reminders before the formal notice: one query for the
        batch, none when no policy sets that limit."""
        limited = {pid: policy for pid, policy in policy_of.items() if policy.max_reminders_before_notice}
        counts = self._gentle_reminder_counts(company, [row.move_id for row in rows if row.partner_id in limited])
        if not counts:
            return {}
        notice_of = {policy: self._notice_index(policy) for policy in set(limited.values())}
        holds = {}
        for row in rows:
            policy = limited.get(row.partner_id)
            if policy and counts.get(row.move_id, 0) >= policy.max_reminders_before_notice:
                holds[row.move_id] = NoticeHold(
                    counts[row.move_id], policy.max_reminders_before_notice, notice_of[policy]
                )
        return holds

    @staticmethod
    def _notice_index(policy):
        """Index of the policy's first level from the formal notice on, in
        the order of the plan's rules (days overdue); None if it has none."""
        levels = policy.level_ids.sorted("days_overdue")
        return next((index for index, level in enumerate(levels) if not is_gentle(level.tone)), None)

    def _held_target(self, plan, hold, row, today, rules, current, target, ignore_wait):
        """The level an invoice held before the formal notice moves to, given
        the `target` the usual escalation gives it: that target from the
        formal notice on; else the formal notice itself once the invoice
        reaches it, whatever the policy's levels per run; else none.  The
        plan keeps the invoices held (left out of a gentler reminder) and
        whether the guard stopped an escalation."""
        notice = hold.notice
        if notice is not None and target >= notice:
            return target
        if notice is not None:
            days_late = (today - row.date_due).days
            days_since = (today - row.last_date).days if row.last_date and not ignore_wait else None
            if rules[notice].reaches(days_late, days_since):
                return notice
        plan.held_move_ids.add(row.move_id)
        plan.held_back |= target > current
        return current

    def _leave_out_held(self, plan, partner_rows, holds, keep_held=False):
        """A reminder gentler than a formal notice does not name the invoices
        held before it: returns the rows it may name, its lines and level
        updated.  A formal notice names them all; so does the plan of Send
        Reminder (`keep_held`), which shows them and asks a manager why."""
        if not plan.held_move_ids or keep_held:
            return partner_rows
        notice = holds[next(iter(plan.held_move_ids))].notice
        if plan.level and notice is not None and plan.level.index >= notice:
            return partner_rows
        plan.lines = [line for line in plan.lines if line[0].move_id not in plan.held_move_ids]
        plan.level = max((rule for _row, rule, _escalated in plan.lines if rule), key=lambda r: r.index, default=None)
        return [row for row in partner_rows if row.move_id not in plan.held_move_ids]

    @staticmethod
    def _stopped_before_notice(plan, partner_rows, escalated, forced):
        """Whether the guard before the formal notice is why the customer
        gets nothing: every invoice it could name is held, or the only ones
        that would have escalated are."""
        if not plan.held_move_ids:
            return False
        return not partner_rows or (plan.held_back and not escalated and not forced)

    def _notice_message(self, policy, moves):
        """What a user reads when invoices are held before the formal notice."""
        notice = policy.level_ids.sorted("days_overdue").filtered(lambda level: not is_gentle(level.tone))[:1]
        invoices = self._move_names(moves.ids)
        if not notice:
            return self.env._(
                "%(invoices)s already had %(most)s reminders, the most policy %(policy)s sends before a formal "
                "notice, and it has no formal notice level: the nightly run does not remind them again.",
                invoices=invoices,
                most=policy.max_reminders_before_notice,
                policy=policy.display_name,
            )
        return self.env._(
            "%(invoices)s already had %(most)s reminders, the most the policy sends before the formal notice; "
            "the next letter about them is the formal notice (%(notice)s), from %(days)s days late.",
            invoices=invoices,
            most=policy.max_reminders_before_notice,
            notice=notice.name,
            days=notice.days_overdue,
        )
