from odoo import api, models


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model_create_multi
    def create(self, vals_list):
        # EXTENDS 'base': a new company can be dunned from day one.
        companies = super().create(vals_list)
        self.env["account.dunning.policy"]._ensure_default_policy(companies)
        return companies

    def _dunning_bank_account(self):
        """The account customers pay to: that of the company's first bank
        journal, else the company's first bank account."""
        self.ensure_one()
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.id), ("bank_account_id", "!=", False)],
            order="sequence, id",
            limit=1,
        )
        return journal.bank_account_id or self.partner_id.bank_ids[:1]

    def _dunning_identifiers(self):
        """[(label, value)] identifying the company as creditor on letters and
        statements: SIRET (French localisation) or company ID, and VAT number."""
        self.ensure_one()
        partner = self.partner_id
        identifiers = []
        siret = partner.siret if "siret" in partner._fields else False
        if siret:
            identifiers.append((self.env._("SIRET"), siret))
        if partner.company_registry and partner.company_registry != siret:
            identifiers.append((self.env._("Company ID"), partner.company_registry))
        if partner.vat:
            identifiers.append((self.env._("VAT"), partner.vat))
        return identifiers

    def _dunning_payment_sentence(self, reference=None):
        """How to pay, as one translatable sentence (letters and statements)."""
        self.ensure_one()
        bank = self._dunning_bank_account()
        if bank and reference:
            return self.env._(
                "How to pay: by bank transfer to %(holder)s, IBAN %(iban)s, BIC %(bic)s, quoting our reference "
                "%(reference)s and the invoice numbers.",
                holder=bank.acc_holder_name or self.name,
                iban=bank.acc_number,
                bic=bank.bank_bic or "-",
                reference=reference,
            )
        if bank:
            return self.env._(
                "How to pay: by bank transfer to %(holder)s, IBAN %(iban)s, BIC %(bic)s, quoting the invoice numbers.",
                holder=bank.acc_holder_name or self.name,
                iban=bank.acc_number,
                bic=bank.bank_bic or "-",
            )
        if reference:
            return self.env._(
                "How to pay: by bank transfer, quoting our reference %s and the invoice numbers.", reference
            )
        return self.env._("How to pay: by bank transfer, quoting the invoice numbers.")
