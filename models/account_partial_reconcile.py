from odoo import api, models


class AccountPartialReconcile(models.Model):
    """A reconciliation made or undone marks the reminder outcomes of its
    invoices for the next nightly refresh, however old the reminder."""

    _inherit = "account.partial.reconcile"

    # EXTENDS 'account'
    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._dunning_mark_outcomes()
        return partials

    # EXTENDS 'account'
    def unlink(self):
        self._dunning_mark_outcomes()
        return super().unlink()

    def _dunning_mark_outcomes(self):
        moves = (self.debit_move_id | self.credit_move_id).move_id
        # Marking is bookkeeping of the dunning, whoever reconciles.
        self.env["account.dunning.outcome"].sudo()._mark_changed(moves.ids)
