"""Sending reminders through their channels (the dispatch step).

Dispatch only ever takes reminders in state 'to_send' and leaves them 'sent' or
'failed' in the same transaction as the mails, letters and activities it
creates, so running it again never sends anything twice.
"""

import logging

from markupsafe import Markup

from odoo import _, fields, models

_logger = logging.getLogger(__name__)

DEFAULT_TEMPLATE = "account_dunning.mail_template_dunning_reminder"
DEFAULT_REPORT = "account_dunning.action_report_dunning_letter"


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    contact_id = fields.Many2one(
        "res.partner",
        "Sent To",
        readonly=True,
        help="The customer's invoice address: the only person a reminder is ever sent to.",
    )

    def _dispatch(self):
        """Send every 'to send' reminder of self through its channels."""
        reminders = self.filtered(lambda r: r.state == "to_send")
        if not reminders:
            return reminders
        for reminder in reminders:
            reminder.contact_id = reminder.partner_id.address_get(["invoice"])["invoice"]
        errors = reminders._dispatch_errors()
        for message, failed in reminders.filtered(lambda r: r.id in errors).grouped(lambda r: errors[r.id]).items():
            failed.write({"state": "failed", "error_message": message})
        ready = reminders.filtered(lambda r: r.id not in errors)
        ready.filtered(lambda r: r.channel_letter or r.channel_registered)._dispatch_letters()
        ready.filtered(lambda r: r.channel_email and r.contact_id.email)._dispatch_emails()
        ready.filtered("channel_phone")._dispatch_calls()
        ready.write({"state": "sent", "sent_date": fields.Datetime.now(), "user_id": self.env.uid, "error_message": False})
        ready._log_on_documents()
        return ready

    def _dispatch_errors(self):
        """reminder id -> why it cannot go out at all."""
        errors = {}
        for reminder in self:
            other_channel = reminder.channel_letter or reminder.channel_registered or reminder.channel_phone
            if reminder.channel_email and not reminder.contact_id.email and not other_channel:
                errors[reminder.id] = _("%s has no email address.", reminder.contact_id.display_name)
            elif reminder.channel_sms and not (reminder.channel_email or other_channel):
                errors[reminder.id] = _("SMS reminders are not available.")
        return errors

    def _dispatch_emails(self):
        """Queue one mail per reminder (mail.mail records), per template in batch."""
        default = self.env.ref(DEFAULT_TEMPLATE)
        for template, reminders in self.grouped(lambda r: r.level_id.mail_template_id or default).items():
            mails = template.send_mail_batch(reminders.ids, email_layout_xmlid="mail.mail_notification_light")
            message_of = {mail.res_id: mail.mail_message_id.id for mail in mails}
            for reminder in reminders:
                reminder.mail_message_id = message_of.get(reminder.id)

    def _dispatch_letters(self):
        """Render the letters of each report in one batch and attach them."""
        default = self.env.ref(DEFAULT_REPORT)
        for report, reminders in self.grouped(lambda r: r.level_id.report_id or default).items():
            for lang, same_lang in reminders.grouped("lang").items():
                same_lang.with_context(lang=lang)._attach_letters(report)

    def _attach_letters(self, report):
        content, report_type = self.env["ir.actions.report"]._pre_render_qweb_pdf(report, self.ids)
        if report_type == "pdf" and False not in content:
            raw = {res_id: stream["stream"].getvalue() for res_id, stream in content.items()}
        else:
            # One record per call: used in tests (HTML) and when the batch PDF
            # could not be split per letter.
            raw = {
                reminder.id: self.env["ir.actions.report"]._pre_render_qweb_pdf(report, reminder.ids)[0]
                for reminder in self
            }
            raw = {k: (v[k]["stream"].getvalue() if isinstance(v, dict) else v) for k, v in raw.items()}
        mimetype = "application/pdf" if report_type == "pdf" else "text/html"
        extension = "pdf" if report_type == "pdf" else "html"
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": f"{reminder._letter_filename()}.{extension}",
                    "raw": raw[reminder.id],
                    "mimetype": mimetype,
                    "res_model": self._name,
                    "res_id": reminder.id,
                }
                for reminder in self
            ]
        )
        for reminder, attachment in zip(self, attachments, strict=True):
            reminder.letter_attachment_id = attachment

    def _letter_filename(self):
        self.ensure_one()
        return _("Reminder-%(date)s-%(partner)s", date=self.date, partner=self.partner_id.name or "").replace("/", "-")

    def _dispatch_calls(self):
        """A phone-call activity for the responsible, with what to say."""
        activity_type = self.env.ref("mail.mail_activity_data_call")
        model_id = self.env["ir.model"]._get_id("res.partner")
        self.env["mail.activity"].create(
            [
                {
                    "activity_type_id": activity_type.id,
                    "res_model_id": model_id,
                    "res_id": reminder.partner_id.id,
                    "user_id": reminder._responsible().id,
                    "summary": _("Payment reminder call: %s", reminder.level_id.name),
                    "note": reminder._call_script(),
                    "date_deadline": reminder.date,
                }
                for reminder in self
            ]
        )

    def _responsible(self):
        self.ensure_one()
        return self.level_id.user_id or self.partner_id.dunning_responsible_id or self.env.user

    def _call_script(self):
        self.ensure_one()
        lines = Markup("").join(
            Markup("<li>%s</li>")
            % _(
                "%(invoice)s due %(date)s: %(amount)s",
                invoice=line.move_id.name,
                date=line.date_due,
                amount=line.currency_id.format(line.amount_residual),
            )
            for line in self.line_ids
        )
        intro = _(
            "Call %(partner)s about %(amount)s overdue. Ask for a payment date; offer a payment plan if needed.",
            partner=self.partner_id.display_name,
            amount=self.company_currency_id.format(self.amount_due),
        )
        return Markup("<p>%s</p><ul>%s</ul>") % (intro, lines)

    def _log_on_documents(self):
        """One note per reminder on the customer and on each invoice it covers."""
        partner_bodies, move_bodies = {}, {}
        for reminder in self:
            body = Markup("<p>%s</p>") % _(
                "Payment reminder %(level)s sent by %(user)s (%(channels)s).",
                level=reminder.level_id.name,
                user=self.env.user.name,
                channels=", ".join(reminder._channel_labels()),
            )
            partner_bodies[reminder.partner_id.id] = body
            for line in reminder.line_ids:
                move_bodies[line.move_id.id] = body
        self.env["res.partner"].browse(partner_bodies)._message_log_batch(partner_bodies)
        self.env["account.move"].browse(move_bodies)._message_log_batch(move_bodies)

    def _channel_labels(self):
        self.ensure_one()
        return [self._fields[f"channel_{c}"].get_description(self.env)["string"] for c in self._channels()]
