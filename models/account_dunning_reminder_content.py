"""What a reminder letter says beyond its invoices: whole sentences, history,
deadline and ways to pay.

Sentences with values are built here with ``_()`` and named arguments so a
translator sees a whole sentence; the QWeb body only places them.  Everything
is read from the frozen reminder, in the language of the rendering context.
"""

import base64
import io
from datetime import timedelta

import qrcode
import qrcode.image.svg

from odoo import models
from odoo.tools import format_date, formatLang

# Tones whose letter names a payment date (the level's notice days after the
# letter); a formal notice counts them from receipt (see deadline_date).
DEADLINE_TONES = ("firm", "last")


def svg_qr_code_data_uri(value):
    """A QR code of `value` as an SVG data URI, error correction M as the
    EPC guidelines ask."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, image_factory=qrcode.image.svg.SvgPathImage
    )
    code.add_data(value)
    code.make(fit=True)
    stream = io.BytesIO()
    code.make_image().save(stream)
    return "data:image/svg+xml;base64," + base64.b64encode(stream.getvalue()).decode()


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    # ---- TONE ----
    def _tone_paragraph(self):
        """The paragraph of the tones that give the customer a delay, with the
        level's notice days (courteous and litigation texts are in the letter)."""
        self.ensure_one()
        days = self.level_id.notice_days
        if self.tone == "firm":
            return self.env._(
                "Despite our previous reminder, the following invoices remain unpaid. Please settle them within "
                "%(days)s days. If you are facing difficulties, contact us: we can agree on a payment plan.",
                days=days,
            )
        if self.tone == "last":
            return self.env._(
                "This is our last reminder before recovery proceedings. The following invoices remain unpaid "
                "despite our previous reminders. Without payment within %(days)s days, your file will be handed "
                "over to our recovery department, and late-payment penalties and the fixed recovery indemnity "
                "will be claimed.",
                days=days,
            )
        if self.tone == "formal_notice":
            return self.env._(
                "Despite our reminders, the following invoices remain unpaid. By this letter, we give you formal "
                "notice, under article 1344 of the French Civil Code, to pay the amount below within %(days)s "
                "days of receipt of this letter. Failing that, we will take legal action to recover the debt, "
                "together with late-payment penalties and the fixed recovery indemnity, without further notice.",
                days=days,
            )
        return ""

    # ---- HISTORY ----
    def _previous_reminders(self):
        """Earlier reminders of the same invoices that went out, oldest first."""
        self.ensure_one()
        return self.search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("company_id", "=", self.company_id.id),
                ("state", "=", "sent"),
                # _origin: the Send Reminder preview renders an unsaved reminder.
                ("id", "!=", self._origin.id or 0),
                ("date", "<=", self.date),
                ("line_ids.move_id", "in", self.line_ids.move_id._origin.ids),
            ],
            order="date, id",
        )

    def _previous_reminders_sentence(self):
        self.ensure_one()
        previous = self._previous_reminders()
        if not previous:
            return ""
        items = ", ".join(
            self.env._("%(date)s (%(level)s)", date=format_date(self.env, r.date), level=r.level_id.name)
            for r in previous
        )
        return self.env._("Our previous reminders about these invoices: %s.", items)

    # ---- DEADLINE ----
    def _payment_deadline(self):
        """Date by which payment is asked, for the tones that set one.  A
        formal notice gives its delay from receipt, which the letter states."""
        self.ensure_one()
        if self.tone not in DEADLINE_TONES or not self.date:
            return False
        return self.date + timedelta(days=self.level_id.notice_days)

    def _deadline_sentence(self):
        self.ensure_one()
        deadline = self._payment_deadline()
        if not deadline:
            return ""
        if self.tone == "last":
            return self.env._(
                "Without payment by %(date)s, your file will be handed over to our recovery department "
                "on the following day.",
                date=format_date(self.env, deadline),
            )
        return self.env._("Please pay by %s.", format_date(self.env, deadline))

    # ---- FEES ----
    def _fees_legal_sentence(self):
        """The statutory mention, for professional customers of a policy that charges fees."""
        self.ensure_one()
        policy = self.policy_id
        if not policy or policy.fee_mode == "none" or not self._is_professional(self.partner_id):
            return ""
        return self.env._(
            "Late payment bears interest at the European Central Bank rate plus %(margin)s points, and a fixed "
            "indemnity of %(indemnity)s per invoice for recovery costs is due (French Commercial Code, "
            "articles L441-10 and D441-5).",
            margin=formatLang(self.env, policy.interest_margin, digits=0 if policy.interest_margin.is_integer() else 2),
            indemnity=self.company_currency_id.format(policy.indemnity_amount),
        )

    def _fee_line_label(self, line):
        if not line.interest_amount:
            return ""
        return self.env._(
            "%(rate)s %% a year, %(start)s – %(end)s",
            rate=formatLang(self.env, line.interest_rate),
            start=format_date(self.env, line.interest_date_from),
            end=format_date(self.env, line.interest_date_to),
        )

    def _fee_invoices_sentence(self):
        self.ensure_one()
        moves = self.fee_move_ids.filtered(lambda m: m.state == "posted")
        if not moves:
            return ""
        return self.env._("These fees are invoiced on %s.", ", ".join(moves.mapped("name")))

    # ---- HOW TO PAY ----
    def _payment_sentence(self):
        self.ensure_one()
        return self.company_id._dunning_payment_sentence(self.reference)

    def _pay_online_links(self):
        """[(invoice name, absolute portal URL)]: the customer's 'pay now' page of each invoice."""
        self.ensure_one()
        base = self.get_base_url()
        return [(move.name, base + move.get_portal_url()) for move in self.line_ids.move_id]

    def _reference_url(self):
        """Where the reference printed on the letter links to: the pay-online
        page of its first invoice, with the reference as fragment.  Cutting
        a batch of letters reads it back from each page's links, a fast and
        exact way to know where each letter starts."""
        self.ensure_one()
        links = self._pay_online_links()
        return f"{links[0][1] if links else self.get_base_url()}#{self.reference}"

    def _sepa_qr_code(self):
        """Data URI of an EPC (SEPA credit transfer) QR code for the total to
        pay, when it is in euros to an IBAN; else False."""
        self.ensure_one()
        bank = self._bank_account()
        totals = self._grand_totals_by_currency()
        if not bank or len(totals) != 1 or totals[0][0].name != "EUR" or totals[0][1] <= 0:
            return False
        currency, amount = totals[0]
        # The EPC payload from Odoo's SEPA QR module, drawn as SVG: the same
        # code as Odoo's PNG, several times faster to make (it dominated the
        # printing of a batch of letters).
        vals = bank._build_qr_code_vals(
            currency.round(amount), self.reference, None, currency, self.partner_id, qr_method="sct_qr"
        )
        params = vals and bank._get_qr_code_generation_params(**vals)
        return svg_qr_code_data_uri(params["value"]) if params else False

    def _contact_sentence(self):
        self.ensure_one()
        responsible = self._responsible()
        if not responsible:
            return ""
        details = [d for d in (responsible.email, responsible.phone or self.company_id.phone) if d]
        if details:
            return self.env._(
                "Your contact for this file: %(name)s (%(details)s).", name=responsible.name, details=", ".join(details)
            )
        return self.env._("Your contact for this file: %s.", responsible.name)
