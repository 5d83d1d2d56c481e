"""How a policy reads its customers' payment behaviour (the thresholds of the
risk classes, see account_dunning_partner_risk.py) and, when asked to, adapts
its schedule to it: earlier and firmer for a high-risk customer, a few days'
grace before the first reminder for a good payer late once."""

from dataclasses import replace

from odoo import api, fields, models
from odoo.exceptions import ValidationError

MAX_RISK_DAYS = 365  # thresholds of the classes
MAX_SHIFT_DAYS = 60  # how much earlier, or how much grace
MAX_BROKEN_PROMISES = 20


class AccountDunningPolicy(models.Model):
    _inherit = "account.dunning.policy"

    # ---- THE RISK CLASSES (over the last 12 months) ----
    risk_high_avg_days = fields.Integer(
        "High Risk: Average Delay Above (days)",
        default=30,
        help="A customer whose paid invoices were paid more than this many days late on average is high risk.",
    )
    risk_high_max_days = fields.Integer(
        "High Risk: Any Delay Above (days)",
        default=90,
        help="A customer with an invoice paid, or still unpaid, more than this many days after its due date is "
        "high risk.",
    )
    risk_high_broken_promises = fields.Integer(
        "High Risk: Broken Promises From",
        default=2,
        help="A customer who broke this many promises to pay is high risk.",
    )
    risk_low_avg_days = fields.Integer(
        "Low Risk: Average Delay Up To (days)",
        default=5,
        help="A customer is low risk when its paid invoices were paid at most this many days late on average, "
        "none later than the next limit, with no broken promise and no dispute. Customers with no invoice paid "
        "are medium risk.",
    )
    risk_low_max_days = fields.Integer(
        "Low Risk: Any Delay Up To (days)",
        default=15,
        help="A low-risk customer never paid an invoice, nor owes one, more than this many days after its due date.",
    )
    # ---- WHAT THE CLASSES CHANGE ----
    risk_schedules = fields.Boolean(
        "Schedules Adapted to Risk",
        help="High-risk customers are reminded earlier and more firmly, low-risk customers get a grace period "
        "before their first reminder; medium-risk customers follow the levels as they are.",
    )
    risk_high_days_earlier = fields.Integer(
        "High Risk: Days Earlier",
        default=5,
        help="A high-risk customer gets each level this many days earlier (never before 1 day overdue).",
    )
    risk_high_skip_courteous = fields.Boolean(
        "High Risk: No Courteous Reminder",
        default=True,
        help="A high-risk customer's first reminder is the second level when the first one is a courteous reminder.",
    )
    risk_low_grace_days = fields.Integer(
        "Low Risk: Extra Grace (days)",
        default=7,
        help="A low-risk customer gets its first reminder this many days later; the next levels do not move. At "
        "most the low-risk delay: an invoice later than that makes the customer medium risk.",
    )
    risk_block_posting = fields.Boolean(
        "Block Invoices to High-Risk Customers",
        help="Only an accounting manager may post an invoice to a high-risk customer; others see the warning "
        "and cannot post.",
    )

    @api.constrains(
        "risk_high_avg_days",
        "risk_high_max_days",
        "risk_high_broken_promises",
        "risk_low_avg_days",
        "risk_low_max_days",
        "risk_high_days_earlier",
        "risk_low_grace_days",
    )
    def _check_risk_thresholds(self):
        for policy in self:
            days = (policy.risk_low_avg_days, policy.risk_low_max_days, policy.risk_high_avg_days)
            if not all(0 <= value <= MAX_RISK_DAYS for value in (*days, policy.risk_high_max_days)):
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s: the delays of the risk classes run from 0 to %(max)s days.",
                        policy=policy.name,
                        max=MAX_RISK_DAYS,
                    )
                )
            if not (
                policy.risk_low_avg_days < policy.risk_high_avg_days
                and policy.risk_low_max_days < policy.risk_high_max_days
            ):
                raise ValidationError(
                    self.env._(
                        "Policy %s: a low-risk customer pays earlier than a high-risk one; give the low-risk "
                        "delays smaller values than the high-risk ones.",
                        policy.name,
                    )
                )
            if not 1 <= policy.risk_high_broken_promises <= MAX_BROKEN_PROMISES:
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s: the broken promises that make a customer high risk run from 1 to %(max)s.",
                        policy=policy.name,
                        max=MAX_BROKEN_PROMISES,
                    )
                )
            if not all(
                0 <= value <= MAX_SHIFT_DAYS for value in (policy.risk_high_days_earlier, policy.risk_low_grace_days)
            ):
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s: high-risk customers are reminded at most %(max)s days earlier, and "
                        "low-risk ones given at most %(max)s days of grace.",
                        policy=policy.name,
                        max=MAX_SHIFT_DAYS,
                    )
                )
            if policy.risk_low_grace_days > policy.risk_low_max_days:
                # Later, the invoice itself makes the customer medium risk: the grace would end there.
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s: a customer stays low risk while it owes nothing more than %(days)s days "
                        "late; give it a grace of at most %(days)s days.",
                        policy=policy.name,
                        days=policy.risk_low_max_days,
                    )
                )

    def _risk_level_rules(self, rules, risk_class):
        """The level rules of the engine (`rules`, the policy's levels in
        order) as they apply to a customer of `risk_class`.  The rules keep
        their level and index: only when they apply changes, and a skipped
        first level is never planned."""
        self.ensure_one()
        if not self.risk_schedules or not rules or risk_class not in ("low", "high"):
            return rules
        if risk_class == "low":
            first = rules[0]
            return [replace(first, days_overdue=first.days_overdue + self.risk_low_grace_days), *rules[1:]]
        earlier = self.risk_high_days_earlier
        first_level = self.level_ids.sorted("days_overdue")[:1]
        skip_first = self.risk_high_skip_courteous and len(rules) > 1 and first_level.tone == "courteous"
        return [
            replace(
                rule,
                days_overdue=max(rule.days_overdue - earlier, min(rule.days_overdue, 1)),
                skip=skip_first and rule.index == 0,
            )
            for rule in rules
        ]
