"""Reminder emails, queued in batch.

The email is what ``mail.template.send_mail_batch(ids,
email_layout_xmlid="mail.mail_notification_light")`` makes of the reminder's
template (subject, sender, recipients, language, body in the light layout),
with the letter PDF and the invoice PDFs attached, but built for a whole
batch: the subject and addresses are rendered by the template's own engine for
all reminders at once, the body is the letter's (rendered once, while printing
the letter), and the messages and mails are created by one ``create``.
"""

import re
import textwrap
from types import SimpleNamespace

from markupsafe import Markup, escape

from odoo import Command, models
from odoo.tools import SQL
from odoo.tools.mail import html_to_inner_content, is_html_empty

from .account_dunning_reminder import internal_change

LETTER_BODY = "account_dunning.dunning_letter_body"
MAIL_LAYOUT = "mail.mail_notification_light"
# Everything the template renders but the body (see send_mail_batch).
TEMPLATE_FIELDS = (
    "attachment_ids",
    "auto_delete",
    "email_cc",
    "email_from",
    "email_to",
    "mail_server_id",
    "model",
    "partner_to",
    "reply_to",
    "report_template_ids",
    "res_id",
    "scheduled_date",
    "subject",
)
# The body of this addon's templates: the letter's body, nothing else.  A
# template whose body was changed is rendered by the template itself.
LETTER_BODY_SOURCE_RE = re.compile(
    r"\s*<div>\s*<t t-call=\"account_dunning\.dunning_letter_body\">\s*"
    r"<t t-set=\"reminder\" t-value=\"object\"\s*(?:/>|>\s*</t>)\s*</t>\s*</div>\s*"
)
# What the letter body shows on paper only (SEPA QR code, the pay-online
# address to type), and what it hides on paper for the email (the links).
PAPER_ONLY_RE = re.compile(r"<(td|p) class=\"[^\"]*\bo_dunning_paper_only\b[^\"]*\"[^>]*>.*?</\1>", re.DOTALL)
MAIL_ONLY_HIDDEN = 'class="o_dunning_mail_only" style="display: none;"'
MAIL_ONLY_SHOWN = 'class="o_dunning_mail_only"'
# Stand-ins for what changes from one email to the next in the layout.
LAYOUT_MARKS = {part: f"account-dunning-mail-{part}-3f9c1b7e" for part in ("body", "name", "preview")}
# How much of an email's HTML its preview line is read from (see mail_preview).
PREVIEW_HTML = 6000
# Bodies kept by the letters of a dispatch for its emails: {(reminder id, lang): body}.
KEPT_BODIES = "account_dunning.mail_bodies"


def mail_preview(body, width=190):
    """The preview line of an email (the text a mail client shows after the
    subject): the first `width` characters of the body's text, as
    ``textwrap.shorten(html_to_inner_content(body), width)`` gives them, read
    from the beginning of the body only (a long letter's whole text is not
    flattened to keep its first words)."""
    end = body.rfind(">", 0, PREVIEW_HTML) + 1
    if end and len(body) > PREVIEW_HTML:
        text = html_to_inner_content(Markup(body[:end]))
        if len(text) > 2 * width:
            return textwrap.shorten(text, width)
    return textwrap.shorten(html_to_inner_content(body), width)


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _set_trusted_message_bodies(self):
        """The chatter message of each mail gets the mail's body as is.

        Through the ORM, mail.message sanitizes its body on create (an HTML
        parse and a rewrite of every tag, two to three times per message: most
        of the cost of queuing an email).  Only called for this addon's own
        letter bodies in Odoo's email layout: QWeb output where every value
        read from the database went through t-out and is therefore escaped, so
        the sanitizer has nothing unsafe to remove from it; the customer gets
        the same body_html, which mail.mail never sanitizes either."""
        if not self:
            return
        rows = SQL(", ").join(SQL("(%s, %s)", mail.mail_message_id.id, mail.body_html) for mail in self)
        self.env.cr.execute(
            SQL("UPDATE mail_message m SET body = v.body FROM (VALUES %s) AS v(id, body) WHERE m.id = v.id", rows)
        )
        self.mail_message_id.invalidate_recordset(["body"])
        self.invalidate_recordset(["body"])


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    # ---- BODY, RENDERED ONCE ----
    def _keep_mail_body(self, body):
        """Called by the letter with the body it has just rendered: during a
        dispatch, the reminder's email reuses it instead of rendering it again
        (same text, same language, as the email shows it: see PAPER_ONLY_RE)."""
        self.ensure_one()
        if self.env.context.get("dunning_keep_mail_bodies") and self.channel_email:
            kept = self.env.cr.cache.setdefault(KEPT_BODIES, {})
            mail_body = PAPER_ONLY_RE.sub("", body).replace(MAIL_ONLY_HIDDEN, MAIL_ONLY_SHOWN)
            kept[self.id, self.env.lang] = Markup(mail_body)
        return ""

    def _forget_mail_bodies(self):
        """Bodies kept for emails that were not sent (no email address)."""
        self.env.cr.cache.pop(KEPT_BODIES, None)

    def _letter_bodies(self, langs):
        """{reminder id: the letter body as the email shows it}, in the language
        `langs` gives per reminder: the one kept from the letter, else rendered
        now (compiled once per language, not once per reminder)."""
        kept = self.env.cr.cache.get(KEPT_BODIES, {})
        bodies = {}
        for reminder in self:
            body = kept.pop((reminder.id, langs.get(reminder.id) or self.env.lang), None)
            if body is not None:
                bodies[reminder.id] = body
        missing = self.filtered(lambda r: r.id not in bodies)
        with missing._history_read_once():
            for lang, reminders in missing.grouped(lambda r: langs.get(r.id) or self.env.lang).items():
                qweb = self.env["ir.qweb"].with_context(lang=lang)
                for reminder in reminders.with_context(lang=lang):
                    bodies[reminder.id] = qweb._render(LETTER_BODY, {"reminder": reminder})
        return bodies

    def _mail_bodies(self, template, langs):
        """({reminder id: body before the layout} from `template`, whether the
        bodies are this addon's own letter bodies)."""
        if all(LETTER_BODY_SOURCE_RE.fullmatch(t.body_html or "") for t in self._template_per_lang(template, langs)):
            bodies = self._letter_bodies(langs)
            return {res_id: Markup("<div>%s</div>") % body for res_id, body in bodies.items()}, True
        rendered = template._generate_template(self.ids, ("body_html",))
        return {res_id: values["body_html"] for res_id, values in rendered.items()}, False

    def _template_per_lang(self, template, langs):
        return [template.with_context(lang=lang) if lang else template for lang in set(langs.values()) or {False}]

    def _mail_layout(self, body, company, model_description, lang, own_body):
        """`body` in the light email layout, as send_mail_batch puts it.

        send_mail_batch sanitizes the body on its way into the layout (through
        the mail.message it builds for it); this addon's own letter body is
        not (`own_body`): it is QWeb output where every value read from the
        database went through t-out and is therefore escaped, so sanitizing
        cannot remove anything unsafe from it, it only costs an HTML parse per
        email.  The body of a template edited by a user still is."""
        if own_body:
            message = SimpleNamespace(body=body, record_name=self.display_name, preview=mail_preview(body))
        else:
            message = self.env["mail.message"].sudo().new({"body": body, "record_name": self.display_name})
        rendered = self._render_mail_layout(message, company, model_description, lang)
        return self.env["mail.render.mixin"]._replace_local_links(rendered)

    def _render_mail_layout(self, message, company, model_description, lang):
        values = {
            "message": message,
            "subtype": self.env["mail.message.subtype"].sudo(),
            "model_description": model_description,
            "record": self,
            "record_name": False,
            "subtitles": False,
            "company": company,
            "email_add_signature": False,
            "signature": "",
            "website_url": "",
            "is_html_empty": is_html_empty,
        }
        qweb = self.env["ir.qweb"].with_context(lang=lang) if lang else self.env["ir.qweb"]
        return qweb._render(MAIL_LAYOUT, values, minimal_qcontext=True)

    def _mail_layouts(self, bodies, own_bodies, langs, companies):
        """{reminder id: mail body in the layout}.  The layout differs from one
        email to the next only by the body, its preview and the reminder's
        name: for this addon's own bodies it is rendered once per language and
        company with markers in their place, then filled in per email, once
        checked against a full rendering of the first email."""
        ir_model = self.env["ir.model"]._get(self._name)
        result = {}
        groups = self.grouped(lambda r: (langs.get(r.id) or False, companies.get(r.id) or self.env.company))
        for (lang, company), reminders in groups.items():
            model_description = (ir_model.with_context(lang=lang) if lang else ir_model).display_name
            first = reminders[:1]
            result[first.id] = first._mail_layout(bodies[first.id], company, model_description, lang, own_bodies)
            skeleton = None
            if own_bodies:
                marks = SimpleNamespace(
                    body=Markup(LAYOUT_MARKS["body"]), record_name=LAYOUT_MARKS["name"], preview=LAYOUT_MARKS["preview"]
                )
                skeleton = self.env["mail.render.mixin"]._replace_local_links(
                    str(first._render_mail_layout(marks, company, model_description, lang))
                )
                if first._fill_mail_layout(skeleton, bodies[first.id]) != result[first.id]:
                    skeleton = None
            for reminder in reminders[1:]:
                body = bodies[reminder.id]
                result[reminder.id] = (
                    reminder._fill_mail_layout(skeleton, body)
                    if skeleton
                    else reminder._mail_layout(body, company, model_description, lang, own_bodies)
                )
        return result

    def _fill_mail_layout(self, skeleton, body):
        """The layout `skeleton` (its local links already made absolute) with
        this email's name, preview and body (whose links are made absolute
        here): what _mail_layout makes of the whole, with the links of the
        layout replaced once per batch instead of once per email."""
        name = self.display_name
        body = self.env["mail.render.mixin"]._replace_local_links(body)
        html = (
            skeleton.replace(LAYOUT_MARKS["name"], escape(name.replace("/", "-")) if name else "")
            .replace(LAYOUT_MARKS["preview"], escape(mail_preview(body)))
            .replace(LAYOUT_MARKS["body"], body)
        )
        return Markup(html)

    # ---- MAILS, CREATED IN BATCH ----
    def _queue_mails(self, template, invoice_pdfs):
        """One outgoing mail per reminder of self from `template`, linked to
        the reminder and posted in its chatter."""
        template._send_check_access(self.ids)
        rendered = template._generate_template(self.ids, TEMPLATE_FIELDS)
        langs = template._render_lang(self.ids) if template.lang else {}
        bodies, own_bodies = self._mail_bodies(template, langs)
        layouts = self._mail_layouts(bodies, own_bodies, langs, self._mail_get_companies(default=self.env.company))
        values_list, generated = [], []
        for reminder in self:
            values = rendered[reminder.id]
            generated.append(values.pop("attachments", []))
            if "email_from" in values and not values.get("email_from"):
                values.pop("email_from")
            body = layouts[reminder.id]
            attachments = reminder.letter_attachment_id | reminder.line_ids.move_id.mapped(
                lambda move: invoice_pdfs.get(move.id, self.env["ir.attachment"])
            )
            values.update(
                body_html=body,
                **({} if own_bodies else {"body": body}),
                recipient_ids=[Command.link(pid) for pid in values.get("partner_ids") or []],
                attachment_ids=[Command.link(aid) for aid in [*(values.get("attachment_ids") or []), *attachments.ids]],
            )
            values_list.append(values)
        mails = self.env["mail.mail"].sudo().create(values_list)
        if own_bodies:
            mails._set_trusted_message_bodies()
        for mail, attachments in zip(mails, generated, strict=True):
            if attachments:
                mail.with_context(default_type=None).write(
                    {
                        "attachment_ids": [
                            Command.create(
                                {
                                    "name": name,
                                    "datas": datas,
                                    "type": "binary",
                                    "res_model": "mail.message",
                                    "res_id": mail.mail_message_id.id,
                                }
                            )
                            for name, datas in attachments
                        ]
                    }
                )
        for reminder, mail in zip(self, mails, strict=True):
            with internal_change():
                reminder.mail_message_id = mail.mail_message_id
        return mails
