import re

from odoo import api, fields, models
from odoo.tools import format_date, formatLang

NBSP = "\u00a0"


def group_digits(number, sizes):
    """`number` cut into groups of `sizes` joined by no-break spaces:
    ('81245763800011', (3, 3, 3, 5)) gives '812 457 638 00011'."""
    groups, start = [], 0
    for size in sizes:
        groups.append(number[start : start + size])
        start += size
    return NBSP.join(group for group in groups if group)


class ResCompany(models.Model):
    _inherit = "res.company"

    # Mentions French law requires on a company's correspondence (Code de
    # commerce R123-237): legal form, share capital, RCS registration.
    legal_form = fields.Char(help="Printed on letters and statements, e.g. SAS, SARL, Ltd.")
    share_capital = fields.Monetary(
        currency_field="currency_id", help="Printed on letters and statements of commercial companies."
    )
    trade_register_city = fields.Char(
        "Trade Register (RCS) City",
        help="City of the trade and companies register (RCS) where the company is registered, e.g. Lyon.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        # EXTENDS 'base': a new company can be dunned from day one.
        companies = super().create(vals_list)
        self.env["account.dunning.policy"]._ensure_default_policy(companies)
        return companies

    def _dunning_bank_account(self):
        """The account customers pay to: that of the company's first bank
        journal, else the company's first bank account."""
        self.ensure_one()
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.id), ("bank_account_id", "!=", False)],
            order="sequence, id",
            limit=1,
        )
        return journal.bank_account_id or self.partner_id.bank_ids[:1]

    # ---- CREDITOR IDENTITY (letters and statements) ----
    def _dunning_siret(self):
        """The SIRET (14 digits) of a French company: the French localisation's
        field, else the company ID when it is one; else False."""
        self.ensure_one()
        partner = self.partner_id
        for value in (partner.siret if "siret" in partner._fields else False, partner.company_registry):
            digits = re.sub(r"\s", "", value or "")
            if re.fullmatch(r"\d{14}", digits):
                return digits
        return False

    def _dunning_siren(self):
        """The SIREN (9 digits): that of the SIRET, else a 9-digit company ID."""
        self.ensure_one()
        siret = self._dunning_siret()
        if siret:
            return siret[:9]
        digits = re.sub(r"\s", "", self.partner_id.company_registry or "")
        return digits if re.fullmatch(r"\d{9}", digits) else False

    def _dunning_is_french(self):
        self.ensure_one()
        return (self.account_fiscal_country_id or self.country_id).code == "FR"

    def _dunning_missing_mentions(self):
        """Labels of the mentions a French company must print on its letters
        and does not have: SIREN (or SIRET) and RCS city; [] elsewhere."""
        self.ensure_one()
        if not self._dunning_is_french():
            return []
        missing = []
        if not self._dunning_siren():
            missing.append(self.env._("SIREN or SIRET (Company ID)"))
        if not self.trade_register_city:
            missing.append(self.env._("Trade Register (RCS) City"))
        return missing

    def _dunning_legal_mentions(self):
        """[mention] identifying the company as creditor on letters and
        statements: legal form and share capital, RCS, SIRET (or company ID)
        and VAT number, e.g. 'RCS Lyon 812 457 638'."""
        self.ensure_one()
        mentions = []
        if self.legal_form and self.share_capital:
            mentions.append(
                self.env._(
                    "%(form)s with a share capital of %(capital)s",
                    form=self.legal_form,
                    capital=self._dunning_amount(self.share_capital),
                )
            )
        elif self.legal_form:
            mentions.append(self.legal_form)
        siren, siret = self._dunning_siren(), self._dunning_siret()
        if self.trade_register_city and siren:
            mentions.append(f"RCS {self.trade_register_city} {group_digits(siren, (3, 3, 3))}")
        if siret:
            mentions.append(f"SIRET {group_digits(siret, (3, 3, 3, 5))}")
        elif self.partner_id.company_registry:
            mentions.append(self.env._("Company ID %s", self.partner_id.company_registry))
        if self.partner_id.vat:
            mentions.append(self.env._("VAT number %s", self.partner_id.vat))
        return mentions

    def _dunning_amount(self, amount):
        """`amount` in the company currency, without cents when it has none
        ("10 000 €")."""
        currency = self.currency_id
        digits = 0 if float(amount).is_integer() else currency.decimal_places
        number = formatLang(self.env, amount, digits=digits).replace(" ", NBSP).replace("\u202f", NBSP)
        if currency.position == "before":
            return f"{currency.symbol}{NBSP}{number}"
        return f"{number}{NBSP}{currency.symbol}"

    def _dunning_letterhead_lines(self):
        """The lines under the company's name at the top of letters and
        statements: postal address, phone, email."""
        self.ensure_one()
        lines = self._dunning_postal_lines(self.partner_id)[1:]
        if self.phone:
            lines.append(self.env._("Tel. %s", self.phone))
        if self.email:
            lines.append(self.email)
        return lines

    def _dunning_contact_line(self):
        """Phone, email and website of the company, joined for one line."""
        self.ensure_one()
        parts = []
        if self.phone:
            parts.append(self.env._("Tel. %s", self.phone))
        parts += [value for value in (self.email, self.website) if value]
        return " – ".join(parts)

    def _dunning_legal_footer(self):
        """[lines] printed at the foot of every page of letters and statements:
        the creditor's identity and mandatory mentions."""
        self.ensure_one()
        address = ", ".join(
            part for part in (self.street, self.street2, " ".join(p for p in (self.zip, self.city) if p)) if part
        )
        first = " – ".join(part for part in (self.name, address) if part)
        second = " – ".join(self._dunning_legal_mentions())
        return [line for line in (first, second, self._dunning_contact_line()) if line]

    def _dunning_postal_lines(self, partner):
        """[name, address lines] of `partner` as an envelope shows them: the
        country line (in capitals) only for an address abroad."""
        self.ensure_one()
        lines = [line.strip() for line in partner._display_address(without_company=True).split("\n")]
        lines = [line for line in lines if line]
        country = partner.country_id
        if country and lines and lines[-1] == country.name:
            if country == self.country_id:
                lines.pop()
            else:
                lines[-1] = country.name.upper()
        return [partner.name or ""] + lines

    def _dunning_place_date_line(self, date):
        """'Lyon, le 22 octobre 2026': the place and the full date, in the
        language of the context."""
        self.ensure_one()
        day = format_date(self.env, date, date_format="long")
        return self.env._("%(city)s, %(date)s", city=self.city, date=day) if self.city else day

    @api.model
    def _dunning_iban(self, bank):
        """The account number grouped by 4 characters with no-break spaces:
        read easily, never cut across two lines."""
        number = re.sub(r"\s", "", bank.acc_number or "")
        return NBSP.join(number[i : i + 4] for i in range(0, len(number), 4))

    def _dunning_payment_sentence(self, reference=None):
        """How to pay, as one translatable sentence (letters and statements)."""
        self.ensure_one()
        bank = self._dunning_bank_account()
        if bank and reference:
            return self.env._(
                "How to pay: by bank transfer to %(holder)s, IBAN %(iban)s, BIC %(bic)s, quoting our reference "
                "%(reference)s and the invoice numbers.",
                holder=bank.acc_holder_name or self.name,
                iban=self._dunning_iban(bank),
                bic=bank.bank_bic or "-",
                reference=reference,
            )
        if bank:
            return self.env._(
                "How to pay: by bank transfer to %(holder)s, IBAN %(iban)s, BIC %(bic)s, quoting the invoice numbers.",
                holder=bank.acc_holder_name or self.name,
                iban=self._dunning_iban(bank),
                bic=bank.bank_bic or "-",
            )
        if reference:
            return self.env._(
                "How to pay: by bank transfer, quoting our reference %s and the invoice numbers.", reference
            )
        return self.env._("How to pay: by bank transfer, quoting the invoice numbers.")
