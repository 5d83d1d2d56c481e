"""Checks before chasing: our own errors first.

Part of the plan step.  Once the plan knows which invoices go at which level,
each customer's plan is checked against what would make the reminder wrong
or useless: payments or credit notes waiting to be applied, an invoice the
customer never received, a disputed invoice, payment terms beyond the legal
maximum, company bank details the letter cannot print, a contact the email
cannot reach.  A check either blocks (the invoice, or the whole customer, is
not reminded) or warns (the reminder goes, the warning is shown).  All facts
are read for the whole batch in a few queries; the per-customer work is pure
Python.  The nightly run, the Send Reminder wizard and the list actions all
plan through here, so they agree."""

from dataclasses import dataclass

from odoo import fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, format_amount

from odoo.addons.base_iban.models.res_partner_bank import validate_iban

CHECKS = [
    ("credits", "Unapplied payments or credit notes"),
    ("never_sent", "Invoice never sent"),
    ("payment_terms", "Payment terms over 60 days"),
    ("bank", "Company bank details"),
    ("email", "Contact without email"),
    ("dispute", "Disputed invoice"),
]
# The skip reason of a customer a check keeps from being reminded
# (labels in account_dunning_engine_notify.py).
SKIP_REASONS = {
    "credits": "credits_cover",
    "never_sent": "never_sent",
    "dispute": "disputed",
    "bank": "bank_details",
    "email": "no_email",
}
# Code de commerce L441-10: at most 60 days from the invoice date between companies.
LEGAL_MAX_TERM_DAYS = 60


@dataclass(frozen=True)
class CheckResult:
    """What one check found for one customer's plan."""

    code: str
    severity: str  # 'block' or 'warning'
    message: str
    move_ids: tuple = ()


class AccountDunningPolicy(models.Model):
    _inherit = "account.dunning.policy"

    check_credits = fields.Boolean(
        "Unapplied Credits",
        default=True,
        help="Do not remind a customer whose unapplied payments or credit notes cover the amount due; warn when "
        "they cover part of it.",
    )
    check_never_sent = fields.Boolean(
        "Invoice Sent", default=True, help="Do not chase an invoice that was never sent to the customer."
    )
    check_never_sent_from = fields.Date(
        "Invoices Recorded Since",
        default=fields.Date.context_today,
        help="Only the invoices recorded from this day are checked: those recorded before the check was switched "
        "on may have been sent by other means (printed, imported).",
    )

    def write(self, vals):
        """Switched on again: the invoices recorded until now are not checked."""
        if vals.get("check_never_sent") and "check_never_sent_from" not in vals:
            vals = dict(vals, check_never_sent_from=fields.Date.context_today(self))
        return super().write(vals)

    check_payment_terms = fields.Boolean(
        "Legal Payment Terms",
        default=True,
        help="Warn when an invoice is due more than 60 days after its date, the most French law (Code de commerce "
        "L441-10) allows between companies.",
    )
    check_bank = fields.Boolean(
        "Company Bank Details",
        default=True,
        help="Do not create a reminder whose letter or email could not say how to pay: the company needs a valid IBAN.",
    )
    check_email = fields.Boolean(
        "Contact Email",
        default=True,
        help="Do not create an email-only reminder to a contact without email; warn when the level also posts "
        "a letter.",
    )
    check_dispute = fields.Boolean(
        "Disputes", default=True, help="Do not chase an invoice the customer disputes while the dispute is open."
    )


class AccountDunningEngine(models.AbstractModel):
    _inherit = "account.dunning.engine"

    def _skip_reason_labels(self):
        # EXTENDS account_dunning_engine_notify: the skip reasons of the checks.
        labels = super()._skip_reason_labels()
        labels.update(
            {
                "never_sent": self.env._("an invoice was never sent to the customer: send it first"),
                "disputed": self.env._("the customer disputes the invoices"),
                "bank_details": self.env._("the company's bank details are missing or invalid"),
                "no_email": self.env._("the contact has no email and the reminder only goes by email"),
            }
        )
        return labels

    def _precheck_plans(self, company, today, plans, policy_of, force_partner_ids=()):
        """Run the checks on `plans` (those with invoices), in place: drop
        the invoices a check blocks, set the skip reason of a customer a
        check blocks, and put every finding on `plan.checks`."""
        plans = [plan for plan in plans if plan.lines]
        if not plans:
            return
        move_facts = self._precheck_move_facts(company, today, [row.move_id for p in plans for row, *_ in p.lines])
        credits = self._unapplied_credits(company, [plan.partner_id for plan in plans])
        # The names of the invoices a check names, read at once for the messages.
        self.env["account.move"].browse(
            [
                move_id
                for move_id, (sent, days, disputed, _recorded) in move_facts.items()
                if not sent or disputed or (days or 0) > LEGAL_MAX_TERM_DAYS
            ]
        ).mapped("display_name")
        for plan in plans:
            policy = policy_of[plan.partner_id]
            plan.checks = self._precheck_moves(plan, policy, move_facts)
            self._drop_blocked_moves(plan, plan.partner_id in force_partner_ids)
        levels = self.env["account.dunning.level"].browse({plan.level.id for plan in plans if plan.level})
        channels_of = {level.id: set(level._channels()) for level in levels}
        # The channels each reminder goes by: those picked by hand, else its
        # letter variant's own (account_dunning_variant_channels.py), else the level's.
        own = self._variant_own_channels([plan for plan in plans if plan.level and plan.channels is None])
        channels_by_partner = {
            plan.partner_id: plan.channels
            if plan.channels is not None
            else own.get(plan.partner_id, channels_of[plan.level.id])
            for plan in plans
            if plan.level
        }
        writes = any(channels & {"email", "letter", "registered"} for channels in channels_by_partner.values())
        bank_error = writes and self._precheck_bank_error(company)
        emails = self._precheck_contact_emails([plan.partner_id for plan in plans if plan.level])
        for plan in plans:
            if not plan.level:
                continue
            policy = policy_of[plan.partner_id]
            channels = channels_by_partner[plan.partner_id]
            found = []
            if policy.check_credits and credits.get(plan.partner_id, 0.0) > 0:
                found.append(self._precheck_credits(company, plan, credits[plan.partner_id]))
            if policy.check_bank and bank_error and channels & {"email", "letter", "registered"}:
                found.append(CheckResult("bank", "block", bank_error))
            if policy.check_email and "email" in channels and not emails.get(plan.partner_id):
                found.append(self._precheck_email(plan, channels))
            plan.checks += found
            blocking = [result for result in found if result.severity == "block"]
            if blocking and not plan.skip_reason:
                plan.skip_reason = SKIP_REASONS[blocking[0].code]

    # ---- FACTS, PER BATCH ----
    def _precheck_move_facts(self, company, today, move_ids):
        """{invoice id: (sent, days from invoice date to due date, disputed,
        day recorded)} in one query.  Disputed: on a dispute hold still running, or named
        by a customer's dispute answer whose to-do is still open."""
        if not move_ids:
            return {}
        Answer = self.env["account.dunning.answer"]
        relation = Answer._fields["move_ids"]
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id,
                       -- A fee invoice went out with the reminder that named it.
                       COALESCE(m.is_move_sent, FALSE) OR m.dunning_fee_reminder_id IS NOT NULL,
                       m.create_date::date,
                       m.invoice_date_due - m.invoice_date,
                       (m.dunning_blocked AND m.dunning_block_reason = 'dispute'
                        AND (m.dunning_block_until IS NULL OR m.dunning_block_until > %(today)s))
                       OR EXISTS (
                            SELECT 1
                              FROM %(relation)s rel
                              JOIN account_dunning_answer ans ON ans.id = rel.%(answer_col)s
                              JOIN mail_activity act ON act.id = ans.activity_id AND act.active
                             WHERE rel.%(move_col)s = m.id AND ans.kind = 'dispute'
                       )
                  FROM account_move m
                 WHERE m.id IN %(moves)s AND m.company_id = %(company)s
                """,
                today=today,
                relation=SQL.identifier(relation.relation),
                answer_col=SQL.identifier(relation.column1),
                move_col=SQL.identifier(relation.column2),
                moves=tuple(set(move_ids)),
                company=company.id,
            )
        )
        return {
            move_id: (sent, days, disputed, recorded)
            for move_id, sent, recorded, days, disputed in self.env.cr.fetchall()
        }

    def _precheck_bank_error(self, company):
        """Why the company's bank details cannot go on a letter, or False."""
        bank = company._dunning_bank_account()
        where = self.env._(
            "Add it on the company's bank journal (Accounting > Configuration > Journals), or on the company's "
            "bank accounts."
        )
        if not bank:
            return self.env._(
                "%(company)s has no bank account to be paid to. %(where)s", company=company.name, where=where
            )
        try:
            validate_iban(bank.acc_number)
        except ValidationError:
            return self.env._(
                "The bank account %(number)s of %(company)s is not a valid IBAN: the letter could not say how to "
                "pay. %(where)s",
                number=bank.acc_number,
                company=company.name,
                where=where,
            )
        return False

    def _precheck_contact_emails(self, partner_ids):
        """{customer id: email of the contact its reminders go to}: the same
        contact as dispatch (the invoice address), read for the batch at
        once through the prefetch."""
        partners = self.env["res.partner"].browse(partner_ids)
        partners.mapped("display_name")  # for the messages
        partners.child_ids.mapped("email")  # prefetch the contacts of the whole batch
        result = {}
        for partner in partners:
            contact = self.env["res.partner"].browse(partner.address_get(["invoice"])["invoice"])
            result[partner.id] = contact.email
        return result

    # ---- CHECKS, PER CUSTOMER (NO QUERY) ----
    def _precheck_moves(self, plan, policy, move_facts):
        """The checks of the plan's invoices: dispute and never sent block
        the invoice, payment terms over the legal maximum warn."""
        rows = [row for row, _rule, _escalated in plan.lines]
        results = []
        disputed = [row.move_id for row in rows if policy.check_dispute and move_facts.get(row.move_id, (0, 0, 0))[2]]
        if disputed:
            results.append(
                CheckResult(
                    "dispute",
                    "block",
                    self.env._("%s: the customer disputes it; settle the dispute first.", self._move_names(disputed)),
                    tuple(disputed),
                )
            )
        never_sent = [
            row.move_id
            for row in rows
            if policy.check_never_sent
            and row.move_id not in disputed
            and row.move_id in move_facts
            and not move_facts[row.move_id][0]
            and (not policy.check_never_sent_from or move_facts[row.move_id][3] >= policy.check_never_sent_from)
        ]
        if never_sent:
            results.append(
                CheckResult(
                    "never_sent",
                    "block",
                    self.env._(
                        "%s was never sent to the customer: send the invoice first.", self._move_names(never_sent)
                    ),
                    tuple(never_sent),
                )
            )
        long_terms = [
            row.move_id
            for row in rows
            if policy.check_payment_terms and (move_facts.get(row.move_id, (1, 0))[1] or 0) > LEGAL_MAX_TERM_DAYS
        ]
        if long_terms:
            results.append(
                CheckResult(
                    "payment_terms",
                    "warning",
                    self.env._(
                        "%(invoices)s: due more than %(days)s days after the invoice date, beyond the legal maximum "
                        "between companies (Code de commerce L441-10).",
                        invoices=self._move_names(long_terms),
                        days=LEGAL_MAX_TERM_DAYS,
                    ),
                    tuple(long_terms),
                )
            )
        return results

    def _drop_blocked_moves(self, plan, forced):
        """Take the invoices a check blocks out of the plan; when nothing
        that would have been reminded is left, the customer is skipped for
        that check."""
        blocked = {
            move_id: result.code for result in plan.checks if result.severity == "block" for move_id in result.move_ids
        }
        if not blocked:
            return
        removed = [line for line in plan.lines if line[0].move_id in blocked]
        plan.lines = [line for line in plan.lines if line[0].move_id not in blocked]
        rules = [rule for _row, rule, _escalated in plan.lines if rule]
        plan.level = max(rules, key=lambda rule: rule.index) if rules else None
        plan.amount_due = sum(row.residual for row, _rule, _escalated in plan.lines)
        if plan.skip_reason:
            return
        escalated = any(escalated for _row, _rule, escalated in plan.lines)
        if plan.level is None or not (escalated or forced):
            plan.skip_reason = SKIP_REASONS[blocked[removed[0][0].move_id]]

    def _precheck_credits(self, company, plan, credits):
        """Credits covering the amount due block the customer; covering part
        of it, they warn."""
        amount = format_amount(self.env, credits, company.currency_id)
        if credits >= plan.amount_due:
            return CheckResult(
                "credits",
                "block",
                self.env._(
                    "Unapplied payments or credit notes of %s cover the invoices: reconcile them instead of reminding.",
                    amount,
                ),
            )
        return CheckResult(
            "credits",
            "warning",
            self.env._("Unapplied payments or credit notes of %s settle part of the invoices: reconcile them.", amount),
        )

    def _precheck_email(self, plan, channels):
        """Email only: nothing would reach the customer, block.  With a
        letter, an SMS or a call the customer is still reminded: warn."""
        partner = self.env["res.partner"].browse(plan.partner_id)
        if channels - {"email"}:
            return CheckResult(
                "email",
                "warning",
                self.env._(
                    "%s has no email address: the reminder goes by its other channels only. Add the email on the "
                    "customer's invoice address.",
                    partner.display_name,
                ),
            )
        return CheckResult(
            "email",
            "block",
            self.env._(
                "%s has no email address and this reminder only goes by email. Add the email on the customer's "
                "invoice address.",
                partner.display_name,
            ),
        )
