from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import LetterCommon, html_text
from .test_letters import pdf_text

FRENCH = (
    "<p>{{salutation}}</p>"
    "<p>Chère cliente, cher client {{customer}}, nous attendons {{total}} avant le {{deadline}}.</p>"
    "<p>{{invoices}}</p><p>{{payment}}</p><p>{{contact}}</p><p>{{closing}}</p>"
)
ENGLISH = (
    "<p>{{salutation}}</p><p>We still wait for {{total}} from {{customer}} by {{deadline}}.</p>"
    "<p>{{invoices}}</p><p>{{payment}}</p><p>{{closing}}</p>"
)


@tagged("post_install", "-at_install")
class TestWording(LetterCommon):
    """The wording of each level is the user's, per language; the statutory
    parts of a letter are not."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.firm = cls.levels.filtered(lambda level: level.tone == "firm")
        cls.Wording = cls.env["account.dunning.wording"]

    def _word(self, lang, body, level=None, subject=False):
        level = level or self.firm
        return self.Wording.create({"level_id": level.id, "lang": lang, "body": body, "subject": subject})

    def _mail_text(self, reminder):
        mail = self.env["mail.mail"].search([("model", "=", reminder._name), ("res_id", "=", reminder.id)])
        self.assertEqual(len(mail), 1)
        return html_text(mail.body_html)

    def test_letter_and_email_say_the_wording_of_the_customer_language(self):
        self._word("fr_FR", FRENCH, subject="Votre compte chez nous")
        self._word("en_US", ENGLISH)
        self._invoice(self.french, 1200.0, "2026-01-01")
        self._invoice(self.english, 800.0, "2026-01-01")
        french, pdf = self._pdf(self.french, "2026-01-20")
        self.assertEqual(french.level_id, self.firm)
        sentence = "Chère cliente, cher client Boulangerie Dupont SARL, nous attendons 1 200,00 € avant le 28/01/2026."
        text = pdf_text(pdf)
        self.assertIn(sentence, text)
        self.assertIn("Objet : Votre compte chez nous", text)
        # The statutory parts stay, whatever the wording says.
        for statutory in (
            "Atelier Lumière SAS",
            "Boulangerie Dupont SARL 3 place Bellecour 69002 Lyon",
            french.line_ids.move_id.name,
            "Consulting",
            "Modalités de paiement : par virement",
            "Si vous avez déjà procédé au règlement",
            "Veuillez agréer, Madame, Monsieur",
        ):
            self.assertIn(statutory, text)
        self.assertNotIn("Il s'agit peut-être d'un simple oubli", text)
        self.assertNotIn("{{", text)
        # The email says the same, from the same source.
        mail = self._mail_text(french)
        self.assertIn(sentence, mail)
        self.assertIn("Si vous avez déjà procédé au règlement", mail)
        english = self._send(self.english, "2026-01-20")
        text = self._letter(english)
        self.assertIn("We still wait for 800.00 € from Northwind Traders Ltd by 01/28/2026.", text)
        self.assertNotIn("Chère", text)
        self.assertIn("If you have already paid, please disregard this reminder.", text)

    def test_language_without_wording_gets_the_standard_text_in_that_language(self):
        self._word("en_US", ENGLISH)
        self._invoice(self.french, 1200.0, "2026-01-01")
        text = self._letter(self._send(self.french, "2026-01-20"))
        self.assertNotIn("We still wait", text)
        self.assertIn("Nous vous remercions de bien vouloir les régler sous 8 jours", text)

    def test_standard_wording_is_offered_in_the_policy_form_and_previewed(self):
        self._invoice(self.french, 1200.0, "2026-01-01")
        reminder = self._send(self.french, "2026-01-20")
        with Form(self.policy.with_context(lang="fr_FR")) as policy, policy.wording_ids.new() as wording:
            wording.level_id = self.firm
            wording.lang = "fr_FR"
            self.assertIn("{{still_unpaid}} Nous vous remercions de bien vouloir les régler sous", wording.body)
            self.assertIn("bien vouloir les régler sous 8 jours", wording.preview)
            self.assertIn(reminder.reference, wording.preview_note)
            wording.body = FRENCH
            self.assertIn("nous attendons 1\xa0200,00\xa0€ avant le 28/01/2026", wording.preview)
            self.assertIn(reminder.line_ids.move_id.name, wording.preview)
        saved = self.policy.wording_ids
        self.assertEqual((saved.level_id, saved.lang, saved.policy_id), (self.firm, "fr_FR", self.policy))
        # A level that has sent nothing yet is previewed with sample values.
        with Form(saved) as wording:
            wording.level_id = self.levels[2]
            self.assertIn("With sample values", wording.preview_note)
            self.assertIn("[Le nom du client]", wording.preview)

    def test_unknown_or_broken_placeholders_are_refused(self):
        cases = {
            "Unknown placeholders: {{client}}": FRENCH.replace("{{customer}}", "{{client}}"),
            "not closed": FRENCH.replace("{{customer}}", "{{customer"),
            "must keep {{payment}}": FRENCH.replace("<p>{{payment}}</p>", ""),
            "must keep {{invoices}}": FRENCH.replace("<p>{{invoices}}</p>", ""),
            "only once": FRENCH + "<p>{{invoices}}</p>",
            "line of its own": FRENCH.replace("<p>{{invoices}}</p>", "").replace("{{total}}", "{{invoices}}"),
        }
        for message, body in cases.items():
            with self.subTest(message), self.assertRaises(ValidationError) as refused:
                self._word("fr_FR", body)
            self.assertIn(message, refused.exception.args[0])
        formal_notice = self.levels[3]
        with self.assertRaises(ValidationError) as refused:
            self._word("fr_FR", FRENCH, level=formal_notice)
        self.assertIn("cannot name a payment date", refused.exception.args[0])
        # Nor may a level become a formal notice while its wording names a date.
        last = self.levels.filtered(lambda level: level.tone == "last")
        self._word("fr_FR", FRENCH, level=last)
        with self.assertRaises(ValidationError) as refused:
            last.tone = "formal_notice"
        self.assertIn("cannot name a payment date", refused.exception.args[0])

    def test_values_are_escaped_and_the_wording_sanitized(self):
        self.french.name = "Dupont <b>&</b> Fils"
        script = "<p>{{closing}}</p><script>alert(1)</script>"
        wording = self._word("fr_FR", FRENCH.replace("<p>{{closing}}</p>", script))
        self.assertNotIn("<script", wording.body)
        self._invoice(self.french, 1200.0, "2026-01-01")
        reminder = self._send(self.french, "2026-01-20")
        html = (
            self.env["ir.qweb"]
            .with_context(lang="fr_FR")
            ._render("account_dunning.dunning_letter_body", {"reminder": reminder.with_context(lang="fr_FR")})
        )
        self.assertIn("cher client Dupont &lt;b&gt;&amp;&lt;/b&gt; Fils", html)
        self.assertNotIn("<b>&</b>", html)

    def test_copied_policy_keeps_the_wording_of_its_own_levels(self):
        self._word("fr_FR", FRENCH)
        copy = self.policy.copy({"is_default": False})
        self.assertEqual(len(copy.wording_ids), 1)
        self.assertEqual(copy.wording_ids.level_id.policy_id, copy)
        self.assertIn(copy.wording_ids.level_id, copy.level_ids)
        self.assertEqual(len(self.policy.wording_ids), 1)

    def test_courteous_and_firm_wordings_cannot_threaten(self):
        """The first reminders ask; threats are refused when the wording is
        saved, in any of the languages known (English, French, German,
        Spanish, Italian, Dutch), and so are the placeholders that carry them."""
        last = self.levels.filtered(lambda level: level.tone == "last")
        threats = {
            "huissier": FRENCH.replace("nous attendons", "notre huissier attend"),
            "tribunal": FRENCH.replace("{{closing}}", "Sans quoi, le Tribunal de commerce sera saisi. {{closing}}"),
            "court": ENGLISH.replace("We still wait", "We will go to court for"),
            # Whatever the wording's language, the other languages' threats too.
            "inkassobüro": ENGLISH.replace("We still wait", "Our Inkassobüro waits"),
            "decreto ingiuntivo": FRENCH.replace("nous attendons", "nous attendons un decreto ingiuntivo et"),
            "deurwaarder": ENGLISH.replace("We still wait", "The deurwaarder will wait"),
            "{{legal_action}}": FRENCH.replace("{{closing}}", "{{legal_action}} {{closing}}"),
        }
        for threat, body in threats.items():
            with self.subTest(threat), self.assertRaises(ValidationError) as refused:
                self._word("fr_FR", body)
            self.assertIn(threat, refused.exception.args[0])
            self.assertIn("does not threaten", refused.exception.args[0])
        # The last reminder may say what will follow, but cannot become a gentle one.
        wording = self._word("fr_FR", threats["tribunal"], level=last)
        self.assertTrue(wording)
        with self.assertRaises(ValidationError) as refused:
            last.tone = "firm"
        self.assertIn("does not threaten", refused.exception.args[0])
