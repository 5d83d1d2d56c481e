import html
import logging
import re
import subprocess
import tempfile
from datetime import date
from pathlib import Path

from freezegun import freeze_time

from odoo.tests import tagged

from .common import DunningCommon

LETTER = "account_dunning.action_report_dunning_letter"
POINT = 25.4 / 72  # millimetres
# The window of French DL, C5 and C6 envelopes, whichever of them: 100 x 45 mm,
# 20 mm from the right edge, its top 45 to 55 mm from the top of the sheet.
WINDOW = (90.0, 55.0, 190.0, 90.0)  # left, top, right, bottom (mm)
WORD_RE = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def run_pdf_tool(command, pdf):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
        source.write(pdf)
        source.flush()
        return subprocess.run([*command, source.name, "-"], capture_output=True, check=True).stdout.decode()


def pdf_words(pdf):
    """[[(word, (left, top, right, bottom) in mm)] per page]."""
    pages = []
    for page in run_pdf_tool(["pdftotext", "-bbox"], pdf).split("<page ")[1:]:
        pages.append(
            [(html.unescape(word), tuple(float(v) * POINT for v in box)) for *box, word in WORD_RE.findall(page)]
        )
    return pages


def pdf_pages(pdf):
    """The text of each page, spaces normalised (no-break ones included)."""
    text = run_pdf_tool(["pdftotext", "-layout"], pdf).replace("\u202f", " ").replace("\xa0", " ")
    return [re.sub(r"\s+", " ", page) for page in text.rstrip("\f").split("\f")]


def in_window(box):
    left, top, right, bottom = WINDOW
    return box[0] >= left and box[1] >= top and box[2] <= right and box[3] <= bottom


@tagged("post_install", "-at_install")
class TestLetterFrame(DunningCommon):
    """What surrounds the text of a letter, read from real PDFs: the address in
    the envelope window, the creditor's mandatory mentions and page numbers on
    every page, the customer's language whoever prints."""

    @classmethod
    @DunningCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls._load_french()
        cls.env["res.lang"]._activate_lang("en_GB")
        cls.policy.max_level_jump = 5
        cls.company.write(
            {
                "name": "Atelier Lumière SAS",
                "street": "25 quai Saint-Vincent",
                "zip": "69001",
                "city": "Lyon",
                "vat": "FR91812457638",
                "company_registry": "81245763800011",
                "trade_register_city": "Lyon",
                "legal_form": "SAS",
                "share_capital": 10000,
                "phone": "+33 4 65 71 12 34",
                "email": "contact@atelier-lumiere.example",
            }
        )
        if "siret" in cls.company.partner_id._fields:
            cls.company.partner_id.siret = "81245763800011"
        cls.french = cls._french_customer()
        cls.british = cls.env["res.partner"].create(
            {
                "name": "Thistle & Oak Interiors Ltd",
                "is_company": True,
                "street": "221 King's Road",
                "zip": "SW3 5EJ",
                "city": "London",
                "country_id": cls.env.ref("base.uk").id,
                "email": "accounts@thistle-oak.example",
                "lang": "en_GB",
            }
        )
        # Letters style themselves; wkhtmltopdf must reach no server.
        cls.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")

    def _letters(self, partners, day):
        """The reminders the dunning of `day` sends to `partners`, with PDFs."""
        day = date.fromisoformat(day)
        with freeze_time(day):
            engine = self.engine.with_context(force_report_rendering=True)
            reminders, _stats = engine._run(self.company, today=day, partner_ids=partners.ids)
            reminders.filtered(lambda r: r.state == "to_validate").action_validate()
        self.assertEqual(set(reminders.mapped("state")), {"sent"}, reminders.mapped("error_message"))
        return reminders

    def _assert_in_window(self, pdf, lines):
        """The words of `lines`, and nothing else, show through the window
        of the envelope: on page 1, within its rectangle."""
        inside = [word for word, box in pdf_words(pdf)[0] if in_window(box)]
        self.assertEqual(inside, " ".join(lines).split())

    def test_address_in_the_envelope_window(self):
        self._invoice(self.french, 1000.0, "2026-01-01")
        self._invoice(self.british, 500.0, "2026-01-01")
        reminders = self._letters(self.french | self.british, "2026-02-15")
        french, british = (reminders.filtered(lambda r, p=p: r.partner_id == p) for p in (self.french, self.british))
        # Domestic: name, street, zip and city; no country line.
        self._assert_in_window(
            french.letter_attachment_id.raw, ["Boulangerie Dupont SARL", "3 place Bellecour", "69002 Lyon"]
        )
        # Abroad: the country line, in capitals, in the customer's language.
        lines = self.company.with_context(lang="en_GB")._dunning_postal_lines(self.british)
        self.assertEqual(lines[-1], "UNITED KINGDOM")
        self._assert_in_window(british.letter_attachment_id.raw, lines)
        # Upright: no italic or oblique font anywhere in the letter.
        with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
            source.write(french.letter_attachment_id.raw)
            source.flush()
            fonts = subprocess.run(["pdffonts", source.name], capture_output=True, check=True).stdout.decode()
        self.assertIn("DejaVuSans", fonts)
        self.assertNotRegex(fonts.lower(), "italic|oblique")

    def test_statement_address_in_the_envelope_window(self):
        self._invoice(self.french, 1000.0, "2026-01-01")
        pdf, _type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True, dunning_statement_date="2026-02-15")
            ._render_qweb_pdf("account_dunning.action_report_dunning_statement", self.french.ids)
        )
        self._assert_in_window(pdf, ["Boulangerie Dupont SARL", "3 place Bellecour", "69002 Lyon"])

    def test_every_page_carries_the_legal_footer_and_its_number(self):
        """A long letter: the creditor's identity and mandatory mentions and
        "Page n/m" at the foot of every page, the table headers repeated; in
        a batch, each letter counts its own pages."""
        for index in range(45):
            self._invoice(self.french, 100.0 + index, "2026-01-01")
        self._invoice(self.british, 500.0, "2026-01-01")
        reminders = self._letters(self.french | self.british, "2026-02-15")
        long_letter = reminders.filtered(lambda r: r.partner_id == self.french).letter_attachment_id.raw
        pages = pdf_pages(long_letter)
        self.assertGreaterEqual(len(pages), 2)
        for number, page in enumerate(pages, start=1):
            for mention in (
                "Atelier Lumière SAS – 25 quai Saint-Vincent, 69001 Lyon",
                "SAS au capital de 10 000 €",
                "RCS Lyon 812 457 638",
                "SIRET 812 457 638 00011",
                "TVA intracommunautaire FR91812457638",
                "Tél. +33 4 65 71 12 34",
                "contact@atelier-lumiere.example",
                f"Page {number}/{len(pages)}",
            ):
                self.assertIn(mention, page)
            # The invoices table or the fees table continues under its headers.
            self.assertTrue("Désignation" in page or "Période" in page, page)
        british = reminders.filtered(lambda r: r.partner_id == self.british).letter_attachment_id.raw
        pages = pdf_pages(british)
        self.assertIn(f"Page 1/{len(pages)}", pages[0], "the batch was cut per letter, pages counted per letter")
        self.assertNotIn("Boulangerie", " ".join(pages))
        self.assertIn("SAS with a share capital of 10,000 €", pages[0])
        self.assertIn("VAT number FR91812457638", pages[0])

    def test_french_company_without_rcs_is_told_what_is_missing(self):
        self.company.trade_register_city = False
        self._invoice(self.french, 1000.0, "2026-01-01")
        day = date(2026, 2, 15)
        with freeze_time(day):
            reminders, _stats = self.engine.with_context(force_report_rendering=True)._run(
                self.company, today=day, partner_ids=self.french.ids
            )
            reminders.filtered(lambda r: r.state == "to_validate").action_validate()
        self.assertEqual(reminders.state, "failed")
        self.assertIn("Trade Register (RCS) City", reminders.error_message)
        self.assertFalse(reminders.letter_attachment_id)

    def test_letter_in_the_customers_language_whoever_prints(self):
        """Printed from a French session, the British customer's letter is
        British English throughout; the French one is French."""
        self._invoice(self.british, 32.95, "2026-01-01")
        self._invoice(self.french, 1234.5, "2026-01-01")
        reminders = self._letters(self.french | self.british, "2026-02-15")
        report = self.env["ir.actions.report"].with_context(lang="fr_FR", force_report_rendering=True)
        for reminder in reminders:
            reminder.invalidate_recordset()
            pdf, _type = report._render_qweb_pdf(LETTER, reminder.ids)
            text = " ".join(pdf_pages(pdf))
            if reminder.partner_id == self.british:
                for english in ("Lyon, 15 February 2026", "UNITED KINGDOM", "32.95", "Dear Sir or Madam"):
                    self.assertIn(english, text)
                for french in ("Royaume-Uni", "32,95", "Madame", "Facture", "le 15", "TVA"):
                    self.assertNotIn(french, text)
            else:
                for french in (
                    "Lyon, le 15 février 2026",
                    "Notre référence",
                    "Mise en demeure de payer",  # the subject line, the only title
                    "1 234,50 €",
                    "Madame, Monsieur",
                    "Désignation",
                    "majoré de 10 points",
                ):
                    self.assertIn(french, text)
                for english in ("Dear", "Invoice", "Yours", "VAT"):
                    self.assertNotIn(english, text)

    def test_printed_without_the_web_server(self):
        """wkhtmltopdf fetches nothing (the letter styles itself): no network
        error when the server is out of reach, as from a shell or a cron, and
        the same styled letter."""
        self._invoice(self.french, 1000.0, "2026-01-01")
        reminder = self._letters(self.french, "2026-02-15")
        # Assets wkhtmltopdf may not read: it reports a network error for each.
        self.env["ir.config_parameter"].sudo().set_param("report.url", "file:///")
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        logged = []
        handler = logging.Handler(level=logging.INFO)
        handler.emit = logged.append
        logger = logging.getLogger("odoo.addons.base.models.ir_actions_report")
        logger.addHandler(handler)
        try:
            pdf, _type = report._render_qweb_pdf(LETTER, reminder.ids)
        finally:
            logger.removeHandler(handler)
        messages = [record.getMessage() for record in logged]
        self.assertFalse([line for line in messages if re.search("network|failed to load", line, re.IGNORECASE)])
        self.assertEqual(pdf_pages(pdf)[0], pdf_pages(reminder.letter_attachment_id.raw)[0])

    def test_french_typography_of_the_translations(self):
        """A no-break space before : ; ! ? and inside amounts, in every French
        string (tags, placeholders, entities and URLs aside)."""
        po = (Path(__file__).parents[1] / "i18n" / "fr.po").read_text(encoding="utf-8")
        msgstrs = [
            "".join(re.findall(r'"(.*)"', block))
            for block in re.findall(r'^msgstr ((?:".*"\n?)+)', po, flags=re.MULTILINE)
        ][1:]  # the header
        self.assertGreater(len(msgstrs), 500)
        markup = re.compile(r"<[^>]*>|%\([a-z_]+\)s|https?://\S+|\{\{.*?\}\}|&[a-z]+;")
        bad = []
        for msgstr in msgstrs:
            text = markup.sub("", msgstr).replace("\\n", "\n")
            if re.search(r"[^\u00a0\u202f][:;!?](\s|$)", text) or re.search(r"\d [\d€%]", text):
                bad.append(msgstr)
        self.assertEqual(bad, [])
