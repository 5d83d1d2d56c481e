"""Searching invoices on their dunning figures (filters, RPC): the fields are
computed, so each one is searched through the SQL it is computed from."""

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .dunning_search import COMPARISONS, matches_default, search_through


class AccountMove(models.Model):
    _inherit = "account.move"

    def _search_dunning_analysis(self, view_field, operator, value, default):
        """Open invoices are rows of the dunning analysis; the others (paid
        invoices, bank entries...) show `default`."""
        return search_through(self.env["account.dunning.analysis"], view_field, "move_id", operator, value, default)

    def _search_dunning_days_overdue(self, operator, value):
        return self._search_dunning_analysis("days_overdue", operator, value, 0)

    def _search_dunning_next_date(self, operator, value):
        return self._search_dunning_analysis("next_date", operator, value, False)

    def _search_dunning_level_id(self, operator, value):
        """By level record, id or name (`ilike` too); paid invoices have none."""
        return self._search_dunning_analysis("level_id", operator, value, False)

    def _search_dunning_last_date(self, operator, value):
        return self._search_dunning_history(0, operator, value, False)

    def _search_dunning_count(self, operator, value):
        return self._search_dunning_history(1, operator, value, 0)

    def _search_dunning_history(self, column, operator, value, default):
        """Invoices by their reminders that went out (paid ones included):
        (last date, count) per reminded invoice, compared in Python."""
        if operator not in COMPARISONS and operator not in ("in", "not in"):
            raise UserError(_("This dunning field cannot be searched with the operator %s.", operator))
        self.env["account.dunning.reminder"].flush_model(["state", "date"])
        self.env["account.dunning.reminder.line"].flush_model(["move_id", "reminder_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT dl.move_id, MAX(dr.date), COUNT(*)
                  FROM account_dunning_reminder_line dl
                  JOIN account_dunning_reminder dr ON dr.id = dl.reminder_id
                 WHERE dr.state = 'sent'
              GROUP BY dl.move_id
                """
            )
        )
        facts = {move_id: (date, count) for move_id, date, count in self.env.cr.fetchall()}
        if column == 0:  # dates come as strings over RPC
            to_date = fields.Date.to_date
            value = [to_date(v) for v in value] if isinstance(value, (list, tuple)) else to_date(value)
        if operator in ("in", "not in"):
            values = set(value if isinstance(value, (list, tuple)) else [value])
            found = {move_id for move_id, fact in facts.items() if fact[column] in values}
            matching = found if operator == "in" else set(facts) - found
        else:
            matching = {
                move_id
                for move_id, fact in facts.items()
                if value not in (False, None)
                and COMPARISONS[operator](fact[column], value)
                or (value in (False, None) and operator == "!=")
            }
        if matches_default(default, operator, value):
            return [("id", "not in", list(set(facts) - matching))]
        return [("id", "in", list(matching))]
