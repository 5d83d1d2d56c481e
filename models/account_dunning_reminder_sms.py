"""SMS reminders: a short text to the contact's mobile, queued in batch."""

from odoo import _, api, models

from odoo.addons.sms.tools.sms_tools import sms_content_to_rendered_html

SMS_TEMPLATE = "account_dunning.sms_template_dunning_reminder"


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    # EXTENDS 'mail': the person a reminder talks to is the invoice address,
    # so SMS numbers (and the phone country) come from it, as Odoo's SMS
    # tools read them: mobile, else phone, sanitized.
    @api.model
    def _mail_get_partner_fields(self, introspect_fields=False):
        return ["contact_id"]

    def _sms_amount_text(self):
        """The amount due as the SMS states it, one figure per currency."""
        self.ensure_one()
        return ", ".join(currency.format(amount) for currency, amount in self._totals_by_currency())

    def _sms_numbers(self):
        """reminder id -> sanitized number of its contact, or False."""
        return {rid: info["sanitized"] for rid, info in self._sms_get_recipients_info().items()}

    def _unreachable_channels(self):
        # EXTENDS account_dunning: SMS needs a number that can be sanitized.
        result = super()._unreachable_channels()
        with_sms = self.filtered("channel_sms")
        numbers = with_sms._sms_numbers()
        for reminder in with_sms.filtered(lambda r: not numbers[r.id]):
            contact = reminder.contact_id
            raw = contact.mobile or contact.phone
            reason = (
                _(
                    "The phone number %(number)s of %(contact)s cannot be used for SMS.",
                    number=raw,
                    contact=contact.display_name,
                )
                if raw
                else _("%s has no mobile number for SMS.", contact.display_name)
            )
            result.setdefault(reminder.id, {})["sms"] = reason
        return result

    def _dispatch_sms(self):
        """Queue one SMS per reminder in one create (sent by the SMS queue
        like Odoo's own batch SMS), and log its text on the reminder."""
        if not self:
            return self.env["sms.sms"]
        template = self.env.ref(SMS_TEMPLATE)
        bodies = template._render_field("body", self.ids, compute_lang=True)
        numbers = self._sms_numbers()
        # sudo: sms.sms is restricted to administrators; dunning users queue
        # SMS only through this method, as Odoo's SMS composer does.
        sms = (
            self.env["sms.sms"]
            .sudo()
            .create(
                [
                    {
                        "body": bodies[reminder.id],
                        "number": numbers[reminder.id],
                        "partner_id": reminder.contact_id.id,
                        "state": "outgoing",
                    }
                    for reminder in self
                ]
            )
        )
        self._message_log_batch(
            {reminder.id: sms_content_to_rendered_html(bodies[reminder.id]) for reminder in self},
            message_type="sms",
        )
        self.env.ref("sms.ir_cron_sms_scheduler_action")._trigger()
        return sms
