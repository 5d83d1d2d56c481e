from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.account_dunning_reminder_call import CALL_OUTCOMES


class AccountDunningCallResult(models.TransientModel):
    """Log what the customer said on a dunning call (from the reminder or the customer)."""

    _name = "account.dunning.call.result"
    _description = "Log Call Result"

    reminder_id = fields.Many2one("account.dunning.reminder", required=True)
    partner_id = fields.Many2one(related="reminder_id.partner_id")
    outcome = fields.Selection(CALL_OUTCOMES, required=True, default="promise")
    promise_date = fields.Date("Promised Payment Date")
    reason = fields.Char("Dispute Reason")
    note = fields.Text()
    move_ids = fields.Many2many(
        "account.move",
        string="Invoices to Hold",
        compute="_compute_move_ids",
        store=True,
        readonly=False,
        help="Invoices of the reminder still open: no reminder for them until the promised date or the dispute ends.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        model, ids = self.env.context.get("active_model"), self.env.context.get("active_ids") or []
        if model == "account.dunning.reminder" and ids:
            values["reminder_id"] = ids[0]
        elif model == "res.partner" and ids:
            partner = self.env["res.partner"].browse(ids[:1]).commercial_partner_id
            reminder = self.env["account.dunning.reminder"]._reminder_to_call_about(partner)
            if not reminder:
                raise UserError(self.env._("No reminder has been sent to %s yet.", partner.display_name))
            values["reminder_id"] = reminder.id
        return values

    @api.depends("reminder_id")
    def _compute_move_ids(self):
        for wizard in self:
            wizard.move_ids = wizard.reminder_id._open_invoices()

    def action_apply(self):
        self.ensure_one()
        self.reminder_id._log_call_result(
            self.outcome, self.move_ids, until=self.promise_date, reason=self.reason, note=self.note
        )
        return {"type": "ir.actions.act_window_close"}
