"""Send Reminder and the checks before chasing: what the engine's plan found
for this customer, shown when the wizard opens, with the way out (apply the
credits, send the invoice).  Sending plans again, so the checks run again."""

import dataclasses

from markupsafe import Markup, escape

from odoo import Command, fields, models
from odoo.exceptions import UserError


class AccountDunningSend(models.TransientModel):
    _inherit = "account.dunning.send"

    check_blocks = fields.Html("Blocking Checks", readonly=True, sanitize=False)
    check_warnings = fields.Html("Check Warnings", readonly=True, sanitize=False)
    check_credits = fields.Boolean(readonly=True)
    check_unsent_move_ids = fields.Many2many(
        "account.move", "account_dunning_send_unsent_rel", string="Invoices Never Sent", readonly=True
    )

    def _check_values(self, plan):
        """The wizard's values for the plan's check results."""

        def as_list(results):
            items = Markup("").join(Markup("<li>%s</li>") % escape(result.message) for result in results)
            return Markup("<ul class='mb-0'>%s</ul>") % items if results else False

        checks = plan.checks if plan else []
        unsent = [move_id for check in checks if check.code == "never_sent" for move_id in check.move_ids]
        return {
            "check_blocks": as_list([check for check in checks if check.severity == "block"]),
            "check_warnings": as_list([check for check in checks if check.severity == "warning"]),
            "check_credits": any(check.code == "credits" for check in checks),
            "check_unsent_move_ids": [Command.set(unsent)],
        }

    def _checks_for_channels(self, plan):
        """The checks ran with the level's channels; the user may have
        chosen others.  A customer without email is reached by the letter,
        SMS or call the user added: the missing email only warns."""
        channels = {name for name in ("letter", "registered", "sms", "phone") if self[f"channel_{name}"]}
        if plan and plan.skip_reason == "no_email" and channels:
            plan.skip_reason = None
            plan.checks = [
                dataclasses.replace(check, severity="warning") if check.code == "email" else check
                for check in plan.checks
            ]
        return plan

    def _check_result(self, code):
        """The customer's findings of `code`, as the checks keep them."""
        company, partner = self.company_id, self.partner_id._origin
        results = self.env["account.dunning.engine"].with_company(company)._recheck_customers(company, partner.ids)
        return results.filtered(lambda result: result.code == code)[:1]

    def action_send_invoices(self):
        """Odoo's Send & Print of the invoices never sent."""
        self.ensure_one()
        if not self.check_unsent_move_ids:
            raise UserError(self.env._("Every invoice of this customer was sent."))
        return self.check_unsent_move_ids.action_send_and_print()

    def action_open_open_items(self):
        self.ensure_one()
        return (self._check_result("credits") or self._no_finding()).action_open_open_items()

    def action_apply_credits(self):
        self.ensure_one()
        return (self._check_result("credits") or self._no_finding()).action_apply_credits()

    def _no_finding(self):
        raise UserError(self.env._("Nothing to reconcile any more: open the wizard again."))
