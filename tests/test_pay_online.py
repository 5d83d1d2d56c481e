import re
from urllib.parse import urlsplit

from odoo.tests import HttpCase, tagged

from .common import LetterCommon, html_text
from .test_letters import pdf_text

SHORT_URL_RE = re.compile(r"Payer en ligne : (http\S+/pay/RMD\d{6}-[a-z2-7]{10})\b")


@tagged("post_install", "-at_install")
class TestPayOnline(LetterCommon, HttpCase):
    """A letter prints an address the customer can type; it leads to the
    invoices still to pay, and to nothing for whoever guesses."""

    def test_letter_prints_a_short_address_that_leads_to_what_is_still_open(self):
        first = self._invoice(self.french, 1200.0, "2026-01-01")
        second = self._invoice(self.french, 300.0, "2026-01-01")
        reminder, pdf = self._pdf(self.french, "2026-01-20")
        self.assertTrue(reminder.channel_letter and reminder.channel_email)
        text = pdf_text(pdf)
        short_url = SHORT_URL_RE.search(text)
        self.assertTrue(short_url, "a readable address on paper, not a link hidden behind an invoice number")
        self.assertEqual(short_url.group(1), reminder._pay_short_url())
        self.assertNotIn(f"Payer en ligne : {first.name}", text)
        # The email keeps a link per invoice, and nothing meant for paper.
        mail = self.env["mail.mail"].search([("model", "=", reminder._name), ("res_id", "=", reminder.id)])
        body = str(mail.body_html)
        for move in first | second:
            self.assertIn(move.get_portal_url().split("?")[0], body)
        self.assertNotIn("/pay/RMD", body)
        self.assertNotIn("o_dunning_paper_only", body)
        self.assertNotIn('class="o_dunning_mail_only" style', body, "shown")
        self.assertIn(f"Payer en ligne : {first.name}", html_text(body))

        path = urlsplit(short_url.group(1)).path
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        self.assertIn(first.name, page.text)
        self.assertIn(second.name, page.text)
        self._pay(first)
        page = self.url_open(path)
        self.assertIn(f"/my/invoices/{second.id}?access_token=", page.text, "its page to pay it")
        self.assertNotIn(f"/my/invoices/{first.id}?", page.text, "paid: no longer listed")
        self._pay(second)
        page = self.url_open(path)
        self.assertIn("Les factures de cette relance sont réglées. Merci.", page.text)

        # Guessing gets nothing: a wrong signature, or the signature of
        # another reminder.
        self._invoice(self.english, 100.0, "2026-01-01")
        other = self._send(self.english, "2026-01-20")
        self.assertEqual(self.url_open(urlsplit(other._pay_short_url()).path).status_code, 200)
        for wrong in (path[:-1] + ("a" if path[-1] != "a" else "b"), path.replace(reminder.reference, other.reference)):
            self.assertEqual(self.url_open(wrong).status_code, 404, wrong)
