"""Sending reminders through their channels (the dispatch step).

Dispatch takes reminders waiting to go out ('to send', or 'failed' and tried
again), checks each against the ledger and the configuration as they are now
(account_dunning_reminder_refresh.py), and leaves each one 'sent', 'failed'
with a readable reason, or 'cancelled' when nothing is owed any more, in the
same transaction as the mails, letters and activities it creates: running it
again never sends anything twice.  One reminder that cannot be rendered or
sent fails alone; the others of its batch go out.
"""

import logging

import psycopg2.errors
from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from .account_dunning_reminder import internal_change

_logger = logging.getLogger(__name__)

TONE_TEMPLATE = "account_dunning.mail_template_dunning_%s"


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    contact_id = fields.Many2one(
        "res.partner",
        "Sent To",
        readonly=True,
        help="The customer's invoice address: the only person a reminder is ever sent to.",
    )

    def _dispatch(self, today=None):
        """Send the reminders of self that wait to go out; returns those sent."""
        today = today or fields.Date.context_today(self)
        reminders = self.filtered(lambda r: r.state in ("to_send", "failed"))
        if not reminders:
            return self.browse()
        with internal_change():
            for reminder in reminders:
                contact = reminder.partner_id.address_get(["invoice"])["invoice"]
                if reminder.contact_id.id != contact:
                    reminder.contact_id = contact
            reminders, errors = reminders._refresh_before_dispatch(today)
            unreachable = reminders._unreachable_channels()
            for reminder_id, message in reminders._dispatch_errors(unreachable).items():
                errors.setdefault(reminder_id, message)
            failed = reminders.filtered(lambda r: r.id in errors)
            failed._fail(errors)
            return (reminders - failed)._send_isolated(unreachable)

    def _fail(self, errors):
        """Mark self failed with the reason of each ({reminder id: message});
        a reminder failing again for the same reason is left as it is."""
        for message, reminders in self.grouped(lambda r: errors[r.id]).items():
            changed = reminders.filtered(lambda r, message=message: r.state != "failed" or r.error_message != message)
            changed._set_state("failed", message)

    def _send_isolated(self, unreachable):
        """Send self in one go; if anything fails, each reminder alone, so
        that only the faulty ones fail (with the error), the others go out."""
        if not self:
            return self
        try:
            with self.env.cr.savepoint():
                self._send(unreachable)
            return self
        except psycopg2.errors.TransactionRollbackError:
            raise  # a concurrent run: the caller retries the whole batch
        except Exception as error:  # noqa: BLE001 - any fault fails its reminder, never the batch
            if len(self) == 1:
                _logger.warning("Reminder %s could not be sent", self.id, exc_info=True)
                self._fail({self.id: _("Could not be sent: %s", self._error_text(error))})
                return self.browse()
        sent = self.browse()
        for reminder in self:
            sent |= reminder._send_isolated(unreachable)
        return sent

    @staticmethod
    def _error_text(error):
        """What a user can read of an error: a UserError's message, else its type and text."""
        if isinstance(error, UserError):
            return error.args[0]
        return f"{type(error).__name__}: {error}"

    def _send(self, unreachable):
        """Send self (checked and ready) through their channels, in batch."""
        # Fee invoices first: the letter names them.
        self._invoice_fees()
        self.line_ids.move_id._dunning_ensure_portal_tokens()
        emailed = self._reached_by("email", unreachable)
        # An email that carries the letter and the letter itself are rendered
        # once, in batch.
        with_letter = emailed.filtered("level_id.email_attach_letter")
        posted = self._reached_by("letter", unreachable) | self.filtered("channel_registered")
        (with_letter | posted)._dispatch_letters()
        emailed._dispatch_emails()
        self._reached_by("sms", unreachable)._dispatch_sms()
        self.filtered("channel_phone")._dispatch_calls()
        self.write(
            {"state": "sent", "sent_date": fields.Datetime.now(), "user_id": self.env.uid, "error_message": False}
        )
        self._log_on_documents()

    def _dispatch_errors(self, unreachable):
        """reminder id -> why it cannot go out at all: none of its channels
        reaches the contact, a registered letter has no address to go to, or
        the template or letter it needs was deleted."""
        errors = {}
        for reminder in self:
            reasons, channels = unreachable.get(reminder.id, {}), reminder._channels()
            if channels and all(channel in reasons for channel in channels):
                errors[reminder.id] = " ".join(dict.fromkeys(reasons.values()))
            elif "registered" in reasons:
                errors[reminder.id] = reasons["registered"]
            elif reminder.channel_email and not reminder._mail_template():
                errors[reminder.id] = _(
                    "The email template of the %(tone)s tone was deleted: update the Dunning module to restore "
                    "it, or choose a template on level %(level)s.",
                    tone=dict(self._fields["tone"]._description_selection(self.env)).get(reminder.tone),
                    level=reminder.level_id.name,
                )
            elif reminder._has_letter() and not reminder._letter_report():
                errors[reminder.id] = _(
                    "The reminder letter report was deleted: update the Dunning module to restore it, or "
                    "choose a letter on level %s.",
                    reminder.level_id.name,
                )
        return errors

    def _has_letter(self):
        """Printed and registered letters, and emails that carry the letter."""
        self.ensure_one()
        email_letter = self.channel_email and self.level_id.email_attach_letter
        return email_letter or self.channel_letter or self.channel_registered

    def _unreachable_channels(self):
        """reminder id -> {channel: why the contact cannot be reached that
        way}; extended per channel (see the SMS one)."""
        result = {}
        for reminder in self:
            contact, reasons = reminder.contact_id, {}
            if reminder.channel_email and not contact.email:
                reasons["email"] = _("%s has no email address.", contact.display_name)
            if reminder.channel_letter or reminder.channel_registered:
                missing = contact._dunning_missing_address()
                if missing:
                    message = _(
                        "The postal address of %(contact)s is incomplete (%(missing)s): no letter can be posted.",
                        contact=contact.display_name,
                        missing=", ".join(missing),
                    )
                    for channel in ("letter", "registered"):
                        if reminder[f"channel_{channel}"]:
                            reasons[channel] = message
            if reasons:
                result[reminder.id] = reasons
        return result

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
        """The level's template, else the one shipped for its tone; an empty
        recordset when both were deleted (the reminder then fails, see
        _dispatch_errors)."""
        self.ensure_one()
        return (
            self.level_id.mail_template_id
            or self.env.ref(TONE_TEMPLATE % (self.tone or "courteous"), raise_if_not_found=False)
            or self.env["mail.template"]
        )

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
                    "user_id": reminder._activity_user().id,
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

    def _activity_user(self):
        """Who gets this reminder's to-dos: its responsible, else a dunning
        manager of its company, never the scheduler's bot."""
        self.ensure_one()
        manager = self.env["account.dunning.engine"]._managers(self.company_id)[:1]
        return self._responsible() or manager or self.env.user

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
