"""Ask for the period of the Dunning Effectiveness report, then print it."""

from odoo import _, fields, models
from odoo.exceptions import UserError


class AccountDunningEffectiveness(models.TransientModel):
    _name = "account.dunning.effectiveness"
    _description = "Print the Dunning Effectiveness Report"

    date_from = fields.Date("From", required=True, default=lambda self: fields.Date.context_today(self).replace(day=1))
    date_to = fields.Date("To", required=True, default=fields.Date.context_today)

    def action_print(self):
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(_("Choose a period: its first day, then its last day."))
        self.env["account.dunning.dso"]._refresh(fields.Date.context_today(self), self.env.company)
        return self.env.ref("account_dunning.action_report_dunning_effectiveness").report_action(
            self.env.company,
            data={"date_from": fields.Date.to_string(self.date_from), "date_to": fields.Date.to_string(self.date_to)},
            # A page of its own: no company letterhead to configure first.
            config=False,
        )
