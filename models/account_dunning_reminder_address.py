"""Who writes to whom: a letter's subject line, salutation and closing, its
signatory and the contact it names.  The salutation and closing are the
customer's (res.partner), for the statements too.

One form of address per letter: a company is written to as "Dear Sir or
Madam" and the closing matches it; an individual with a title by title and
name ("Dear Ms Dubois", "Madame Dubois") with the closing that goes with it.
"""

from odoo import models

from .account_dunning_reminder_content import no_break

# A registered letter's tracking number is known once posted: until then,
# the letter leaves a blank to write it in.
TRACKING_BLANK = "…………………………"


class AccountDunningReminder(models.Model):
    _inherit = "account.dunning.reminder"

    # ---- SUBJECT ----
    def _letter_subject(self, override=None):
        """The subject of the letter and its email: the wording's (`override`:
        (subject, body) of a wording being edited), else the level's, else
        that of its tone."""
        self.ensure_one()
        subject = override[0] if override else self._wording().subject
        if subject:
            return subject
        if self.level_id.letter_subject:
            return self.level_id.letter_subject
        several = len(self.line_ids) > 1
        _ = self.env._
        if self.tone == "courteous":
            return _("Payment reminder – unpaid invoices") if several else _("Payment reminder – unpaid invoice")
        if self.tone == "firm":
            return _("Reminder – unpaid invoices") if several else _("Reminder – unpaid invoice")
        if self.tone == "last":
            return _("Last reminder before recovery proceedings")
        if self.tone == "formal_notice":
            return _("Formal notice to pay")
        if self.tone == "litigation":
            return _("Your file handed over for recovery proceedings")
        return _("Unpaid invoices") if several else _("Unpaid invoice")

    def _letter_subject_line(self, override=None):
        self.ensure_one()
        return self.env._("Subject: %s", self._letter_subject(override))

    def _registered_line(self):
        """The registered-letter mention of a letter sent that way, with its
        tracking number when known, else a blank to fill in."""
        self.ensure_one()
        if not self.channel_registered:
            return ""
        return self.env._(
            "Registered letter with acknowledgement of receipt No. %s", self.registered_tracking or TRACKING_BLANK
        )

    # ---- SIGNATORY ----
    def _signatory(self):
        """(name, title) signing the letter: the level's signatory, else the
        policy's, else the company default policy's, else whoever follows
        the reminder up; never the scheduler's bot (see _responsible)."""
        self.ensure_one()
        for source in (self.level_id, self.policy_id, None):
            # The default policy is looked up only when the others sign nothing.
            source = self._default_policy() if source is None else source
            if source and source._signatory_name():
                return source._signatory_name(), source.signatory_title or self.env._("Credit management")
        responsible = self._responsible()
        if responsible:
            return responsible.name, self.env._("Credit management")
        return "", self.env._("Credit management department")

    # ---- CONTACT ----
    def _collections_contact(self):
        """The partner named as the customer's contact: whoever follows the
        reminder up, else the policy's collections contact, else the company
        default policy's, else the company itself."""
        self.ensure_one()
        responsible = self._responsible()
        if responsible:
            return responsible.partner_id
        return (
            self.policy_id.collections_contact_id
            or self._default_policy().collections_contact_id
            or self.company_id.partner_id
        )

    def _default_policy(self):
        """The company's default policy: its letter settings apply when the reminder's level and policy have none."""
        self.ensure_one()
        company = self.company_id
        return self._memo(
            ("default_policy", company.id), lambda: self.env["account.dunning.policy"]._default_for_company(company)
        )

    def _contact_sentence(self):
        self.ensure_one()
        contact = self._collections_contact()
        phone = contact.phone or contact.mobile or self.company_id.phone
        details = [d for d in (contact.email or self.company_id.email, phone and no_break(phone)) if d]
        if details:
            return self.env._(
                "Your contact for this file: %(name)s (%(details)s).", name=contact.name, details=", ".join(details)
            )
        return self.env._("Your contact for this file: %s.", contact.name)


class ResPartner(models.Model):
    _inherit = "res.partner"

    # ---- SALUTATION AND CLOSING (letters and statements) ----
    def _dunning_addressee_title(self):
        """(title word, surname) of the individual the letter is written to,
        or None for a company or a person without a title."""
        self.ensure_one()
        person = self.commercial_partner_id
        if person.is_company or not person.title or not (person.name or "").strip():
            return None
        _ = self.env._
        words = {
            "base.res_partner_title_madam": _("Ms"),
            "base.res_partner_title_miss": _("Ms"),
            "base.res_partner_title_mister": _("Mr"),
            "base.res_partner_title_doctor": _("Dr"),
            "base.res_partner_title_prof": _("Professor"),
        }
        word = next(
            (word for xmlid, word in words.items() if self.env.ref(xmlid, raise_if_not_found=False) == person.title),
            person.title.shortcut or person.title.name,
        )
        names = person.name.split()
        # "Claire Dubois" -> "Dubois"; "Jean de La Fontaine" -> "de La Fontaine".
        surname = " ".join(names[1:]) if len(names) > 1 else names[0]
        return word, surname

    def _dunning_salutation(self):
        self.ensure_one()
        addressee = self._dunning_addressee_title()
        if not addressee:
            return self.env._("Dear Sir or Madam,")
        return self.env._("Dear %(title)s %(name)s,", title=addressee[0], name=addressee[1])

    def _dunning_closing(self):
        """The closing formula matching the salutation.  The title is passed
        to the individual's closing for languages that repeat it (French:
        "Veuillez agréer, Madame, ..."); English does not."""
        self.ensure_one()
        addressee = self._dunning_addressee_title()
        if not addressee:
            return self.env._("Yours faithfully,")
        return self.env._("Yours sincerely,", title=addressee[0])
