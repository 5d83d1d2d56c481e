import base64
import re
import subprocess
import tempfile

import qrcode

from odoo.tests import tagged

from ..models.account_dunning_reminder_content import svg_qr_code_data_uri
from .common import LetterCommon


def pdf_text(pdf):
    """The text of a PDF as pdftotext reads it, whitespace collapsed."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
        source.write(pdf)
        source.flush()
        text = subprocess.run(["pdftotext", "-layout", source.name, "-"], capture_output=True, check=True).stdout
    return re.sub(r"\s+", " ", text.decode("utf-8").replace("\u202f", " ").replace("\xa0", " "))


@tagged("post_install", "-at_install")
class TestLetters(LetterCommon):
    """The letters and emails customers receive, read back from real PDFs and mails."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "street": "12 rue de la République",
                "zip": "69002",
                "vat": "FR23334175221",
                "email": "compta@atelier-lumiere.example",
            }
        )
        cls.company.partner_id.siret = "33417522100013"
        cls.company.partner_id.bank_ids.bank_id = cls.env["res.bank"].create(
            {"name": "Banque de Lyon", "bic": "AGRIFRPP"}
        )
        cls.english.write(
            {"street": "1 King Street", "zip": "EC2V 8AU", "city": "London", "country_id": cls.env.ref("base.uk").id}
        )

    def _pdf_letter(self, partner, day):
        """Run the dunning on `day` with real PDF rendering, validate what
        waits for a manager, and return (reminder, letter text)."""
        reminder, pdf = self._pdf(partner, day)
        self.assertEqual(reminder.state, "sent")
        return reminder, pdf_text(pdf)

    def test_formal_notice_pdf_in_french(self):
        invoice = self._invoice(self.french, 10000.0, "2026-01-01")
        reminder, text = self._pdf_letter(self.french, "2026-02-15")
        self.assertEqual(reminder.tone, "formal_notice")
        for expected in (
            # creditor identity, place and date
            "Atelier Lumière SAS",
            "12 rue de la République",
            "SIRET 334 175 221 00013",
            "FR23334175221",
            "Lyon, le 15 février 2026",
            # debtor's exact name and address
            "Boulangerie Dupont SARL",
            "3 place Bellecour",
            # the formal notice itself: its subject line is its only title
            "Objet : Mise en demeure de payer",
            "1344",
            # the invoice, its amounts and the fees (10000 x 14.15 % x 45 / 365 = 174.45; 40 indemnity)
            invoice.name,
            "Consulting",
            "174,45",
            "40,00",
            "10 214,45",
            "L441-10",
            # how to pay and the courtesy line
            "FR76 3000 6000 0112 3456 7890 189",
            reminder.reference,
            "Si vous avez déjà procédé au règlement",
            "Payer en ligne",
            "Total à payer",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("Dear Sir", text)

    def test_last_reminder_pdf_in_english(self):
        invoice = self._invoice(self.english, 2000.0, "2026-01-01")
        reminder, text = self._pdf_letter(self.english, "2026-01-31")
        self.assertEqual(reminder.tone, "last")
        # 2000 x 0.1415 x 30 / 365 = 8490 / 365 = 23.260... -> 23.26
        for expected in (
            "Dear Sir or Madam",
            "last reminder",
            invoice.name,
            "23.26",
            "40.00",
            "2,063.26",
            "recovery department",
            "02/08/2026",  # deadline: letter date + 8 days
            "If you have already paid, please disregard this reminder.",
            "Northwind Traders Ltd",
            "London",
        ):
            self.assertIn(expected, text)

    def test_letter_recalls_history_and_offers_ways_to_pay(self):
        invoice = self._invoice(self.english, 1000.0, "2026-01-01")
        never_sent = self._invoice(self.english, 50.0, "2026-01-01")
        # The invoice PDF the customer received when the invoice was sent.
        self.env["ir.attachment"].create(
            {
                "name": "INV_sent.pdf",
                "raw": b"%PDF-1.4 sent invoice",
                "res_model": "account.move",
                "res_id": invoice.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        invoice.invalidate_recordset(["invoice_pdf_report_id"])
        self._run("2026-01-02", partner_ids=self.english.ids)
        reminder, _stats = self._run("2026-01-16", partner_ids=self.english.ids)
        html = str(
            self.env["ir.actions.report"]._render_qweb_html("account_dunning.report_dunning_letter", reminder.ids)[0]
        )
        self.assertIn("Our previous reminder: 01/02/2026 (Courteous reminder).", html)
        self.assertIn("Please pay by 01/24/2026.", html)
        self.assertIn(reminder._pay_short_url(), html, "an address to type on paper")
        self.assertNotIn(invoice.get_portal_url().split("?")[0], html, "no hidden links in a letter printed alone")
        self.assertIn('src="data:image/svg+xml;base64,', html, "SEPA QR code for a euro total and an IBAN")
        mail = self.env["mail.mail"].search([("model", "=", reminder._name), ("res_id", "=", reminder.id)])
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.english)
        self.assertEqual(
            set(mail.attachment_ids.mapped("name")),
            {reminder.letter_attachment_id.name, "INV_sent.pdf"},
            "the letter and the invoice PDF the customer received; none is printed for the invoice never sent",
        )
        self.assertIn(never_sent.get_portal_url().split("?")[0], str(mail.body_html), "linked instead")
        self.assertIn("Reminder – unpaid invoices", mail.subject)

    def test_sepa_qr_code_draws_every_module_of_the_payload(self):
        """The QR code printed on the letter is the EPC payload's code, module
        for module (drawn as rectangles per run of dark modules)."""
        payload = "BCD\n002\n1\nSCT\nBNPAFRPP\nAtelier Dupont\nFR7630006000011234567890189\nEUR1234.56\n\n\nRMD000042\n"
        svg = base64.b64decode(svg_qr_code_data_uri(payload).removeprefix("data:image/svg+xml;base64,")).decode()
        size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
        path = re.search(r'<path d="([^"]*)"', svg).group(1)
        runs = re.findall(r"M(\d+),(\d+)h(\d+)v1h-\3z", path)
        self.assertEqual("".join(f"M{x},{y}h{n}v1h-{n}z" for x, y, n in runs), path, "nothing else drawn")
        drawn = [[False] * size for _row in range(size)]
        for x, y, length in runs:
            for column in range(int(x), int(x) + int(length)):
                self.assertFalse(drawn[int(y)][column], "each module drawn once")
                drawn[int(y)][column] = True
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
        code.add_data(payload)
        code.make(fit=True)
        self.assertEqual(drawn, code.get_matrix())

    def test_names_are_escaped_in_mail_letter_and_pdf(self):
        nasty = self.env["res.partner"].create(
            {"name": 'Acme <script>alert("x")</script> & Sons', "is_company": True, "email": "acme@example.com"}
        )
        self._invoice(nasty, 500.0, "2026-01-01")
        reminder, _stats = self._run("2026-01-02", partner_ids=nasty.ids)
        mail = self.env["mail.mail"].search([("model", "=", reminder._name), ("res_id", "=", reminder.id)])
        letter = reminder.letter_attachment_id.raw.decode() if reminder.letter_attachment_id else ""
        for html in (str(mail.body_html), letter):
            if html:
                self.assertNotIn("<script>", html)
                self.assertIn("&lt;script&gt;", html)
        _reminder, text = self._pdf_letter(nasty, "2026-01-16")
        self.assertIn('Acme <script>alert("x")</script> & Sons', text, "shown as text, never interpreted")

    def test_delay_follows_the_level_notice_days(self):
        """The delay the letter gives is the level's, in the text and the date."""
        self.levels[1].notice_days = 10
        self._invoice(self.english, 1000.0, "2026-01-01")
        reminder, _stats = self._run("2026-01-16", partner_ids=self.english.ids)
        self.assertEqual(reminder.tone, "firm")
        html = str(
            self.env["ir.actions.report"]._render_qweb_html("account_dunning.report_dunning_letter", reminder.ids)[0]
        )
        self.assertIn("Please settle them within 10 days.", html)
        self.assertIn("Please pay by 01/26/2026.", html)
