import re
import textwrap
from unittest.mock import patch

from markupsafe import Markup

from odoo.tests import tagged
from odoo.tools import html_sanitize
from odoo.tools.mail import html_to_inner_content

from ..models.account_dunning_reminder_mail import LETTER_BODY_SOURCE_RE, PREVIEW_HTML, mail_preview
from .common import DunningCommon

LAYOUT = "mail.mail_notification_light"
SAME_FIELDS = (
    "subject",
    "email_from",
    "reply_to",
    "email_to",
    "email_cc",
    "recipient_ids",
    "partner_ids",
    "model",
    "res_id",
    "state",
    "message_type",
    "subtype_id",
    "author_id",
    "auto_delete",
    "is_notification",
    "mail_server_id",
    "scheduled_date",
    "record_name",
)


def normalized(html, chatter=False):
    """The HTML as a mail client renders it (as the chatter shows it: sanitized
    as mail.message bodies are), whitespace and style formatting aside."""
    html = html_sanitize(str(html), sanitize_attributes=chatter, sanitize_style=True)
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@tagged("post_install", "-at_install")
class TestMailBatch(DunningCommon):
    """The reminder emails built in batch are the mails the template itself
    makes (send_mail_batch), with the letter and invoice PDFs attached."""

    @classmethod
    @DunningCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls._load_french()
        cls.policy.max_level_jump = 5
        cls.company.email = "compta@atelier.example"
        # The company's account (tests/common.py) is an IBAN: the letters of
        # euro totals print a SEPA QR code, never mailed.
        cls.assertTrue(cls, cls.company.partner_id.bank_ids)
        cls.french = cls.env["res.partner"].create(
            {"name": "Boulangerie <Dupont> & Fils", "is_company": True, "email": "d@dupont.example", "lang": "fr_FR"}
        )
        cls.english = cls.env["res.partner"].create(
            {"name": "Northwind Traders Ltd", "is_company": True, "email": "ap@northwind.example", "lang": "en_US"}
        )
        # Same language and company as the previous one: the layout is filled in.
        cls.english_too = cls.env["res.partner"].create(
            {"name": "Smith/Jones <UK> & Co", "is_company": True, "email": "ap@smith.example", "lang": "en_US"}
        )

    def _mail(self, reminder):
        return self.env["mail.mail"].search([("model", "=", reminder._name), ("res_id", "=", reminder.id)])

    def _reference(self, reminder):
        """The mail the reminder's template makes for it, the standard way."""
        return reminder._mail_template().send_mail_batch(reminder.ids, email_layout_xmlid=LAYOUT)

    def assertSameMail(self, mail, reference):
        for field in SAME_FIELDS:
            self.assertEqual(mail[field], reference[field], field)
        self.assertEqual(normalized(mail.body_html), normalized(reference.body_html))
        message, reference_message = mail.mail_message_id, reference.mail_message_id
        self.assertEqual(normalized(message.body, chatter=True), normalized(reference_message.body, chatter=True))

    def _send(self):
        partners = self.french | self.english | self.english_too
        for partner in partners:
            self._invoice(partner, 1000.0, "2026-01-01")
        reminders, _stats = self._run("2026-01-16", partner_ids=partners.ids)
        self.assertEqual(reminders.mapped("tone"), ["firm"] * 3)
        self.assertTrue(all(reminders.mapped("channel_email")))
        return reminders

    def test_mail_is_the_template_mail(self):
        model = type(self.env["account.dunning.reminder"])
        render = model._render_mail_layout
        with patch.object(model, "_render_mail_layout", side_effect=render, autospec=True) as layout:
            reminders = self._send()
        # French, English: the first email in full, then the layout with markers;
        # the second English email is filled in.
        self.assertEqual(layout.call_count, 4)
        letters = {r.partner_id: r.letter_attachment_id.raw.decode() for r in reminders}
        qr_cell = 'class="o_dunning_qr o_dunning_paper_only"'
        self.assertIn(qr_cell, letters[self.french], "the letter prints the QR code")
        mails = {reminder: self._mail(reminder) for reminder in reminders}
        french = reminders.filtered(lambda r: r.partner_id == self.french)
        self.assertIn("Boulangerie &lt;Dupont&gt; &amp; Fils", mails[french].body_html)
        self.assertIn("Relance – facture impayée", mails[french].subject)
        self.assertIn("Les factures suivantes restent impayées", mails[french].body_html)
        smith = reminders.filtered(lambda r: r.partner_id == self.english_too)
        self.assertIn("Smith-Jones &lt;UK&gt; &amp; Co", mails[smith].body_html, "reminder name in the layout")
        for reminder, mail in mails.items():
            self.assertEqual(len(mail), 1)
            self.assertEqual(mail.state, "outgoing")
            self.assertEqual(reminder.mail_message_id, mail.mail_message_id)
            self.assertIn(mail.mail_message_id, reminder.message_ids, "in the reminder's chatter")
            self.assertEqual(mail.attachment_ids, reminder.letter_attachment_id)
            self.assertNotIn("o_dunning_qr", mail.body_html, "the QR code is for paper only")
            self.assertSameMail(mail, self._reference(reminder))

    def test_templates_reuse_the_letter_body(self):
        for tone in ("courteous", "firm", "last", "formal_notice", "litigation"):
            template = self.env.ref(f"account_dunning.mail_template_dunning_{tone}")
            for lang in ("en_US", "fr_FR"):
                self.assertTrue(LETTER_BODY_SOURCE_RE.fullmatch(template.with_context(lang=lang).body_html), tone)

    def test_mail_without_letter_is_rendered(self):
        """An email whose letter was not printed renders the same body."""
        reminders = self._send()
        for reminder in reminders:
            mail = reminder._queue_mails(reminder._mail_template(), {})
            self.assertSameMail(mail, self._reference(reminder))

    def test_level_template_with_its_own_body(self):
        template = self.env.ref("account_dunning.mail_template_dunning_firm").copy(
            {"body_html": '<p>Hello <t t-out="object.partner_id.name"/>, please pay.</p>'}
        )
        self.levels[1].mail_template_id = template
        reminders = self._send()
        for reminder in reminders:
            mail = self._mail(reminder)
            self.assertIn("please pay", mail.body_html)
            self.assertNotIn("Dear Sir", mail.body_html)
            self.assertSameMail(mail, self._reference(reminder))

    def test_level_without_letter_pdf_in_the_email(self):
        """A level may send its email without the letter PDF: the email's
        text is the letter, no PDF is printed, the invoice's PDF still goes."""
        self.levels[0].email_attach_letter = False
        self._invoice(self.english, 1000.0, "2026-01-01")
        reminder, _stats = self._run("2026-01-02", partner_ids=self.english.ids)
        self.assertEqual(reminder.state, "sent")
        self.assertFalse(reminder.letter_attachment_id)
        mail = self._mail(reminder)
        self.assertFalse(mail.attachment_ids)
        self.assertIn("If you have already paid", mail.body_html)
        self.assertSameMail(mail, self._reference(reminder))

    def test_preview_reads_the_beginning_of_long_letters(self):
        """The preview line of a long letter is read from its beginning: the
        same words as from its whole text."""
        for index in range(12):
            self._invoice(self.french, 100.0 + index, "2026-01-01")
        reminder, _stats = self._run("2026-01-16", partner_ids=self.french.ids)
        body = reminder._letter_bodies({reminder.id: "fr_FR"})[reminder.id]
        self.assertGreater(len(body), 2 * PREVIEW_HTML, "long enough to be read in part")
        for html in (body, body[: PREVIEW_HTML // 3], Markup("<p>%s</p>") % ("Lorem ipsum " * 2000)):
            self.assertEqual(mail_preview(html), textwrap.shorten(html_to_inner_content(html), 190))
        self.assertTrue(mail_preview(body).startswith("Objet : Relance"), mail_preview(body))
