import subprocess
import tempfile
from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import format_date

from .common import LetterCommon, html_text
from .test_letters import pdf_text


@tagged("post_install", "-at_install")
class TestLetterContent(LetterCommon):
    """What the letters say, read as a credit manager reads them: from the
    rendered letter and from real PDFs."""

    # ---- 3. SUBJECT AND SIGNATORY ----
    def test_formal_notice_subject_registered_letter_and_signatory(self):
        signatory = self.env["res.users"].create({"name": "Hélène Garnier", "login": "h.garnier"})
        self.policy.write({"signatory_id": signatory.id})
        self.policy.with_context(lang="fr_FR").signatory_title = "Responsable du recouvrement"
        self._invoice(self.french, 10000.0, "2026-01-01")
        reminder, pdf = self._pdf(self.french, "2026-02-15")
        self.assertEqual(reminder.tone, "formal_notice")
        text = pdf_text(pdf)
        self.assertIn("Lettre recommandée avec accusé de réception n° ……", text)
        self.assertIn("Objet : Mise en demeure de payer", text)
        self.assertIn("Hélène Garnier Responsable du recouvrement Atelier Lumière SAS", text)
        self.assertEqual(text.lower().count("mise en demeure de payer"), 1, "one title: the subject line")
        self.assertNotIn("MISE EN DEMEURE", text)
        # The post office's number, once known, is printed on a new copy.
        reminder.registered_tracking = "1A 123 456 7890 1"
        self.assertIn("Lettre recommandée avec accusé de réception n° 1A 123 456 7890 1", self._letter(reminder))

    def test_level_signatory_before_the_policy_one_never_the_bot(self):
        self.policy.write({"signatory_name": "Hélène Garnier", "signatory_title": "Credit Manager"})
        self.levels[1].write({"signatory_name": "Paul Durand", "signatory_title": "Chief Financial Officer"})
        self._invoice(self.english, 1000.0, "2026-01-01")
        first = self._send(self.english, "2026-01-02")
        text = self._letter(first)
        self.assertIn("Subject: Payment reminder – unpaid invoice", text)
        self.assertIn("Hélène Garnier Credit Manager Atelier Lumière SAS", text)
        second = self._send(self.english, "2026-01-16")
        text = self._letter(second)
        self.assertIn("Subject: Reminder – unpaid invoice", text)
        self.assertIn("Paul Durand Chief Financial Officer Atelier Lumière SAS", text)
        with self.assertRaisesRegex(ValidationError, "cannot sign letters"):
            self.policy.signatory_id = self.env.ref("base.user_root")

    def test_unsigned_policy_never_signs_with_the_bot(self):
        self._invoice(self.english, 1000.0, "2026-01-01")
        reminder = self._send(self.english, "2026-01-02", scheduler=True)
        text = self._letter(reminder)
        self.assertIn("Credit management department Atelier Lumière SAS", text)
        for bot in ("OdooBot", "System", self.env.ref("base.user_root").name):
            self.assertNotIn(bot, text)

    def test_mail_subject_is_the_letter_subject(self):
        self._invoice(self.french, 1000.0, "2026-01-01")
        self._invoice(self.french, 500.0, "2026-01-01")
        reminder = self._send(self.french, "2026-01-02")
        mail = self.env["mail.mail"].search([("model", "=", reminder._name), ("res_id", "=", reminder.id)])
        self.assertEqual(mail.subject, "Relance amiable – factures impayées – Atelier Lumière SAS")

    # ---- 4. SALUTATION ----
    def test_company_gets_madame_monsieur_and_the_matching_closing(self):
        self._invoice(self.french, 1000.0, "2026-01-01")
        text = self._letter(self._send(self.french, "2026-01-02"))
        self.assertIn("Madame, Monsieur,", text)
        self.assertIn("Veuillez agréer, Madame, Monsieur, l'expression de nos salutations distinguées.", text)
        self.assertNotIn("Bonjour", text)

    def test_individual_gets_title_and_name_and_the_matching_closing(self):
        self._invoice(self.claire, 1000.0, "2026-01-01")
        reminder = self._send(self.claire, "2026-01-02")
        text = self._letter(reminder)
        self.assertIn("Madame Dubois,", text)
        self.assertIn("Veuillez agréer, Madame, l'expression de nos salutations distinguées.", text)
        self.assertNotIn("Madame, Monsieur", text)
        self.assertNotIn("Bonjour", text)
        self.claire.lang = "en_US"
        reminder.invalidate_recordset(["lang"])
        text = self._letter(reminder)
        self.assertIn("Dear Ms Dubois,", text)
        self.assertIn("Yours sincerely,", text)
        self.assertNotIn("Yours faithfully", text)

    def test_english_company_letter(self):
        self._invoice(self.english, 1000.0, "2026-01-01")
        text = self._letter(self._send(self.english, "2026-01-02"))
        self.assertIn("Dear Sir or Madam,", text)
        self.assertIn("Yours faithfully,", text)
        self.assertNotIn("Yours sincerely", text)

    # ---- 5. CONTACT ----
    def test_contact_is_the_collections_contact_then_the_company(self):
        self._invoice(self.french, 1000.0, "2026-01-01")
        reminder = self._send(self.french, "2026-01-02", scheduler=True)
        self.assertFalse(reminder._responsible(), "no responsible anywhere, sent by the scheduler")
        text = self._letter(reminder)
        self.assertIn("Votre interlocuteur pour ce dossier : Atelier Lumière SAS", text)
        self.assertIn("+33\xa04\xa072\xa000\xa000\xa000", self._letter(reminder, True), "the number does not wrap")
        self.policy.collections_contact_id = self.env["res.partner"].create(
            {"name": "Service recouvrement", "email": "recouvrement@lumiere.example", "phone": "04-72-00-00-01"}
        )
        self.assertIn(
            "Votre interlocuteur pour ce dossier : Service recouvrement "
            "(recouvrement@lumiere.example, 04\u201172\u201100\u201100\u201101).",
            self._letter(reminder),
        )

    def test_phone_never_wraps_in_the_pdf(self):
        self.policy.collections_contact_id = self.env["res.partner"].create(
            {
                # A long name pushes the number to the end of the line.
                "name": "Service du recouvrement et du contentieux clients de la société",
                "email": "recouvrement.contentieux.clients@atelier-lumiere.example",
                "phone": "+33 4 72 00 00 01",
            }
        )
        self._invoice(self.french, 1000.0, "2026-01-01")
        _reminder, pdf = self._pdf(self.french, "2026-01-16", scheduler=True)
        with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
            source.write(pdf)
            source.flush()
            raw = subprocess.run(["pdftotext", "-layout", source.name, "-"], capture_output=True, check=True).stdout
        lines = [line.replace("\xa0", " ") for line in raw.decode().splitlines()]
        self.assertTrue(any("+33 4 72 00 00 01" in line for line in lines), "the number on one line")

    # ---- 6. RECAPS AND TITLES ----
    def test_third_letter_recalls_both_reminders_once(self):
        invoice = self._invoice(self.french, 1000.0, "2026-01-01")
        self._send(self.french, "2026-01-02")
        second = self._send(self.french, "2026-01-16")
        text = self._letter(second)
        self.assertIn("Malgré notre précédente relance, les factures suivantes restent impayées.", text)
        self.assertIn(f"Notre précédente relance : 02/01/2026 ({self.level_name[self.levels[0]]}).", text)
        third = self._send(self.french, "2026-01-31")
        self.assertEqual(third.tone, "last")
        text = self._letter(third)
        self.assertIn("Objet : Dernière relance avant recouvrement", text)
        self.assertNotIn(self.level_name[self.levels[1]], text.split("Nos relances précédentes")[0], "no ordinal title")
        self.assertIn("Malgré nos précédentes relances", text)
        self.assertIn(
            f"Nos relances précédentes : 02/01/2026 ({self.level_name[self.levels[0]]}) ; "
            f"16/01/2026 ({self.level_name[self.levels[1]]}).",
            text,
        )
        self.assertIn(invoice.name, text)

    def test_first_letter_at_a_firm_level_claims_no_earlier_reminder(self):
        self._invoice(self.french, 1000.0, "2026-01-01")
        reminder = self._send(self.french, "2026-01-16")
        self.assertEqual(reminder.tone, "firm")
        text = self._letter(reminder)
        self.assertIn("Les factures suivantes restent impayées alors que leur échéance est dépassée.", text)
        self.assertNotIn("Malgré", text)
        self.assertNotIn("précédente", text)

    def test_invoice_never_reminded_is_listed_apart_without_the_threat(self):
        self.policy.max_level_jump = 1
        reminded = self._invoice(self.french, 1000.0, "2026-01-01")
        self._send(self.french, "2026-01-02")
        self._send(self.french, "2026-01-16")
        self._send(self.french, "2026-01-31")
        newcomer = self._invoice(self.french, 300.0, "2026-02-10")
        notice = self._send(self.french, "2026-02-15")
        self.assertEqual(notice.tone, "formal_notice")
        self.assertEqual(notice._lines_at_level().move_id, reminded)
        text = self._letter(notice)
        threat, other = text.split("Autres factures désormais échues")
        self.assertIn("Malgré nos précédentes relances, les factures suivantes restent impayées.", threat)
        self.assertIn(reminded.name, threat)
        self.assertNotIn(newcomer.name, threat, "the formal notice is about the invoice that reached it")
        self.assertIn(newcomer.name, other)
        # The recap says which invoice the earlier reminders were about.
        self.assertIn(f"; 31/01/2026 ({self.level_name[self.levels[2]]}, facture {reminded.name}).", text)

    # ---- 7. CONSUMERS AND FEES ----
    def test_private_customer_reads_of_no_indemnity(self):
        self._invoice(self.claire, 1000.0, "2026-01-01")
        for day in ("2026-01-31", "2026-02-15"):
            reminder = self._send(self.claire, day)
            self.assertIn(reminder.tone, ("last", "formal_notice"))
            text = self._letter(reminder)
            for word in ("indemnité", "pénalités", "40,00", "D441-5", "L441-10"):
                self.assertNotIn(word, text, f"{reminder.tone}: {word}")
        # The formal notice starts interest at the legal rate, and says so.
        self.assertIn(
            "À compter de la présente mise en demeure, les sommes dues porteront intérêts au taux légal "
            "(article 1231-6 du Code civil).",
            text,
        )

    def test_company_letter_charging_fees_does_not_threaten_them(self):
        self._invoice(self.french, 10000.0, "2026-01-01")
        reminder = self._send(self.french, "2026-01-31")
        self.assertEqual(reminder.tone, "last")
        self.assertTrue(reminder.has_fees)
        text = self._letter(reminder)
        self.assertIn("sont inclus dans le montant ci-dessous", text)
        self.assertNotIn("seront réclamé", text)
        self.assertNotIn("seront alors réclamé", text)

    # ---- 8. THE CLAIM ADDS UP ----
    def test_litigation_letter_claims_every_fee_still_owed(self):
        self.levels[4].channel_letter = True
        invoice = self._invoice(self.french, 10000.0, "2026-01-01")
        notice = self._send(self.french, "2026-02-15")
        self.assertEqual(notice.tone, "formal_notice")
        reminder, pdf = self._pdf(self.french, "2026-03-02")
        self.assertEqual(reminder.tone, "litigation")
        text = pdf_text(pdf)
        # This letter: days 46 to 60 only, 10000 x 0.1415 x 15 / 365 = 58.15; no indemnity row at 0.
        self.assertIn(f"{invoice.name} Intérêts de retard 10 000,00 € 14,15 % 16/02/2026 – 02/03/2026 15 58,15 €", text)
        self.assertNotIn(" 0,00 €", text)
        # Claimed by the formal notice and still owed: 174.45 interest and the 40 indemnity.
        # (Read from the table without its layout: cells may wrap.)
        earlier = pdf_text(pdf).split("Frais réclamés précédemment et restant dus")[1].split("Total restant dû")[0]
        words = " ".join(earlier.split())
        for piece in ("Intérêts de retard 02/01/2026 – 15/02/2026", "174,45 €", "40,00 €", "15/02/2026"):
            self.assertIn(piece, words)
        level_word = self.level_name[self.levels[3]].split()[0]
        self.assertEqual(words.count(level_word), 2, "each claimed once, with its level")
        # 10000 + 58.15 + 174.45 + 40 = 10272.60
        self.assertIn("Total à payer 10 272,60 €", text)
        self.assertEqual(reminder._grand_totals_by_currency(), [(invoice.currency_id, 10272.60)])

    def test_interest_table_shows_each_period(self):
        """400 paid on day 20: two rows, each with its base, rate, days."""
        self.env["account.dunning.reference.rate"].search([]).reference_rate = 2.15
        invoice = self._invoice(self.english, 1000.0, "2026-01-01")
        self._pay(invoice, 400.0, date(2026, 1, 21))
        reminder = self._send(self.english, "2026-02-20")
        # 1000 x 0.1215 x 20 / 365 = 6.66; 600 x 0.1215 x 30 / 365 = 5.99; 12.65 in all
        self.assertEqual(reminder.line_ids.interest_amount, 12.65)
        text = self._letter(reminder)

        def amount(value):
            return html_text(invoice.currency_id.format(value))

        for row in (
            f"Late interest {amount(1000)} 12.15% 01/02/2026 – 01/21/2026 20 {amount(6.66)}",
            f"Late interest {amount(600)} 12.15% 01/22/2026 – 02/20/2026 30 {amount(5.99)}",
        ):
            self.assertIn(row, text)

    def test_invoiced_fees_are_counted_once(self):
        self._fees_invoiced()
        invoice = self._invoice(self.french, 10000.0, "2026-01-01")
        notice = self._send(self.french, "2026-02-15")
        fee_invoice = notice.fee_move_ids
        self.assertEqual(fee_invoice.amount_residual, 214.45)
        later = self._send(self.french, "2026-03-02")
        self.assertIn(fee_invoice, later.line_ids.move_id, "the fee invoice is dunned as an invoice")
        self.assertEqual(later._earlier_fees(), [])
        # 10000 + 214.45 (fee invoice) + 58.15 (new interest)
        self.assertEqual(later._grand_totals_by_currency(), [(invoice.currency_id, 10272.60)])

    def test_fee_invoice_of_an_earlier_reminder_still_owed(self):
        """A fee invoice not among the letter's invoices is claimed with the
        earlier fees, unless it is on hold."""
        self._fees_invoiced()
        invoice = self._invoice(self.french, 10000.0, "2026-01-01")
        notice = self._send(self.french, "2026-02-15")
        fee_invoice = notice.fee_move_ids
        # The customer disputes the interest: the fee invoice is on hold, the rest goes on.
        fee_invoice._dunning_put_on_hold("dispute")
        later = self._send(self.french, "2026-03-02")
        self.assertNotIn(fee_invoice, later.line_ids.move_id)
        self.assertEqual(later._earlier_fees(), [], "a fee invoice on hold is not claimed")
        self.assertEqual(later._grand_totals_by_currency(), [(invoice.currency_id, 10058.15)])
        fee_invoice._dunning_release_hold()
        fees = later._earlier_fees()
        self.assertEqual([(fee.invoice, fee.amount) for fee in fees], [(fee_invoice, 214.45)])
        self.assertIn(f"{fee_invoice.name} Pénalités de retard facturées", self._letter(later))
        # 10000 + 58.15 (new interest) + 214.45 (fee invoice of the formal notice)
        self.assertEqual(later._grand_totals_by_currency(), [(invoice.currency_id, 10272.60)])

    # ---- FORMATTING ----
    def test_amounts_and_dates_print_as_the_widgets(self):
        """The letters' own formatting of amounts and dates gives the text of
        QWeb's monetary and date widgets, in every language and currency,
        inside a batch (memoized) and outside it."""
        self._invoice(self.french, 1000.0, "2026-01-01")
        reminder = self._send(self.french, "2026-01-02")
        usd = self.env.ref("base.USD")
        usd.active = True
        values = [0.0, 5.5, -1234.5, 1234567.891, 40.0]
        dates = [date(2026, 1, 2), date(2025, 12, 31)]
        for lang in ("fr_FR", "en_US"):
            for currency in (self.company.currency_id, usd):
                expected = [
                    self.env["ir.qweb.field.monetary"]
                    .with_context(lang=lang)
                    .value_to_html(value, {"display_currency": currency})
                    for value in values
                ]
                expected_dates = [format_date(self.env(context={"lang": lang}), value) for value in dates]
                batch = reminder | reminder.copy()
                reminder_lang = reminder.with_context(lang=lang)
                self.assertEqual([reminder_lang._format_amount(v, currency) for v in values], expected)
                with batch.with_context(lang=lang)._history_read_once():
                    for _twice in range(2):
                        self.assertEqual([reminder_lang._format_amount(v, currency) for v in values], expected)
                        self.assertEqual([reminder_lang._format_date(v) for v in dates], expected_dates)
