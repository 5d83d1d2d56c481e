from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class DunningCommon(AccountTestInvoicingCommon):
    """Customers with emails, the company's default French policy, and
    helpers that read like a credit controller's calendar."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.policy = cls.env["account.dunning.policy"]._default_for_company(cls.company)
        cls.levels = cls.policy.level_ids.sorted("days_overdue")
        cls.partner_a.write({"email": "billing@partner-a.example", "is_company": True})
        cls.partner_b.write({"email": "accounts@partner-b.example", "is_company": True})
        cls.engine = cls.env["account.dunning.engine"]
        # Real PDFs in a TransactionCase: the test server cannot serve the
        # report assets while the test holds its transaction, and wkhtmltopdf
        # would wait for them forever.  Letters carry inline styles and need
        # none, so point wkhtmltopdf at a closed port: it fails fast instead.
        cls.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")

    @classmethod
    def _invoice(cls, partner, amount, due, currency=None, company=None, post=True, move_type="out_invoice"):
        """An untaxed invoice of `amount` due on `due` (a date or ISO string)."""
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
        return move

    def _run(self, day, **kwargs):
        """Run the dunning as the nightly job would on `day`."""
        day = date.fromisoformat(day) if isinstance(day, str) else day
        with freeze_time(day):
            return self.engine._run(self.company, today=day, **kwargs)

    def _pay(self, invoice, amount=None, pay_date=None):
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount or invoice.amount_residual, "payment_date": pay_date or invoice.invoice_date})
        )
        return wizard._create_payments()
