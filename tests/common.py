import re
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def html_text(html, keep_no_break=False):
    """The text of a rendered letter: tags dropped, whitespace collapsed;
    no-break spaces read as spaces unless `keep_no_break`."""
    html = html.decode() if isinstance(html, bytes) else str(html)
    text = re.sub(r"<[^>]+>", " ", html).replace("&amp;", "&").replace("&#39;", "'").replace("&#x27;", "'")
    if not keep_no_break:
        text = text.replace("\xa0", " ").replace("\u202f", " ")
    return re.sub(r"[ \t\r\n]+", " ", text)


class DunningCommon(AccountTestInvoicingCommon):
    """Customers with emails, the company's default French policy, and
    helpers that read like a credit controller's calendar."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.policy = cls.env["account.dunning.policy"]._default_for_company(cls.company)
        cls.levels = cls.policy.level_ids.sorted("days_overdue")
        address = {"street": "1 rue de la République", "zip": "69001", "city": "Lyon"}
        cls.partner_a.write({"email": "billing@partner-a.example", "is_company": True, **address})
        cls.partner_b.write({"email": "accounts@partner-b.example", "is_company": True, **address})
        # Letters say how to pay: the company needs a bank account.
        cls.env["res.partner.bank"].create(
            {"partner_id": cls.company.partner_id.id, "acc_number": "FR7630006000011234567890189"}
        )
        if cls.company._dunning_is_french():
            # A French company's letters print its SIREN and RCS, or are not sent.
            cls.company.write({"company_registry": "33417522100013", "trade_register_city": "Lyon"})
        cls.engine = cls.env["account.dunning.engine"]
        # Real PDFs in a TransactionCase: the test server cannot serve the
        # report assets while the test holds its transaction, and wkhtmltopdf
        # would wait for them forever.  Letters carry inline styles and need
        # none, so point wkhtmltopdf at a closed port: it fails fast instead.
        cls.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")

    @classmethod
    def _load_french(cls):
        """French installed and this addon's French terms loaded (letters in French)."""
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["account_dunning"], ["fr_FR"])

    @classmethod
    def _french_customer(cls):
        """The French company customer the letter tests write to."""
        return cls.env["res.partner"].create(
            {
                "name": "Boulangerie Dupont SARL",
                "is_company": True,
                "street": "3 place Bellecour",
                "zip": "69002",
                "city": "Lyon",
                "country_id": cls.env.ref("base.fr").id,
                "email": "compta@dupont.example",
                "lang": "fr_FR",
            }
        )

    @classmethod
    def _flat_rates(cls, reference_rate, legal_rate=0.0):
        """The same reference rates for every half-year of the tests' period
        (2024 to 2026): late interest needs a row per half-year."""
        Rate = cls.env["account.dunning.reference.rate"]
        Rate.search([]).unlink()
        starts = [f"{year}-{month}-01" for year in (2024, 2025, 2026) for month in ("01", "07")]
        return Rate.create(
            [{"date_start": start, "reference_rate": reference_rate, "legal_rate": legal_rate} for start in starts]
        )

    @classmethod
    def _fees_invoiced(cls):
        """The policy invoices its late fees, on the company's sale journal and revenue account."""
        income = cls.company_data["default_account_revenue"]
        cls.policy.write(
            {
                "fee_mode": "invoice",
                "fee_journal_id": cls.company_data["default_journal_sale"].id,
                "fee_indemnity_account_id": income.id,
                "fee_interest_account_id": income.id,
            }
        )

    @classmethod
    def _invoice(cls, partner, amount, due, currency=None, company=None, post=True, move_type="out_invoice", sent=True):
        """An untaxed invoice of `amount` due on `due` (a date or ISO string),
        sent to the customer (unless not `sent`): only those are chased."""
        due = date.fromisoformat(due) if isinstance(due, str) else due
        company_data = cls.company_data if not company or company == cls.company else cls.company_data_2
        move = (
            cls.env["account.move"]
            .with_company(company_data["company"])
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": due - timedelta(days=30),
                    "invoice_date_due": due,
                    "invoice_payment_term_id": False,
                    "currency_id": (currency or company_data["currency"]).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Consulting",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                                "account_id": company_data["default_account_revenue"].id,
                            }
                        )
                    ],
                }
            )
        )
        if post:
            move.action_post()
            move.is_move_sent = sent
        return move

    def _run(self, day, **kwargs):
        """Run the dunning as the nightly job would on `day`."""
        day = date.fromisoformat(day) if isinstance(day, str) else day
        with freeze_time(day):
            return self.engine._run(self.company, today=day, **kwargs)

    @classmethod
    def _pay(cls, invoice, amount=None, pay_date=None):
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount or invoice.amount_residual, "payment_date": pay_date or invoice.invoice_date})
        )
        return wizard._create_payments()


class LetterCommon(DunningCommon):
    """A French company writing to a French company, an English company and
    a French individual, and helpers that send and read their letters."""

    @classmethod
    @DunningCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls._load_french()
        cls._flat_rates(4.15)
        cls.policy.max_level_jump = 5
        cls.company.write({"name": "Atelier Lumière SAS", "city": "Lyon", "phone": "+33 4 72 00 00 00"})
        address = {
            "street": "3 place Bellecour",
            "zip": "69002",
            "city": "Lyon",
            "country_id": cls.env.ref("base.fr").id,
        }
        cls.french = cls._french_customer()
        cls.english = cls.env["res.partner"].create(
            {
                "name": "Northwind Traders Ltd",
                "is_company": True,
                "email": "ap@northwind.example",
                "lang": "en_US",
                **address,
            }
        )
        cls.claire = cls.env["res.partner"].create(
            {
                "name": "Claire Dubois",
                "title": cls.env.ref("base.res_partner_title_madam").id,
                "email": "claire@dubois.example",
                "lang": "fr_FR",
                **address,
            }
        )
        cls.level_name = {level: level.with_context(lang="fr_FR")._letter_title() for level in cls.levels}

    def _letter(self, reminder, keep_no_break=False):
        """The letter as rendered for printing, as text, in the customer's language."""
        Report = self.env["ir.actions.report"].with_context(lang=reminder.lang)
        html = Report._render_qweb_html("account_dunning.report_dunning_letter", reminder.ids)[0]
        return html_text(html, keep_no_break)

    def _send(self, partner, day, scheduler=False):
        """Run the dunning on `day` for `partner` (as the nightly job does
        when `scheduler`: as the superuser), validate what waits, return the reminder."""
        day = date.fromisoformat(day)
        engine = self.engine.with_user(SUPERUSER_ID) if scheduler else self.engine
        with freeze_time(day):
            reminder, _stats = engine._run(self.company, today=day, partner_ids=partner.ids)
            reminder.filtered(lambda r: r.state == "to_validate").action_validate()
        self.assertEqual(reminder.state, "sent")
        return reminder

    def _pdf(self, partner, day, scheduler=False):
        """(reminder, PDF) of a real PDF letter sent on `day`."""
        day = date.fromisoformat(day)
        with freeze_time(day):
            engine = self.engine.with_user(SUPERUSER_ID) if scheduler else self.engine
            engine = engine.with_context(force_report_rendering=True)
            reminder, _stats = engine._run(self.company, today=day, partner_ids=partner.ids)
            reminder.filtered(lambda r: r.state == "to_validate").action_validate()
        self.assertEqual(reminder.letter_attachment_id.mimetype, "application/pdf")
        return reminder, reminder.letter_attachment_id.raw
