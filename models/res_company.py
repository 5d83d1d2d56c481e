from odoo import api, models


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model_create_multi
    def create(self, vals_list):
        # EXTENDS 'base': a new company can be dunned from day one.
        companies = super().create(vals_list)
        self.env["account.dunning.policy"]._ensure_default_policy(companies)
        return companies
