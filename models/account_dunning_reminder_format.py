"""Dates and amounts as the letter prints them, formatted once per batch.

The same text as QWeb's ``date`` and ``monetary`` widgets (the letter's HTML
does not change), without a widget lookup and a language lookup per value: a
letter prints a dozen dates and amounts per invoice, and a batch of letters
or emails prints many of the same dates.
"""

import ast

from markupsafe import Markup

from odoo import models
from odoo.tools import format_date, get_lang

from odoo.addons.base.models.res_lang import intersperse


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
        # The monetary widget's output (ir.qweb.field.monetary.value_to_html),
        # with res.lang.format's grouping read once per batch.
        grouping, thousands_sep, decimal_point = self._memo(("number_format", self.env.lang), self._number_format)
        integer, dot, decimals = (f"%.{currency.decimal_places}f" % currency.round(value)).partition(".")
        integer = intersperse(integer, grouping, thousands_sep)[0]
        amount = (
            (f"{integer}{decimal_point}{decimals}" if dot else integer)
            .replace(" ", "\N{NO-BREAK SPACE}")
            .replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
        )
        symbol = currency.symbol or ""
        if currency.position == "before":
            pre, post = f"{symbol}\N{NO-BREAK SPACE}", ""
        else:
            pre, post = "", f"\N{NO-BREAK SPACE}{symbol}"
        return Markup('{pre}<span class="oe_currency_value">{0}</span>{post}').format(amount, pre=pre, post=post)

    def _number_format(self):
        """(grouping, thousands separator, decimal point) of the context language."""
        lang = get_lang(self.env)
        return ast.literal_eval(lang.grouping), lang.thousands_sep or "", lang.decimal_point
