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
