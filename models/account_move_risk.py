from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    """Invoicing a customer the dunning finds high risk: a warning on the
    draft invoice, and, when its policy says so, only an accounting manager
    may post it."""

    _inherit = "account.move"

    dunning_risk_warning = fields.Char("Dunning Risk Warning", compute="_compute_dunning_risk_warning")

    @api.depends("partner_id", "company_id", "move_type", "state")
    def _compute_dunning_risk_warning(self):
        why_of = self._dunning_high_risks()
        for move in self:
            why = why_of.get((move.company_id.id, move.commercial_partner_id.id))
            move.dunning_risk_warning = (
                self.env._("This customer is high risk for dunning: %s", why or "") if why is not None else False
            )

    def _dunning_high_risks(self, blocking_only=False):
        """{(company id, partner id): why} of the high-risk customers of the
        draft customer invoices of self; `blocking_only`: those whose policy
        blocks posting."""
        invoices = self.filtered(
            lambda move: move.move_type == "out_invoice" and move.state == "draft" and move.commercial_partner_id
        )
        if not invoices:
            return {}
        # sudo: billing users without dunning rights are warned too; only the
        # class and why of the invoices' customers are read.
        Risk = self.env["account.dunning.partner.risk"].sudo()
        rows = Risk.search_fetch(
            [
                ("company_id", "in", invoices.company_id.ids),
                ("partner_id", "in", invoices.commercial_partner_id._origin.ids),
                ("risk_class", "=", "high"),
            ],
            ["partner_id", "company_id", "risk_why"],
        )
        why_of = {(row.company_id.id, row.partner_id.id): row.risk_why or "" for row in rows}
        if blocking_only and why_of:
            Policy = self.env["account.dunning.policy"].sudo()
            for company in invoices.company_id:
                partners = self.env["res.partner"].browse([pid for cid, pid in why_of if cid == company.id])
                for partner_id, policy in Policy._policies_for_partners(partners, company).items():
                    if not policy.risk_block_posting:
                        why_of.pop((company.id, partner_id))
        return why_of

    def _post(self, soft=True):
        # EXTENDS 'account': high-risk customers, when their policy blocks posting.
        self._dunning_check_risk_posting()
        return super()._post(soft)

    def _dunning_check_risk_posting(self):
        """Only an accounting manager posts an invoice to a high-risk customer
        whose policy blocks posting; the system (scheduled posting) is let
        through."""
        if self.env.su or self.env.user.has_group("account.group_account_manager"):
            return
        why_of = self._dunning_high_risks(blocking_only=True)
        for move in self:
            why = why_of.get((move.company_id.id, move.commercial_partner_id.id))
            if why is not None:
                raise UserError(
                    self.env._(
                        "%(partner)s is high risk for dunning (%(why)s): only an accounting manager can post "
                        "%(invoice)s.",
                        partner=move.commercial_partner_id.display_name,
                        why=why,
                        invoice=move.display_name,
                    )
                )
