"""The short pay-online address printed on letters: /pay/RMD000042-<signature>.

A letter cannot carry a link, so it prints an address short enough to type.
The signature (see account.dunning.reminder._pay_signature) keeps anyone from
reaching a customer's invoices by trying references.  The address leads to
the invoice still open, or lists them when several are.
"""

from odoo import http
from odoo.http import request


class DunningPayController(http.Controller):
    @http.route("/pay/<string:code>", type="http", auth="public", website=True, multilang=False, sitemap=False)
    def dunning_pay(self, code, **kwargs):
        reference, _sep, signature = code.rpartition("-")
        # sudo: a public visitor holding the letter's signed address.
        reminder = request.env["account.dunning.reminder"].sudo()._from_pay_code(reference, signature)
        if not reminder:
            raise request.not_found()
        reminder = reminder.with_context(lang=reminder.lang)
        request.update_context(lang=reminder.lang)
        open_moves = reminder._moves_still_open()
        if len(open_moves) == 1:
            return request.redirect(open_moves.get_portal_url())
        return request.render(
            "account_dunning.pay_page",
            {"reminder": reminder, "moves": open_moves, "company": reminder.company_id},
        )
