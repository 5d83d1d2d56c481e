"""What a reminder's wording says: the level's wording in the letter's
language (or the standard one of its tone), its placeholders filled with
this reminder's values.

The values are whole sentences true to the reminder: how many reminders came
before, whether the customer is a professional who owes late fees, whether
this letter already claims them.  Only the placeholders a wording uses are
computed.
"""

from odoo import models
from odoo.tools import format_date, formatLang

from .account_dunning_wording import BLOCKS, fill_wording, split_wording


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    # ---- WORDING ----
    def _wording(self):
        """The wording record in the context language, if any: the one of
        the reminder's letter variant (account_dunning_variant.py), else the
        level's own."""
        self.ensure_one()
        lang = self.env.lang or "en_US"
        wordings = self.level_id.wording_ids.filtered(lambda wording: wording.lang == lang)
        return (
            wordings.filtered(lambda wording: wording.variant_id == self.variant_id)[:1]
            or wordings.filtered(lambda wording: not wording.variant_id)[:1]
        )

    def _wording_parts(self, override=None):
        """[(kind, html)]: the letter's text between its subject line and its
        signature, kind "html" (filled wording) or a statutory block to
        render there ("invoices", "payment").  `override`: (subject, body)
        of a wording being edited, for its preview."""
        self.ensure_one()
        if override:
            source = override[1]
        else:
            source = self._wording().body or self._memo(
                ("standard_wording", self.tone, self.env.lang),
                lambda: self.env["account.dunning.wording"]._standard_body(self.tone),
            )
        segments, names = split_wording(str(source))
        values = {name: getattr(self, f"_placeholder_{name}")() for name in names}
        parts = [(kind, fill_wording(text, values) if kind == "html" else "") for kind, text in segments]
        # A wording saved before it had to keep them still prints the
        # statutory parts: they never depend on the wording.
        present = {kind for kind, _text in parts}
        parts += [(block, "") for block in BLOCKS if block not in present]
        return parts

    # ---- PLACEHOLDERS ----
    def _placeholder_salutation(self):
        return self.partner_id._dunning_salutation()

    def _placeholder_closing(self):
        return self.partner_id._dunning_closing()

    def _placeholder_customer(self):
        return self.partner_id.commercial_partner_id.name or ""

    def _placeholder_company(self):
        return self.company_id.name

    def _placeholder_reference(self):
        return self.reference or ""

    def _placeholder_total(self):
        return ", ".join(
            formatLang(self.env, amount, currency_obj=currency) for currency, amount in self._grand_totals_by_currency()
        )

    def _placeholder_deadline(self):
        deadline = self._payment_deadline()
        return format_date(self.env, deadline) if deadline else ""

    def _placeholder_notice_days(self):
        return str(self.level_id.notice_days)

    def _placeholder_previous_reminders(self):
        return " ".join(filter(None, (self._previous_reminders_sentence(), self._broken_promises_sentence())))

    def _placeholder_contact(self):
        return self._contact_sentence()

    def _placeholder_still_unpaid(self):
        """That the invoices the letter is about remain unpaid, and despite
        how many reminders."""
        _ = self.env._
        count = len(self._previous_reminders(self._lines_at_level().move_id))
        if not count:
            return _("The following invoices remain unpaid although their due date has passed.")
        if count == 1:
            return _("Despite our previous reminder, the following invoices remain unpaid.")
        return _("Despite our previous reminders, the following invoices remain unpaid.")

    def _fees_stance(self):
        """(claimed, threatened): whether this letter claims late fees, and
        whether it may warn that they will be.  Only a professional customer
        reads of either; a private customer owes none."""
        if not self._is_professional(self.partner_id):
            return False, False
        claimed = self.has_fees or bool(self._earlier_fee_totals())
        return claimed, not claimed and self.policy_id.fee_mode not in (False, "none")

    def _placeholder_fees_notice(self):
        """The fee sentence of the firmer letters: charged when this letter
        charges them, never a threat of what it already charges; to a private
        customer, a formal notice states the legal interest it starts."""
        _ = self.env._
        claimed, threatened = self._fees_stance()
        if self.tone == "last":
            if claimed:
                return _(
                    "The late-payment interest and the fixed recovery indemnity due are included in the amount below."
                )
            if threatened:
                return _("Late-payment penalties and the fixed recovery indemnity will then be claimed.")
        elif self.tone in ("formal_notice", "litigation") and claimed:
            return _("This amount includes the late-payment interest and the fixed recovery indemnity due.")
        elif self.tone == "formal_notice" and not self._is_professional(self.partner_id):
            # A private customer owes no indemnity, but interest at the legal
            # rate runs from the formal notice.
            return _(
                "From this formal notice, the sums due bear interest at the legal rate (article 1231-6 of the "
                "French Civil Code)."
            )
        return ""

    def _placeholder_legal_action(self):
        _ = self.env._
        if self._fees_stance()[1]:
            return _(
                "Failing that, we will take legal action to recover the debt, together with late-payment "
                "penalties and the fixed recovery indemnity, without further notice."
            )
        return _("Failing that, we will take legal action to recover the debt without further notice.")

    def _placeholder_handover(self):
        """Why the file is handed over, true to what was sent before."""
        _ = self.env._
        previous = self._previous_reminders(self._lines_at_level().move_id)
        if "formal_notice" in previous.mapped("tone"):
            return _(
                "As the invoices below remain unpaid despite our formal notice, your file has been handed "
                "over for recovery proceedings."
            )
        if previous:
            return _(
                "As the invoices below remain unpaid despite our reminders, your file has been handed over "
                "for recovery proceedings."
            )
        return _("As the invoices below remain unpaid, your file has been handed over for recovery proceedings.")
