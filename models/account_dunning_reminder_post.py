"""Letters to post: one PDF of every printed or registered letter not yet
printed, for whoever takes the mail to the post office."""

from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools.pdf import merge_pdf

from .account_dunning_reminder import internal_change


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    # Not frozen: printing happens after the reminder went out.
    letter_printed_date = fields.Datetime("Letter Printed On", readonly=True, copy=False)

    def _letters_to_post_domain(self):
        return [
            ("state", "=", "sent"),
            ("letter_printed_date", "=", False),
            "|",
            ("channel_letter", "=", True),
            ("channel_registered", "=", True),
            ("letter_attachment_id.mimetype", "=", "application/pdf"),
        ]

    def action_print_letters_to_post(self):
        """The selected reminders' letters still to post (from the menu: all
        of them) merged in one PDF to download, and marked printed."""
        domain = self._letters_to_post_domain()
        reminders = self.filtered_domain(domain) if self else self.search(domain)
        if not reminders:
            raise UserError(_("There is no letter waiting to be printed."))
        # Registered letters first: they go to the counter, the others in the box.
        reminders = reminders.sorted(lambda r: (not r.channel_registered, r.partner_id.name or "", r.id))
        now = fields.Datetime.now()
        attachment = self.env["ir.attachment"].create(
            {
                "name": _(
                    "Letters to post %s.pdf", fields.Datetime.context_timestamp(self, now).strftime("%Y-%m-%d %H-%M")
                ),
                "raw": merge_pdf([reminder.letter_attachment_id.raw for reminder in reminders]),
                "mimetype": "application/pdf",
            }
        )
        with internal_change():
            reminders.write({"letter_printed_date": now})
        body = Markup("<p>%s</p>") % _("Letter printed for posting.")
        reminders._message_log_batch(dict.fromkeys(reminders.ids, body))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }
