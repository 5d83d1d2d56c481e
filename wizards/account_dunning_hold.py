from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..models.account_move import HOLD_REASONS


class AccountDunningHold(models.TransientModel):
    """Put the selected invoices on hold: no reminder until released or until the date."""

    _name = "account.dunning.hold"
    _description = "Put Invoices on Hold"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    reason = fields.Selection(HOLD_REASONS, required=True, default="dispute")
    until = fields.Date("On Hold Until", help="Dunning resumes on this date; leave empty to hold until released.")
    note = fields.Char()

    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "account.move":
            values["move_ids"] = [fields.Command.set(self.env.context.get("active_ids", []))]
        return values

    def action_apply(self):
        self.ensure_one()
        invoices = self.move_ids.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")
        if not invoices:
            raise UserError(self.env._("Select posted customer invoices."))
        if self.until and self.until <= fields.Date.context_today(self):
            raise UserError(self.env._("The hold must end after today."))
        reason = dict(self._fields["reason"]._description_selection(self.env))[self.reason]
        note = self.env._("Dunning on hold: %(reason)s. %(note)s", reason=reason, note=self.note or "")
        invoices._dunning_put_on_hold(self.reason, self.until, note=note.strip())
        if self.until:
            message = self.env._(
                "%(count)s invoice(s) on hold (%(reason)s) until %(date)s: %(invoices)s.",
                count=len(invoices),
                reason=reason,
                date=format_date(self.env, self.until),
                invoices=self.env["account.dunning.engine"]._move_names(invoices.ids),
            )
        else:
            message = self.env._(
                "%(count)s invoice(s) on hold (%(reason)s) until released: %(invoices)s.",
                count=len(invoices),
                reason=reason,
                invoices=self.env["account.dunning.engine"]._move_names(invoices.ids),
            )
        skipped = self.move_ids - invoices
        if skipped:
            message += " " + self.env._(
                "Not put on hold (not posted customer invoices): %s.",
                self.env["account.dunning.engine"]._move_names(skipped.ids),
            )
        notification = self.env["account.dunning.engine"]._client_notification(self.env._("Put on hold"), message)
        notification["params"]["next"] = {"type": "ir.actions.act_window_close"}
        return notification
