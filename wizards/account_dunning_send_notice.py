"""Send Reminder and the guard before the formal notice: invoices already
named in the policy's most reminders before the formal notice are not
proposed again in a gentler reminder; naming them needs a dunning manager
and a reason."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.account_dunning_engine_notice import is_gentle


class AccountDunningSend(models.TransientModel):
    _inherit = "account.dunning.send"

    notice_held_move_ids = fields.Many2many(
        "account.move",
        "account_dunning_send_notice_held_rel",
        string="Due for the Formal Notice",
        readonly=True,
        help="Invoices named in the policy's most reminders before the formal notice: the next letter about them "
        "is the formal notice.",
    )
    notice_message = fields.Text(readonly=True)
    notice_held = fields.Boolean(
        compute="_compute_notice_held",
        help="Some selected invoices had the policy's most reminders before the formal notice, and the chosen "
        "level is gentler than a formal notice.",
    )

    @api.depends("move_ids", "notice_held_move_ids", "level_id")
    def _compute_notice_held(self):
        for wizard in self:
            wizard.notice_held = bool(
                is_gentle(wizard.level_id.tone) and wizard.move_ids._origin & wizard.notice_held_move_ids._origin
            )

    def _notice_values(self, plan):
        """What the wizard shows of the guard when it opens: the invoices it
        holds (not proposed) when the proposed reminder is gentler than a
        formal notice, and why."""
        level = self.env["account.dunning.level"].browse(plan.level.id)
        if not plan.held_move_ids or not is_gentle(level.tone):
            return {}
        engine = self.env["account.dunning.engine"]
        policy = self.env["account.dunning.policy"].browse(plan.policy_id)
        moves = self.env["account.move"].browse(sorted(plan.held_move_ids))
        return {
            "notice_held_move_ids": [fields.Command.set(moves.ids)],
            "notice_message": engine._notice_message(policy, moves),
            "managers_to_ask": self._managers_to_ask(),
        }

    def _notice_held_now(self):
        """The selected invoices the guard holds, read from the database now:
        those named in the policy's most reminders before the formal notice,
        when the chosen level is gentler than a formal notice."""
        self.ensure_one()
        most = self.policy_id.max_reminders_before_notice
        moves = self.move_ids._origin
        if not most or not is_gentle(self.level_id.tone) or not moves:
            return moves.browse()
        counts = self.env["account.dunning.engine"]._gentle_reminder_counts(self.company_id, moves.ids)
        return moves.filtered(lambda move: counts.get(move.id, 0) >= most)

    def _check_notice_override(self, held, reason):
        """Only a dunning manager, with a reason, names in one more reminder
        invoices due for the formal notice; returns what the guard says."""
        message = self.env["account.dunning.engine"]._notice_message(self.policy_id, held)
        if not self.is_manager:
            ask = _(
                "%(guard)s Ask a dunning manager. %(managers)s", guard=message, managers=self._managers_to_ask() or ""
            )
            raise UserError(ask.strip())
        if not reason:
            raise UserError(_("%s Give the reason for sending another reminder now.", message))
        return message

    def _managers_to_ask(self):
        """'Dunning managers: A, B, C' of the wizard's company; False if none."""
        managers = self.env["account.dunning.engine"]._managers(self.company_id or self.env.company)
        return self.env._("Dunning managers: %s", ", ".join(managers[:3].mapped("name"))) if managers else False
