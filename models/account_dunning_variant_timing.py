"""A letter variant may also change when its reminders go out: on one
weekday only, or some days later than the level says, so that an
experiment measures the timing as well as the words.

The variant of a customer reminded at a level running an experiment is
drawn in the plan step, before the reminder is made (the draw is
reproducible and sticky, see account_dunning_variant.py): the nightly run leaves for a later night the
customers whose variant's day has not come.  Sent by hand, the user
decides the timing.
"""

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

WEEKDAYS = [
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
]


class AccountDunningVariant(models.Model):
    _inherit = "account.dunning.variant"

    send_weekday = fields.Selection(
        WEEKDAYS, "Send On", help="The nightly run sends this variant's reminders on this weekday only."
    )
    extra_wait_days = fields.Integer(
        "Days Later", help="This variant's reminders go out this many days after the level's days overdue."
    )

    @api.constrains("extra_wait_days")
    def _check_extra_wait_days(self):
        if any(not 0 <= variant.extra_wait_days <= 60 for variant in self):
            raise ValidationError(_("A variant waits from 0 to 60 days more than its level."))


class AccountDunningEngine(models.AbstractModel):
    _inherit = "account.dunning.engine"

    def _plan(self, company, today, rows, *args, **kwargs):
        # EXTENDS account_dunning_engine: the nightly run waits for a variant's day.
        plans = super()._plan(company, today, rows, *args, **kwargs)
        if not kwargs.get("manual"):
            self._wait_for_variant_days(today, plans)
        return plans

    def _wait_for_variant_days(self, today, plans):
        """Skip, until their day, the customers drawn into a variant that
        sends on another weekday or later than today."""
        due = [plan for plan in plans if plan.variant_id and not plan.skip_reason]
        variants = self.env["account.dunning.variant"].sudo().browse({plan.variant_id for plan in due})
        timed = {variant.id: variant for variant in variants if variant.send_weekday or variant.extra_wait_days}
        for plan in due:
            variant = timed.get(plan.variant_id)
            if not variant:
                continue
            if variant.send_weekday and int(variant.send_weekday) != today.weekday():
                plan.skip_reason = "variant_weekday"
                continue
            # The latest of the invoices that reach the level now.
            reaching = [row for row, rule, escalated in plan.lines if escalated and rule == plan.level]
            days_late = max(((today - row.date_due).days for row in reaching), default=None)
            if days_late is not None and days_late < plan.level.days_overdue + variant.extra_wait_days:
                plan.skip_reason = "variant_delay"

    def _skip_reason_labels(self):
        # EXTENDS account_dunning_engine_notify: a variant's day.
        labels = super()._skip_reason_labels()
        labels.update(
            {
                "variant_weekday": self.env._("its letter variant goes out on another weekday"),
                "variant_delay": self.env._("its letter variant goes out some days later than the level"),
            }
        )
        return labels
