"""Send Reminder and the sending guard: what blocks a reminder, shown when
the wizard opens, checked again when it sends, and the way out from the
wizard itself (open, validate, send again or cancel the waiting reminder;
a manager's reason; whom to ask)."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class AccountDunningSend(models.TransientModel):
    _inherit = "account.dunning.send"

    # What the sending guard said when the wizard opened; checked again when sending.
    block_kind = fields.Selection(
        [
            ("pending", "A reminder waits"),
            ("failed", "A reminder failed"),
            ("today", "Reminded today"),
            ("too_soon", "Reminded recently"),
            ("too_many", "Reminded often"),
        ],
        readonly=True,
    )
    block_message = fields.Text(readonly=True)
    blocking_reminder_id = fields.Many2one("account.dunning.reminder", "Waiting Reminder", readonly=True)
    blocking_state = fields.Selection(related="blocking_reminder_id.state")
    covered_move_ids = fields.Many2many(
        "account.move",
        "account_dunning_send_covered_rel",
        string="Already Reminded",
        readonly=True,
        help="Invoices in a reminder sent today or within the policy's minimum interval.",
    )
    managers_to_ask = fields.Char("Dunning Managers", readonly=True)
    too_soon = fields.Boolean(
        compute="_compute_too_soon", help="Some selected invoices were reminded today or within the minimum interval."
    )
    needs_reason = fields.Boolean(
        compute="_compute_too_soon",
        help="Sending needs a dunning manager's reason: invoices reminded too recently or due for the formal "
        "notice, or the most reminders of the period reached.",
    )

    # ---- GUARD ----
    @api.depends("move_ids", "covered_move_ids", "block_kind", "notice_held")
    def _compute_too_soon(self):
        for wizard in self:
            wizard.too_soon = bool(wizard.move_ids._origin & wizard.covered_move_ids._origin)
            wizard.needs_reason = wizard.too_soon or wizard.block_kind == "too_many" or wizard.notice_held

    def _sending_block(self):
        """The engine's guard for this customer, read from the database now."""
        self.ensure_one()
        if not self.partner_id or not self.company_id:
            return None
        partner = self.partner_id._origin
        blocks = self.env["account.dunning.engine"]._sending_blocks(
            self.company_id,
            fields.Date.context_today(self),
            partner.ids,
            {partner.id: self.policy_id.min_interval_days},
        )
        return blocks.get(partner.id)

    def _block_values(self, partner, block):
        """What the wizard shows of the guard from the start, with the way
        out: the waiting reminder to open, validate, send again or cancel,
        or the managers to ask."""
        if not block:
            return {}
        engine = self.env["account.dunning.engine"]
        reminder = self.env["account.dunning.reminder"]
        if block.reference:
            reminder = reminder.browse(int(block.reference.removeprefix("RMD")))
        managers = engine._managers(self.company_id or self.env.company)
        return {
            "block_kind": block.kind,
            "block_message": engine._block_message(partner, block),
            "blocking_reminder_id": reminder.id,
            "managers_to_ask": self.env._("Dunning managers: %s", ", ".join(managers[:3].mapped("name")))
            if managers
            else False,
        }

    def _check_override(self, block, reason):
        """Only a dunning manager, with a reason, sends a second reminder the
        same day or within the minimum interval, or one more than the policy
        allows over its period; nobody beside one waiting."""
        engine = self.env["account.dunning.engine"]
        message = engine._block_message(self.partner_id, block)
        if block.kind in ("pending", "failed"):
            raise UserError(message)
        if not self.is_manager:
            managers = self._block_values(self.partner_id, block).get("managers_to_ask") or ""
            ask = _("%(guard)s Ask a dunning manager. %(managers)s", guard=message, managers=managers)
            raise UserError(ask.strip())
        if not reason:
            raise UserError(_("%s Give the reason for sending another reminder now.", message))

    # ---- THE WAY OUT OF A BLOCK ----
    def _blocking_reminder(self):
        self.ensure_one()
        if not self.blocking_reminder_id:
            raise UserError(_("No reminder to this customer is waiting or failed."))
        return self.blocking_reminder_id

    def action_open_blocking_reminder(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.dunning.reminder",
            "res_id": self._blocking_reminder().id,
            "views": [(False, "form")],
            "target": "current",
        }

    def action_validate_blocking_reminder(self):
        """Validate the waiting reminder, then the wizard again."""
        return self._then_reopen(self._blocking_reminder().action_validate())

    def action_retry_blocking_reminder(self):
        return self._then_reopen(self._blocking_reminder().action_retry())

    def action_cancel_blocking_reminder(self):
        return self._then_reopen(self._blocking_reminder().action_cancel())

    def _then_reopen(self, notification):
        """Say what was done to the waiting reminder, then open Send Reminder
        again for the same customer: it shows what the guard says now."""
        self.ensure_one()
        reopen = {
            "type": "ir.actions.act_window",
            "name": _("Send Reminder"),
            "res_model": self._name,
            "views": [(False, "form")],
            "target": "new",
            "context": dict(self.env.context),
        }
        if notification and notification.get("tag") == "display_notification":
            notification["params"]["next"] = reopen
            return notification
        return reopen
