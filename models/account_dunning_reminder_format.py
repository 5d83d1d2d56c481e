"""Dates and amounts as the letter prints them, formatted once per batch.

The same text as QWeb's ``date`` and ``monetary`` widgets (the letter's HTML
does not change), without a widget lookup and a language lookup per value: a
letter prints a dozen dates and amounts per invoice, and a batch of letters
or emails prints many of the same dates.
"""

from markupsafe import Markup

from odoo import models
from odoo.tools import format_date, get_lang


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    def _format_date(self, value):
        """`value` as the date widget prints it, in the context language."""
        if not value:
            return ""
        return self._memo(("date", self.env.lang, value), lambda: format_date(self.env, value))

    def _format_amount(self, value, currency):
        """`value` in `currency` as the monetary widget prints it, in the context language."""
        return self._memo(("amount", self.env.lang, currency.id, value), lambda: self._monetary_html(value, currency))

    def _monetary_html(self, value, currency):
        # The monetary widget's output (ir.qweb.field.monetary.value_to_html).
        lang = self._memo(("lang", self.env.lang), lambda: self.env["res.lang"].browse(get_lang(self.env).id))
        amount = (
            lang.format(f"%.{currency.decimal_places}f", currency.round(value), grouping=True)
            .replace(" ", "\N{NO-BREAK SPACE}")
            .replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
        )
        symbol = currency.symbol or ""
        if currency.position == "before":
            pre, post = f"{symbol}\N{NO-BREAK SPACE}", ""
        else:
            pre, post = "", f"\N{NO-BREAK SPACE}{symbol}"
        return Markup('{pre}<span class="oe_currency_value">{0}</span>{post}').format(amount, pre=pre, post=post)
