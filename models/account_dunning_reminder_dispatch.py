"""Sending reminders through their channels (the dispatch step).

Dispatch only ever takes reminders in state 'to_send' and leaves them 'sent' or
'failed' in the same transaction as the mails, letters and activities it
creates, so running it again never sends anything twice.
"""

from markupsafe import Markup

from odoo import _, fields, models
from odoo.tools import format_date

TONE_TEMPLATE = "account_dunning.mail_template_dunning_%s"


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
        unreachable = reminders._unreachable_channels()
        errors = reminders._dispatch_errors(unreachable)
        for message, failed in reminders.filtered(lambda r: r.id in errors).grouped(lambda r: errors[r.id]).items():
            failed.write({"state": "failed", "error_message": message})
        ready = reminders.filtered(lambda r: r.id not in errors)
        # Fee invoices first: the letter names them.
        ready._invoice_fees()
        if ready:
            ready.line_ids.move_id._dunning_ensure_portal_tokens()
        emailed = ready._reached_by("email", unreachable)
        # The email carries the letter: both are rendered once, in batch.
        (emailed | ready.filtered(lambda r: r.channel_letter or r.channel_registered))._dispatch_letters()
        emailed._dispatch_emails()
        ready._reached_by("sms", unreachable)._dispatch_sms()
        ready.filtered("channel_phone")._dispatch_calls()
        ready.write(
            {"state": "sent", "sent_date": fields.Datetime.now(), "user_id": self.env.uid, "error_message": False}
        )
        ready._log_on_documents()
        return ready

    def _dispatch_errors(self, unreachable):
        """reminder id -> why it cannot go out at all: none of its channels
        reaches the contact."""
        errors = {}
        for reminder in self:
            reasons, channels = unreachable.get(reminder.id, {}), reminder._channels()
            if channels and all(channel in reasons for channel in channels):
                errors[reminder.id] = " ".join(reasons.values())
        return errors

    def _unreachable_channels(self):
        """reminder id -> {channel: why the contact cannot be reached that
        way}; extended per channel (see the SMS one)."""
        return {
            reminder.id: {"email": _("%s has no email address.", reminder.contact_id.display_name)}
            for reminder in self
            if reminder.channel_email and not reminder.contact_id.email
        }

    def _reached_by(self, channel, unreachable):
        return self.filtered(lambda r: r[f"channel_{channel}"] and channel not in unreachable.get(r.id, {}))

    def _dispatch_emails(self):
        """Queue one mail per reminder (mail.mail records), per template in
        batch, carrying the letter already rendered for the reminder (see
        account_dunning_reminder_mail.py)."""
        invoice_pdfs = self._invoice_pdfs()
        for template, reminders in self.grouped(lambda r: r._mail_template()).items():
            reminders._queue_mails(template, invoice_pdfs)
        self._forget_mail_bodies()

    def _mail_template(self):
        """The level's template, else the one of its tone."""
        self.ensure_one()
        return self.level_id.mail_template_id or self.env.ref(TONE_TEMPLATE % (self.tone or "courteous"))

    def _invoice_pdfs(self):
        """{invoice id: attachment}: the PDF the customer received with each
        covered invoice.  Invoices never sent have none and are not printed
        here (one wkhtmltopdf run each would dominate a large run); the email
        links to each invoice's portal page instead."""
        return {move.id: move.invoice_pdf_report_id for move in self.line_ids.move_id if move.invoice_pdf_report_id}

    def _dispatch_calls(self):
        """A phone-call activity for the responsible, with what to say."""
        activity_type = self.env.ref("mail.mail_activity_data_call")
        model_id = self.env["ir.model"]._get_id("res.partner")
        activities = self.env["mail.activity"].create(
            [
                {
                    "activity_type_id": activity_type.id,
                    "res_model_id": model_id,
                    "res_id": reminder.partner_id.id,
                    "user_id": (reminder._responsible() or self.env.user).id,
                    "summary": self.env._("Payment reminder call: %s", reminder.level_id.name),
                    "note": reminder._call_script(),
                    "date_deadline": reminder.date,
                }
                for reminder in self
            ]
        )
        for reminder, activity in zip(self, activities, strict=True):
            reminder.call_activity_id = activity

    def _responsible(self):
        """Who follows this reminder up: the level's responsible, else the
        customer's, else whoever sent it by hand (not the scheduler's bot)."""
        self.ensure_one()
        sender = (self.user_id or self.env.user).filtered(lambda user: not user._is_superuser())
        return self.level_id.user_id or self.partner_id.dunning_responsible_id or sender

    def _call_script(self):
        self.ensure_one()
        lines = Markup("").join(
            Markup("<li>%s</li>")
            % self.env._(
                "%(invoice)s due %(date)s: %(amount)s",
                invoice=line.move_id.name,
                date=format_date(self.env, line.date_due),
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
