"""The short pay-online address printed on letters: /pay/RMD000042-<signature>.

A letter cannot carry a link, so it prints an address short enough to type.
The signature (see account.dunning.reminder._pay_signature) keeps anyone from
reaching a customer's invoices by trying references.  The address leads to a
page listing the reminder's invoices still open, each with its portal page to
pay it, where the customer may also answer the reminder (see
models/account_dunning_answer.py) until the policy's delay has passed.
"""

from markupsafe import Markup

from odoo import http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

ANSWER_FIELDS = ("paid_date", "paid_amount", "promise_date", "installments", "reason", "message")


class DunningPayController(http.Controller):
    @http.route("/pay/<string:code>", type="http", auth="public", website=True, multilang=False, sitemap=False)
    def dunning_pay(self, code, answered=None, **kwargs):
        reminder = self._reminder(code)
        return self._page(reminder, code, answered=answered)

    @http.route(
        "/pay/<string:code>/answer",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        multilang=False,
        sitemap=False,
    )
    def dunning_answer(self, code, kind=None, **post):
        reminder = self._reminder(code)
        if reminder._answers_expired():
            return self._page(reminder, code)
        form = request.httprequest.form
        move_ids = {int(value) for value in form.getlist("move_ids") if value.isdigit()}
        # Only ids of this reminder's invoices are looked at: anything else is refused below.
        moves = reminder._moves_still_open().filtered(lambda move: move.id in move_ids)
        if len(moves) != len(move_ids):
            moves = moves.browse()
        upload = request.httprequest.files.get("document")
        document = (upload.filename, upload.read(), upload.mimetype) if upload and upload.filename else None
        try:
            with request.env.cr.savepoint():
                reminder._record_answer(kind, moves, {name: post.get(name) for name in ANSWER_FIELDS}, document)
        except (UserError, ValidationError) as error:
            return self._page(reminder, code, error=error.args[0], kind=kind, values=post, move_ids=move_ids)
        return request.redirect(f"/pay/{code}?answered={kind}")

    def _reminder(self, code):
        """The reminder of a signed address, in its customer's language; 404 otherwise."""
        reference, _sep, signature = code.rpartition("-")
        # sudo: a public visitor holding the letter's signed address.
        reminder = request.env["account.dunning.reminder"].sudo()._from_pay_code(reference, signature)
        if not reminder:
            raise request.not_found()
        request.update_context(lang=reminder.lang)
        return reminder.with_context(lang=reminder.lang)

    def _page(self, reminder, code, answered=None, error=None, kind=None, values=None, move_ids=None):
        open_moves = reminder._moves_still_open()
        return request.render(
            "account_dunning.pay_page",
            {
                "reminder": reminder,
                "moves": open_moves,
                "company": reminder.company_id,
                "code": code,
                "expired": reminder._answers_expired(),
                "answers": reminder.answer_ids,
                "plans": reminder._payment_plans(),
                "answered": answered,
                "error": Markup.escape(error) if error else None,
                "kind": kind,
                "values": values or {},
                "checked": move_ids if move_ids is not None else set(open_moves.ids),
                "policy": reminder._answer_policy(),
            },
            status=400 if error else 200,
        )
