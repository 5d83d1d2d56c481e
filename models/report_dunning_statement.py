"""Values of the customer statement: open items, aging and totals per customer,
computed for all printed customers at once."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

# Upper bound (days late) of each aging bucket; the last one is open-ended.
AGING_LIMITS = (0, 30, 60, 90)


def aging_bucket(days_late):
    """Index of the bucket: 0 not due, 1 for 1-30 days late ... 4 over 90."""
    return next((index for index, limit in enumerate(AGING_LIMITS) if days_late <= limit), len(AGING_LIMITS))


class ReportDunningStatement(models.AbstractModel):
    _name = "report.account_dunning.report_dunning_statement"
    _description = "Customer Statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        company = self._statement_company(data)
        date = self._statement_date(data)
        partners = self.env["res.partner"].browse(docids).commercial_partner_id
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "date": date,
            "statements": self._statement_values(partners, company, date),
        }

    @api.model
    def _statement_date(self, data):
        value = data.get("date") or self.env.context.get("dunning_statement_date")
        return fields.Date.to_date(value) if value else fields.Date.context_today(self)

    @api.model
    def _statement_company(self, data):
        company_id = data.get("company_id") or self.env.context.get("dunning_statement_company_id")
        company = self.env["res.company"].browse(company_id) if company_id else self.env.company
        if not company.exists():
            raise UserError(_("The company of the statement no longer exists."))
        return company

    @api.model
    def _statement_values(self, partners, company, date):
        """{partner id: statement} for the commercial `partners`, where a
        statement is a dict: partner, contact (invoice address), lines (debit
        items by due date), credits (payments and credit notes not yet
        applied) and totals (one dict per currency: buckets, open, credits,
        balance, overdue, overdue_net)."""
        items = partners._dunning_statement_items(company, date)
        # Records sharing one prefetch set: a few queries for any number of items.
        moves = {move.id: move for move in self.env["account.move"].browse(sorted({i.move_id for i in items}))}
        origins = {move_id: move._dunning_origin() for move_id, move in moves.items()}
        currencies = {c.id: c for c in self.env["res.currency"].browse(sorted({i.currency_id for i in items}))}
        contacts = self._invoice_contacts(partners)
        statements = {
            partner.id: {
                "partner": partner,
                "contact": contacts.get(partner.id, partner),
                "lines": [],
                "credits": [],
                "totals": {},
            }
            for partner in partners
        }
        for item in items:
            statement = statements[item.partner_id]
            currency = currencies[item.currency_id]
            days_late = max((date - item.date_due).days, 0) if item.residual > 0 else 0
            row = {
                "move": moves[item.move_id],
                "kind": self._item_kind(item),
                "date": item.date,
                "date_due": item.date_due,
                "origin": origins[item.move_id],
                "currency": currency,
                "amount": item.amount,
                "residual": item.residual,
                "days_late": days_late,
            }
            total = statement["totals"].setdefault(
                currency, {"currency": currency, "buckets": [0.0] * (len(AGING_LIMITS) + 1), "credits": 0.0}
            )
            if item.residual > 0:
                statement["lines"].append(row)
                total["buckets"][aging_bucket(days_late)] += item.residual
            else:
                statement["credits"].append(row)
                total["credits"] += item.residual
        for statement in statements.values():
            statement["totals"] = self._finish_totals(statement["totals"], company.currency_id)
        return statements

    @api.model
    def _finish_totals(self, totals, company_currency):
        """Rounded totals, the company currency first."""
        result = []
        for currency, total in sorted(totals.items(), key=lambda kv: (kv[0] != company_currency, kv[0].name)):
            buckets = [currency.round(amount) for amount in total["buckets"]]
            credits = currency.round(total["credits"])
            open_amount = currency.round(sum(buckets))
            overdue = currency.round(sum(buckets[1:]))
            result.append(
                {
                    "currency": currency,
                    "buckets": buckets,
                    "open": open_amount,
                    # Past due, and what remains past due once the payments
                    # and credits not yet applied are deducted.
                    "overdue": overdue,
                    "overdue_net": max(currency.round(overdue + credits), 0.0),
                    "credits": credits,
                    "balance": currency.round(open_amount + credits),
                }
            )
        return result

    @api.model
    def _item_kind(self, item):
        if item.move_type == "out_invoice":
            return "invoice"
        if item.move_type == "out_refund":
            return "credit_note"
        if item.is_payment:
            return "payment"
        return "entry"

    @api.model
    def _invoice_contacts(self, partners):
        """{partner id: its first invoice address contact}, in one search."""
        contacts = self.env["res.partner"].search(
            [("parent_id", "in", partners.ids), ("type", "=", "invoice")], order="parent_id, id"
        )
        result = {}
        for contact in contacts:
            result.setdefault(contact.parent_id.id, contact)
        return result
