"""Phone reminders: what the customer answered, and what follows from it."""

from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from .account_move import PAID_STATES

CALL_OUTCOMES = [
    ("promise", "Promise to pay"),
    ("dispute", "Dispute"),
    ("no_answer", "No answer"),
    ("other", "Other"),
]


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    call_activity_id = fields.Many2one(
        "mail.activity", readonly=True, copy=False, ondelete="set null", index="btree_not_null"
    )

    def _open_invoices(self):
        """The covered invoices still to be paid."""
        return self.line_ids.move_id.filtered(
            lambda m: m.state == "posted" and m.payment_state not in PAID_STATES and m.amount_residual > 0
        )

    @api.model
    def _reminder_to_call_about(self, partner):
        """The customer's reminder a call is about: the latest with a call
        still to make, else the latest sent."""
        domain = [("partner_id", "=", partner.id), ("state", "=", "sent")]
        return self.search([*domain, ("call_activity_id.active", "=", True)], limit=1) or self.search(domain, limit=1)

    def action_log_call_result(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_dunning.action_account_dunning_call_result")
        action["context"] = {"active_model": self._name, "active_ids": self.ids}
        return action

    def _log_call_result(self, outcome, moves, until=False, reason=False, note=False):
        """Record a call with the customer: a promise to pay holds `moves`
        until the promised date, a dispute holds them until released; the
        result goes to the reminder's and the customer's chatter and closes
        the call activity."""
        self.ensure_one()
        if outcome == "promise":
            if not until or until <= fields.Date.context_today(self):
                raise UserError(_("The promised payment date must be after today."))
            text = _(
                "Call: promise to pay by %(date)s; %(count)s invoice(s) on hold until then.",
                date=format_date(self.env, until),
                count=len(moves),
            )
        elif outcome == "dispute":
            if not (reason or "").strip():
                raise UserError(_("Give the reason of the dispute."))
            text = _("Call: dispute (%(reason)s); %(count)s invoice(s) on hold.", reason=reason, count=len(moves))
        elif outcome == "no_answer":
            text = _("Call: no answer.")
        else:
            if not (note or "").strip():
                raise UserError(_("Say what was agreed in the note."))
            text = _("Call: other outcome.")
        if outcome in ("promise", "dispute"):
            if not moves:
                raise UserError(_("Select the invoices to put on hold."))
            # A promise to pay by a date holds through that date.
            moves._dunning_put_on_hold(outcome, until + timedelta(days=1) if outcome == "promise" else False, note=text)
            # In the customer's answers too: its promises are checked, kept or broken.
            self.env["account.dunning.answer"].sudo().create(
                {
                    "reminder_id": self.id,
                    "channel": "phone",
                    "kind": outcome,
                    "move_ids": [fields.Command.set(moves.ids)],
                    "currency_id": moves[:1].currency_id.id,
                    "promise_date": until if outcome == "promise" else False,
                    "promise_state": "open" if outcome == "promise" else False,
                    "reason": reason if outcome == "dispute" else False,
                    "message": (note or "").strip() or False,
                }
            )
        if (note or "").strip():
            text = _("%(result)s Note: %(note)s", result=text, note=note.strip())
        self.message_post(body=Markup("<p>%s</p>") % text, subtype_xmlid="mail.mt_note")
        # The call is logged on the customer by whoever made it: a dunning
        # user who reads the customer but may not edit contacts (posting on a
        # contact needs that right), and whose colleague may be assigned the
        # call activity.  The note and the done activity are written as
        # superuser, still authored by the user.
        self.partner_id.check_access("read")
        activity = self.sudo().call_activity_id.filtered("active")  # activity types may keep done ones
        if activity:
            # Marking the call done posts the result on the customer.
            activity.action_feedback(feedback=text)
        else:
            self.partner_id.sudo().message_post(
                body=Markup("<p>%s</p>") % text,
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )
        return text
