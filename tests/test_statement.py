import subprocess
import tempfile
from datetime import date

from odoo import sql_db
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import DunningCommon, html_text
from .test_letter_frame import pdf_words

STATEMENT = "account_dunning.action_report_dunning_statement"
ON = date(2026, 3, 31)


@tagged("post_install", "-at_install")
class TestStatement(DunningCommon):
    """A customer's book on 31 March 2026: one invoice per aging bucket, a
    partial payment, a credit note and a payment not yet applied."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_data_2 = cls.setup_other_company()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.company.write({"company_registry": "123 456 789 00012", "vat": "FR23334175221", "city": "Lyon"})
        cls.partner_b.write({"name": "Boulangerie Dupont", "lang": "fr_FR"})
        a = cls.partner_a
        cls.not_due = cls._invoice(a, 100.0, "2026-04-15")
        cls.late_10 = cls._invoice(a, 200.0, "2026-03-21")
        cls.late_45 = cls._invoice(a, 300.0, "2026-02-14")
        cls.late_75 = cls._invoice(a, 400.0, "2026-01-15", post=False)
        cls.late_75.ref = "PO-4711"
        cls.late_75.action_post()
        cls.late_120 = cls._invoice(a, 500.0, "2025-12-01")
        contact = cls.env["res.partner"].create({"name": "A Accounts", "parent_id": a.id, "type": "invoice"})
        cls.contact_5 = cls._invoice(contact, 60.0, "2026-03-26")
        cls.credit_note = cls._invoice(a, 50.0, "2026-03-10", move_type="out_refund")
        cls.payment = cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": a.id,
                "amount": 70.0,
                "date": "2026-03-20",
                "memo": "Transfer 0320",
            }
        )
        cls.payment.action_post()
        # Not on the statement: paid, draft, dated after it, other company.
        paid = cls._invoice(a, 80.0, "2026-02-01")
        cls._pay_cls(paid, 80.0, date(2026, 2, 15))
        cls._invoice(a, 90.0, "2026-02-01", post=False)
        cls._invoice(a, 110.0, "2026-05-15")
        cls._invoice(a, 120.0, "2026-01-01", company=cls.company_data_2["company"])
        cls._pay_cls(cls.late_45, 120.0, date(2026, 3, 1))
        cls.dupont = cls._invoice(cls.partner_b, 1000.0, "2026-02-28")
        cls.eur = cls.setup_other_currency("EUR")
        cls.dupont_eur = cls._invoice(cls.partner_b, 250.0, "2026-03-25", currency=cls.eur)

    @classmethod
    def _pay_cls(cls, invoice, amount, pay_date):
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount, "payment_date": pay_date})
        )
        return wizard._create_payments()

    def _values(self, partners, **data):
        return self.env["report.account_dunning.report_dunning_statement"]._get_report_values(
            partners.ids, data={"date": "2026-03-31", **data}
        )

    def _pdf_text(self, pdf):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as source:
            source.write(pdf)
            source.flush()
            text = subprocess.run(["pdftotext", "-layout", source.name, "-"], capture_output=True, check=True)
        # Odoo puts a zero-width space after the minus sign of amounts; read
        # no-break spaces (numbers, French punctuation) as spaces.
        return text.stdout.decode().replace("\u200b", "").replace("\u202f", " ").replace("\xa0", " ")

    def test_items_aging_and_totals(self):
        values = self._values(self.partner_a | self.partner_b)
        self.assertEqual(values["date"], ON)
        self.assertEqual(values["docs"], self.partner_a | self.partner_b)
        statement = values["statements"][self.partner_a.id]
        lines = statement["lines"]
        self.assertEqual(
            [line["move"] for line in lines],
            [self.late_120, self.late_75, self.late_45, self.late_10, self.contact_5, self.not_due],
        )
        self.assertEqual([line["days_late"] for line in lines], [120, 75, 45, 10, 5, 0])
        self.assertEqual([line["residual"] for line in lines], [500.0, 400.0, 180.0, 200.0, 60.0, 100.0])
        self.assertEqual(lines[2]["amount"], 300.0, "the original amount of the partly paid invoice")
        self.assertEqual(lines[1]["origin"], "PO-4711")
        self.assertEqual(lines[0]["origin"], "Consulting")
        self.assertEqual({line["kind"] for line in lines}, {"invoice"})
        credits = statement["credits"]
        self.assertEqual([c["move"] for c in credits], [self.credit_note, self.payment.move_id])
        self.assertEqual([c["kind"] for c in credits], ["credit_note", "payment"])
        self.assertEqual([c["residual"] for c in credits], [-50.0, -70.0])
        self.assertEqual(credits[1]["origin"], "Transfer 0320")
        self.assertEqual(
            statement["totals"],
            [
                {
                    "currency": self.company.currency_id,
                    "buckets": [100.0, 260.0, 180.0, 400.0, 500.0],
                    "open": 1440.0,
                    "overdue": 1340.0,
                    "overdue_net": 1220.0,
                    "credits": -120.0,
                    "balance": 1320.0,
                }
            ],
        )
        dupont = values["statements"][self.partner_b.id]
        self.assertFalse(dupont["credits"])
        # One aging per currency, in the invoices' currency; the company's first.
        usd, eur = dupont["totals"]
        self.assertEqual(
            (usd["currency"], usd["buckets"], usd["balance"]), (self.company.currency_id, [0, 0, 1000, 0, 0], 1000)
        )
        self.assertEqual((eur["currency"], eur["buckets"], eur["balance"]), (self.eur, [0, 250, 0, 0, 0], 250))

    def test_date_from_context_and_later_statement(self):
        Report = self.env["report.account_dunning.report_dunning_statement"]
        values = Report.with_context(dunning_statement_date="2026-05-31")._get_report_values(self.partner_a.ids)
        totals = values["statements"][self.partner_a.id]["totals"][0]
        # Two months later every item has aged; the invoice of 15 April appears.
        self.assertEqual(totals["buckets"], [0.0, 110.0, 100.0, 260.0, 1080.0])
        self.assertEqual(totals["balance"], 1430.0)

    def test_partners_to_print(self):
        Partner = self.env["res.partner"]
        quiet = Partner.create({"name": "Not Due Yet Ltd", "is_company": True})
        self._invoice(quiet, 10.0, "2026-04-30")
        self.assertEqual(Partner._dunning_statement_partners(self.company, ON), self.partner_a | self.partner_b | quiet)
        self.assertEqual(
            Partner._dunning_statement_partners(self.company, ON, overdue_only=True), self.partner_a | self.partner_b
        )
        self.assertEqual(
            Partner._dunning_statement_partners(self.company, ON, partner_ids=[quiet.id, self.partner_b.id]),
            self.partner_b | quiet,
        )
        self.assertEqual(Partner._dunning_statement_partners(self.company_data_2["company"], ON), self.partner_a)

    def test_month_end_wizard(self):
        wizard = Form(self.env["account.dunning.statement"])
        wizard.date = ON
        self.assertEqual(wizard.partner_count, 2)
        wizard.date = date(2025, 10, 31)
        self.assertEqual(wizard.partner_count, 0, "the oldest invoice is dated 1 November 2025")
        wizard.date = ON
        wizard.overdue_only = True
        action = wizard.save().action_print()
        self.assertEqual(action["type"], "ir.actions.report")
        self.assertEqual(action["report_name"], "account_dunning.report_dunning_statement")
        self.assertEqual(action["context"]["active_ids"], [self.partner_b.id, self.partner_a.id])
        self.assertEqual(action["context"]["dunning_statement_date"], "2026-03-31")
        empty = self.env["account.dunning.statement"].create({"date": "2025-10-31"})
        with self.assertRaises(UserError):
            empty.action_print()

    def test_list_action_prints_customers_with_open_items(self):
        nothing = self.env["res.partner"].create({"name": "Nothing Owed", "is_company": True})
        action = (self.partner_a | nothing | self.partner_b.child_ids).action_dunning_print_statements()
        self.assertEqual(action["context"]["active_ids"], self.partner_a.ids)
        self.assertEqual(self.partner_a._dunning_statement_filename(), "Statement-partner_a")
        with self.assertRaises(UserError):
            nothing.action_dunning_print_statements()
        # From invoices: the follow-up report of their customers.
        invoices = self.env["account.move"].search([("partner_id", "=", self.partner_a.id)])
        action = invoices.action_dunning_print_statements()
        self.assertEqual(action["context"]["active_ids"], self.partner_a.ids)

    def test_pdf_two_customers_one_document(self):
        """Both statements in one PDF from Debian's wkhtmltopdf, each in its
        customer's language, with the mentions a statement must carry."""
        # wkhtmltopdf must not call this server back for the web assets: the
        # request would wait for this test's transaction, which waits for
        # wkhtmltopdf.  The statement needs no assets (inline styles).
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:1")
        Report = self.env["ir.actions.report"].with_context(dunning_statement_date="2026-03-31")
        html = Report._render_qweb_html(STATEMENT, (self.partner_a | self.partner_b).ids)[0].decode()
        self.assertIn(f'data-oe-id="{self.partner_b.id}" data-oe-lang="fr_FR"', html)
        self.assertIn(f'data-oe-id="{self.partner_a.id}" data-oe-lang="en_US"', html)
        pdf, report_type = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
            STATEMENT, (self.partner_a | self.partner_b).ids
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = self._pdf_text(pdf)
        pages = text.split("\f")
        first_b = next(i for i, page in enumerate(pages) if "Boulangerie Dupont" in page)
        self.assertGreater(first_b, 0, "the second statement starts on a new page")
        english, french = "\f".join(pages[:first_b]), "\f".join(pages[first_b:])
        for mention in ("123 456 789 00012", "FR23334175221", self.company.name, "Lyon"):
            self.assertIn(mention, english)
            self.assertIn(mention, french)
        self.assertIn(self.partner_a.name, english)
        self.assertIn("03/31/2026", english, "English dates")
        self.assertIn("31/03/2026", french, "French dates: the statement is rendered in the customer's language")
        for number in (
            self.late_120.name,
            self.payment.move_id.name,
            self.credit_note.name,
            "PO-4711",
            "Transfer 0320",
            "1,440.00",
            "1,340.00",
            "1,320.00",
            "-120.00",
            "260.00",
            "180.00",
        ):
            self.assertIn(number, english)
        self.assertIn(self.dupont.name, french)
        self.assertIn(self.dupont_eur.name, french)
        self.assertRegex(french, r"250,00\s€")
        self.assertRegex(french, r"1\s000,00", "French number format")
        self.assertNotIn(self.dupont.name, english)
        self.assertNotIn(self.late_120.name, french)

    def test_pdf_french_statement_in_plain_french_within_margins(self):
        """Printed from an English session, a French customer's statement is
        French throughout, says what each overdue figure is, and keeps its
        text at least 10 mm from the paper's edges, starting at the top."""
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:1")
        self._load_french()
        self.partner_a.lang = "fr_FR"
        pdf, _type = (
            self.env["ir.actions.report"]
            .with_context(lang="en_US", force_report_rendering=True, dunning_statement_date="2026-03-31")
            ._render_qweb_pdf(STATEMENT, self.partner_a.ids)
        )
        text = " ".join(self._pdf_text(pdf).split())
        for french in (
            "Lyon, le 31 mars 2026",
            "Relevé de compte",
            "Désignation",
            "Paiements et avoirs pas encore affectés à vos factures",
            "Factures échues, avant déduction des paiements",
            "Solde de votre compte $ 1 320,00",
            "Reste échu après déduction des paiements",
            "$ 1 340,00",
            "$ 1 220,00",
        ):
            self.assertIn(french, text)
        for english in ("Statement", "Dear", "Invoice", "Balance", "Past due", "Payment", "Yours", "lettr"):
            self.assertNotIn(english, text)
        for page in pdf_words(pdf):
            for word, (left, top, right, bottom) in page:
                self.assertTrue(left >= 10 and top >= 10 and right <= 200 and bottom <= 287, (word, left, top))
        self.assertLess(min(box[1] for _word, box in pdf_words(pdf)[0]), 20, "no blank band at the top")

    def test_individual_is_greeted_as_in_the_letters(self):
        """One form of address per statement: an individual by title and
        name with the matching closing, a company as "Madame, Monsieur"."""
        self._load_french()
        madam = self.env.ref("base.res_partner_title_madam")
        self.partner_a.write({"name": "Claire Dubois", "is_company": False, "lang": "fr_FR", "title": madam.id})
        Report = self.env["ir.actions.report"].with_context(dunning_statement_date="2026-03-31")
        individual, company = (
            html_text(Report._render_qweb_html(STATEMENT, partner.ids)[0])
            for partner in self.partner_a | self.partner_b
        )
        self.assertIn("Madame Dubois,", individual)
        self.assertIn("Veuillez agréer, Madame, l'expression de nos salutations distinguées.", individual)
        self.assertNotIn("Bonjour", individual)
        self.assertNotIn("Claire Dubois,", individual)
        self.assertIn("Madame, Monsieur,", company)
        self.assertIn("Veuillez agréer, Madame, Monsieur,", company)

    def test_pdf_statement_over_several_pages(self):
        """Three customers, one statement running over several pages: still
        one PDF with every page (Odoo cannot cut it per record here)."""
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:1")
        long_one = self.env["res.partner"].create({"name": "Long Statement SA", "is_company": True})
        invoice = self._invoice(long_one, 42.0, "2026-03-01", post=False)
        invoice.ref = " ".join(f"order-{i:04d}" for i in range(700))
        invoice.action_post()
        partners = self.partner_a | long_one | self.partner_b
        pdf, _type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True, dunning_statement_date="2026-03-31")
            ._render_qweb_pdf(STATEMENT, partners.ids)
        )
        pages = self._pdf_text(pdf).rstrip("\f").split("\f")
        self.assertGreaterEqual(len(pages), 4)
        starts = [
            next(i for i, page in enumerate(pages) if name in page)
            for name in ("partner_a", "Long Statement SA", "Boulangerie Dupont")
        ]
        self.assertEqual(starts[0], 0)
        self.assertGreater(starts[2] - starts[1], 1, "the long statement takes several pages")
        self.assertIn("order-0699", "".join(pages[starts[1] : starts[2]]))
        self.assertIn("INV/2026", pages[-1])

    def test_query_count_does_not_grow_with_customers(self):
        customers = self.env["res.partner"].create(
            [{"name": f"Customer {i:02d}", "is_company": True} for i in range(50)]
        )
        for i, customer in enumerate(customers):
            self._invoice(customer, 100.0 + i, "2026-02-15" if i % 2 else "2026-04-30")
        self._pay_cls(self.env["account.move"].search([("partner_id", "=", customers[0].id)]), 10.0, ON)
        Report = self.env["report.account_dunning.report_dunning_statement"]

        def count(partners):
            self.env.flush_all()
            self.env.invalidate_all()
            before = sql_db.sql_counter
            values = Report._get_report_values(partners.ids, data={"date": "2026-03-31"})
            return values, sql_db.sql_counter - before

        count(customers[:5])  # warm the ORM's caches of models and fields
        values_5, queries_5 = count(customers[:5])
        values_50, queries_50 = count(customers)
        self.assertEqual(len(values_50["statements"]), 50)
        self.assertEqual(values_50["statements"][customers[49].id]["totals"][0]["buckets"], [0.0, 0.0, 149.0, 0.0, 0.0])
        self.assertEqual(values_5["statements"][customers[0].id]["totals"][0]["open"], 90.0)
        self.assertEqual(queries_50, queries_5)
