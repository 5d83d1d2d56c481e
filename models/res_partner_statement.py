"""Customer statements: which customers have open receivable items, and which
items, each in one query whatever the number of customers."""

from collections import namedtuple

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

STATEMENT_REPORT = "account_dunning.action_report_dunning_statement"

StatementItem = namedtuple(
    "StatementItem",
    "partner_id move_id move_type is_payment date date_due currency_id amount residual",
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ---- SELECTION ----
    @api.model
    def _dunning_open_items_sql(self, company, date, partner_ids=None):
        """FROM and WHERE over the open posted receivable lines (`l`) of
        `company` dated on or before `date`, with their entry (`m`) and
        customer (`p`); only those of the commercial `partner_ids` if given."""
        self.env["account.move.line"].check_access("read")
        if company not in self.env.user.company_ids:
            raise AccessError(_("You cannot print statements of the company %s.", company.name))
        self.env.flush_all()
        return SQL(
            """
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              JOIN account_move m ON m.id = l.move_id
              JOIN res_partner p ON p.id = l.partner_id
             WHERE l.company_id = %s
               AND l.parent_state = 'posted'
               AND a.account_type = 'asset_receivable'
               AND NOT l.reconciled
               AND (l.amount_residual != 0 OR l.amount_residual_currency != 0)
               AND l.date <= %s
               AND %s
            """,
            company.id,
            date,
            SQL("p.commercial_partner_id IN %s", tuple(partner_ids)) if partner_ids is not None else SQL("TRUE"),
        )

    @api.model
    def _dunning_statement_partners(self, company, date, overdue_only=False, partner_ids=None):
        """Commercial partners with open receivable items in `company` on
        `date` (with an item past due on `date` when `overdue_only`), among
        the commercial `partner_ids` if given."""
        if partner_ids is not None and not partner_ids:
            return self.browse()
        self.env.cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id
                %s
              GROUP BY p.commercial_partner_id
                HAVING %s OR bool_or(l.amount_residual > 0 AND l.date_maturity < %s)
                """,
                self._dunning_open_items_sql(company, date, partner_ids),
                not overdue_only,
                date,
            )
        )
        ids = [partner_id for (partner_id,) in self.env.cr.fetchall()]
        return self.browse(ids).sorted(lambda p: (p.name or "").lower())

    def _dunning_statement_items(self, company, date):
        """[StatementItem] of the commercial partners of self, by customer and
        due date; amounts in the item's currency, credits negative."""
        partner_ids = tuple(self.commercial_partner_id.ids)
        if not partner_ids:
            return []
        self.env.cr.execute(
            SQL(
                """
                SELECT p.commercial_partner_id, l.move_id, m.move_type, m.origin_payment_id IS NOT NULL,
                       COALESCE(m.invoice_date, l.date), COALESCE(l.date_maturity, l.date), l.currency_id,
                       l.amount_currency, l.amount_residual_currency
                %s
                 ORDER BY p.commercial_partner_id, COALESCE(l.date_maturity, l.date), l.move_name, l.id
                """,
                self._dunning_open_items_sql(company, date, partner_ids),
            )
        )
        return [StatementItem(*row) for row in self.env.cr.fetchall()]

    # ---- PRINTING ----
    def _dunning_statement_lang(self, company):
        """The customer's language if installed, else the company's: the
        statement never takes the language of whoever prints it."""
        self.ensure_one()
        installed = {code for code, _name in self.env["res.lang"].get_installed()}
        candidates = (self.lang, company.partner_id.lang, "en_US")
        return next(lang for lang in candidates if lang in installed or lang == "en_US")

    def _dunning_statement_url(self):
        """The customer's portal page of invoices, marked with the customer:
        the link tells the printing which page starts each statement."""
        self.ensure_one()
        return f"{self.get_base_url()}/my/invoices#STM{self.id:06d}"

    def _dunning_statement_filename(self):
        self.ensure_one()
        return _("Statement-%s", self.name or "").replace("/", "-")

    def _dunning_statement_report_action(self, company, date):
        """The report action printing the statements of self, in one PDF."""
        if not self:
            raise UserError(_("No customer has open items on %s.", fields.Date.to_string(date)))
        report = self.env.ref(STATEMENT_REPORT).with_context(
            dunning_statement_date=fields.Date.to_string(date),
            dunning_statement_company_id=company.id,
        )
        return report.report_action(self, config=False)

    def action_dunning_print_statements(self):
        """List action: the statements of the selected customers that have open items."""
        company = self.env.company
        today = fields.Date.context_today(self)
        partners = self._dunning_statement_partners(company, today, partner_ids=self.commercial_partner_id.ids)
        return partners._dunning_statement_report_action(company, today)
